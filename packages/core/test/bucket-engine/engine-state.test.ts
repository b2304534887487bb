/**
 * The per-bucket Engine through real Engines (two of them over one local bucket = two
 * coordinators): ACTIVE from first use, persisted in the bucket, seen by every process; while
 * DISABLED every table operation fails with ERR_ENGINE_DISABLED and nothing is written.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineStatus } from '../../src/api/index.ts';
import { BucketEngines } from '../../src/bucket-engine/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createDuckDB, FileCache, type K3DuckDB } from '../../src/exec/index.ts';
import { createBucketStoreFactory, MemoryObjectStore } from '../../src/object-store/index.ts';
import { Engine } from '../../src/sql/index.ts';
import { failure } from '../support/expect-failure.ts';

let dir: string;
let db: K3DuckDB;
let a: Engine;
let b: Engine;
const bucket = 'eng-bucket';

/** Every file under the bucket (what "nothing is written" is checked against). */
async function files(): Promise<string[]> {
  const root = path.join(dir, 'data', bucket);
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(path.relative(root, path.join(d, e.name)));
    }
  };
  await walk(root);
  return out.sort();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k3-engine-state-'));
  const dataDir = path.join(dir, 'data');
  const cacheDir = path.join(dir, 'cache');
  const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dataDir, K3_CACHE_DIR: cacheDir });
  db = await createDuckDB({ threads: 2, allowedDirectories: [dataDir, cacheDir] });
  const make = (): Engine => new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir: cacheDir, maxBytes: 1 << 30 }), config });
  a = make();
  b = make();
  await a.execute({ bucket, sql: 'CREATE TABLE kv (id BIGINT PRIMARY KEY, v VARCHAR)' });
  await a.execute({ bucket, sql: 'CREATE TABLE plain (id BIGINT, v VARCHAR)' });
  await a.execute({ bucket, sql: "INSERT INTO plain VALUES (1, 'a')" });
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  db?.closeSync();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('Engine per bucket', () => {
  it('is ACTIVE from first use, persisted in the bucket, the same for every process', async () => {
    const first = await a.getEngine(bucket);
    expect(first).toMatchObject({ bucket, status: EngineStatus.ACTIVE, settings: '{}', tableCount: 2 });
    expect(first.engineId).toMatch(/^eng_[0-9a-f]{16}$/);
    expect(first.createdAt).toBeInstanceOf(Date);
    expect(await files()).toContain(path.join('__k3_engine', '00000000000000000001.json'));
    expect((await b.getEngine(bucket)).engineId).toBe(first.engineId);
    expect((await a.describeTable(bucket, 'kv')).engineId).toBe(first.engineId);
    expect((await b.listTables(bucket)).map((t) => t.engineId)).toEqual([first.engineId, first.engineId]);
    expect(await failure(a.getEngine('no-such-bucket'))).toMatchObject({ code: 'ERR_BUCKET_NOT_FOUND' });
  });

  it('while DISABLED (by another process) every table operation fails and nothing is written', async () => {
    const disabled = await a.disableEngine(bucket);
    expect(disabled.status).toBe(EngineStatus.DISABLED);
    expect(disabled.updatedAt.getTime()).toBeGreaterThanOrEqual(disabled.createdAt.getTime());
    const before = await files();
    const ops: Array<[string, () => Promise<unknown>]> = [
      ['SELECT', () => b.execute({ bucket, sql: 'SELECT * FROM plain' })],
      ['INSERT', () => b.execute({ bucket, sql: "INSERT INTO plain VALUES (2, 'b')" })],
      ['keyed INSERT', () => b.execute({ bucket, sql: "INSERT INTO kv VALUES (2, 'b')" })],
      ['CREATE TABLE', () => b.execute({ bucket, sql: 'CREATE TABLE t2 (a INT)' })],
      ['OPTIMIZE (SQL)', () => b.execute({ bucket, sql: 'OPTIMIZE plain' })],
      ['createTable', () => b.createTable(bucket, { name: 't3', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT', nullable: true, defaultExpression: '' }] } as never)],
      ['insertRows', () => b.insertRows({ bucket, tableName: 'plain', rows: [{ id: 3 }] })],
      ['queryRows', () => b.queryRows({ bucket, tableName: 'plain' })],
      ['describeStatement', () => b.describeStatement({ bucket, sql: 'SELECT 1' })],
      ['describeTable', () => b.describeTable(bucket, 'plain')],
      ['listTables', () => b.listTables(bucket)],
      ['dropTable', () => b.dropTable(bucket, 'plain')],
      ['compact', () => b.compact(bucket, 'kv')],
      ['optimizeTable', () => b.optimizeTable(bucket, 'plain', {})],
      ['vacuumTable', () => b.vacuumTable(bucket, 'plain', {})],
      ['restoreTable', () => b.restoreTable(bucket, 'plain', { version: 0 } as never)],
      ['tableHistory', () => b.tableHistory(bucket, 'plain', {})],
    ];
    for (const [name, op] of ops) {
      const err = await failure(op());
      expect(err.code, name).toBe('ERR_ENGINE_DISABLED');
      expect(err.message).toContain('EnableEngine');
    }
    expect(await files()).toEqual(before);
    // GetEngine still answers, from either process.
    expect((await b.getEngine(bucket)).status).toBe(EngineStatus.DISABLED);
  });

  it('EnableEngine restores every operation; DropTable drops', async () => {
    expect((await b.enableEngine(bucket)).status).toBe(EngineStatus.ACTIVE);
    const r = await a.execute({ bucket, sql: 'SELECT count(*) FROM plain' });
    expect('query' in r && r.query.rows).toEqual([[1n]]);
    expect(await b.dropTable(bucket, 'plain')).toMatchObject({ action: 'DROP_TABLE', tableName: 'plain' });
    expect((await a.getEngine(bucket)).tableCount).toBe(1);
    expect(await failure(a.dropTable(bucket, 'plain'))).toMatchObject({ code: 'ERR_TABLE_NOT_FOUND' });
  });
});

describe('BucketEngines', () => {
  it('racing changes from many processes each take a distinct generation; the last one wins', async () => {
    const store = new MemoryObjectStore();
    const procs = Array.from({ length: 6 }, () => new BucketEngines());
    const ids = new Set((await Promise.all(procs.map((p) => p.get(store, 'b')))).map((s) => s.engineId));
    expect(ids.size).toBe(1);
    for (let round = 0; round < 5; round++) {
      await Promise.all(procs.map((p, i) => p.setStatus(store, 'b', (i + round) % 2 === 0 ? EngineStatus.DISABLED : EngineStatus.ACTIVE)));
      const views = await Promise.all(procs.map((p) => p.get(store, 'b')));
      expect(new Set(views.map((v) => v.status)).size).toBe(1);
    }
    const keys = (await store.list('__k3_engine/')).objects.map((o) => o.key);
    expect(keys[0]).toBe('__k3_engine/00000000000000000001.json');
    expect(keys.length).toBeGreaterThan(1);
  });
});
