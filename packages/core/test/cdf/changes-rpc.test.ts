/**
 * Engine.tableChanges (the Changes RPC: pages in a total order, tokens, windows of versions,
 * errors) and Engine.tableDiff ("what changed since" a version, keyed and not), on a real Engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../support/error-code.ts';
import { CHANGES_VERSIONS_PER_PAGE, type ChangesRequest } from '../../src/sql/index.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';
import { wireRows } from '../support/wire-rows.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.ddl("CREATE TABLE k (id INTEGER PRIMARY KEY, name VARCHAR) WITH ('delta.enableChangeDataFeed' = true)");
  await h.write("INSERT INTO k SELECT i, 'n' || i FROM range(1, 8) t(i)"); // v1: 7 inserts
  await h.write("UPDATE k SET name = 'z' WHERE id <= 3"); // v2: 3 pre + 3 post
  await h.write('DELETE FROM k WHERE id = 7'); // v3: 1 delete
  await h.ddl('CREATE TABLE plain (id INTEGER, name VARCHAR)');
  await h.write("INSERT INTO plain VALUES (1, 'a'), (2, 'b')");
});
afterAll(async () => {
  await h?.close();
});

describe('Changes RPC', () => {
  it('pages through every change exactly once, in version order, whatever the page size', async () => {
    const all = await h.query("SELECT * FROM table_changes('k', 0)");
    expect(all.rows).toHaveLength(14);
    for (const pageSize of [1, 2, 3, 5, 100]) {
      const got: unknown[][] = [];
      let req: ChangesRequest = { fromVersion: 0, pageSize };
      for (let pages = 0; pages < 50; pages++) {
        const page = await h.engine.tableChanges(h.bucket, 'k', req);
        expect(page.rows.length).toBeLessThanOrEqual(pageSize);
        expect(page.toVersion).toBe(3);
        got.push(...wireRows(page));
        if (page.nextPageToken === undefined) break;
        req = { pageToken: page.nextPageToken, pageSize };
      }
      expect(got.map((r) => JSON.stringify(r)).sort()).toEqual(all.rows.map((r) => JSON.stringify(r)).sort());
      const versions = got.map((r) => Number(r[3]));
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
    }
  });

  it('answers the columns and change types, and an end version', async () => {
    const page = await h.engine.tableChanges(h.bucket, 'k', { fromVersion: 2, toVersion: 2 });
    expect(page.columns.map((c) => c.name)).toEqual(['id', 'name', '_change_type', '_commit_version', '_commit_timestamp']);
    expect(page.rows.map((r) => [r[0], r[2]])).toEqual([[1, 'update_preimage'], [2, 'update_preimage'], [3, 'update_preimage'], [1, 'update_postimage'], [2, 'update_postimage'], [3, 'update_postimage']]);
    expect(page.nextPageToken).toBeUndefined();
  });

  it('polling from the latest version + 1 is an empty page; beyond it and bad input are clear errors', async () => {
    const empty = await h.engine.tableChanges(h.bucket, 'k', { fromVersion: 4 });
    expect(empty.rows).toEqual([]);
    expect(empty.nextPageToken).toBeUndefined();
    expect(await codeOf(h.engine.tableChanges(h.bucket, 'k', { fromVersion: 2, toVersion: 9 }))).toBe('ERR_DELTA_VERSION_NOT_FOUND');
    expect(await codeOf(h.engine.tableChanges(h.bucket, 'k', {}))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(h.engine.tableChanges(h.bucket, 'k', { fromVersion: 0, pageToken: 'garbage' }))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(h.engine.tableChanges(h.bucket, 'k', { fromVersion: 0, pageSize: 0 }))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(h.engine.tableChanges(h.bucket, 'plain', { fromVersion: 0 }))).toBe('ERR_CDF_NOT_ENABLED');
    expect(await codeOf(h.engine.tableChanges(h.bucket, 'nope', { fromVersion: 0 }))).toBe('ERR_TABLE_NOT_FOUND');
  });

  it('takes timestamp bounds as table_changes does (from: first commit at or after, to: last at or before)', async () => {
    const history = await h.engine.tableHistory(h.bucket, 'k', { limit: 10 });
    const at = (v: number): number => Number(history.entries.find((e) => String(e.version) === String(v))!.timestamp);
    const iso = (ms: number): string => new Date(ms).toISOString();
    const page = await h.engine.tableChanges(h.bucket, 'k', { fromTimestamp: iso(at(2)), toTimestamp: iso(at(2)) });
    expect([page.fromVersion, page.toVersion]).toEqual([2, 2]);
    expect(page.rows.map((r) => r[2])).toEqual(['update_preimage', 'update_preimage', 'update_preimage', 'update_postimage', 'update_postimage', 'update_postimage']);
    // One millisecond after v1's commit: the range starts at v2 and runs to HEAD; equal to the SQL function.
    const open = await h.engine.tableChanges(h.bucket, 'k', { fromTimestamp: iso(at(1) + 1) });
    expect([open.fromVersion, open.toVersion]).toEqual([2, 3]);
    const sql = await h.query(`SELECT * FROM table_changes('k', '${iso(at(1) + 1)}')`);
    expect(wireRows(open).map((r) => JSON.stringify(r)).sort()).toEqual(sql.rows.map((r) => JSON.stringify(r)).sort());
    // A version and a timestamp for the same bound, or a timestamp that is not one: clear 400s.
    expect(await codeOf(h.engine.tableChanges(h.bucket, 'k', { fromVersion: 1, fromTimestamp: iso(at(1)) }))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(h.engine.tableChanges(h.bucket, 'k', { fromVersion: 1, toVersion: 2, toTimestamp: iso(at(2)) }))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(h.engine.tableChanges(h.bucket, 'k', { fromTimestamp: 'yesterday' }))).toBe('ERR_BAD_REQUEST');
  });

  it('a long history is read in windows of versions (short pages carry a token)', async () => {
    await h.ddl("CREATE TABLE many (id INTEGER) WITH ('delta.enableChangeDataFeed' = true)");
    const n = CHANGES_VERSIONS_PER_PAGE + 5;
    for (let i = 1; i <= n; i++) await h.write(`INSERT INTO many VALUES (${i})`);
    const first = await h.engine.tableChanges(h.bucket, 'many', { fromVersion: 0, pageSize: 10_000 });
    expect(first.rows).toHaveLength(CHANGES_VERSIONS_PER_PAGE - 1); // versions 1..99 of the first window 0..99
    expect(first.nextPageToken).toBeDefined();
    const second = await h.engine.tableChanges(h.bucket, 'many', { pageToken: first.nextPageToken!, pageSize: 10_000 });
    expect(second.rows.map((r) => r[0]).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 6 }, (_, i) => CHANGES_VERSIONS_PER_PAGE + i));
    expect(second.nextPageToken).toBeUndefined();
  }, 120_000);
});

describe('what changed since (diff against HEAD)', () => {
  it('keyed: added, removed and changed rows by primary key', async () => {
    const d = await h.engine.tableDiff(h.bucket, 'k', { version: 1 });
    expect(d).toMatchObject({ fromVersion: 1, toVersion: 3, keyColumns: ['id'], added: 0, removed: 1, changed: 3, truncated: false });
    expect(d.rows).toEqual([
      { change: 'changed', key: { id: 1 }, before: { id: 1, name: 'n1' }, after: { id: 1, name: 'z' } },
      { change: 'changed', key: { id: 2 }, before: { id: 2, name: 'n2' }, after: { id: 2, name: 'z' } },
      { change: 'changed', key: { id: 3 }, before: { id: 3, name: 'n3' }, after: { id: 3, name: 'z' } },
      { change: 'removed', key: { id: 7 }, before: { id: 7, name: 'n7' } },
    ]);
    const fromStart = await h.engine.tableDiff(h.bucket, 'k', { version: 0, limit: 2 });
    expect(fromStart).toMatchObject({ added: 6, removed: 0, changed: 0, truncated: true });
    expect(fromStart.rows).toHaveLength(2);
  });

  it('against another version than HEAD (toVersion)', async () => {
    const d = await h.engine.tableDiff(h.bucket, 'k', { version: 1, toVersion: 2 });
    expect(d).toMatchObject({ fromVersion: 1, toVersion: 2, keyColumns: ['id'], added: 0, removed: 0, changed: 3, truncated: false });
    expect(d.rows.map((r) => r.key)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const back = await h.engine.tableDiff(h.bucket, 'k', { version: 2, toVersion: 3 });
    expect(back).toMatchObject({ added: 0, removed: 1, changed: 0 });
    expect(await codeOf(h.engine.tableDiff(h.bucket, 'k', { version: 1, toVersion: 42 }))).toBe('ERR_DELTA_VERSION_NOT_FOUND');
    expect(await codeOf(h.engine.tableDiff(h.bucket, 'k', { version: 2, toVersion: 1 }))).toBe('ERR_BAD_REQUEST');
    expect(await h.engine.tableDiff(h.bucket, 'k', { version: 2, toVersion: 2 })).toMatchObject({ added: 0, removed: 0, changed: 0, rows: [] });
  });

  it('without a key: rows as multisets; works without the feed', async () => {
    await h.write("UPDATE plain SET name = 'c' WHERE id = 2");
    const d = await h.engine.tableDiff(h.bucket, 'plain', { version: 1 });
    expect(d).toMatchObject({ keyColumns: [], added: 1, removed: 1, changed: 0 });
    expect(d.rows).toEqual([{ change: 'added', after: { id: 2, name: 'c' } }, { change: 'removed', before: { id: 2, name: 'b' } }]);
    expect(await codeOf(h.engine.tableDiff(h.bucket, 'plain', { version: 99 }))).toBe('ERR_DELTA_VERSION_NOT_FOUND');
  });
});
