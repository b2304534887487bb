/**
 * Interop with tables written by Spark and delta-rs (copies of the shared conformance tables):
 * the writer extends them, rewrites them, checkpoints them, and the reader (plus DuckDB over the
 * files) still sees exactly the same data — our partition-value serialization parses to the
 * same typed values as Spark's, nested columns survive, and our checkpoint of a state that began
 * in a Spark checkpoint equals the JSON replay.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StructField } from '../../../src/delta/schema.ts';
import { loadSnapshot, type ActiveFile, type Snapshot } from '../../../src/delta/snapshot.ts';
import { Transaction } from '../../../src/delta/transaction.ts';
import { validateCommit } from '../../../src/delta/validator.ts';
import { writeDataFiles } from '../../../src/exec/data-file-writer.ts';
import { deltaToDuckDBType } from '../../../src/exec/duckdb-types.ts';
import { LocalObjectStore } from '../../../src/object-store/local-object-store.ts';
import { checkpointKey, commitKey } from '../../../src/object-store/paths.ts';

const TABLES = '/work/shared/delta-tables';
const lit = (raw: string | null | undefined, field: StructField): string =>
  raw === null || raw === undefined ? `NULL::${deltaToDuckDBType(field.type)}` : `CAST('${raw.replaceAll("'", "''")}' AS ${deltaToDuckDBType(field.type)})`;

/** All rows of one file: data columns from Parquet, partition columns from the log, schema order. */
function fileRowsSql(dir: string, snap: Snapshot, file: ActiveFile): string {
  const parts = snap.schema.fields.filter((f) => snap.partitionColumns.includes(f.name));
  const cols = snap.schema.fields.map((f) => (f.type === 'timestamp' && !snap.partitionColumns.includes(f.name) ? `"${f.name}"::TIMESTAMP AS "${f.name}"` : `"${f.name}"`));
  const withParts = parts.map((f) => `${lit(file.add.partitionValues[f.name], f)} AS "${f.name}"`);
  return `SELECT ${cols.join(', ')} FROM (SELECT * ${withParts.length ? `, ${withParts.join(', ')}` : ''} FROM read_parquet('${join(dir, file.key).replaceAll("'", "''")}', hive_partitioning = false))`;
}
const snapshotRowsSql = (dir: string, snap: Snapshot): string => snap.files.map((f) => fileRowsSql(dir, snap, f)).join(' UNION ALL ');

let db: DuckDBInstance;
let conn: DuckDBConnection;
let tmp: string;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  tmp = await mkdtemp(join(tmpdir(), 'k3-interop-'));
});
afterAll(async () => {
  conn.closeSync();
  db.closeSync();
  await rm(tmp, { recursive: true, force: true });
});

async function copyTable(name: string): Promise<{ store: LocalObjectStore; dir: string }> {
  const dir = join(tmp, name);
  await cp(join(TABLES, name), join(dir, 't'), { recursive: true });
  return { store: new LocalObjectStore(dir), dir };
}

async function diff(a: string, b: string): Promise<number> {
  return Number((await conn.runAndReadAll(`SELECT (SELECT count(*) FROM ((${a}) EXCEPT ALL (${b}))) + (SELECT count(*) FROM ((${b}) EXCEPT ALL (${a})))`)).getRows()[0]?.[0]);
}

describe('writing to tables other engines wrote', () => {
  it('rewrites a Spark table partitioned by every primitive type (nested data columns) without changing a value', async () => {
    const { store, dir } = await copyTable('golden-data-reader-partition-values');
    const before = await loadSnapshot(store, 't/');
    expect(before.files).toHaveLength(3);
    const tx = Transaction.forSnapshot(store, before, { maxRetries: 0, checkpointInterval: 10 }).readWholeTable().removeFiles(before.files);
    for (const file of before.files) {
      tx.addFiles(await writeDataFiles(conn, { sql: fileRowsSql(dir, before, file) }, { store, root: 't/', schema: before.schema, partitionColumns: before.partitionColumns, tmpDir: join(tmp, 'w') }));
    }
    await tx.commit({ operation: 'WRITE', operationParameters: { mode: 'Overwrite' } });
    expect(validateCommit((await store.get(commitKey('t/', 1)))!, 1, { partitionColumns: before.partitionColumns })).toEqual([]);
    const after = await loadSnapshot(store, 't/');
    expect(after.files).toHaveLength(3);
    expect(after.files.every((f) => f.add.path.includes('-c000.zstd.parquet'))).toBe(true);
    const typed = (s: Snapshot) => s.files.map((f) => f.partitionValues).sort((a, b) => String(a.as_int).localeCompare(String(b.as_int)));
    expect(typed(after)).toEqual(typed(before));
    // Spark logged '2021-09-08 11:11:11'; we log ISO-8601 UTC; both mean the same instant.
    expect(after.files.map((f) => f.add.partitionValues.as_timestamp).filter(Boolean)).toEqual(['2021-09-08T11:11:11.000000Z', '2021-09-08T11:11:11.000000Z']);
    expect(await diff(snapshotRowsSql(dir, after), snapshotRowsSql(dir, before))).toBe(0);
    expect(await diff(snapshotRowsSql(dir, after), `${fileRowsSql(dir, before, before.files[0]!)}`)).toBeGreaterThan(0);
  });

  it('appends to a Spark table with a Spark checkpoint and checkpoints it again at version 20', async () => {
    const { store, dir } = await copyTable('rs-simple_table_with_checkpoint');
    const start = await loadSnapshot(store, 't/');
    expect(start.version).toBe(10);
    for (let v = 11; v <= 20; v++) {
      const snap = await loadSnapshot(store, 't/');
      const adds = await writeDataFiles(conn, { sql: `SELECT ${v} AS version` }, { store, root: 't/', schema: snap.schema, partitionColumns: [], tmpDir: join(tmp, 'w') });
      const r = await Transaction.forSnapshot(store, snap, { maxRetries: 0, checkpointInterval: 10 }).addFiles(adds).commit({ operation: 'WRITE', operationParameters: { mode: 'Append' } });
      expect(r.version).toBe(v);
      expect(r.timestamp).toBeGreaterThan(snap.timestamp);
    }
    expect(await store.head(checkpointKey('t/', 20))).toBeDefined();
    const replayed = await loadSnapshot(store, 't/');
    await store.deleteMany(Array.from({ length: 20 }, (_, v) => commitKey('t/', v)));
    const fromCheckpoint = await loadSnapshot(store, 't/');
    const norm = (s: Snapshot) => ({ ...s, timestamp: 0, files: [...s.files].sort((a, b) => a.key.localeCompare(b.key)).map((f) => ({ ...f, add: { ...f.add, tags: f.add.tags ?? null } })), tombstones: [] });
    expect(norm(fromCheckpoint)).toEqual(norm(replayed));
    const rows = (await conn.runAndReadAll(`SELECT version FROM (${snapshotRowsSql(dir, fromCheckpoint)}) ORDER BY version`)).getRows().map((r) => Number(r[0]));
    expect(rows.filter((v) => v >= 11)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(rows).toHaveLength(start.files.length + 10);
  });
});
