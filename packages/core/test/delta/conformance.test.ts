/**
 * Delta reader conformance: every table in ../shared/delta-tables (INDEX.md) goes through the
 * reader. READ tables: version, row count and stated contents (scanned with DuckDB via the CLI's
 * scan helper); LOG tables: snapshot assertions; REFUSE: ERR_DELTA_UNSUPPORTED_FEATURE naming the
 * feature; ERROR: the stated error. Time travel by version and by timestamp (temp copies with
 * commit-file mtimes set, as INDEX.md prescribes).
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, scanSnapshot } from '../../../cli/src/scan.ts';
import { isAppError, type ErrorCode } from '../../src/errors/index.ts';
import { applyActions, assertWritable, createReplayState, getLogSegment, latestVersion, listLogFiles, readCommits, loadSnapshot, readHistory, resolveVersionAtTimestamp, type Snapshot, type SnapshotAt } from '../../src/delta/index.ts';
import { LocalObjectStore } from '../../src/object-store/index.ts';
import { copyWithMtimes, TABLES_DIR, v } from './reader/tables.ts';

const store = new LocalObjectStore(TABLES_DIR);
const open = (table: string, at?: SnapshotAt): Promise<Snapshot> => loadSnapshot(store, `${table}/`, at);
const rowsOf = async (table: string, at?: SnapshotAt): Promise<Record<string, unknown>[]> => (await scanSnapshot(store, await open(table, at))).rows;
const col = (rows: Record<string, unknown>[], name: string): unknown[] => rows.map((r) => r[name]);
const sortedNums = (xs: unknown[]): number[] => xs.map(Number).sort((a, b) => a - b);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

async function expectError(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    if (!isAppError(err)) throw err;
    expect(err.code).toBe(code);
    if (message) expect(err.message).toMatch(message);
    return { ...err.details };
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

interface ReadCase {
  version: number;
  rows: number;
  check?: (rows: Record<string, unknown>[], snap: Snapshot) => void;
  /** Other versions: version → row count. */
  versions?: Record<number, number>;
}

