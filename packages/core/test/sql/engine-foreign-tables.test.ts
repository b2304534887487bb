/**
 * Delta tables written by other engines (the shared conformance tables from delta-io) dropped into
 * a bucket: the engine lists, describes, reads and writes them like its own.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/delta/index.ts';
import { LocalObjectStore } from '../../src/object-store/index.ts';
import { createDuckDB, type K3DuckDB } from '../../src/exec/index.ts';
import { createHarness, type Harness } from './engine-harness.ts';

const TABLES = ['golden-data-reader-partition-values', 'golden-data-reader-primitives', 'golden-basic-with-inserts-updates', 'golden-data-reader-nested-struct'];
const SOURCE = '/work/shared/delta-tables';

let h: Harness;
let store: LocalObjectStore;
let plain: K3DuckDB;

/** Rows in the given data files, counted by a plain DuckDB straight from the Parquet files. */
async function parquetRows(keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const files = keys.map((k) => `'${path.join(store.rootDir, k).replaceAll("'", "''")}'`).join(', ');
  const conn = await plain.connect();
  try {
    return Number((await conn.runAndReadAll(`SELECT count(*) FROM read_parquet([${files}])`)).getRows()[0]?.[0]);
  } finally {
    conn.closeSync();
  }
}

beforeAll(async () => {
  h = await createHarness();
  await h.ddl('CREATE TABLE own (a INTEGER)');
  for (const t of TABLES) await cp(path.join(SOURCE, t), path.join(h.dir, 'data', h.bucket, 'tables', t.replaceAll('-', '_')), { recursive: true });
  store = new LocalObjectStore(path.join(h.dir, 'data', h.bucket));
  plain = await createDuckDB({ threads: 1 });
});

afterAll(async () => {
  plain.closeSync();
  await h.close();
});

describe('foreign Delta tables', () => {
  it('are listed next to k3 tables', async () => {
    const names = (await h.engine.listTables(h.bucket)).map((t) => t.name);
    expect(names).toEqual([...TABLES.map((t) => t.replaceAll('-', '_')), 'own'].sort());
  });

  for (const t of TABLES) {
    const name = t.replaceAll('-', '_');
    it(`${name}: rows and columns as the Delta log describes them`, async () => {
      const snapshot = await loadSnapshot(store, `tables/${name}/`);
      const count = await h.query(`SELECT count(*) FROM ${name}`);
      expect(count.rows).toEqual([[String(await parquetRows(snapshot.files.map((f) => f.key)))]]);
      expect(count.version).toBe(Number(snapshot.version));
      const described = await h.query(`DESCRIBE ${name}`);
      expect(described.rows.map((r) => r[0])).toEqual(snapshot.schema.fields.map((f) => f.name));
      expect((await h.engine.describeTable(h.bucket, name)).columns.map((c) => c.name)).toEqual(snapshot.schema.fields.map((f) => f.name));
    });
  }

  it('are writable: DELETE then INSERT commit on top of the foreign log', async () => {
    const name = 'golden_basic_with_inserts_updates';
    const before = await loadSnapshot(store, `tables/${name}/`);
    const del = await h.write(`DELETE FROM ${name} WHERE id % 2 = 0`);
    expect(Number(del.version)).toBe(before.version + 1);
    await h.write(`INSERT INTO ${name} VALUES (1000, 'k3')`);
    const after = await loadSnapshot(store, `tables/${name}/`);
    const rows = await parquetRows(after.files.map((f) => f.key));
    expect((await h.query(`SELECT count(*) FROM ${name}`)).rows).toEqual([[String(rows)]]);
    expect(rows).toBe((await parquetRows(before.files.map((f) => f.key))) - Number(del.rowsAffected) + 1);
  });
});
