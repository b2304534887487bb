/**
 * Round trip: tables written by the writer (data files via DuckDB, commits via Transaction) read
 * back exactly through the reader's loadSnapshot + DuckDB over the files, at the latest version
 * and by time travel; every commit passes the protocol validator; checkpoints every 10 commits.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StructType } from '../../../src/delta/schema.ts';
import { loadSnapshot, type Snapshot } from '../../../src/delta/snapshot.ts';
import { createTableMetadata } from '../../../src/delta/table-metadata.ts';
import { Transaction } from '../../../src/delta/transaction.ts';
import { validateCommit } from '../../../src/delta/validator.ts';
import { bindSnapshot } from '../../../src/exec/bind-snapshot.ts';
import { writeDataFiles } from '../../../src/exec/data-file-writer.ts';
import { LocalObjectStore } from '../../../src/object-store/local-object-store.ts';
import { checkpointKey, commitKey, lastCheckpointKey } from '../../../src/object-store/paths.ts';

const f = (name: string, type: StructType['fields'][number]['type'], metadata: Record<string, unknown> = {}) => ({ name, type, nullable: true, metadata });
const schema: StructType = {
  type: 'struct',
  fields: [
    f('id', 'long'), f('i32', 'integer'), f('s16', 'short'), f('b8', 'byte'), f('f32', 'float'), f('f64', 'double'), f('flag', 'boolean'),
    f('bin', 'binary'), f('dt', 'date'), f('ts', 'timestamp'), f('amount', 'decimal(12,3)'), f('doc', 'string', { 'k3.type': 'COLUMN_TYPE_JSON' }),
    f('name', 'string'), f('k', 'string'), f('day', 'date'),
  ],
};
const COLUMNS = schema.fields.map((c) => `"${c.name}"`).join(', ');
const K_VALUES = `['a/b', 'x=y', '50%', 'é', 'sp ace', NULL, 'q?#{[^]}*''"\\']`;

/** Deterministic rows [start, start+count): every type, nulls, special partition values. */
function batchSql(start: number, count: number): string {
  return `SELECT i::BIGINT AS id, (i * 7 % 1000 - 500)::INTEGER AS i32, (i % 300)::SMALLINT AS s16, (i % 100 - 50)::TINYINT AS b8,
      CASE WHEN i % 11 = 0 THEN NULL ELSE (i / 8.0)::FLOAT END AS f32, (i * 1.000001 - 3e5)::DOUBLE AS f64, CASE i % 3 WHEN 0 THEN true WHEN 1 THEN false END AS flag,
      CASE WHEN i % 5 = 0 THEN NULL ELSE ('\\x00\\xFF' || i::VARCHAR)::BLOB END AS bin, DATE '2000-01-01' + (i % 9000)::INTEGER AS dt,
      TIMESTAMP '2024-05-06 07:08:09.123456' + to_microseconds(i * 3600000123) AS ts, (i * 12.345 - 999)::DECIMAL(12,3) AS amount,
      CASE WHEN i % 4 = 0 THEN NULL ELSE '{"n":' || i || ',"tags":["é","x"],"nested":{"ok":true}}' END AS doc,
      CASE WHEN i % 6 = 0 THEN NULL ELSE repeat(chr((97 + i % 26)::INTEGER), (1 + i % 40)::INTEGER) END AS name,
      ${K_VALUES}[1 + i % 7] AS k, CASE WHEN i % 2 = 0 THEN NULL ELSE DATE '2026-01-01' + (i % 3)::INTEGER END AS day
    FROM range(${start}, ${start + count}) t(i)`;
}

/** The rows of a snapshot, read from its Parquet files with partition columns from the log. */
function snapshotSql(store: LocalObjectStore, dir: string, snap: Snapshot): string {
  if (snap.files.length === 0) return `SELECT ${COLUMNS} FROM expected WHERE false`;
  return snap.files.map((file) => {
    const k = file.add.partitionValues.k;
    const day = file.add.partitionValues.day;
    const path = join(dir, file.key).replaceAll("'", "''");
    return `SELECT * EXCLUDE (ts), ts::TIMESTAMP AS ts, ${k === null || k === undefined ? 'NULL' : `'${k.replaceAll("'", "''")}'`}::VARCHAR AS k, ${day ? `DATE '${day}'` : 'NULL::DATE'} AS day FROM read_parquet('${path}', hive_partitioning = false)`;
  }).map((s) => `SELECT ${COLUMNS} FROM (${s})`).join(' UNION ALL ');
}

