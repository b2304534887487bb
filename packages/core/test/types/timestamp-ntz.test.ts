/**
 * TIMESTAMP ↔ Delta `timestamp_ntz` (reader/writer feature timestampNtz), TIMESTAMPTZ ↔ Delta
 * `timestamp` (issue 15):
 * - Spark's timestamp_ntz table reads as DuckDB TIMESTAMP — data columns, zone-less partition
 *   values and stats — with file skipping and partition pruning, and k3 now writes it too.
 * - k3 stores TIMESTAMP as timestamp_ntz and raises the protocol to (3,7) with the feature only
 *   when a table uses it: CREATE, CTAS, ALTER ADD COLUMN, CREATE OR REPLACE; tables without a
 *   TIMESTAMP (TIMESTAMPTZ included) stay (1,2). Partition values are zone-less
 *   (`2024-01-02 03:04:05.000006`), stats `…T…` without a zone, Parquet isAdjustedToUTC=false.
 * - A table written by an earlier k3 (TIMESTAMP stored as Delta `timestamp`) keeps its schema and
 *   protocol and reads and writes as before, ALTERs included.
 */
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanSnapshot } from '../../../cli/src/scan.ts';
import { createTableMetadata, K3_TABLE_PROTOCOL, loadSnapshot, Transaction } from '../../src/delta/index.ts';
import type { Snapshot } from '../../src/delta/snapshot.ts';
import { K3_TABLE_CONFIG } from '../../src/delta/schema.ts';
import { createDuckDB, withConnection } from '../../src/exec/index.ts';
import { LocalObjectStore } from '../../src/object-store/local-object-store.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';

const SOURCE = '/work/shared/delta-tables/golden-data-reader-timestamp_ntz';
const NTZ_PROTOCOL = { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['appendOnly', 'invariants', 'timestampNtz'] };
let h: Harness;
let store: LocalObjectStore;

const snap = (table: string): Promise<Snapshot> => loadSnapshot(store, `tables/${table}/`);
const deltaType = async (table: string, column: string): Promise<unknown> => (await snap(table)).schema.fields.find((f) => f.name === column)?.type;

/** Rows of `sql` over the table's data files, read by DuckDB's own Parquet reader (as `$F`). */
async function parquet(s: Snapshot, sql: string): Promise<unknown[][]> {
  const files = s.files.map((f) => `'${path.join(store.rootDir, ...f.key.split('/'))}'`);
  const db = await createDuckDB({ threads: 1 });
  try {
    return await withConnection(db, async (conn) => {
      await conn.run("SET TimeZone = 'UTC'");
      return (await conn.runAndReadAll(sql.replace('$F', `read_parquet([${files.join(', ')}])`))).getRows();
    });
  } finally {
    db.closeSync();
  }
}

beforeAll(async () => {
  h = await createHarness();
  store = new LocalObjectStore(path.join(h.dir, 'data', h.bucket));
  await h.ddl('CREATE TABLE own (a INTEGER)');
  await cp(SOURCE, path.join(h.dir, 'data', h.bucket, 'tables', 'ntz'), { recursive: true });
});
afterAll(async () => {
  await h.close();
});

