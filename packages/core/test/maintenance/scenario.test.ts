/**
 * The seeds' time-travel walk-through on one real table (LocalObjectStore, DuckDB, Parquet):
 * appends, an overwrite, a schema change and OPTIMIZE, crossing a checkpoint; every version read
 * by AS OF VERSION and AS OF TIMESTAMP (extractAsOf + pinned bindings) before and after OPTIMIZE;
 * RESTORE back and forward; history pages matching the versions; VACUUM dry run == real run, and
 * time travel to a vacuumed version failing with ERR_DELTA_DATA_FILE_MISSING.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { FileCache } from '../../src/exec/file-cache.ts';
import { bindSnapshotCached } from '../../src/exec/read-snapshot-rows.ts';
import { quoteIdentifier } from '../../src/exec/sql-quote.ts';
import { extractAsOf } from '../../src/maintenance/as-of.ts';
import { tableHistory, type HistoryEntry } from '../../src/maintenance/history.ts';
import { optimizeTable } from '../../src/maintenance/optimize.ts';
import { restoreTable } from '../../src/maintenance/restore.ts';
import { vacuumTable } from '../../src/maintenance/vacuum.ts';
import { addColumn, append, createTable, createTableEnv, field, overwrite, rowsAt, type TableEnv } from './support/table-env.ts';

let env: TableEnv;
const root = 'tables/contracts/';
const expected = new Map<number, string[]>();
const operations: string[] = [];

/** Runs `sql` (time-travel clauses allowed) against the table, binding each pin's snapshot. */
async function query(sql: string, cache: FileCache = env.cache): Promise<string[]> {
  const { sql: rewritten, pins } = extractAsOf(sql);
  const leases = [];
  try {
    for (const pin of pins) leases.push(await bindSnapshotCached(env.conn, pin.binding, await loadSnapshot(env.store, root, pin.at), cache, env.store));
    return (await env.conn.runAndReadAll(rewritten)).getRowObjectsJson().map((r) => JSON.stringify(r)).sort();
  } finally {
    for (const pin of pins) await env.conn.run(`DROP VIEW IF EXISTS ${quoteIdentifier(pin.binding)}`);
    for (const l of leases) l.release();
  }
}

beforeAll(async () => {
  env = await createTableEnv({ checkpointInterval: 10 });
  await createTable(env, root, { type: 'struct', fields: [field('id', 'long'), field('amount', 'double'), field('region', 'string')] }, ['region']);
  operations.push('CREATE TABLE');
  const batch = (from: number, n: number) => `SELECT i AS id, i * 1.5 AS amount, CASE i % 3 WHEN 0 THEN 'UK' WHEN 1 THEN 'DE' ELSE 'FR' END AS region FROM range(${from}, ${from + n}) t(i)`;
  for (let i = 0; i < 4; i++) { await append(env, root, batch(i * 10, 10)); operations.push('WRITE'); } // v1–v4
  await overwrite(env, root, batch(100, 12)); operations.push('WRITE'); // v5
  for (let i = 0; i < 2; i++) { await append(env, root, batch(200 + i * 10, 10)); operations.push('WRITE'); } // v6–v7
  await addColumn(env, root, 'signed_at', 'date'); operations.push('ADD COLUMNS'); // v8
  for (let i = 0; i < 3; i++) { // v9–v11 (checkpoint at 10)
    await append(env, root, `SELECT i AS id, i * 2.0 AS amount, 'UK' AS region, DATE '2026-04-01' + i::INT AS signed_at FROM range(${300 + i * 5}, ${305 + i * 5}) t(i)`);
    operations.push('WRITE');
  }
  for (let v = 0; v <= 11; v++) expected.set(v, await rowsAt(env, root, { version: v }));
}, 120_000);
afterAll(async () => env.close());

