/**
 * Catalog and table objects through the engine: structured CreateTable (same validation as SQL),
 * listTables / describeTable against the Delta log, and snapshot freshness across two engines
 * sharing one data directory (a second process committing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createDuckDB, FileCache } from '../../src/exec/index.ts';
import { createBucketStoreFactory } from '../../src/object-store/index.ts';
import { loadSnapshot, writeCheckpoint } from '../../src/delta/index.ts';
import { CountingObjectStore } from '../delta/reader/counting-store.ts';
import { add, commitInfo, memoryStore, METADATA, ndjson, PROTOCOL, remove } from '../delta/reader/memory-table.ts';
import { Engine } from '../../src/sql/index.ts';
import { Catalog, SnapshotCache } from '../../src/catalog/index.ts';
import { LocalObjectStore, MemoryObjectStore } from '../../src/object-store/index.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

describe('createTable (structured)', () => {
  it('creates the table from columns, merge keys and partitions, and describes it', async () => {
    const before = Date.now();
    const t = await h.engine.createTable(h.bucket, {
      name: 'contracts',
      description: 'Signed contracts',
      columns: [
        { name: 'id', type: 'COLUMN_TYPE_STRING', nullable: false, defaultExpression: 'GENERATE_UUID()' },
        { name: 'region', type: 'COLUMN_TYPE_STRING', nullable: false, defaultExpression: '' },
        { name: 'value', type: 'COLUMN_TYPE_DOUBLE', nullable: true, defaultExpression: '0' },
        { name: 'signed_at', type: 'COLUMN_TYPE_TIMESTAMP', nullable: true, defaultExpression: 'CURRENT_TIMESTAMP()' },
        { name: 'code', type: 'COLUMN_TYPE_STRING', nullable: true, defaultExpression: 'ULID()' },
        { name: 'meta', type: 'COLUMN_TYPE_JSON', nullable: true, defaultExpression: '' },
        { name: 'status', type: 'COLUMN_TYPE_STRING', nullable: true, defaultExpression: "'pending'" },
        { name: 'n', type: 'COLUMN_TYPE_INT', nullable: true, defaultExpression: '42' },
        { name: 'ok', type: 'COLUMN_TYPE_BOOLEAN', nullable: true, defaultExpression: 'true' },
      ],
      partitionColumns: ['region'],
      mergeKeys: ['id'],
    });
    expect(t).toMatchObject({
      bucket: h.bucket, name: 'contracts', description: 'Signed contracts', partitionColumns: ['region'], mergeKeys: ['id'],
      source: 'TABLE_SOURCE_MANUAL', status: 'TABLE_STATUS_ACTIVE', deltaVersion: 0, rowCount: 0, sizeBytes: 0,
    });
    expect(t.tableId).toMatch(/^tbl_[0-9a-f-]{36}$/);
    expect(Number(t.createdAt)).toBeGreaterThanOrEqual(before);
    expect(t.columns[0]).toEqual({ name: 'id', type: 'COLUMN_TYPE_STRING', duckdbType: 'VARCHAR', nullable: false, defaultExpression: 'GENERATE_UUID()' });
    expect(t.columns.find((c) => c.name === 'meta')?.type).toBe('COLUMN_TYPE_JSON');

    // Defaults apply at write time, exactly as DuckDB applies them.
    await h.write("INSERT INTO contracts (region, meta) VALUES ('EU', '{\"a\":1}'), ('UK', NULL)");
    const rows = await h.query('SELECT length(id), region, value, signed_at IS NOT NULL, length(code), status, n, ok FROM contracts ORDER BY region');
    expect(rows.rows).toEqual([['36', 'EU', 0, true, '26', 'pending', 42, true], ['36', 'UK', 0, true, '26', 'pending', 42, true]]);
    const described = await h.engine.describeTable(h.bucket, 'contracts');
    expect(described).toMatchObject({ deltaVersion: 1, rowCount: 2 });
    expect(Number(described.sizeBytes)).toBeGreaterThan(0);
    expect(Number(described.updatedAt)).toBeGreaterThanOrEqual(Number(described.createdAt));
  });

  it('writes the Delta metadata other engines read: schema, partitions, k3.primaryKey, k3.type, k3.default', async () => {
    const store = createBucketStoreFactory(loadConfig({ K3_STORE: 'local', K3_DATA_DIR: path.join(h.dir, 'data') })).open(h.bucket);
    const snap = await loadSnapshot(store, 'tables/contracts/', { version: 0 });
    expect(snap.metadata.configuration['k3.primaryKey']).toBe('["id"]');
    expect(snap.partitionColumns).toEqual(['region']);
    const meta = snap.schema.fields.find((f) => f.name === 'meta');
    expect(meta).toMatchObject({ type: 'string', metadata: { 'k3.type': 'COLUMN_TYPE_JSON' } });
    expect(snap.schema.fields.find((f) => f.name === 'status')?.metadata).toEqual({ 'k3.default': "'pending'" });
    expect(snap.schema.fields.find((f) => f.name === 'id')?.nullable).toBe(false);
  });

  it('refuses what SQL CREATE TABLE refuses, with the same codes', async () => {
    const base = { columns: [{ name: 'a', type: 'COLUMN_TYPE_INT' as const, nullable: true, defaultExpression: '' }] };
    await expect(h.engine.createTable(h.bucket, { ...base, name: 'contracts' })).rejects.toMatchObject({ code: 'ERR_TABLE_EXISTS' });
    await expect(h.engine.createTable(h.bucket, { ...base, name: 'bad name' })).rejects.toMatchObject({ code: 'ERR_INVALID_NAME' });
    await expect(h.engine.createTable(h.bucket, { ...base, name: 'x', mergeKeys: ['nope'] })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(h.engine.createTable(h.bucket, { ...base, name: 'x', partitionColumns: ['nope'] })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(h.engine.createTable(h.bucket, { name: 'x', columns: [{ name: 'a', type: 'COLUMN_TYPE_UNSPECIFIED', nullable: true, defaultExpression: '' }] })).rejects.toMatchObject({ code: 'ERR_TYPE_MISMATCH' });
    await expect(h.engine.createTable(h.bucket, { name: 'x', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT', nullable: true, defaultExpression: "'abc'" }] })).rejects.toMatchObject({ code: 'ERR_DEFAULT_EXPRESSION_INVALID' });
    await expect(h.engine.createTable(h.bucket, { name: 'x', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT', nullable: true, defaultExpression: '1); DROP TABLE contracts; SELECT (1' }] })).rejects.toMatchObject({ code: 'ERR_DEFAULT_EXPRESSION_INVALID' });
    await expect(h.engine.createTable(h.bucket, { name: 'x', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT', nullable: true, defaultExpression: 'other_column + 1' }] })).rejects.toMatchObject({ code: 'ERR_DEFAULT_EXPRESSION_INVALID' });
    await expect(h.engine.createTable(h.bucket, { name: 'x', columns: [] })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(h.engine.createTable(h.bucket, { name: 'x', columns: [{ ...base.columns[0]! }, { ...base.columns[0]!, name: 'A' }] })).rejects.toMatchObject({ code: 'ERR_COLUMN_EXISTS' });
    expect((await h.engine.listTables(h.bucket)).map((t) => t.name)).toEqual(['contracts']);
  });
});

describe('listTables / describeTable', () => {
  it('lists exactly the prefixes with a Delta log, sorted, and resolves names case-insensitively', async () => {
    await h.ddl('CREATE TABLE "Zeta" (a INTEGER)');
    await h.ddl('CREATE TABLE alpha (a INTEGER)');
    expect((await h.engine.listTables(h.bucket)).map((t) => t.name)).toEqual(['Zeta', 'alpha', 'contracts']);
    expect((await h.engine.describeTable(h.bucket, 'zeta')).name).toBe('Zeta');
    expect((await h.query('SELECT count(*) FROM zeta')).rows).toEqual([['0']]);
    await expect(h.engine.describeTable(h.bucket, 'nope')).rejects.toMatchObject({ code: 'ERR_TABLE_NOT_FOUND' });
  });

  it('never serves a stale snapshot: a commit by another engine on the same directory is seen at once', async () => {
    const cacheDir = path.join(h.dir, 'cache2');
    const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: path.join(h.dir, 'data'), K3_CACHE_DIR: cacheDir });
    const db = await createDuckDB({ threads: 1 });
    const other = new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir: cacheDir, maxBytes: 1 << 26 }), config });
    try {
      await h.query('SELECT * FROM alpha');
      await other.execute({ bucket: h.bucket, sql: 'INSERT INTO alpha VALUES (1), (2)' });
      expect((await h.query('SELECT count(*) FROM alpha')).rows).toEqual([['2']]);
      await other.execute({ bucket: h.bucket, sql: 'DROP TABLE alpha' });
      await expect(h.exec('SELECT * FROM alpha')).rejects.toMatchObject({ code: 'ERR_TABLE_NOT_FOUND' });
      await other.execute({ bucket: h.bucket, sql: 'CREATE TABLE alpha (b VARCHAR)' });
      const q = await h.query('SELECT * FROM alpha');
      expect(q.columns).toEqual([{ name: 'b', type: 'VARCHAR', duckdbType: 'VARCHAR', columnType: 'COLUMN_TYPE_STRING' }]);
      expect(q.version).toBe(0);
    } finally {
      await other.close();
      db.closeSync();
    }
  });
});

describe('SnapshotCache', () => {
  it('reuses a snapshot while the newest commit is unchanged and reloads after a new commit', async () => {
    const store = new MemoryObjectStore();
    const cache = new SnapshotCache(4);
    expect(await cache.latest(store, 't/')).toBeUndefined();
    const commit = (v: number, extra: object[]) => store.putIfAbsent(`t/_delta_log/${String(v).padStart(20, '0')}.json`, new TextEncoder().encode(extra.map((a) => JSON.stringify(a)).join('\n') + '\n'));
    await commit(0, [
      { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
      { metaData: { id: 'x', format: { provider: 'parquet', options: {} }, schemaString: JSON.stringify({ type: 'struct', fields: [{ name: 'a', type: 'integer', nullable: true, metadata: {} }] }), partitionColumns: [], configuration: {} } },
    ]);
    const s0 = await cache.latest(store, 't/');
    expect(s0?.version).toBe(0);
    expect(await cache.latest(store, 't/')).toBe(s0);
    await commit(1, [{ add: { path: 'f.parquet', partitionValues: {}, size: 10, modificationTime: 1, dataChange: true } }]);
    const s1 = await cache.latest(store, 't/');
    expect(s1?.version).toBe(1);
    expect(s1?.files.length).toBe(1);
  });

  const put = (store: CountingObjectStore, v: number, actions: unknown[]) => store.put(`t/_delta_log/${String(v).padStart(20, '0')}.json`, ndjson(actions));

  it('advances its newest snapshot by the new commits only (one GET per commit), equal to a full load', async () => {
    const store = new CountingObjectStore(memoryStore());
    const cache = new SnapshotCache(4);
    await put(store, 0, [commitInfo(), PROTOCOL, METADATA(), add('a', { stats: '{"numRecords":1}' })]);
    await cache.latest(store, 't/');
    for (let v = 1; v <= 5; v++) {
      await put(store, v, [commitInfo(), add(`f${v}`, { stats: '{"numRecords":2}' }), ...(v === 3 ? [remove('a')] : [])]);
      if (v === 5) await put(store, 6, [commitInfo(), remove('f1')]);
      store.reset();
      const s = await cache.latest(store, 't/');
      expect(store.gets).toEqual(v === 5 ? ['t/_delta_log/00000000000000000005.json', 't/_delta_log/00000000000000000006.json'] : [`t/_delta_log/${String(v).padStart(20, '0')}.json`]);
      expect(s).toEqual(await loadSnapshot(store, 't/'));
    }
    expect(cache.advanced).toBe(5);
  });

  it('loads from the checkpoint instead when a newer checkpoint exists, and never advances another incarnation of the table', async () => {
    const store = new CountingObjectStore(memoryStore());
    const cache = new SnapshotCache(4);
    await put(store, 0, [commitInfo(), PROTOCOL, METADATA(), add('a'), add('b')]);
    await put(store, 1, [commitInfo(), remove('a', { deletionTimestamp: 1 })]);
    const s1 = await cache.latest(store, 't/');
    // A checkpoint at version 1 written by another process after this one read version 1: it drops
    // the expired tombstone of `a`, so version 2 must be the full load's (from the checkpoint).
    await writeCheckpoint(store, s1!, 10 * 24 * 3600 * 1000);
    await put(store, 2, [commitInfo(), add('c')]);
    store.reset();
    const s2 = await cache.latest(store, 't/');
    expect(cache.advanced).toBe(0);
    expect(store.gets).toContain('t/_delta_log/00000000000000000001.checkpoint.parquet');
    expect(s2).toEqual(await loadSnapshot(store, 't/'));
    expect(s2?.tombstones).toEqual([]);
    // Advanced from the checkpoint-based snapshot: equal again.
    await put(store, 3, [commitInfo(), add('d')]);
    expect(await cache.latest(store, 't/')).toEqual(await loadSnapshot(store, 't/'));
    expect(cache.advanced).toBe(1);
    // The table dropped and created again, past the old version: its commit 3 is another object.
    await store.deleteMany((await store.list('t/')).objects.map((o) => o.key));
    await put(store, 0, [commitInfo(), PROTOCOL, METADATA(), add('x')]);
    for (let v = 1; v <= 4; v++) await put(store, v, [commitInfo(), add(`y${v}`)]);
    const again = await cache.latest(store, 't/');
    expect(cache.advanced).toBe(1);
    expect(again?.files.map((f) => f.add.path)).toEqual(['x', 'y1', 'y2', 'y3', 'y4']);
  });

  it('on the local directory, tableNames asks a table it has seen with one HEAD of its known commit instead of a LIST of its log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'k3-table-names-'));
    try {
      const store = new CountingObjectStore(new LocalObjectStore(dir));
      const catalog = new Catalog({ stores: createBucketStoreFactory(loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dir })), tablesPrefix: 'tables/' });
      const first = (table: string) => `tables/${table}/_delta_log/${String(0).padStart(20, '0')}.json`;
      for (const t of ['a', 'b']) await store.put(first(t), ndjson([commitInfo(), PROTOCOL, METADATA(), add('f')]));
      expect(await catalog.tableNames(store)).toEqual(['a', 'b']);
      expect(await catalog.trySnapshot(catalog.handle('x', store, 'a'))).toBeDefined(); // a is known now
      store.reset();
      expect(await catalog.tableNames(store)).toEqual(['a', 'b']);
      expect(store.lists.map((l) => l.prefix).sort()).toEqual(['tables/', 'tables/b/_delta_log/']);
      expect(store.heads).toContain(first('a'));
      // a's log removed, a data file left: not a table any more (the HEAD misses, the LIST decides).
      await store.put('tables/a/part-0.parquet', new Uint8Array([1]));
      await store.deleteMany([first('a')]);
      expect(await catalog.tableNames(store)).toEqual(['b']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on a store whose LIST reads the whole directory, an unchanged log costs two HEADs and no LIST; new commits and re-created tables are seen', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'k3-snapshot-cache-'));
    try {
      const store = new CountingObjectStore(new LocalObjectStore(dir));
      expect(store.listScansDirectory).toBe(true);
      const cache = new SnapshotCache(4);
      const key = (v: number) => `t/_delta_log/${String(v).padStart(20, '0')}.json`;
      await put(store, 0, [commitInfo(), PROTOCOL, METADATA(), add('a')]);
      const s0 = await cache.latest(store, 't/');
      store.reset();
      expect(await cache.latest(store, 't/')).toBe(s0);
      expect(store.lists).toEqual([]);
      expect(store.heads).toEqual([key(0), key(1)]);
      // A commit by another writer: the next lookup sees it (and LISTs, which shows checkpoints too).
      await put(store, 1, [commitInfo(), add('b')]);
      store.reset();
      const s1 = await cache.latest(store, 't/');
      expect(s1?.files.map((f) => f.add.path)).toEqual(['a', 'b']);
      expect(store.lists.length).toBe(1);
      expect(s1).toEqual(await loadSnapshot(store, 't/'));
      // Dropped and created again with as many commits: commit 1 is another object, not the cached one.
      await store.deleteMany((await store.list('t/')).objects.map((o) => o.key));
      await put(store, 0, [commitInfo(), PROTOCOL, METADATA(), add('x')]);
      await put(store, 1, [commitInfo(), add('y-longer-name')]);
      expect((await cache.latest(store, 't/'))?.files.map((f) => f.add.path)).toEqual(['x', 'y-longer-name']);
      // ... and with fewer: the hinted commit is gone.
      await store.deleteMany((await store.list('t/')).objects.map((o) => o.key));
      await put(store, 0, [commitInfo(), PROTOCOL, METADATA(), add('z')]);
      expect((await cache.latest(store, 't/'))?.files.map((f) => f.add.path)).toEqual(['z']);
      // Dropped for good.
      await store.deleteMany((await store.list('t/')).objects.map((o) => o.key));
      expect(await cache.latest(store, 't/')).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