describe('timestamp_ntz tables of other engines', () => {
  it('describe as TIMESTAMP columns and read every row', async () => {
    const t = await h.engine.describeTable(h.bucket, 'ntz');
    expect(t.columns.map((c) => [c.name, c.type, c.duckdbType])).toEqual([
      ['id', 'COLUMN_TYPE_INT', 'INTEGER'], ['tsNtz', 'COLUMN_TYPE_TIMESTAMP', 'TIMESTAMP'], ['tsNtzPartition', 'COLUMN_TYPE_TIMESTAMP', 'TIMESTAMP'],
    ]);
    const all = await h.query('SELECT count(*), count(tsNtz), count(tsNtzPartition), typeof(any_value(tsNtz)) FROM ntz');
    // Ground truth from DuckDB's own Parquet reader: 9 rows, 6 non-null tsNtz; 6 non-null partition values.
    expect(all.rows).toEqual([['9', '6', '6', 'TIMESTAMP']]);
  });

  it('filter on the partition column and on data columns (pruning and stats)', async () => {
    const part = await h.query("SELECT count(*) FROM ntz WHERE tsNtzPartition = TIMESTAMP '2013-07-05 17:01:00.123456'");
    const data = await h.query("SELECT id, tsNtz FROM ntz WHERE tsNtz > TIMESTAMP '2021-01-01 00:00:00' ORDER BY id");
    expect(Number(part.rows[0]![0])).toBeGreaterThan(0);
    expect(data.rows.length).toBeGreaterThan(0);
    expect(data.rows.every((r) => String(r[1]) > '2021-01-01')).toBe(true);
  });

  it('are writable by k3 (timestampNtz is implemented): the protocol stays, partition values are zone-less', async () => {
    const before = await snap('ntz');
    await h.exec("INSERT INTO ntz VALUES (100, TIMESTAMP '2020-01-01 00:00:00.5', TIMESTAMP '1999-12-31 23:59:59.000001')");
    const after = await snap('ntz');
    expect(after.version).toBe(before.version + 1);
    expect(after.protocol).toEqual(before.protocol);
    const added = after.files.find((f) => !before.files.some((b) => b.key === f.key))!;
    expect(added.add.partitionValues).toEqual({ tsNtzPartition: '1999-12-31 23:59:59.000001' });
    expect((await h.query("SELECT tsNtz, tsNtzPartition FROM ntz WHERE tsNtzPartition = TIMESTAMP '1999-12-31 23:59:59.000001'")).rows)
      .toEqual([['2020-01-01 00:00:00.5', '1999-12-31 23:59:59.000001']]);
    expect((await h.query('SELECT count(*) FROM ntz')).rows).toEqual([['10']]);
  });
});