describe('time travel and maintenance, end to end', () => {
  it('reads every version by AS OF VERSION and AS OF TIMESTAMP, identically before and after OPTIMIZE', async () => {
    const timestamps = new Map<number, number>();
    for (let v = 0; v <= 11; v++) timestamps.set(v, (await loadSnapshot(env.store, root, { version: v })).timestamp);
    const readAll = async (): Promise<void> => {
      for (let v = 0; v <= 11; v++) {
        expect(await query(`SELECT * FROM contracts AS OF VERSION ${v}`), `v${v}`).toEqual(expected.get(v));
        expect(await query(`SELECT * FROM contracts AS OF TIMESTAMP '${new Date(timestamps.get(v)!).toISOString()}'`), `ts of v${v}`).toEqual(expected.get(v));
      }
    };
    await readAll();
    const filesBefore = (await loadSnapshot(env.store, root)).files.length;
    const res = await optimizeTable(env.store, root, {}, env.deps);
    operations.push('OPTIMIZE');
    expect(res.version).toBe(12);
    expect(await rowsAt(env, root)).toEqual(expected.get(11));
    expect((await loadSnapshot(env.store, root)).files.length).toBeLessThan(filesBefore);
    await readAll();
    // Different versions of the same table in one query.
    const diff = await query("SELECT n.id FROM contracts AS OF VERSION 11 n ANTI JOIN contracts AS OF VERSION 9 o USING (id) WHERE n.region = 'UK'");
    expect(diff.map((r) => JSON.parse(r).id).sort()).toEqual(['305', '306', '307', '308', '309', '310', '311', '312', '313', '314']);
  });

  it('restores back to before the overwrite and forward again', async () => {
    expect(await restoreTable(env.store, root, { version: 4 }, env.deps)).toEqual({ versionBefore: 12, versionAfter: 13 });
    operations.push('RESTORE');
    expect(await rowsAt(env, root)).toEqual(expected.get(4));
    expect(await restoreTable(env.store, root, { version: 12 }, env.deps)).toEqual({ versionBefore: 13, versionAfter: 14 });
    operations.push('RESTORE');
    expect(await rowsAt(env, root)).toEqual(expected.get(11));
  });

  it('pages history so that it matches the versions across the checkpoint', async () => {
    const entries: HistoryEntry[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await tableHistory(env.store, root, { limit: 4, beforeVersion: before });
      expect(page.currentVersion).toBe(14);
      entries.push(...page.entries);
      if (!page.hasMore) break;
      before = page.oldestReturnedVersion;
    }
    expect(entries.map((e) => e.version)).toEqual(Array.from({ length: 15 }, (_, i) => 14 - i));
    expect(entries.map((e) => e.operation).reverse()).toEqual(operations);
    expect(entries.find((e) => e.version === 12)?.operationMetrics).toMatchObject({ numRemovedFiles: expect.any(String), numAddedFiles: expect.any(String) });
  });

  it('vacuums exactly what the dry run lists; time travel to vacuumed versions then fails clearly', async () => {
    const later = Date.now() + 200 * 3_600_000;
    const dry = await vacuumTable(env.store, root, { dryRun: true, now: later }, env.deps);
    expect(Number(dry.filesDeleted)).toBeGreaterThan(0);
    const real = await vacuumTable(env.store, root, { now: later }, env.deps);
    expect(real.filesDeletedPaths).toEqual(dry.filesDeletedPaths);
    expect(real.version).toBe(16);
    expect(await query('SELECT * FROM contracts AS OF VERSION 16')).toEqual(expected.get(11));
    const fresh = new FileCache({ dir: join(env.dir, 'cache-after-vacuum'), maxBytes: 1 << 30 });
    await expect(query('SELECT * FROM contracts AS OF VERSION 3', fresh)).rejects.toMatchObject({ code: 'ERR_DELTA_DATA_FILE_MISSING' });
    await expect(restoreTable(env.store, root, { version: 3 }, env.deps)).rejects.toMatchObject({ code: 'ERR_DELTA_DATA_FILE_MISSING' });
  });
});
