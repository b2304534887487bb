import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StructType } from '../../../src/delta/schema.ts';
import { writeDataFiles } from '../../../src/exec/data-file-writer.ts';
import { encodeLogPath, escapePartitionPathName, partitionDirectory } from '../../../src/exec/partition-path.ts';
import { MemoryObjectStore } from '../../../src/object-store/index.ts';

const field = (name: string, type: StructType['fields'][number]['type'], metadata: Record<string, unknown> = {}) => ({ name, type, nullable: true, metadata });

let db: DuckDBInstance;
let conn: DuckDBConnection;
let tmp: string;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  tmp = await mkdtemp(join(tmpdir(), 'k3-dfw-'));
});
afterAll(async () => {
  conn.closeSync();
  db.closeSync();
  await rm(tmp, { recursive: true, force: true });
});

/** Copies the store's objects to a directory so DuckDB can read them back. */
async function materialize(store: MemoryObjectStore, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmp, 'm-'));
  for (const o of (await store.list(prefix)).objects) {
    const path = join(dir, o.key.slice(prefix.length));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, (await store.get(o.key))!);
  }
  return dir;
}

describe('partition paths', () => {
  it('escapes like Hive escapePathName and encodes add.path once more', () => {
    expect(escapePartitionPathName('a/b x=y 50% é:{}')).toBe('a%2Fb x%3Dy 50%25 é%3A%7B}');
    expect(partitionDirectory(['k', 'n'], { k: 'a/b', n: null })).toBe('k=a%2Fb/n=__HIVE_DEFAULT_PARTITION__/');
    const key = 'k=a%2Fb c/part-0.parquet';
    expect(encodeLogPath(key)).toBe('k=a%252Fb%20c/part-0.parquet');
    expect(decodeURIComponent(encodeLogPath(key))).toBe(key);
  });
});