describe('k3 stores TIMESTAMP as timestamp_ntz, with the feature only when used', () => {
  it('CREATE TABLE: TIMESTAMP (also nested) raises to (3,7)+timestampNtz; TIMESTAMPTZ and others stay (1,2)', async () => {
    await h.ddl('CREATE TABLE plain (id INTEGER, ts TIMESTAMPTZ, d DATE)');
    await h.ddl('CREATE TABLE flat (id INTEGER, t TIMESTAMP)');
    await h.ddl('CREATE TABLE deep (id INTEGER, m MAP(VARCHAR, STRUCT(t TIMESTAMP)[]))');
    expect((await snap('plain')).protocol).toEqual(K3_TABLE_PROTOCOL);
    expect(await deltaType('plain', 'ts')).toBe('timestamp');
    expect((await snap('flat')).protocol).toEqual(NTZ_PROTOCOL);
    expect(await deltaType('flat', 't')).toBe('timestamp_ntz');
    expect((await snap('deep')).protocol).toEqual(NTZ_PROTOCOL);
    const described = await h.engine.describeTable(h.bucket, 'deep');
    expect(described.columns.map((c) => c.duckdbType)).toEqual(['INTEGER', 'MAP(VARCHAR, STRUCT(t TIMESTAMP)[])']);
  });

  it('the written files: Parquet TIMESTAMP (not adjusted to UTC), zone-less stats and partition values; the conformance reader reads every row', async () => {
    await h.ddl('CREATE TABLE parted (id INTEGER, t TIMESTAMP, p TIMESTAMP) PARTITIONED BY (p)');
    await h.exec(`INSERT INTO parted VALUES
      (1, TIMESTAMP '2024-01-02 03:04:05.000006', TIMESTAMP '2024-01-02 03:04:05.000006'),
      (2, TIMESTAMP '1969-12-31 23:59:59.999999', TIMESTAMP '2024-01-02 03:04:05.000006'),
      (3, NULL, NULL),
      (4, TIMESTAMP '9999-12-31 23:59:59.999999', TIMESTAMP '0001-01-01 00:00:00')`);
    const s = await snap('parted');
    expect(s.protocol).toEqual(NTZ_PROTOCOL);
    expect(s.files.map((f) => f.add.partitionValues.p).sort()).toEqual(['0001-01-01 00:00:00.000000', '2024-01-02 03:04:05.000006', null]);
    const bigFile = s.files.find((f) => f.add.partitionValues.p === '2024-01-02 03:04:05.000006')!;
    const stats = JSON.parse(bigFile.add.stats!) as { minValues: Record<string, string>; maxValues: Record<string, string> };
    expect([stats.minValues.t, stats.maxValues.t]).toEqual(['1969-12-31T23:59:59.999', '2024-01-02T03:04:05.000']);
    // DuckDB's own Parquet reader: a TIMESTAMP column (isAdjustedToUTC=false), the same values.
    expect(await parquet(s, 'SELECT typeof(t), count(*) FROM $F GROUP BY ALL')).toEqual([['TIMESTAMP', 4n]]);
    expect((await parquet(s, 'SELECT CAST(t AS VARCHAR) FROM $F ORDER BY t NULLS FIRST')).map((r) => r[0]))
      .toEqual([null, '1969-12-31 23:59:59.999999', '2024-01-02 03:04:05.000006', '9999-12-31 23:59:59.999999']);
    const scanned = await scanSnapshot(store, s);
    expect(scanned.rows.length).toBe(4);
    // Pruning (zone-less partition values) and skipping (zone-less stats) give the right rows and skip files.
    const pruned = await h.query("SELECT id FROM parted WHERE p = TIMESTAMP '2024-01-02 03:04:05.000006' ORDER BY id");
    expect(pruned.rows).toEqual([[1], [2]]);
    expect(pruned.filesScanned).toBe(1);
    const skipped = await h.query("SELECT id FROM parted WHERE t < TIMESTAMP '1970-01-01 00:00:00' ORDER BY id");
    expect(skipped.rows).toEqual([[2]]);
    // The file whose t is 9999-12-31 is skipped by its stats; the all-NULL file has no bounds and is read (conservative).
    expect(skipped.filesScanned).toBe(2);
    expect((await h.query("SELECT id FROM parted WHERE p IS NULL")).rows).toEqual([[3]]);
  });

  it('CTAS, ALTER ADD COLUMN and CREATE OR REPLACE raise the protocol of a (1,2) table; keyed writes, the drain, time travel and OPTIMIZE keep it', async () => {
    await h.ddl("CREATE TABLE c AS SELECT 1 AS id, TIMESTAMP '2020-02-02 02:02:02' AS t");
    expect((await snap('c')).protocol).toEqual(NTZ_PROTOCOL);
    expect(await deltaType('c', 't')).toBe('timestamp_ntz');

    await h.ddl('CREATE TABLE k (id INTEGER PRIMARY KEY, v VARCHAR)');
    await h.exec("INSERT INTO k VALUES (1, 'a'), (2, 'b')");
    const v1 = (await snap('k')).version;
    expect((await snap('k')).protocol).toEqual(K3_TABLE_PROTOCOL);
    await h.ddl("ALTER TABLE k ADD COLUMN t TIMESTAMP DEFAULT TIMESTAMP '2001-01-01 00:00:00'");
    expect((await snap('k')).protocol).toEqual(NTZ_PROTOCOL);
    expect(await deltaType('k', 't')).toBe('timestamp_ntz');
    await h.exec("INSERT INTO k VALUES (3, 'c', TIMESTAMP '2030-03-03 03:03:03.333333')"); // keyed write, drained by the harness
    await h.exec("UPDATE k SET t = TIMESTAMP '1900-01-01 00:00:00' WHERE id = 1");
    await h.exec('OPTIMIZE k');
    expect((await h.query('SELECT id, v, t FROM k ORDER BY id')).rows).toEqual([
      [1, 'a', '1900-01-01 00:00:00'], [2, 'b', '2001-01-01 00:00:00'], [3, 'c', '2030-03-03 03:03:03.333333'],
    ]);
    expect((await h.query(`SELECT * FROM k AS OF VERSION ${v1} ORDER BY id`)).rows).toEqual([[1, 'a'], [2, 'b']]);
    expect((await snap('k')).protocol).toEqual(NTZ_PROTOCOL);

    await h.ddl('CREATE TABLE r (id INTEGER)');
    await h.ddl('CREATE OR REPLACE TABLE r (id INTEGER, t TIMESTAMP)');
    expect((await snap('r')).protocol).toEqual(NTZ_PROTOCOL);
  });

  it('a checkpoint keeps the (3,7) protocol and its features; the table reads the same from it', async () => {
    await h.ddl('CREATE TABLE cp (id INTEGER, t TIMESTAMP)');
    for (let i = 1; i <= 11; i++) await h.exec(`INSERT INTO cp VALUES (${i}, TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (${i}) MICROSECOND)`);
    const last = JSON.parse(await readFile(path.join(store.rootDir, 'tables', 'cp', '_delta_log', '_last_checkpoint'), 'utf8')) as { version: number };
    expect(last.version).toBeGreaterThanOrEqual(10);
    const s = await snap('cp');
    expect(s.protocol).toEqual(NTZ_PROTOCOL);
    expect((await h.query('SELECT count(*), max(t) FROM cp')).rows).toEqual([['11', '2020-01-01 00:00:00.000011']]);
    expect((await scanSnapshot(store, s)).rows.length).toBe(11);
  });

  it('the Change Data Feed of a timestamp_ntz table lists changeDataFeed and carries the TIMESTAMP values', async () => {
    await h.ddl("CREATE TABLE feed (id INTEGER, t TIMESTAMP) TBLPROPERTIES ('delta.enableChangeDataFeed' = true)");
    await h.exec("INSERT INTO feed VALUES (1, TIMESTAMP '2022-02-22 22:22:22.222222')");
    await h.exec("DELETE FROM feed WHERE id = 1");
    const s = await snap('feed');
    expect(s.protocol.minReaderVersion).toBe(3);
    expect(s.protocol.writerFeatures).toEqual(expect.arrayContaining(['changeDataFeed', 'timestampNtz']));
    expect((await h.query("SELECT id, t, typeof(t), _change_type FROM table_changes('feed', 0) ORDER BY _commit_version")).rows).toEqual([
      [1, '2022-02-22 22:22:22.222222', 'TIMESTAMP', 'insert'], [1, '2022-02-22 22:22:22.222222', 'TIMESTAMP', 'delete'],
    ]);
  });
});

