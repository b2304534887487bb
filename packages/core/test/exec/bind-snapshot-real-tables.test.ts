/**
 * bindSnapshot over the Delta conformance tables in ../shared/delta-tables (real logs, real
 * Parquet written by Spark and delta-rs), read through loadSnapshot, a LocalObjectStore and
 * the FileCache. Expected contents come from shared/delta-tables/INDEX.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { AppError } from '../../src/errors/index.ts';
import { bindSnapshotCached, createDuckDB, FileCache, readSnapshotRows, withConnection, type K3DuckDB } from '../../src/exec/index.ts';
import { LocalObjectStore } from '../../src/object-store/index.ts';
import { inWireForm } from '../support/wire-rows.ts';

const TABLES = resolve(import.meta.dirname, '../../../../../shared/delta-tables');

describe('bindSnapshot on real Delta tables', () => {
  let db: K3DuckDB;
  let cacheDir: string;
  let cache: FileCache;
  const store = new LocalObjectStore(TABLES);

  beforeAll(async () => {
    db = await createDuckDB({ threads: 1 });
    cacheDir = await mkdtemp(join(tmpdir(), 'k3-bind-real-'));
    cache = new FileCache({ dir: cacheDir, maxBytes: 64 * 1024 * 1024 });
  });
  afterAll(async () => {
    db.closeSync();
    await rm(cacheDir, { recursive: true, force: true });
  });

  async function read(table: string, orderBy?: string, version?: number) {
    const snapshot = await loadSnapshot(store, `${table}/`, version === undefined ? {} : { version });
    return inWireForm(await withConnection(db, (conn) => readSnapshotRows(conn, snapshot, cache, store, orderBy === undefined ? {} : { orderBy })));
  }

  it('rs-simple_table: 3 rows, ids 5, 7, 9; version 0 has ids 0..4', async () => {
    const latest = await read('rs-simple_table', '"id"');
    expect(latest.columns).toEqual([{ name: 'id', type: 'BIGINT' }]);
    expect(latest.rows).toEqual([['5'], ['7'], ['9']]);
    const v0 = await read('rs-simple_table', '"id"', 0);
    expect(v0.rows).toEqual([['0'], ['1'], ['2'], ['3'], ['4']]);
  });

  it('golden-data-reader-partition-values: typed partition constants, including an all-null partition', async () => {
    const { columns, rows } = await read('golden-data-reader-partition-values', '"value"');
    expect(columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'as_int INTEGER', 'as_long BIGINT', 'as_byte TINYINT', 'as_short SMALLINT', 'as_boolean BOOLEAN',
      'as_float FLOAT', 'as_double DOUBLE', 'as_string VARCHAR', 'as_string_lit_null VARCHAR', 'as_date DATE',
      'as_timestamp TIMESTAMP', 'as_big_decimal DECIMAL(1,0)', 'as_list_of_records STRUCT(val INTEGER)[]',
      'as_nested_struct STRUCT(aa VARCHAR, ab VARCHAR, ac STRUCT(aca INTEGER, acb BIGINT))', 'value VARCHAR',
    ]);
    const expected = (i: number) => [
      i, String(i), i, i, i % 2 === 0, i, i, String(i), 'null', '2021-09-08', '2021-09-08 11:11:11', String(i),
      [{ val: i }, { val: i }, { val: i }], { aa: String(i), ab: String(i), ac: { aca: i, acb: String(i) } }, String(i),
    ];
    expect(rows).toEqual([
      expected(0),
      expected(1),
      [...Array(12).fill(null), [{ val: 2 }, { val: 2 }, { val: 2 }], { aa: '2', ab: '2', ac: { aca: 2, acb: '2' } }, '2'],
    ]);
  });

  it('golden-data-reader-primitives: every primitive type and an all-null row', async () => {
    const { columns, rows } = await read('golden-data-reader-primitives', '"as_int" NULLS LAST');
    expect(columns.map((c) => c.type)).toEqual(['INTEGER', 'BIGINT', 'TINYINT', 'SMALLINT', 'BOOLEAN', 'FLOAT', 'DOUBLE', 'VARCHAR', 'BLOB', 'DECIMAL(1,0)']);
    expect(rows).toHaveLength(11);
    for (let i = 0; i < 10; i++) {
      expect(rows[i]).toEqual([i, String(i), i, i, i % 2 === 0, i, i, String(i), Buffer.from([i, i]).toString('base64'), String(i)]);
    }
    expect(rows[10]).toEqual(Array(10).fill(null));
  });

  it('rs-delta-0.8.0-partitioned: three string partition columns from the log', async () => {
    const { columns, rows } = await read('rs-delta-0.8.0-partitioned', '"value"');
    expect(columns.map((c) => c.name)).toEqual(['value', 'year', 'month', 'day']);
    // INDEX.md lists value/year/month/day column-wise in file order; here sorted by value.
    const byValue: Record<string, [string, string, string]> = {
      1: ['2020', '1', '1'], 2: ['2020', '2', '3'], 3: ['2020', '2', '5'], 4: ['2021', '4', '5'],
      5: ['2021', '12', '4'], 6: ['2021', '12', '20'], 7: ['2021', '12', '20'],
    };
    expect(rows).toEqual(Object.entries(byValue).map(([v, rest]) => [v, ...rest]));
  });

  it('rs-table_with_edge_timestamps: INT96 timestamps at 9999-12-31 read as UTC TIMESTAMP', async () => {
    const { columns, rows } = await read('rs-table_with_edge_timestamps', '"SOME_VALUE"');
    expect(columns).toEqual([
      { name: 'BIG_DATE', type: 'TIMESTAMP' }, { name: 'NORMAL_DATE', type: 'TIMESTAMP' }, { name: 'SOME_VALUE', type: 'INTEGER' },
    ]);
    expect(rows).toEqual([
      ['9999-12-31 00:00:00', '2022-01-01 00:00:00', 1],
      ['9999-12-30 00:00:00', '2022-02-01 00:00:00', 2],
    ]);
  });

  it('golden-kernel-timestamp-partition-col-ISO8601: an ISO-8601 timestamp partition value', async () => {
    const { rows } = await read('golden-kernel-timestamp-partition-col-ISO8601', '2');
    expect(rows.map((r) => r.map(String))).toEqual([
      ['2024-01-01 10:00:00', '2024-01-01 10:00:00'],
      ['2024-01-02 12:30:00', '2024-01-02 12:30:00'],
    ]);
  });

  it('rs-delta-0.8-empty: a table whose files were all removed binds with its columns and no rows', async () => {
    const { columns, rows } = await read('rs-delta-0.8-empty');
    expect(columns).toEqual([{ name: 'column', type: 'BIGINT' }]);
    expect(rows).toEqual([]);
  });

  it('golden-snapshot-vacuumed: time travel to a vacuumed version fails with ERR_DELTA_DATA_FILE_MISSING', async () => {
    const latest = await read('golden-snapshot-vacuumed');
    expect(latest.rows).toHaveLength(20);
    const err = await read('golden-snapshot-vacuumed', undefined, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ERR_DELTA_DATA_FILE_MISSING');
    expect((err as AppError).message).toMatch(/golden-snapshot-vacuumed\/part-/);
  });

  it('golden-data-reader-date-types-UTC: INT96 timestamp and date', async () => {
    const { rows } = await read('golden-data-reader-date-types-UTC');
    expect(rows).toEqual([['2020-01-01 08:09:10', '2020-01-01']]);
  });

  it('rs-delta-0.8.0-null-partition and numeric partitions: null, long and double partition values', async () => {
    const nullPartition = await read('rs-delta-0.8.0-null-partition', '"k" NULLS FIRST');
    expect(nullPartition.rows.map((r) => r[0])).toEqual([null, 'A']);
    const numeric = await read('rs-delta-0.8.0-numeric-partition', '"x"');
    expect(numeric.rows.map((r) => [r[0], r[1]])).toEqual([['9', 9.9], ['10', 10]]);
    const typed = await read('rs-delta-2.2.0-partitioned-types', '"c3"');
    expect(typed.rows).toEqual([[6, 'a', 4], [4, 'c', 5], [5, 'b', 6]]);
  });

  it.each([
    ['rs-COVID-19_NYT', 1111930], ['golden-basic-with-inserts-merge', 140], ['golden-basic-with-inserts-overwrite-restore', 200],
    ['golden-multi-part-checkpoint', 31], ['golden-only-checkpoint-files', 25], ['golden-log-replay-latest-metadata-protocol', 40],
    ['rs-delta-1.2.1-only-struct-stats', 12], ['rs-http_requests', 1581], ['rs-partition-type-primitives', 16], ['rs-cdf-table', 9],
  ] as const)('%s: %i rows (INDEX.md)', async (table, expected) => {
    const snapshot = await loadSnapshot(store, `${table}/`);
    const count = await withConnection(db, async (conn) => {
      const lease = await bindSnapshotCached(conn, 't', snapshot, cache, store);
      try {
        return (await conn.runAndReadAll('SELECT count(*) FROM t')).getRows()[0]![0];
      } finally {
        lease.release();
      }
    });
    expect(count).toBe(BigInt(expected));
  });

  it('copied files (paths say nothing): a partition filter prunes whole read_parquet branches (EXPLAIN shows one scan)', async () => {
    const snapshot = await loadSnapshot(store, 'rs-delta-0.8.0-partitioned/');
    // A store the cache cannot read in place: files are copied under flat cache names, so the
    // partition values can only come from the log (one UNION ALL branch per partition tuple).
    const copied = new Proxy(store, {
      getPrototypeOf: () => Object.prototype,
      get: (target, key) => {
        if (key === 'url') return 'copy://delta-tables';
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    await withConnection(db, async (conn) => {
      const lease = await bindSnapshotCached(conn, 'parted', snapshot, cache, copied);
      try {
        const all = (await conn.runAndReadAll('EXPLAIN SELECT * FROM parted')).getRows().map((r) => String(r[1])).join('\n');
        const one = (await conn.runAndReadAll("EXPLAIN SELECT * FROM parted WHERE year = '2021' AND month = '4'")).getRows().map((r) => String(r[1])).join('\n');
        const scans = (plan: string) => plan.match(/READ_PARQUET/g)?.length ?? 0;
        const groups = new Set(snapshot.files.map((f) => JSON.stringify(f.partitionValues))).size;
        expect(groups).toBe(6);
        expect(scans(one)).toBeGreaterThan(0);
        expect(scans(all)).toBe(groups * scans(one));
        expect((await conn.runAndReadAll("SELECT value FROM parted WHERE year = '2021' AND month = '4'")).getRows()).toEqual([['4']]);
      } finally {
        lease.release();
      }
    });
  });

  it('files read in place whose paths spell the log\'s values: ONE hive-partitioned scan, a partition filter prunes files', async () => {
    const snapshot = await loadSnapshot(store, 'rs-delta-0.8.0-partitioned/');
    await withConnection(db, async (conn) => {
      const lease = await bindSnapshotCached(conn, 'parted', snapshot, cache, store);
      try {
        const one = (await conn.runAndReadAll("EXPLAIN SELECT * FROM parted WHERE year = '2021' AND month = '4'")).getRows().map((r) => String(r[1])).join('\n');
        expect(one).toMatch(/Scanning Files: 1\/6/);
        expect((await conn.runAndReadAll("SELECT value FROM parted WHERE year = '2021' AND month = '4'")).getRows()).toEqual([['4']]);
        const grouped = (await conn.runAndReadAll('EXPLAIN SELECT year, month, day, count(*) FROM parted GROUP BY year, month, day')).getRows().map((r) => String(r[1])).join('\n');
        expect(grouped).toContain('PARTITIONED_AGGREGATE');
      } finally {
        lease.release();
      }
    });
  });
});
