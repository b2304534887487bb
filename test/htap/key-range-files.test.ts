/**
 * K3_KEYED_FILE_ROWS (docs/design/hot-path.md, "The drain"): a drain cuts a keyed table's output
 * into files of at most that many rows along the primary key, so each file holds one disjoint key
 * range and a later drain rewrites only the files whose range holds a drained key. Checked on the
 * real files the drain uploaded (their rows and key ranges) and on the Delta log's adds/removes;
 * the table must read exactly as DuckDB computes it, STRONG and EVENTUAL.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { loadSnapshot } from '../../packages/core/src/delta/index.ts';
import { LocalObjectStore } from '../../packages/core/src/object-store/local-object-store.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';

const open: Harness[] = [];
afterAll(async () => {
  for (const h of open) await h.close();
});

async function drain(h: Harness, table: string): Promise<void> {
  while ((await h.engine.compact(h.bucket, table)).truncated);
}

/** Keyed table `kv` of 20,000 rows loaded in scrambled key order and drained, with K3_KEYED_FILE_ROWS = fileRows. */
async function drainedKv(fileRows: string): Promise<Harness> {
  const h = await createHarness({ K3_KEYED_ROW_GROUP_SIZE: '2048', K3_KEYED_FILE_ROWS: fileRows }, { drainLogWrites: false });
  open.push(h);
  await h.ddl('CREATE TABLE kv (id BIGINT PRIMARY KEY, name VARCHAR, n INTEGER)');
  await h.exec("INSERT INTO kv SELECT i, 'row' || i, i % 7 FROM range(1, 20001) AS t(i) ORDER BY hash(i)");
  await drain(h, 'kv');
  return h;
}

interface FileRange { key: string; rows: number; min: number; max: number; sorted: boolean; partition: string | null }