describe('writeDataFiles', () => {
  const schema: StructType = {
    type: 'struct',
    fields: [
      field('id', 'long'), field('i', 'integer'), field('s', 'short'), field('b', 'byte'), field('f', 'float'), field('d', 'double'),
      field('ok', 'boolean'), field('bin', 'binary'), field('day', 'date'), field('ts', 'timestamp'), field('amount', 'decimal(10,2)'),
      field('doc', 'string', { 'k3.type': 'COLUMN_TYPE_JSON' }), field('name', 'string'), field('k', 'string'),
    ],
  };
  const sql = `SELECT * FROM (VALUES
    (1, 1, 1, 1, 1.5, 2.5, true, '\\x01'::BLOB, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.123456', 12.30, '{"a": [1, 2]}', '${'x'.repeat(40)}', 'a/b'),
    (9223372036854775807, 2, 2, 2, NULL, -1e300, false, NULL, NULL, TIMESTAMP '1999-12-31 23:59:59', -0.01, NULL, 'é', 'a/b'),
    (3, 3, 3, 3, 3, 3, NULL, NULL, DATE '2020-02-29', NULL, NULL, '[]', NULL, NULL),
    (4, 4, 4, 4, 4, 4, true, NULL, NULL, NULL, NULL, '1', 'z', '50% x=y')
  ) AS t(id, i, s, b, f, d, ok, bin, day, ts, amount, doc, name, k)`;

  it('writes one zstd Parquet file per partition with Delta stats, and the data reads back', async () => {
    const store = new MemoryObjectStore();
    const adds = await writeDataFiles(conn, { sql }, { store, root: 't/', schema, partitionColumns: ['k'], tmpDir: tmp, clock: () => 7 });
    expect(adds).toHaveLength(3);
    const byK = new Map(adds.map((a) => [a.partitionValues.k, a]));
    expect([...byK.keys()].sort()).toEqual(['50% x=y', 'a/b', null].sort());
    const ab = byK.get('a/b')!;
    expect(ab.path).toMatch(/^k=a%252Fb\/part-\d{5}-[0-9a-f-]{36}-c000\.zstd\.parquet$/);
    expect(byK.get(null)!.path).toMatch(/^k=__HIVE_DEFAULT_PARTITION__\/part-/);
    expect(byK.get('50% x=y')!.path).toMatch(/^k=50%2525%20x%253Dy\/part-/);
    expect(ab.modificationTime).toBe(7);
    expect(ab.dataChange).toBe(true);
    expect(ab.size).toBe((await store.head(`t/${decodeURIComponent(ab.path)}`))!.size);
    const stats = JSON.parse(ab.stats!) as Record<string, Record<string, unknown>>;
    expect(stats.numRecords).toBe(2);
    expect(stats.minValues).toEqual({ id: 1, i: 1, s: 1, b: 1, f: 1.5, d: -1e300, day: '2024-01-02', ts: '1999-12-31T23:59:59.000Z', amount: -0.01, doc: '{"a":[1,2]}', name: 'x'.repeat(32) });
    expect(stats.maxValues).toMatchObject({ i: 2, day: '2024-01-02', ts: '2024-01-02T03:04:05.123Z', amount: 12.3, name: 'é' });
    expect(stats.nullCount).toEqual({ id: 0, i: 0, s: 0, b: 0, f: 1, d: 0, ok: 0, bin: 1, day: 1, ts: 0, amount: 0, doc: 1, name: 0 });
    // BIGINT max keeps every digit in the stats JSON text.
    expect(ab.stats).toContain('"id":9223372036854775807');

    const dir = await materialize(store, 't/');
    const file = join(dir, decodeURIComponent(ab.path));
    const schemaRows = (await conn.runAndReadAll(`SELECT name, type, logical_type FROM parquet_schema('${file}')`)).getRowObjectsJson();
    expect(schemaRows.map((r) => r.name)).not.toContain('k');
    expect(String(schemaRows.find((r) => r.name === 'ts')?.logical_type)).toContain('isAdjustedToUTC=1');
    const meta = (await conn.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`)).getRows();
    expect(meta).toEqual([['ZSTD']]);
    const rows = (await conn.runAndReadAll(`SELECT id::VARCHAR, doc, ts::VARCHAR, amount::VARCHAR FROM read_parquet('${file}') ORDER BY id`)).getRows();
    expect(rows).toEqual([['1', '{"a":[1,2]}', '2024-01-02 03:04:05.123456+00', '12.30'], ['9223372036854775807', null, '1999-12-31 23:59:59+00', '-0.01']]);
  });

  it('serializes typed partition values as Delta strings', async () => {
    const store = new MemoryObjectStore();
    const s: StructType = { type: 'struct', fields: [field('v', 'integer'), field('day', 'date'), field('ts', 'timestamp'), field('ok', 'boolean'), field('n', 'long'), field('x', 'double')] };
    const adds = await writeDataFiles(conn, { sql: `SELECT 1 AS v, DATE '2024-03-01' AS day, TIMESTAMP '2024-03-01 10:00:00.5' AS ts, false AS ok, -5 AS n, 2021.0 AS x` },
      { store, root: 'p/', schema: s, partitionColumns: ['day', 'ts', 'ok', 'n', 'x'], tmpDir: tmp });
    expect(adds).toHaveLength(1);
    expect(adds[0]!.partitionValues).toEqual({ day: '2024-03-01', ts: '2024-03-01T10:00:00.500000Z', ok: 'false', n: '-5', x: '2021.0' });
    expect(decodeURIComponent(adds[0]!.path)).toMatch(/^day=2024-03-01\/ts=2024-03-01T10%3A00%3A00.500000Z\/ok=false\/n=-5\/x=2021.0\/part-/);
  });

  it('writes nothing for an empty source and splits large outputs by targetFileBytes', async () => {
    const store = new MemoryObjectStore();
    const s: StructType = { type: 'struct', fields: [field('id', 'long'), field('pad', 'string')] };
    expect(await writeDataFiles(conn, { sql: 'SELECT 1 AS id, \'x\' AS pad WHERE false' }, { store, root: 'e/', schema: s, partitionColumns: [], tmpDir: tmp })).toEqual([]);
    const adds = await writeDataFiles(conn, { sql: 'SELECT range AS id, md5(range::VARCHAR) || md5((range*7)::VARCHAR) AS pad FROM range(300000)' },
      { store, root: 'big/', schema: s, partitionColumns: [], tmpDir: tmp, targetFileBytes: 1_000_000 });
    expect(adds.length).toBeGreaterThan(1);
    const total = adds.reduce((n, a) => n + (JSON.parse(a.stats!) as { numRecords: number }).numRecords, 0);
    expect(total).toBe(300000);
    expect(new Set(adds.map((a) => a.path)).size).toBe(adds.length);
  });

  it('maps DuckDB errors (bad JSON in a json column) to AppErrors', async () => {
    const store = new MemoryObjectStore();
    const s: StructType = { type: 'struct', fields: [field('doc', 'string', { 'k3.type': 'COLUMN_TYPE_JSON' })] };
    await expect(writeDataFiles(conn, { sql: `SELECT '{oops' AS doc` }, { store, root: 'j/', schema: s, partitionColumns: [], tmpDir: tmp }))
      .rejects.toMatchObject({ code: expect.stringMatching(/^ERR_/) });
    expect((await store.list('j/')).objects).toEqual([]);
  });
});

describe('writeDataFiles in a sandboxed k3 DuckDB', () => {
  it('works with only the tmp directory allowed and the configuration locked', async () => {
    const { createDuckDB, withConnection } = await import('../../../src/exec/duckdb-instance.ts');
    const sandboxTmp = await mkdtemp(join(tmp, 'sandbox-'));
    const k3db = await createDuckDB({ allowedDirectories: [sandboxTmp], threads: 1 });
    try {
      const store = new MemoryObjectStore();
      const s: StructType = { type: 'struct', fields: [field('ts', 'timestamp'), field('k', 'string')] };
      const adds = await withConnection(k3db, (c) => writeDataFiles(c, { sql: `SELECT TIMESTAMP '2024-01-01 00:00:00' AS ts, 'a' AS k` }, { store, root: 's/', schema: s, partitionColumns: ['k'], tmpDir: sandboxTmp }));
      expect(adds).toHaveLength(1);
      expect(JSON.parse(adds[0]!.stats!)).toMatchObject({ numRecords: 1, minValues: { ts: '2024-01-01T00:00:00.000Z' } });
    } finally {
      k3db.closeSync();
    }
  });
});

describe('writeDataFiles constraints', () => {
  it('refuses NULLs in a NOT NULL column before writing anything', async () => {
    const db2 = await DuckDBInstance.create(':memory:');
    const c = await db2.connect();
    try {
      const store = new MemoryObjectStore();
      const s: StructType = { type: 'struct', fields: [{ name: 'id', type: 'long', nullable: false, metadata: {} }, field('v', 'string')] };
      await expect(writeDataFiles(c, { sql: `SELECT * FROM (VALUES (1, 'a'), (NULL, 'b')) t(id, v)` }, { store, root: 'n/', schema: s, partitionColumns: [], tmpDir: tmp }))
        .rejects.toMatchObject({ code: 'ERR_CONSTRAINT_NOT_NULL', details: { column: 'id' } });
      expect((await store.list('n/')).objects).toEqual([]);
      expect(await writeDataFiles(c, { sql: `SELECT 1 AS id, NULL AS v` }, { store, root: 'n/', schema: s, partitionColumns: [], tmpDir: tmp })).toHaveLength(1);
    } finally {
      c.closeSync();
      db2.closeSync();
    }
  });
});