const READ: Record<string, ReadCase> = {
  // Reader feature timestampNtz: zone-less timestamps (data, partition values, stats) read as TIMESTAMP.
  'golden-data-reader-timestamp_ntz': {
    version: 1, rows: 9,
    check: (r) => {
      expect(r.map((x) => x.tsNtzPartition === null ? null : String(x.tsNtzPartition)).filter((v) => v !== null).sort()).toContain('2013-07-05 17:01:00.123456');
      expect(r.some((x) => String(x.tsNtz) === '2021-11-18 02:30:00.123456')).toBe(true);
    },
  },
  'rs-simple_table': { version: 4, rows: 3, versions: { 0: 5, 1: 20, 2: 5, 3: 5 }, check: (r) => expect(sortedNums(col(r, 'id'))).toEqual([5, 7, 9]) },
  'rs-simple_table_with_checkpoint': { version: 10, rows: 11, check: (_r, s) => expect(s.files).toHaveLength(11) },
  'rs-delta-0.2.0': { version: 3, rows: 6, versions: { 0: 3, 1: 6, 2: 3 }, check: (_r, s) => expect(s.tombstones).toHaveLength(4) },
  'rs-delta-0.8.0': { version: 1, rows: 4, versions: { 0: 5 } },
  'rs-delta-0.8-empty': { version: 1, rows: 0, check: (_r, s) => expect(s.files).toHaveLength(0) },
  'rs-delta-0.8.0-date': {
    version: 0, rows: 5,
    check: (r) => expect(r.map((x) => [x.date, x.dayOfYear])).toEqual([['2021-01-01', 1], ['2021-01-02', 2], ['2021-01-03', 3], ['2021-01-04', 4], ['2021-01-05', 5]]),
  },
  'rs-delta-0.8.0-partitioned': {
    version: 0, rows: 7,
    check: (r) => {
      const got = r.map((x) => [x.value, x.year, x.month, x.day].join('|')).sort();
      const value = ['1', '2', '3', '6', '7', '5', '4'];
      const year = ['2020', '2020', '2020', '2021', '2021', '2021', '2021'];
      const month = ['1', '2', '2', '12', '12', '12', '4'];
      const day = ['1', '3', '5', '20', '20', '4', '5'];
      expect(got).toEqual(value.map((x, i) => [x, year[i], month[i], day[i]].join('|')).sort());
    },
  },
  'rs-delta-0.8.0-null-partition': {
    version: 0, rows: 2,
    check: (r, s) => {
      expect(r.map((x) => [x.k, x.v])).toEqual(expect.arrayContaining([['A', 1], [null, 2]]));
      const nullFile = s.files.find((f) => f.partitionValues.k === null);
      expect(nullFile?.key).toContain('k=__HIVE_DEFAULT_PARTITION__/');
      expect(s.files.find((f) => f.partitionValues.k === 'A')?.key).toMatch(/k=A\/part-00000-b1f1dbbb/);
    },
  },
  'rs-delta-0.8.0-numeric-partition': {
    version: 0, rows: 2,
    check: (r, s) => {
      expect(s.files.map((f) => [f.partitionValues.x, f.partitionValues.y]).sort()).toEqual([[10n, 10], [9n, 9.9]]);
      expect(r.map((x) => [x.x, x.y]).sort()).toEqual([[10, 10], [9, 9.9]]);
    },
  },
  'rs-delta-2.2.0-partitioned-types': {
    version: 0, rows: 3,
    check: (r) => expect(r.map((x) => [x.c3, x.c1, x.c2]).sort()).toEqual([[4, 6, 'a'], [5, 4, 'c'], [6, 5, 'b']]),
  },
  'rs-partition-type-primitives': {
    version: 0, rows: 16,
    check: (r) => {
      const count = (c: string, val: string): number => r.filter((x) => x[c] === val).length;
      expect([count('year', '2020'), count('year', '2021.0'), count('is_active', 'true'), count('event_date', '2023-01-01'), count('category', 'A')]).toEqual([8, 8, 8, 8, 8]);
    },
  },
  'rs-delta-1.2.1-only-struct-stats': {
    version: 12, rows: 12,
    check: (_r, s) => {
      // The v10 checkpoint has only stats_parsed; numRecords must still come through.
      expect(s.numRecords).toBe(12);
      expect(s.files.every((f) => f.stats !== undefined)).toBe(true);
    },
  },
  'rs-delta-checkpoint-stats-optional': { version: 2, rows: 2 },
  'rs-python-0.25.5-checkpoint': { version: 1, rows: 6 },
  'rs-table_with_edge_timestamps': {
    version: 0, rows: 2,
    check: (r) => expect(r.map((x) => [x.BIG_DATE, x.NORMAL_DATE, x.SOME_VALUE])).toEqual([
      ['9999-12-31 00:00:00', '2022-01-01 00:00:00', 1],
      ['9999-12-30 00:00:00', '2022-02-01 00:00:00', 2],
    ]),
  },
  'rs-table_with_null_stats_in_notnull_struct': { version: 1, rows: 2 },
  'rs-http_requests': { version: 1, rows: 1581, check: (_r, s) => expect(s.protocol).toMatchObject({ minReaderVersion: 1, minWriterVersion: 1 }) },
  'rs-issue_1374': {
    version: 1, rows: 20,
    check: (r) => expect(r).toContainEqual({ timestamp: '2023-05-24 00:01:25.010301', temperature: 8, date: '2023-05-24' }),
  },
  'rs-table-without-dv-small': { version: 0, rows: 10, check: (r) => expect(sortedNums(col(r, 'value'))).toEqual(range(0, 10)) },
  // Writer 4 (Change Data Feed): k3 writes the feed, so the table is writable (test/cdf/spark-cdf-table.test.ts).
  'rs-cdf-table': { version: 3, rows: 9, versions: { 0: 10, 1: 10, 2: 10 }, check: (_r, s) => expect(() => assertWritable(s.protocol)).not.toThrow() },
  'golden-data-reader-primitives': {
    version: 0, rows: 11,
    check: (r) => {
      const nonNull = r.filter((x) => x.as_int !== null).sort((a, b) => Number(a.as_int) - Number(b.as_int));
      expect(r.filter((x) => Object.values(x).every((val) => val === null))).toHaveLength(1);
      expect(nonNull.map((x) => [x.as_int, x.as_long, x.as_byte, x.as_short, x.as_boolean, x.as_float, x.as_double, x.as_string, x.as_big_decimal]))
        .toEqual(range(0, 10).map((i) => [i, i, i, i, i % 2 === 0, i, i, String(i), String(i)]));
      expect(nonNull[3]?.as_binary).toBe('\\x03\\x03');
    },
  },
  'golden-data-reader-partition-values': {
    version: 0, rows: 3,
    check: (r, s) => {
      const byInt = new Map(r.map((x) => [x.as_int, x]));
      for (const i of [0, 1]) {
        expect(byInt.get(i)).toMatchObject({
          as_long: i, as_byte: i, as_short: i, as_boolean: i % 2 === 0, as_float: i, as_double: i, as_string: String(i),
          as_string_lit_null: 'null', as_date: '2021-09-08', as_timestamp: '2021-09-08 11:11:11', as_big_decimal: String(i), value: String(i),
        });
      }
      const allNull = byInt.get(null);
      expect(allNull).toMatchObject({ as_long: null, as_boolean: null, as_string: null, as_string_lit_null: null, as_date: null, as_timestamp: null, as_big_decimal: null, value: '2' });
      const f0 = s.files.find((f) => f.partitionValues.as_int === 0);
      expect(f0?.partitionValues).toMatchObject({ as_long: 0n, as_boolean: true, as_date: '2021-09-08', as_timestamp: 1631099471000000n, as_big_decimal: '0' });
    },
  },
  'golden-kernel-timestamp-partition-col-ISO8601': {
    version: 0, rows: 2,
    check: (r, s) => {
      expect(r.map((x) => [x.str, x.ts])).toEqual(expect.arrayContaining([['2024-01-01 10:00:00', '2024-01-01 10:00:00'], ['2024-01-02 12:30:00', '2024-01-02 12:30:00']]));
      expect(s.files.map((f) => f.partitionValues.ts)).toContain(1704103200000000n);
    },
  },
  'golden-data-reader-date-types-UTC': { version: 0, rows: 1, check: (r) => expect(r[0]).toEqual({ timestamp: '2020-01-01 08:09:10', date: '2020-01-01' }) },
  'golden-data-reader-array-primitives': {
    version: 0, rows: 10,
    check: (r) => expect(r.map((x) => [x.as_array_int, x.as_array_string]).sort((a, b) => Number((a[0] as number[])[0]) - Number((b[0] as number[])[0])))
      .toEqual(range(0, 10).map((i) => [[i], [String(i)]])),
  },
  'golden-data-reader-map': {
    version: 0, rows: 10,
    check: (r) => {
      const row3 = r.find((x) => x.i === 3);
      expect(row3?.a).toEqual([{ key: 3, value: 3 }]);
      expect(row3?.f).toEqual([{ key: 3, value: [{ val: 3 }, { val: 3 }, { val: 3 }] }]);
    },
  },
  'golden-data-reader-nested-struct': {
    version: 0, rows: 10,
    check: (r) => expect(r.find((x) => x.b === 7)).toEqual({ a: { aa: '7', ab: '7', ac: { aca: 7, acb: 7 } }, b: 7 }),
  },
  'golden-data-skipping-basic-stats-all-types': {
    version: 0, rows: 1,
    check: (r, s) => {
      expect(r[0]).toMatchObject({ as_int: 0, as_string: '0', as_date: '2000-01-01', as_timestamp: '2000-01-01 08:00:00' });
      expect(s.files[0]?.stats?.minValues.as_timestamp).toBe('2000-01-01T00:00:00.000-08:00');
    },
  },
  'golden-snapshot-data0': { version: 0, rows: 10, check: (r) => expect(r.map((x) => [x.col1, x.col2]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(range(0, 10).map((x) => [x, `data-0-${x}`])) },
  'golden-snapshot-repartitioned': { version: 5, rows: 20, check: (_r, s) => expect(s.files).toHaveLength(2) },
  'golden-snapshot-vacuumed': { version: 5, rows: 20, check: (_r, s) => expect(s.files).toHaveLength(2) },
  'golden-basic-with-inserts-updates': {
    version: 1, rows: 100,
    check: (r) => expect(r.map((x) => [x.id, x.str]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(range(0, 100).map((i) => [i, i < 50 ? 'N/A' : `val=${i}`])),
  },
  'golden-basic-with-inserts-merge': {
    version: 1, rows: 140,
    check: (r) => expect(r.map((x) => [x.id, x.str]).sort((a, b) => Number(a[0]) - Number(b[0])))
      .toEqual(range(10, 150).map((i) => [i, i < 50 ? `val=${i}` : i < 100 ? 'N/A' : 'EXT'])),
  },
  'golden-basic-with-inserts-overwrite-restore': { version: 3, rows: 200, versions: { 1: 200, 2: 500 }, check: (r) => expect(sortedNums(col(r, 'id'))).toEqual(range(0, 200)) },
  'golden-multi-part-checkpoint': { version: 1, rows: 31, check: (r) => expect(sortedNums(col(r, 'id'))).toEqual([0, ...range(0, 30)].sort((a, b) => a - b)) },
  'golden-only-checkpoint-files': { version: 2, rows: 25, check: (r) => expect(sortedNums(col(r, 'id'))).toEqual([...range(5, 10), ...range(0, 20)].sort((a, b) => a - b)) },
  'golden-time-travel-start-start20-start40': { version: 2, rows: 30, versions: { 0: 10, 1: 20 }, check: (r) => expect(sortedNums(col(r, 'id'))).toEqual(range(0, 30)) },
  'golden-time-travel-partition-changes-b': {
    version: 1, rows: 10, versions: { 0: 10 },
    check: (r, s) => {
      expect(s.partitionColumns).toEqual(['part2']);
      expect(r.map((x) => [x.id, x.part2]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(range(10, 20).map((i) => [i, i % 2]));
    },
  },
  'golden-commit-info-containing-arbitrary-operationParams-types': {
    version: 2, rows: 2,
    // Writer 7 with changeDataFeed, appendOnly and invariants: all implemented (a column with a
    // delta.invariants expression would still make the table read-only, write-guards.ts).
    check: (_r, s) => expect(() => assertWritable(s.protocol)).not.toThrow(),
  },
  // Reader 3 with no reader features / only vacuumProtocolCheck ask nothing of a reader, so k3 reads them.
  'golden-log-replay-latest-metadata-protocol': {
    version: 2, rows: 40,
    check: (_r, s) => {
      expect(s.schema.fields.map((f) => f.name)).toEqual(['col1', 'col2']);
      expect(s.protocol).toMatchObject({ minReaderVersion: 3, minWriterVersion: 7 });
    },
  },
  'golden-basic-with-vacuum-protocol-check-feature': {
    version: 1, rows: 100,
    check: (r) => expect(r.map((x) => [x.id, x.str]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(range(0, 100).map((i) => [i, `val=${i}`])),
  },
  'rs-COVID-19_NYT': { version: 0, rows: 1_111_930 },
};

/** Tables scanned only by row count (too large to materialize every row in a unit test). */
const COUNT_ONLY = new Set(['rs-COVID-19_NYT']);

const LOG: Record<string, (s: Snapshot) => void | Promise<void>> = {
  'rs-checkpoints_vacuumed': (s) => {
    expect(s.version).toBe(12);
    expect(s.files).toHaveLength(12);
  },
  'rs-latest_not_checkpointed': (s) => {
    expect(s.version).toBe(3);
    expect(s.files).toHaveLength(1);
    expect(s.files[0]?.stats?.numRecords).toBe(5);
  },
  'rs-err_logs-table_b': (s) => {
    expect(s.version).toBe(13);
    expect(s.files).toHaveLength(130);
  },
  'golden-checkpoint': (s) => {
    expect(s.version).toBe(14);
    expect(s.files.map((f) => f.add.path)).toEqual(['15']);
  },
  'golden-delete-re-add-same-file-different-transactions': (s) => {
    expect(s.files.map((f) => f.add.path).sort()).toEqual(['bar', 'foo']);
    expect(s.files.find((f) => f.add.path === 'foo')?.add.modificationTime).toBe(1700000000000);
  },
  'golden-log-replay-special-characters-a': (s) => expect(s.files).toHaveLength(0),
  'golden-log-replay-special-characters-b': (s) => {
    expect(s.files).toHaveLength(1);
    expect(s.files[0]?.key).toBe('golden-log-replay-special-characters-b/special p@#h');
  },
  'golden-deltalog-getChanges': (s) => {
    expect(s.txns.get('fakeAppId')?.version).toBe(3);
    expect(s.txns.size).toBe(1);
    expect(s.files).toHaveLength(0);
  },
};

const REFUSE: Record<string, string> = {
  'rs-table-with-dv-small': 'deletionVectors',
  'rs-table_with_deletion_logs': 'deletionVectors',
  'rs-table_with_column_mapping': 'columnMapping',
  'golden-table-with-columnmapping-mode-name': 'columnMapping',
  'rs-checkpoint-v2-table': 'v2Checkpoint',
  'golden-dv-partitioned-with-checkpoint': 'deletionVectors',
  'golden-type-widening': 'typeWidening-preview',
  'rs-simple_table_features': 'readerVersion5',
  'golden-deltalog-invalid-protocol-version': 'readerVersion99',
};

const ERROR: Record<string, [ErrorCode, RegExp]> = {
  'golden-versions-not-contiguous': ['ERR_DELTA_LOG_CORRUPT', /versions not contiguous/],
  'golden-deltalog-state-reconstruction-without-protocol': ['ERR_DELTA_LOG_CORRUPT', /No protocol/],
  'golden-no-delta-log-folder': ['ERR_TABLE_NOT_FOUND', /not a Delta table/],
  // Its metaData has no schemaString: the snapshot cannot be built; its commitInfo is checked via history below.
  'golden-deltalog-commit-info': ['ERR_DELTA_LOG_CORRUPT', /schemaString/],
};

describe('conformance: every shared table has a verdict', () => {
  it('covers each directory of delta-tables exactly once', () => {
    const dirs = readdirSync(TABLES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const covered = [...Object.keys(READ), ...Object.keys(LOG), ...Object.keys(REFUSE), ...Object.keys(ERROR)].sort();
    expect(covered).toEqual(dirs);
  });
});

describe('conformance: READ', () => {
  for (const [table, c] of Object.entries(READ)) {
    it(`${table}: v${c.version}, ${c.rows} rows`, async () => {
      const snap = await open(table);
      expect(snap.version).toBe(c.version);
      expect(await latestVersion(store, `${table}/`)).toBe(c.version);
      if (COUNT_ONLY.has(table)) {
        expect((await countRows(store, snap, { useStats: false })).rows).toBe(c.rows);
        expect(snap.numRecords).toBe(c.rows);
        return;
      }
      const { rows } = await scanSnapshot(store, snap);
      expect(rows).toHaveLength(c.rows);
      if (snap.numRecords !== undefined) expect(snap.numRecords).toBe(c.rows);
      c.check?.(rows, snap);
      for (const [ver, n] of Object.entries(c.versions ?? {})) {
        const old = await open(table, { version: Number(ver) });
        expect(old.version).toBe(Number(ver));
        expect((await scanSnapshot(store, old)).rows, `${table}@v${ver}`).toHaveLength(n);
      }
    });
  }
});

describe('conformance: READ contents at older versions', () => {
  it('rs-simple_table v0 ids are 0..4', async () => expect(sortedNums(col(await rowsOf('rs-simple_table', { version: 0 }), 'id'))).toEqual(range(0, 5)));
  it('rs-delta-0.2.0 v2 values are 1,2,3 and the STREAMING UPDATE txn is kept', async () => {
    expect(sortedNums(col(await rowsOf('rs-delta-0.2.0', { version: 2 }), 'value'))).toEqual([1, 2, 3]);
    expect((await open('rs-delta-0.2.0')).txns.get('e4a20b59-dd0e-4c50-b074-e8ae4786df30')?.version).toBe(0);
  });
  it('rs-delta-0.8.0 v1 files and tombstone', async () => {
    const s = await open('rs-delta-0.8.0');
    expect(s.files.map((f) => f.add.path.slice(0, 19)).sort()).toEqual(['part-00000-04ec9591', 'part-00000-c9b90f86']);
    expect(s.tombstones.map((t) => [t.path.slice(0, 19), t.deletionTimestamp])).toEqual([['part-00001-911a94a2', 1615043776198]]);
  });
  it('rs-delta-0.8.0-partitioned metadata', async () => {
    const s = await open('rs-delta-0.8.0-partitioned');
    expect(s.metadata.id).toBe('fe5a3c11-30d4-4dd7-b115-a1c121e66a4e');
    expect(s.metadata.createdTime).toBe(1615555644515);
  });
  it('golden-basic-with-inserts-overwrite-restore v2 ids are 500..999', async () => {
    expect(sortedNums(col(await rowsOf('golden-basic-with-inserts-overwrite-restore', { version: 2 }), 'id'))).toEqual(range(500, 1000));
  });
  it('golden-time-travel-partition-changes-b v0 is partitioned by part5', async () => {
    const s = await open('golden-time-travel-partition-changes-b', { version: 0 });
    expect(s.partitionColumns).toEqual(['part5']);
    const rows = (await scanSnapshot(store, s)).rows;
    expect(rows.map((x) => [x.id, x.part5]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(range(0, 10).map((i) => [i, i % 5]));
  });
  it('golden-snapshot-vacuumed: older versions reference vacuumed files', async () => {
    await expectError(rowsOf('golden-snapshot-vacuumed', { version: 0 }), 'ERR_DELTA_DATA_FILE_MISSING');
  });
  it('rs-table_with_deletion_logs is readable at v0 (protocol checked per version)', async () => {
    const s = await open('rs-table_with_deletion_logs', { version: 0 });
    expect(s.protocol).toMatchObject({ minReaderVersion: 1, minWriterVersion: 2 });
    expect((await countRows(store, s, { useStats: false })).rows).toBe(100);
  });
  it('rs-delta-1.2.1-only-struct-stats: stats_parsed become FileStats with typed JSON values', async () => {
    const s = await open('rs-delta-1.2.1-only-struct-stats', { version: 10 });
    const st = s.files[0]?.stats;
    expect(st?.numRecords).toBe(1);
    expect(typeof st?.minValues.date).toBe('string');
    expect(st?.minValues.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(st?.nullCount.null).toBe(1);
  });
});

describe('conformance: LOG', () => {
  for (const [table, check] of Object.entries(LOG)) {
    it(table, async () => { await check(await open(table)); });
  }
  it('rs-checkpoints_vacuumed: versions before the oldest checkpoint cannot be rebuilt', async () => {
    await expectError(open('rs-checkpoints_vacuumed', { version: 3 }), 'ERR_DELTA_VERSION_NOT_FOUND');
    expect((await open('rs-checkpoints_vacuumed', { version: 5 })).version).toBe(5);
    await expectError(open('rs-checkpoints_vacuumed', { version: 13 }), 'ERR_DELTA_VERSION_NOT_FOUND');
  });
  it('golden-deltalog-commit-info: history returns the populated commitInfo', async () => {
    const h = await readHistory(store, 'golden-deltalog-commit-info/');
    expect(h.currentVersion).toBe(0);
    expect(h.entries).toEqual([{ version: 0, timestamp: 1540415658000, operation: 'WRITE', operationParameters: { test: 'test' }, operationMetrics: { test: 'test' }, userMetadata: 'foo', engineInfo: undefined, readVersion: -1, userName: 'username_0' }]);
  });
  it('golden-commit-info-containing-arbitrary-operationParams-types: non-string operationParameters', async () => {
    const h = await readHistory(store, 'golden-commit-info-containing-arbitrary-operationParams-types/');
    const optimize = h.entries.find((e) => e.version === 2);
    expect(optimize?.operation).toBe('OPTIMIZE');
    expect(optimize?.operationParameters).toMatchObject({ zOrderBy: '["id"]', auto: false });
  });
  it('rs-checkpoints_vacuumed: history lists the remaining commits, paged', async () => {
    const p1 = await readHistory(store, 'rs-checkpoints_vacuumed/', { limit: 5 });
    expect(p1.currentVersion).toBe(12);
    expect(p1.entries.map((e) => e.version)).toEqual([12, 11, 10, 9, 8]);
    expect(p1.hasMore).toBe(true);
    const p2 = await readHistory(store, 'rs-checkpoints_vacuumed/', { limit: 5, beforeVersion: p1.oldestReturnedVersion });
    expect(p2.entries.map((e) => e.version)).toEqual([7, 6, 5]);
    expect(p2.hasMore).toBe(false);
  });
});

describe('conformance: REFUSE', () => {
  for (const [table, feature] of Object.entries(REFUSE)) {
    it(`${table} → ERR_DELTA_UNSUPPORTED_FEATURE (${feature})`, async () => {
      const details = await expectError(open(table), 'ERR_DELTA_UNSUPPORTED_FEATURE');
      const named = [details.feature, ...((details.features as unknown[] | undefined) ?? [])];
      expect(named).toContain(feature);
    });
  }
  it('refusal messages name the feature or version', async () => {
    await expectError(open('rs-table-with-dv-small'), 'ERR_DELTA_UNSUPPORTED_FEATURE', /deletionVectors/);
    await expectError(open('rs-table_with_column_mapping'), 'ERR_DELTA_UNSUPPORTED_FEATURE', /column mapping/);
    await expectError(open('golden-deltalog-invalid-protocol-version'), 'ERR_DELTA_UNSUPPORTED_FEATURE', /reader version 99/);
  });
});

describe('conformance: ERROR', () => {
  for (const [table, [code, message]] of Object.entries(ERROR)) {
    it(`${table} → ${code}`, async () => { await expectError(open(table), code, message); });
  }
  it('golden-versions-not-contiguous: the segment up to v0 (before the gap) is fine', async () => {
    // (Its metaData has no schemaString, so a full snapshot at v0 fails for that reason instead.)
    const seg = await getLogSegment(store, 'golden-versions-not-contiguous/', 0);
    expect(seg.commits.map((c) => c.version)).toEqual([0]);
    expect(seg.latestVersion).toBe(2);
  });
  it('a missing table root has no latest version', async () => {
    expect(await latestVersion(store, 'golden-no-delta-log-folder/')).toBeUndefined();
    await expectError(open('no-such-table'), 'ERR_TABLE_NOT_FOUND');
  });
});

describe('conformance: time travel by timestamp (mtimes set on a temp copy)', () => {
  const tz7 = (d: string): string => `2020-05-${d}-07:00`;
  const copies: { cleanup: () => Promise<void> }[] = [];
  const stores: Record<string, LocalObjectStore> = {};
  beforeAll(async () => {
    const simple = await copyWithMtimes('rs-simple_table', {
      [`${v(0)}.json`]: tz7('01T22:47:31'), [`${v(1)}.json`]: tz7('02T22:47:31'), [`${v(2)}.json`]: tz7('03T22:47:31'),
      [`${v(3)}.json`]: tz7('04T22:47:31'), [`${v(4)}.json`]: tz7('05T22:47:31'),
    });
    const start = 1540415658000;
    const golden = await copyWithMtimes('golden-time-travel-start-start20-start40', {
      [`${v(0)}.json`]: new Date(start).toISOString(), [`${v(1)}.json`]: new Date(start + 20 * 60_000).toISOString(), [`${v(2)}.json`]: new Date(start + 40 * 60_000).toISOString(),
    });
    const vac = await copyWithMtimes('rs-checkpoints_vacuumed', {
      [`${v(5)}.checkpoint.parquet`]: tz7('01T22:47:31'), [`${v(5)}.json`]: tz7('02T22:47:31'), [`${v(6)}.json`]: tz7('03T22:47:31'),
      [`${v(7)}.json`]: tz7('04T22:47:31'), [`${v(8)}.json`]: tz7('05T22:47:31'), [`${v(9)}.json`]: tz7('06T22:47:31'),
      [`${v(10)}.checkpoint.parquet`]: tz7('06T22:47:31'), [`${v(10)}.json`]: tz7('08T22:47:31'), [`${v(11)}.json`]: tz7('09T22:47:31'), [`${v(12)}.json`]: tz7('10T22:47:31'),
    });
    copies.push(simple, golden, vac);
    stores.simple = new LocalObjectStore(simple.dir);
    stores.golden = new LocalObjectStore(golden.dir);
    stores.vac = new LocalObjectStore(vac.dir);
  });
  afterAll(async () => { for (const c of copies) await c.cleanup(); });
  const at = (name: string, table: string, iso: string | number): Promise<number> =>
    resolveVersionAtTimestamp(stores[name] as LocalObjectStore, `${table}/`, typeof iso === 'number' ? iso : Date.parse(iso));

  it('rs-simple_table (delta-rs time_travel_by_ds), with the .tmp/5 commit ignored', async () => {
    const t = 'rs-simple_table';
    expect(await at('simple', t, tz7('02T22:47:31'))).toBe(1);
    expect(await at('simple', t, tz7('02T23:47:31'))).toBe(1);
    expect(await at('simple', t, tz7('03T22:47:31'))).toBe(2);
    expect(await at('simple', t, tz7('04T22:47:31'))).toBe(3);
    expect(await at('simple', t, tz7('05T21:47:31'))).toBe(3);
    expect(await at('simple', t, tz7('05T22:47:31'))).toBe(4);
  });
  it('rs-simple_table: out of range follows Kernel (delta-rs would clamp to v0 / v4; k3 errors)', async () => {
    await expectError(at('simple', 'rs-simple_table', tz7('01T00:47:31')), 'ERR_DELTA_TIMESTAMP_OUT_OF_RANGE', /before the earliest available version/);
    await expectError(at('simple', 'rs-simple_table', tz7('25T22:47:31')), 'ERR_DELTA_TIMESTAMP_OUT_OF_RANGE', /after the latest available version/);
  });
  it('golden-time-travel-start-start20-start40 (Kernel DeltaTableReadsSuite)', async () => {
    const t = 'golden-time-travel-start-start20-start40';
    const start = 1540415658000;
    const min = 60_000;
    expect(await at('golden', t, start)).toBe(0);
    expect(await at('golden', t, start + 10 * min)).toBe(0);
    expect(await at('golden', t, start + 20 * min)).toBe(1);
    expect(await at('golden', t, start + 40 * min)).toBe(2);
    await expectError(at('golden', t, start + 50 * min), 'ERR_DELTA_TIMESTAMP_OUT_OF_RANGE', /after the latest available version/);
    await expectError(at('golden', t, start - 1), 'ERR_DELTA_TIMESTAMP_OUT_OF_RANGE', /before the earliest available version/);
    const snap = await loadSnapshot(stores.golden as LocalObjectStore, `${t}/`, { timestamp: start + 25 * min });
    expect(snap.version).toBe(1);
    expect((await scanSnapshot(stores.golden as LocalObjectStore, snap)).rows).toHaveLength(20);
  });
  it('rs-checkpoints_vacuumed: search starts at the oldest reconstructable commit, stray .tmp checkpoint ignored', async () => {
    const t = 'rs-checkpoints_vacuumed';
    expect(await at('vac', t, tz7('09T00:47:31'))).toBe(10);
    // delta-rs returns v5 (earliest) here; the time is before commit 5 was written, so Kernel semantics error.
    await expectError(at('vac', t, tz7('02T00:47:31')), 'ERR_DELTA_TIMESTAMP_OUT_OF_RANGE', /before the earliest available version 5/);
    expect((await loadSnapshot(stores.vac as LocalObjectStore, `${t}/`, { timestamp: Date.parse(tz7('07T00:00:00')) })).version).toBe(9);
  });
});

describe('conformance: checkpoint replay equals JSON-only replay', () => {
  // Tables with a checkpoint AND every JSON commit from 0: both paths must give the same state.
  const tables = [
    'rs-simple_table_with_checkpoint', 'rs-delta-0.2.0', 'rs-latest_not_checkpointed', 'rs-python-0.25.5-checkpoint',
    'rs-delta-checkpoint-stats-optional', 'rs-issue_1374', 'rs-delta-1.2.1-only-struct-stats', 'golden-multi-part-checkpoint',
    'golden-only-checkpoint-files', 'golden-basic-with-inserts-overwrite-restore', 'golden-checkpoint',
  ];
  for (const table of tables) {
    it(table, async () => {
      const root = `${table}/`;
      const snap = await open(table);
      expect(snap.version).toBeGreaterThan(0);
      const seg = await getLogSegment(store, root);
      expect(seg.checkpoint, 'the latest snapshot must come from a checkpoint').toBeDefined();
      const commits = (await listLogFiles(store, root)).filter((f) => f.kind === 'commit' && f.version <= snap.version);
      expect(commits.map((c) => c.version)).toEqual(range(0, snap.version + 1));
      const state = createReplayState();
      for (const c of await readCommits(store, commits)) applyActions(state, c);
      const viaJson = [...state.files.values()].map(({ add }) => [add.path, add.size, add.partitionValues, parseStatsCount(add.stats)]).sort();
      const viaCheckpoint = snap.files.map((f) => [f.add.path, f.add.size, f.add.partitionValues, f.stats?.numRecords]).sort();
      expect(viaCheckpoint).toEqual(viaJson);
      expect(snap.metadata.schemaString).toBe(state.metadata?.schemaString);
      expect(snap.protocol.minReaderVersion).toBe(state.protocol?.minReaderVersion);
      expect([...snap.txns.entries()].map(([k, t]) => [k, t.version])).toEqual([...state.txns.entries()].map(([k, t]) => [k, t.version]));
    });
  }
});

function parseStatsCount(stats: string | null | undefined): number | undefined {
  if (stats === null || stats === undefined) return undefined;
  const n = (JSON.parse(stats) as { numRecords?: unknown }).numRecords;
  return typeof n === 'number' ? n : undefined;
}