/** Per live data file: rows, min / max id, whether ids ascend within the file, its `p` partition value. */
async function files(h: Harness, table: string): Promise<FileRange[]> {
  const dir = path.join(h.dir, 'data', h.bucket);
  const snapshot = await loadSnapshot(new LocalObjectStore(dir), `tables/${table}/`);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const out: FileRange[] = [];
    for (const f of snapshot.files) {
      const file = path.join(dir, f.key).replaceAll("'", "''");
      const [r] = (await conn.runAndReadAll(`SELECT count(*), min(id), max(id), bool_and(id > prev OR prev IS NULL) FROM (SELECT id, lag(id) OVER (ORDER BY file_row_number) AS prev FROM read_parquet('${file}', file_row_number = true))`)).getRows();
      out.push({ key: f.key, rows: Number(r![0]), min: Number(r![1]), max: Number(r![2]), sorted: r![3] === true, partition: f.add.partitionValues['p'] ?? null });
    }
    return out.sort((a, b) => (a.partition ?? '').localeCompare(b.partition ?? '') || a.min - b.min);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

async function read(h: Harness, sql: string, freshness: Freshness): Promise<unknown[][]> {
  const r = await h.engine.execute({ bucket: h.bucket, sql, freshness });
  if (!('query' in r)) throw new Error('not a query');
  return wireRows(r.query);
}

function expectDisjoint(fs: readonly FileRange[], maxRows: number): void {
  for (const [i, f] of fs.entries()) {
    expect(f.rows).toBeLessThanOrEqual(maxRows);
    expect(f.sorted).toBe(true);
    const prev = fs[i - 1];
    if (prev !== undefined && prev.partition === f.partition) expect(f.min).toBeGreaterThan(prev.max);
  }
}

describe('key-range files of drained keyed tables', () => {
  it('cuts the output into disjoint key ranges; a later drain rewrites only the files holding its keys', async () => {
    const h = await drainedKv('4096');
    const first = await files(h, 'kv');
    // 20,000 rows in files of at most 4,096: five files, each one ascending key range, no overlap.
    expect(first.length).toBe(5);
    expect(first.reduce((s, f) => s + f.rows, 0)).toBe(20000);
    expectDisjoint(first, 4096);

    // Updates inside the second file's range, a delete there, and new keys above every file.
    const target = first[1]!;
    await h.exec(`UPDATE kv SET name = 'updated' WHERE id BETWEEN ${target.min + 10} AND ${target.min + 19}`);
    await h.exec(`DELETE FROM kv WHERE id = ${target.min + 30}`);
    await h.exec("INSERT INTO kv SELECT i, 'new', 0 FROM range(50001, 50101) AS t(i)");
    await drain(h, 'kv');
    const second = await files(h, 'kv');
    const before = new Set(first.map((f) => f.key));
    const after = new Set(second.map((f) => f.key));
    // Only the file that held drained keys was removed; the other four are untouched.
    expect(first.filter((f) => !after.has(f.key)).map((f) => f.key)).toEqual([target.key]);
    expect(second.filter((f) => before.has(f.key)).length).toBe(4);
    expect(second.reduce((s, f) => s + f.rows, 0)).toBe(20000 - 1 + 100);
    expectDisjoint(second, 4096);

    const expected = [[String(20000 - 1 + 100), String(10), String(100)]];
    for (const f of [Freshness.STRONG, Freshness.EVENTUAL]) {
      expect(await read(h, "SELECT count(*), count(*) FILTER (WHERE name = 'updated'), count(*) FILTER (WHERE name = 'new') FROM kv", f)).toEqual(expected);
      expect(await read(h, `SELECT id, name FROM kv WHERE id IN (${target.min + 10}, ${target.min + 30}, 50001) ORDER BY id`, f)).toEqual([[String(target.min + 10), 'updated'], ['50001', 'new']]);
    }
  });

  it('partitioned keyed table: key ranges per partition, every row written once', async () => {
    const h = await createHarness({ K3_KEYED_ROW_GROUP_SIZE: '2048', K3_KEYED_FILE_ROWS: '2048' }, { drainLogWrites: false });
    open.push(h);
    await h.ddl('CREATE TABLE pk (id BIGINT PRIMARY KEY, p VARCHAR, v INTEGER) PARTITIONED BY (p)');
    await h.exec("INSERT INTO pk SELECT i, CASE WHEN i % 3 = 0 THEN 'a' WHEN i % 3 = 1 THEN 'b' ELSE NULL END, i FROM range(1, 10001) AS t(i) ORDER BY hash(i)");
    await drain(h, 'pk');
    const fs = await files(h, 'pk');
    expect(fs.reduce((s, f) => s + f.rows, 0)).toBe(10000);
    expect(new Set(fs.map((f) => f.partition))).toEqual(new Set(['a', 'b', null]));
    // ~3,333 rows per partition in files of at most 2,048: two files each.
    expect(fs.length).toBe(6);
    expectDisjoint(fs, 2048);
    // New keys above the table in partition 'a', updates of a few of its low keys: files stay disjoint.
    await h.exec("INSERT INTO pk SELECT i, 'a', 0 FROM range(20001, 20101) AS t(i)");
    await h.exec("UPDATE pk SET v = v + 1 WHERE id IN (3, 6, 9)");
    await drain(h, 'pk');
    expectDisjoint(await files(h, 'pk'), 2048);
    for (const f of [Freshness.STRONG, Freshness.EVENTUAL]) {
      expect(await read(h, "SELECT count(*), count(DISTINCT id), sum(v), count(*) FILTER (WHERE p = 'a'), count(*) FILTER (WHERE p IS NULL) FROM pk", f)).toEqual([['10100', '10100', String((10000 * 10001) / 2 + 3), '3433', '3333']]);
    }
  });

  it('VARCHAR keys longer than the stats prefix and TIMESTAMP keys: cuts from cut / widened stats, every row once', async () => {
    const h = await createHarness({ K3_KEYED_ROW_GROUP_SIZE: '2048', K3_KEYED_FILE_ROWS: '1000' }, { drainLogWrites: false });
    open.push(h);
    const long = "'k-' || repeat('x', 40) || lpad(CAST(i AS VARCHAR), 6, '0')";
    await h.ddl('CREATE TABLE sk (k VARCHAR PRIMARY KEY, v INTEGER)');
    await h.ddl('CREATE TABLE tk (t TIMESTAMP PRIMARY KEY, v INTEGER)');
    await h.exec(`INSERT INTO sk SELECT ${long}, i FROM range(0, 5000) AS t(i) ORDER BY hash(i)`);
    await h.exec("INSERT INTO tk SELECT TIMESTAMP '2026-01-01' + INTERVAL (i) MILLISECOND, i FROM range(0, 5000) AS t(i) ORDER BY hash(i)");
    await drain(h, 'sk');
    await drain(h, 'tk');
    await h.exec(`INSERT OR REPLACE INTO sk SELECT ${long}, -1 FROM range(1500, 1510) AS t(i)`);
    await h.exec(`INSERT INTO sk SELECT ${long}, 100000 FROM range(9000, 9100) AS t(i)`);
    await h.exec("INSERT OR REPLACE INTO tk SELECT TIMESTAMP '2026-01-01' + INTERVAL (i) MILLISECOND, -1 FROM range(1500, 1510) AS t(i)");
    await h.exec("INSERT INTO tk SELECT TIMESTAMP '2026-01-02' + INTERVAL (i) MILLISECOND, 100000 FROM range(0, 100) AS t(i)");
    await drain(h, 'sk');
    await drain(h, 'tk');
    for (const table of ['sk', 'tk']) {
      for (const f of [Freshness.STRONG, Freshness.EVENTUAL]) {
        expect(await read(h, `SELECT count(*), count(*) FILTER (WHERE v = -1), count(*) FILTER (WHERE v = 100000), sum(v) FROM ${table}`, f)).toEqual([['5100', '10', '100', String((4999 * 5000) / 2 - (1500 * 10 + 45) - 10 + 100 * 100000)]]);
      }
    }
  });

  it('OPTIMIZE of a keyed table writes key-range files as the drain does; time travel and the next drain still work', async () => {
    const h = await drainedKv('4096');
    // Z-order by a non-key column: files whose key ranges overlap (ZORDER BY keeps the user's order).
    const z = await h.engine.optimizeTable(h.bucket, 'kv', { zOrderColumns: ['n'], targetFileSizeMb: 0.02 });
    expect(z.optimizeType).toBe('zorder');
    const zordered = await files(h, 'kv');
    expect(zordered.length).toBeGreaterThan(1);
    expect(zordered.some((f, i) => i > 0 && f.min <= zordered[i - 1]!.max)).toBe(true);
    const all = 'SELECT id, name, n FROM kv ORDER BY id';
    const before = await read(h, all, Freshness.STRONG);
    expect(before.length).toBe(20000);

    const res = await h.engine.optimizeTable(h.bucket, 'kv', {});
    expect(res).toMatchObject({ optimizeType: 'compact', version: z.version + 1, filesRemoved: zordered.length, filesAdded: 5, partitionsOptimized: 1 });
    const optimized = await files(h, 'kv');
    expect(optimized.length).toBe(5);
    expect(optimized.reduce((s, f) => s + f.rows, 0)).toBe(20000);
    expectDisjoint(optimized, 4096);
    for (const f of [Freshness.STRONG, Freshness.EVENTUAL]) expect(await read(h, all, f)).toEqual(before);
    expect(await read(h, `SELECT id, name, n FROM kv VERSION AS OF ${z.version} ORDER BY id`, Freshness.STRONG)).toEqual(before);
    // Already in key-range files: a second OPTIMIZE changes nothing.
    expect(await h.engine.optimizeTable(h.bucket, 'kv', {})).toMatchObject({ version: res.version, filesAdded: 0, filesRemoved: 0, partitionsOptimized: 0 });

    // A drain of a few keys rewrites only the file holding them.
    const target = optimized[2]!;
    await h.exec(`UPDATE kv SET name = 'updated' WHERE id BETWEEN ${target.min + 1} AND ${target.min + 5}`);
    await drain(h, 'kv');
    const drained = await files(h, 'kv');
    const after = new Set(drained.map((f) => f.key));
    expect(optimized.filter((f) => !after.has(f.key)).map((f) => f.key)).toEqual([target.key]);
    expectDisjoint(drained, 4096);
    expect(await read(h, "SELECT count(*), count(*) FILTER (WHERE name = 'updated') FROM kv", Freshness.STRONG)).toEqual([['20000', '5']]);
  });

  it('OPTIMIZE of a partitioned keyed table merges the small files drains appended, per partition, and skips partitions already in key-range files', async () => {
    const h = await createHarness({ K3_KEYED_ROW_GROUP_SIZE: '2048', K3_KEYED_FILE_ROWS: '2048' }, { drainLogWrites: false });
    open.push(h);
    await h.ddl('CREATE TABLE po (id BIGINT PRIMARY KEY, p VARCHAR, v INTEGER) PARTITIONED BY (p)');
    await h.exec("INSERT INTO po SELECT i, CASE WHEN i % 3 = 0 THEN 'a' WHEN i % 3 = 1 THEN 'b' ELSE NULL END, i FROM range(1, 10001) AS t(i) ORDER BY hash(i)");
    await drain(h, 'po');
    // Three drains of new keys above the table in partition 'a': one small file each.
    for (let d = 0; d < 3; d++) {
      await h.exec(`INSERT INTO po SELECT i, 'a', 1 FROM range(${20001 + d * 100}, ${20101 + d * 100}) AS t(i)`);
      await drain(h, 'po');
    }
    const drained = await files(h, 'po');
    expect(drained.filter((f) => f.partition === 'a').length).toBe(5);
    const all = 'SELECT id, p, v FROM po ORDER BY id';
    const before = await read(h, all, Freshness.STRONG);

    const res = await h.engine.optimizeTable(h.bucket, 'po', {});
    // 'a' (3,633 rows in 5 files) → 2 files; 'b' and NULL (2 key-range files each) are skipped.
    expect(res).toMatchObject({ optimizeType: 'compact', filesRemoved: 5, filesAdded: 2, partitionsOptimized: 1, totalConsideredFiles: 9 });
    const optimized = await files(h, 'po');
    expect(optimized.filter((f) => f.partition === 'a').map((f) => f.rows).reduce((s, n) => s + n, 0)).toBe(3633);
    expect(optimized.length).toBe(6);
    expectDisjoint(optimized, 2048);
    const untouched = new Set(drained.filter((f) => f.partition !== 'a').map((f) => f.key));
    expect(optimized.filter((f) => untouched.has(f.key)).length).toBe(4);
    for (const f of [Freshness.STRONG, Freshness.EVENTUAL]) expect(await read(h, all, f)).toEqual(before);
  });

  it('0: one file per partition, as before', async () => {
    const h = await drainedKv('0');
    const fs = await files(h, 'kv');
    expect(fs.map((f) => f.rows)).toEqual([20000]);
    expect(fs[0]!.sorted).toBe(true);
  });
});