let db: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  dir = await mkdtemp(join(tmpdir(), 'k3-roundtrip-'));
});
afterAll(async () => {
  conn.closeSync();
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function diffCount(a: string, b: string): Promise<number> {
  const rows = (await conn.runAndReadAll(`SELECT (SELECT count(*) FROM ((${a}) EXCEPT ALL (${b}))) + (SELECT count(*) FROM ((${b}) EXCEPT ALL (${a})))`)).getRows();
  return Number(rows[0]?.[0]);
}

describe('writer → reader round trip (LocalObjectStore, real Parquet)', () => {
  it('reads back exactly what was written, at every kept version, with valid commits and checkpoints', async () => {
    const store = new LocalObjectStore(join(dir, 'store'));
    const root = 'tables/events/';
    const opts = { maxRetries: 5, checkpointInterval: 10 };
    const tmpDir = join(dir, 'tmp');
    await Transaction.forCreate(store, root, { metadata: createTableMetadata({ schema, partitionColumns: ['k', 'day'] }) }, opts)
      .commit({ operation: 'CREATE TABLE', operationParameters: { partitionBy: ['k', 'day'] } });
    await conn.run(`CREATE TABLE expected AS ${batchSql(0, 0)}`);
    const expectedAt = new Map<number, string>();
    let next = 0;
    for (let v = 1; v <= 23; v++) {
      const snap = await loadSnapshot(store, root);
      const tx = Transaction.forSnapshot(store, snap, opts);
      let operation = 'WRITE';
      if (v % 8 === 0) {
        // Overwrite: remove everything, add a fresh batch.
        tx.readWholeTable().removeFiles(snap.files);
        await conn.run('DELETE FROM expected');
        operation = 'CREATE OR REPLACE TABLE';
      } else if (v % 5 === 0) {
        // DELETE WHERE k = 'a/b': drop the partition's files.
        const files = snap.files.filter((file) => file.partitionValues.k === 'a/b');
        tx.readPartitions((pv) => pv.k === 'a/b').removeFiles(files);
        await conn.run(`DELETE FROM expected WHERE k = 'a/b'`);
        operation = 'DELETE';
      }
      if (operation !== 'DELETE') {
        const sql = batchSql(next, 60);
        next += 60;
        tx.addFiles(await writeDataFiles(conn, { sql }, { store, root, schema, partitionColumns: ['k', 'day'], tmpDir }));
        await conn.run(`INSERT INTO expected ${sql}`);
      }
      const result = await tx.commit({ operation });
      expect(result.version).toBe(v);
      expect(result.checkpoint?.version).toBe(v % 10 === 0 ? v : undefined);
      await conn.run(`CREATE TABLE expected_v${v} AS SELECT * FROM expected`);
      expectedAt.set(v, `SELECT ${COLUMNS} FROM expected_v${v}`);
    }
    for (let v = 0; v <= 23; v++) {
      const body = (await store.get(commitKey(root, v)))!;
      expect(validateCommit(body, v, { partitionColumns: ['k', 'day'] }), `commit ${v}`).toEqual([]);
    }
    expect(await store.head(checkpointKey(root, 10))).toBeDefined();
    expect(await store.head(checkpointKey(root, 20))).toBeDefined();
    expect(JSON.parse(new TextDecoder().decode((await store.get(lastCheckpointKey(root)))!))).toMatchObject({ version: 20 });

    const latest = await loadSnapshot(store, root);
    expect(latest.version).toBe(23);
    const count = Number((await conn.runAndReadAll('SELECT count(*) FROM expected')).getRows()[0]?.[0]);
    expect(count).toBeGreaterThan(100);
    expect(latest.numRecords).toBe(count);
    const partitions = new Set(latest.files.map((file) => JSON.stringify(file.add.partitionValues)));
    expect(partitions.size).toBeGreaterThan(10);
    expect(await diffCount(snapshotSql(store, join(dir, 'store'), latest), `SELECT ${COLUMNS} FROM expected`)).toBe(0);
    for (const v of [3, 7, 10, 12, 15, 21]) {
      const snap = await loadSnapshot(store, root, { version: v });
      expect(await diffCount(snapshotSql(store, join(dir, 'store'), snap), expectedAt.get(v)!), `version ${v}`).toBe(0);
    }
    // The production read path (exec's bindSnapshot) sees the same rows.
    await bindSnapshot(conn, 'bound_latest', latest, new Map(latest.files.map((file) => [file.key, join(dir, 'store', file.key)])));
    expect(await diffCount(`SELECT ${COLUMNS.replace('"doc"', '"doc"::VARCHAR AS doc')} FROM bound_latest`, `SELECT ${COLUMNS} FROM expected`)).toBe(0);
    // A negative control: the comparison does see a difference.
    expect(await diffCount(snapshotSql(store, join(dir, 'store'), latest), expectedAt.get(21)!)).toBeGreaterThan(0);
   }, 180_000);
});
