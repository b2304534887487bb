/**
 * bindSnapshot over hand-built snapshots and Parquet files written by DuckDB: schema evolution,
 * TIMESTAMPTZ files, every partition value type, name quoting, `kind` and `schema` options.
 */
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StructField, StructType } from '../../src/delta/schema.ts';
import type { ActiveFile } from '../../src/delta/snapshot.ts';
import type { PartitionValue } from '../../src/delta/partition-values.ts';
import { AppError } from '../../src/errors/index.ts';
import { bindSnapshot, createDuckDB, encodeReader, FileCache, readSnapshotRows, withConnection, type BindableSnapshot, type K3DuckDB } from '../../src/exec/index.ts';
import { LocalObjectStore, MemoryObjectStore } from '../../src/object-store/index.ts';
import { inWireForm } from '../support/wire-rows.ts';

function field(name: string, type: StructField['type'], metadata: Record<string, unknown> = {}): StructField {
  return { name, type, nullable: true, metadata };
}

describe('bindSnapshot (hand-built snapshots)', () => {
  let db: K3DuckDB;
  let dir: string;
  const files = new Map<string, string>();
  let sizes: Map<string, number>;

  async function writeParquet(key: string, select: string): Promise<void> {
    const path = join(dir, key);
    await withConnection(db, async (conn) => {
      await conn.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
    });
    files.set(key, path);
    sizes.set(key, (await stat(path)).size);
  }

  function active(key: string, partitionValues: Record<string, PartitionValue> = {}): ActiveFile {
    return {
      add: { path: key, partitionValues: {}, size: sizes.get(key)!, modificationTime: 0, dataChange: true },
      key,
      stats: undefined,
      partitionValues,
    };
  }

  async function query(snapshot: BindableSnapshot, sql: string, name = 't') {
    return withConnection(db, async (conn) => {
      await bindSnapshot(conn, name, snapshot, files);
      return inWireForm(encodeReader(await conn.runAndReadAll(sql)));
    });
  }

  beforeAll(async () => {
    db = await createDuckDB({ threads: 1 });
    dir = await mkdtemp(join(tmpdir(), 'k3-bind-'));
    sizes = new Map();
    await writeParquet('old.parquet', 'SELECT 1::BIGINT AS id, \'a\' AS name');
    await writeParquet('new.parquet', 'SELECT 3 AS extra, \'{"n": 12345678901234567890}\' AS payload, \'b\' AS name, 2::BIGINT AS id');
    await writeParquet('tz.parquet', "SELECT TIMESTAMPTZ '2024-01-01 12:00:00+02' AS ts, TIMESTAMP '2024-05-06 07:08:09.123456' AS ntz");
    await writeParquet('p1.parquet', "SELECT 10 AS v, 'from-file' AS region");
    await writeParquet('p2.parquet', 'SELECT 20 AS v');
    await writeParquet('p3.parquet', 'SELECT 30 AS v');
  });
  afterAll(async () => {
    db.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  const evolved: StructType = {
    type: 'struct',
    fields: [
      field('id', 'long'), field('name', 'string'), field('extra', 'integer'), field('never', 'double'),
      field('payload', 'string', { 'k3.type': 'COLUMN_TYPE_JSON' }),
    ],
  };

  it('projects exactly the schema columns in schema order; absent columns are NULL (ADD COLUMN)', async () => {
    const snapshot = { schema: evolved, partitionColumns: [], files: [active('old.parquet'), active('new.parquet')] };
    const res = await query(snapshot, 'SELECT * FROM t ORDER BY id');
    expect(res.columns).toEqual([
      { name: 'id', type: 'BIGINT' }, { name: 'name', type: 'VARCHAR' }, { name: 'extra', type: 'INTEGER' },
      { name: 'never', type: 'DOUBLE' }, { name: 'payload', type: 'JSON' },
    ]);
    expect(res.rows).toEqual([
      ['1', 'a', null, null, null],
      ['2', 'b', 3, null, '{"n": 12345678901234567890}'],
    ]);
  });

  it('reads each file\'s columns once per process: binding known files again asks DuckDB no parquet_schema (hot path)', async () => {
    const snapshot = { schema: evolved, partitionColumns: [], files: [active('old.parquet'), active('new.parquet')] };
    const schemaQueries = async (): Promise<number> => withConnection(db, async (conn) => {
      let n = 0;
      const original = conn.runAndReadAll.bind(conn);
      conn.runAndReadAll = (async (sql: string, ...rest: unknown[]) => {
        if (sql.includes('parquet_schema(')) n++;
        return (original as (...a: unknown[]) => ReturnType<typeof original>)(sql, ...rest);
      }) as typeof conn.runAndReadAll;
      await bindSnapshot(conn, 'cached', snapshot, files);
      expect(encodeReader(await conn.runAndReadAll('SELECT id, extra FROM cached ORDER BY id')).rows).toEqual([[1n, null], [2n, 3]]);
      return n;
    });
    await schemaQueries();
    expect(await schemaQueries()).toBe(0);
  });

  it('a group whose files all lack a column still binds (NULL::TYPE)', async () => {
    const snapshot = { schema: evolved, partitionColumns: [], files: [active('old.parquet')] };
    const res = await query(snapshot, "SELECT typeof(extra), typeof(payload), extra IS NULL, payload->>'$.x' FROM t");
    expect(res.rows).toEqual([['INTEGER', 'JSON', true, null]]);
  });

  it('Delta timestamp columns written as TIMESTAMPTZ read as UTC wall-clock TIMESTAMP', async () => {
    const schema: StructType = { type: 'struct', fields: [field('ts', 'timestamp'), field('ntz', 'timestamp_ntz')] };
    const res = await query({ schema, partitionColumns: [], files: [active('tz.parquet')] }, 'SELECT ts, ntz, typeof(ts), typeof(ntz) FROM t');
    expect(res.rows).toEqual([['2024-01-01 10:00:00', '2024-05-06 07:08:09.123456', 'TIMESTAMP', 'TIMESTAMP']]);
  });

  it('partition columns are typed constants from the log, whatever the file or path says', async () => {
    const schema: StructType = {
      type: 'struct',
      fields: [
        field('v', 'integer'), field('region', 'string'), field('big', 'long'), field('day', 'date'), field('at', 'timestamp'),
        field('amount', 'decimal(20,4)'), field('ok', 'boolean'), field('ratio', 'double'), field('raw', 'binary'), field('tiny', 'byte'),
      ],
    };
    const cols = ['region', 'big', 'day', 'at', 'amount', 'ok', 'ratio', 'raw', 'tiny'];
    const snapshot = {
      schema,
      partitionColumns: cols,
      files: [
        active('p1.parquet', { region: "it's\u0000eu", big: 9007199254740993n, day: '2024-02-29', at: 1704103200123456n, amount: '12345678901234.5678', ok: false, ratio: Number.NaN, raw: new Uint8Array([0, 255]), tiny: -128 }),
        active('p2.parquet', { region: null, big: null, day: null, at: null, amount: null, ok: null, ratio: null, raw: null, tiny: null }),
        active('p3.parquet', { region: 'us', big: -1n, day: '1970-01-01', at: 0n, amount: '-0.0001', ok: true, ratio: Number.POSITIVE_INFINITY, raw: new Uint8Array([]), tiny: 127 }),
      ],
    };
    const res = await query(snapshot, 'SELECT * FROM t ORDER BY v');
    expect(res.columns.map((c) => c.type)).toEqual(['INTEGER', 'VARCHAR', 'BIGINT', 'DATE', 'TIMESTAMP', 'DECIMAL(20,4)', 'BOOLEAN', 'DOUBLE', 'BLOB', 'TINYINT']);
    expect(res.rows).toEqual([
      [10, "it's\u0000eu", '9007199254740993', '2024-02-29', '2024-01-01 10:00:00.123456', '12345678901234.5678', false, 'NaN', 'AP8=', -128],
      [20, null, null, null, null, null, null, null, null, null],
      [30, 'us', '-1', '1970-01-01', '1970-01-01 00:00:00', '-0.0001', true, 'Infinity', '', 127],
    ]);
  });

  it('files of one partition tuple share one read_parquet', async () => {
    const schema: StructType = { type: 'struct', fields: [field('v', 'integer'), field('k', 'long')] };
    const snapshot = { schema, partitionColumns: ['k'], files: [active('p1.parquet', { k: 1n }), active('p2.parquet', { k: 2n }), active('p3.parquet', { k: 1n })] };
    const res = await query(snapshot, 'SELECT k, list(v ORDER BY v) FROM t GROUP BY k ORDER BY k');
    expect(res.rows).toEqual([['1', [10, 30]], ['2', [20]]]);
    const plan = await withConnection(db, async (conn) => {
      await bindSnapshot(conn, 't', snapshot, files);
      return (await conn.runAndReadAll('EXPLAIN SELECT * FROM t')).getRows().map((r) => String(r[1])).join('\n');
    });
    expect(plan.match(/READ_PARQUET/g)?.length).toBe(2 * (plan.includes('Function:') ? 2 : 1));
  });

  it('a struct column that gained a field reads the old files with that field NULL', async () => {
    await writeParquet('s1.parquet', "SELECT 1 AS v, {'a': 1} AS s");
    await writeParquet('s2.parquet', "SELECT 2 AS v, {'b': 'x', 'a': 2} AS s");
    const s: StructType = { type: 'struct', fields: [field('a', 'integer'), field('b', 'string')] };
    const schema: StructType = { type: 'struct', fields: [field('v', 'integer'), field('s', s)] };
    const res = await query({ schema, partitionColumns: [], files: [active('s1.parquet'), active('s2.parquet')] }, 'SELECT * FROM t ORDER BY v');
    expect(res.columns).toEqual([{ name: 'v', type: 'INTEGER' }, { name: 's', type: 'STRUCT(a INTEGER, b VARCHAR)' }]);
    expect(res.rows).toEqual([[1, { a: 1, b: null }], [2, { a: 2, b: 'x' }]]);
  });

  it('an empty snapshot has the schema columns and no rows', async () => {
    const res = await query({ schema: evolved, partitionColumns: [], files: [] }, 'SELECT * FROM t');
    expect(res.columns.map((c) => c.type)).toEqual(['BIGINT', 'VARCHAR', 'INTEGER', 'DOUBLE', 'JSON']);
    expect(res.rows).toEqual([]);
  });

  it('quotes view and column names', async () => {
    const schema: StructType = { type: 'struct', fields: [field('v', 'integer'), field('select "x"', 'string')] };
    const snapshot = { schema, partitionColumns: ['select "x"'], files: [active('p2.parquet', { 'select "x"': 'q' })] };
    const res = await query(snapshot, 'SELECT "select ""x""" FROM "my ""table"""', 'my "table"');
    expect(res.rows).toEqual([['q']]);
  });

  it('kind "table" materializes the rows; schema puts the relation where every connection sees it', async () => {
    const snapshot = { schema: evolved, partitionColumns: [], files: [active('old.parquet')] };
    const copyPath = join(dir, 'old-copy.parquet');
    await withConnection(db, async (conn) => {
      await conn.run(`COPY (SELECT * FROM '${files.get('old.parquet')!}') TO '${copyPath}' (FORMAT parquet)`);
      await bindSnapshot(conn, 'mat', snapshot, new Map([['old.parquet', copyPath]]), { kind: 'table', schema: 'q1' });
    });
    await unlink(copyPath);
    const rows = await withConnection(db, async (conn) => (await conn.runAndReadAll('SELECT id, name FROM q1.mat')).getRows());
    expect(rows).toEqual([[1n, 'a']]);
  });

  it('refuses to bind a file it has no local path for', async () => {
    const snapshot = { schema: evolved, partitionColumns: [], files: [active('old.parquet'), { ...active('old.parquet'), key: 'elsewhere.parquet' }] };
    const err = await withConnection(db, (conn) => bindSnapshot(conn, 't', snapshot, files)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toContain('elsewhere.parquet');
  });

  it('readSnapshotRows fetches through the cache from a remote store and cleans up its view', async () => {
    // A local-directory store would be read in place; a remote one is copied into the cache.
    const local = new LocalObjectStore(dir);
    const store = new MemoryObjectStore();
    for (const key of ['old.parquet', 'new.parquet']) await store.put(key, (await local.get(key))!);
    const cacheDir = await mkdtemp(join(tmpdir(), 'k3-bind-cache-'));
    try {
      const cache = new FileCache({ dir: cacheDir, maxBytes: 1 << 20 });
      const snapshot = { schema: evolved, partitionColumns: [], files: [active('old.parquet'), active('new.parquet')] };
      await withConnection(db, async (conn) => {
        const res = await readSnapshotRows(conn, snapshot, cache, store, { orderBy: '"id" DESC' });
        expect(res.rows.map((r) => r[0])).toEqual([2n, 1n]);
        const views = (await conn.runAndReadAll("SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'k3_snapshot_%'")).getRows();
        expect(views).toEqual([[0n]]);
      });
      expect(cache.bytes).toBe(sizes.get('old.parquet')! + sizes.get('new.parquet')!);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