describe('tables written by earlier k3 versions (TIMESTAMP stored as Delta `timestamp`)', () => {
  it('keep their schema and protocol and read and write as before', async () => {
    const schema = { type: 'struct' as const, fields: [
      { name: 'id', type: 'integer' as const, nullable: false, metadata: {} },
      { name: 't', type: 'timestamp' as const, nullable: true, metadata: {} },
      { name: 'p', type: 'timestamp' as const, nullable: true, metadata: {} },
    ] };
    const metadata = createTableMetadata({ schema, partitionColumns: ['p'], configuration: { [K3_TABLE_CONFIG.primaryKey]: '["id"]' } });
    await Transaction.forCreate(store, 'tables/legacy/', { metadata, protocol: { ...K3_TABLE_PROTOCOL } }, { maxRetries: 1, checkpointInterval: 10 }).commit({ operation: 'CREATE TABLE' });
    const described = await h.engine.describeTable(h.bucket, 'legacy');
    expect(described.columns.map((c) => c.duckdbType)).toEqual(['INTEGER', 'TIMESTAMP', 'TIMESTAMP']);
    await h.exec("INSERT INTO legacy VALUES (1, TIMESTAMP '2024-05-05 05:05:05.5', TIMESTAMP '2024-05-05 00:00:00')"); // keyed + drain
    await h.exec("INSERT INTO legacy SELECT 2, TIMESTAMP '1950-01-01 00:00:00', NULL");
    await h.ddl('ALTER TABLE legacy ALTER COLUMN t SET NOT NULL');
    await h.ddl('ALTER TABLE legacy ADD COLUMN n INTEGER DEFAULT 7'); // rewrites the files
    await h.exec('OPTIMIZE legacy');
    const s = await snap('legacy');
    expect(s.protocol).toEqual(K3_TABLE_PROTOCOL);
    expect(s.schema.fields.map((f) => [f.name, f.type])).toEqual([['id', 'integer'], ['t', 'timestamp'], ['p', 'timestamp'], ['n', 'integer']]);
    // Delta `timestamp` is still written as an instant (Parquet isAdjustedToUTC=true) with ISO-8601 UTC partition values.
    expect(await parquet(s, 'SELECT DISTINCT typeof(t) FROM $F')).toEqual([['TIMESTAMP WITH TIME ZONE']]);
    expect(s.files.map((f) => f.add.partitionValues.p).sort()).toEqual(['2024-05-05T00:00:00.000000Z', null]);
    expect((await h.query('SELECT id, t, p, typeof(t), n FROM legacy ORDER BY id')).rows).toEqual([
      [1, '2024-05-05 05:05:05.5', '2024-05-05 00:00:00', 'TIMESTAMP', 7], [2, '1950-01-01 00:00:00', null, 'TIMESTAMP', 7],
    ]);
    const log = await readFile(path.join(store.rootDir, 'tables', 'legacy', '_delta_log', `${String(s.version).padStart(20, '0')}.json`), 'utf8');
    expect(log).not.toContain('timestampNtz');
  });
});
