/**
 * Turning the Change Data Feed on: the CREATE TABLE forms (WITH / TBLPROPERTIES, column list and
 * CTAS) and CreateTableRequest.enableChangeDataFeed; the protocol is raised to writer 4 only for
 * tables that use it; every commit k3 writes on such a table passes the commit validator (cdc
 * actions included); appends write no change files, OPTIMIZE none, a no-op rewrite an empty one.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot, validateCommit } from '../../src/delta/index.ts';
import { codeOf } from '../support/error-code.ts';
import { LocalObjectStore } from '../../src/object-store/index.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';

let h: Harness;
let store: LocalObjectStore;
beforeAll(async () => {
  h = await createHarness();
  store = new LocalObjectStore(path.join(h.dir, 'data', h.bucket));
});
afterAll(async () => {
  await h?.close();
});

const snapshot = (t: string) => loadSnapshot(store, `tables/${t}/`);

async function commits(t: string): Promise<string[]> {
  const dir = path.join(h.dir, 'data', h.bucket, 'tables', t, '_delta_log');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map((n) => readFile(path.join(dir, n), 'utf8')));
}

describe('enabling the change data feed', () => {
  it('CREATE TABLE … WITH / TBLPROPERTIES, CTAS and CreateTableRequest raise the protocol to writer 4', async () => {
    await h.ddl("CREATE TABLE a (id INTEGER) WITH ('delta.enableChangeDataFeed' = true)");
    await h.ddl('CREATE TABLE b (id INTEGER PRIMARY KEY, v VARCHAR) PARTITIONED BY (v) TBLPROPERTIES (delta.enableChangeDataFeed = \'true\')');
    await h.ddl("CREATE TABLE c WITH ('delta.enableChangeDataFeed' = true) AS SELECT 1 AS id, 'x' AS v");
    await h.engine.createTable(h.bucket, { name: 'd', columns: [{ name: 'id', type: 'COLUMN_TYPE_INT', nullable: true, defaultExpression: '' }], enableChangeDataFeed: true });
    for (const t of ['a', 'b', 'c', 'd']) {
      const s = await snapshot(t);
      expect(s.protocol, t).toEqual({ minReaderVersion: 1, minWriterVersion: 4 });
      expect(s.metadata.configuration['delta.enableChangeDataFeed'], t).toBe('true');
    }
    expect((await snapshot('b')).partitionColumns).toEqual(['v']);
    expect((await h.query("SELECT id, _change_type FROM table_changes('c', 0)")).rows).toEqual([[1, 'insert']]); // CTAS keeps the query's INTEGER (issue 15)
  });

  it('off by default and with = false: protocol (1,2), no property', async () => {
    await h.ddl('CREATE TABLE plain (id INTEGER PRIMARY KEY)');
    await h.ddl("CREATE TABLE off (id INTEGER) WITH ('delta.enableChangeDataFeed' = false)");
    for (const t of ['plain', 'off']) {
      const s = await snapshot(t);
      expect(s.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
      expect(s.metadata.configuration['delta.enableChangeDataFeed']).toBeUndefined();
    }
  });

  it('refuses unknown properties and values with a clear 400', async () => {
    expect(await codeOf(h.exec("CREATE TABLE x (id INTEGER) WITH ('delta.appendOnly' = true)"))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(h.exec("CREATE TABLE x (id INTEGER) WITH ('delta.enableChangeDataFeed' = 'maybe')"))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(h.exec('CREATE TABLE x (id INTEGER) WITH (delta.enableChangeDataFeed)'))).toBe('ERR_SQL_PARSE');
  });

  it('writes valid commits: change files only for commits that remove data, none for appends and OPTIMIZE', async () => {
    await h.write('INSERT INTO a VALUES (1), (2), (3)');
    await h.write('INSERT INTO a VALUES (4)');
    await h.write('UPDATE a SET id = id + 10 WHERE id = 1');
    await h.write('UPDATE a SET id = id WHERE id = 2'); // rewrites a file, changes no row
    await h.exec('OPTIMIZE a');
    await h.write('DELETE FROM a WHERE id = 4');
    const log = await commits('a');
    log.forEach((body, v) => expect(validateCommit(body, v), `version ${v}`).toEqual([]));
    const cdcCount = log.map((body) => body.split('\n').filter((l) => l.startsWith('{"cdc"')).length);
    const ops = log.map((body) => (JSON.parse(body.split('\n')[0]!) as { commitInfo: { operation: string } }).commitInfo.operation);
    expect(ops).toEqual(['CREATE TABLE', 'WRITE', 'WRITE', 'UPDATE', 'UPDATE', 'OPTIMIZE', 'DELETE']);
    expect(cdcCount.slice(0, 3)).toEqual([0, 0, 0]);
    expect(cdcCount[3]).toBeGreaterThan(0);
    expect(cdcCount[4]).toBe(1); // the empty change file: no row changed
    expect(cdcCount[5]).toBe(0);
    const feed = await h.query("SELECT id, _change_type, _commit_version FROM table_changes('a', 3) ORDER BY _commit_version, _change_type");
    expect(feed.rows).toEqual([[11, 'update_postimage', '3'], [1, 'update_preimage', '3'], [4, 'delete', '6']]);
  });

  it('ALTER TABLE … SET TBLPROPERTIES turns the feed on for an existing keyed table (and off again)', async () => {
    await h.ddl('CREATE TABLE later (id INTEGER PRIMARY KEY, v VARCHAR)');
    await h.write("INSERT INTO later VALUES (1, 'a'), (2, 'b')");
    const before = await snapshot('later');
    expect(before.protocol.minWriterVersion).toBe(2);
    expect(await codeOf(h.exec("SELECT * FROM table_changes('later', 0)"))).toBe('ERR_CDF_NOT_ENABLED');
    const on = await h.ddl("ALTER TABLE later SET TBLPROPERTIES ('delta.enableChangeDataFeed' = true)");
    const s = await snapshot('later');
    expect(s.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 4 });
    expect(s.metadata.configuration['delta.enableChangeDataFeed']).toBe('true');
    expect(s.metadata.configuration['k3.primaryKey']).toBe('["id"]');
    const enabledAt = Number(on.version);
    await h.write("UPDATE later SET v = 'z' WHERE id = 1");
    const feed = await h.query(`SELECT id, v, _change_type FROM table_changes('later', ${enabledAt}) ORDER BY _change_type`);
    expect(feed.rows).toEqual([[1, 'z', 'update_postimage'], [1, 'a', 'update_preimage']]);
    expect(await codeOf(h.exec(`SELECT * FROM table_changes('later', ${enabledAt - 1})`))).toBe('ERR_CDF_NOT_ENABLED');
    await h.ddl("ALTER TABLE later SET ('delta.enableChangeDataFeed' = false)");
    const off = await snapshot('later');
    expect(off.metadata.configuration['delta.enableChangeDataFeed']).toBeUndefined();
    expect(off.protocol.minWriterVersion).toBe(4); // a protocol never goes down
    expect(await codeOf(h.exec("ALTER TABLE later SET TBLPROPERTIES ('delta.appendOnly' = true)"))).toBe('ERR_BAD_REQUEST');
    const log = await commits('later');
    log.forEach((body, v) => expect(validateCommit(body, v), `version ${v}`).toEqual([]));
  });

  it('CREATE OR REPLACE on a feed table records the replaced rows as deletes (a new column reads NULL in them)', async () => {
    await h.ddl("CREATE TABLE rep (id INTEGER) WITH ('delta.enableChangeDataFeed' = true)");
    await h.write('INSERT INTO rep VALUES (1), (2)');
    const replaced = await h.ddl("CREATE OR REPLACE TABLE rep WITH ('delta.enableChangeDataFeed' = true) AS SELECT 3::INTEGER AS id, 'x' AS note");
    const feed = await h.query(`SELECT id, note, _change_type FROM table_changes('rep', ${replaced.version}) ORDER BY id`);
    expect(feed.rows).toEqual([[1, null, 'delete'], [2, null, 'delete'], [3, 'x', 'insert']]); // CTAS keeps id INTEGER (issue 15)
  });
});
