import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, parseCommit } from '../../../src/delta/index.ts';
import { isAppError } from '../../../src/errors/index.ts';
import { CountingObjectStore } from './counting-store.ts';
import { add, commitInfo, memoryStore, METADATA, ndjson, PROTOCOL, remove, writeLog } from './memory-table.ts';
import { TABLES_DIR, v } from './tables.ts';

const ROOT = 't/';
async function errorOf(p: Promise<unknown>): Promise<{ code?: string; details?: Record<string, unknown> }> {
  try { await p; } catch (e) { if (isAppError(e)) return { code: e.code, details: { ...e.details } }; throw e; }
  return {};
}

describe('replay', () => {
  it('newest action wins per path; re-adding a removed file revives it', async () => {
    const store = memoryStore();
    await writeLog(store, ROOT, [
      [commitInfo(), PROTOCOL, METADATA(), add('a'), add('b')],
      [commitInfo(), remove('a'), add('c')],
      [commitInfo(), add('a', { modificationTime: 99 }), remove('c')],
    ]);
    const s = await loadSnapshot(store, ROOT);
    expect(s.files.map((f) => f.add.path).sort()).toEqual(['a', 'b']);
    expect(s.files.find((f) => f.add.path === 'a')?.add.modificationTime).toBe(99);
    expect(s.tombstones.map((t) => t.path)).toEqual(['c']);
    const v1 = await loadSnapshot(store, ROOT, { version: 1 });
    expect(v1.files.map((f) => f.add.path).sort()).toEqual(['b', 'c']);
  });
  it('reconciles by decoded path: differently-encoded spellings are one file', async () => {
    const store = memoryStore();
    await writeLog(store, ROOT, [[PROTOCOL, METADATA(), add('a%20b')], [remove('a b')]]);
    expect((await loadSnapshot(store, ROOT)).files).toHaveLength(0);
  });
  it('files with different deletion vectors are distinct keys (the table is then refused)', async () => {
    const store = memoryStore();
    const dv = { storageType: 'u', pathOrInlineDv: 'ab', offset: 1, sizeInBytes: 1, cardinality: 1 };
    await writeLog(store, ROOT, [[{ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] } }, METADATA(), add('a'), add('a', { deletionVector: dv })]]);
    expect((await errorOf(loadSnapshot(store, ROOT))).details?.feature).toBe('deletionVectors');
  });
  it('latest protocol, metadata and txn per appId win; unknown actions and explicit nulls are ignored', async () => {
    const store = memoryStore();
    await writeLog(store, ROOT, [
      [PROTOCOL, METADATA(), { txn: { appId: 'x', version: 5 } }, { txn: { appId: 'y', version: 1 } }, { someFutureAction: { a: 1 } }],
      [{ txn: { appId: 'x', version: 3, lastUpdated: null } }, METADATA(['p'], [['id', 'long'], ['p', 'string']]), add('p=1/f', { partitionValues: { p: '1' }, stats: null, tags: null, deletionVector: null, baseRowId: null })],
    ]);
    const s = await loadSnapshot(store, ROOT);
    expect(s.txns.get('x')?.version).toBe(3);
    expect(s.txns.get('y')?.version).toBe(1);
    expect(s.partitionColumns).toEqual(['p']);
    expect(s.files[0]?.partitionValues).toEqual({ p: '1' });
    expect(s.files[0]?.stats).toBeUndefined();
    expect(s.numRecords).toBeUndefined();
  });
  it('absolute add paths into the same store resolve to store keys and reconcile with relative ones', async () => {
    const store = memoryStore();
    await writeLog(store, ROOT, [[PROTOCOL, METADATA(), add(`${store.url}${ROOT}a%20b.parquet`), add(`${store.url}shared/c.parquet`)], [remove('a%20b.parquet')]]);
    const s = await loadSnapshot(store, ROOT);
    expect(s.files.map((f) => f.key)).toEqual(['shared/c.parquet']);
    expect((await loadSnapshot(store, ROOT, { version: 0 })).files.map((f) => f.key)).toEqual([`${ROOT}a b.parquet`, 'shared/c.parquet']);
  });
  it('keys are root + decoded path; stats parse; numRecords sums', async () => {
    const store = memoryStore();
    const stats = (n: number) => JSON.stringify({ numRecords: n, minValues: { id: 1 }, maxValues: { id: 9 }, nullCount: { id: 0 } });
    await writeLog(store, 'b/tables/x/', [[PROTOCOL, METADATA(), add('x=A%252FA/f%20one.parquet', { stats: stats(3) }), add('g', { stats: stats(4) })]]);
    const s = await loadSnapshot(store, 'b/tables/x');
    expect(s.root).toBe('b/tables/x/');
    expect(s.files.map((f) => f.key)).toEqual(['b/tables/x/x=A%2FA/f one.parquet', 'b/tables/x/g']);
    expect(s.files[0]?.stats).toEqual({ numRecords: 3, minValues: { id: 1 }, maxValues: { id: 9 }, nullCount: { id: 0 } });
    expect(s.numRecords).toBe(7);
  });
});

describe('snapshot errors and timestamps', () => {
  it('no metadata → corrupt; a bad JSON line → corrupt', async () => {
    const s1 = memoryStore();
    await writeLog(s1, ROOT, [[PROTOCOL, add('a')]]);
    expect((await errorOf(loadSnapshot(s1, ROOT))).code).toBe('ERR_DELTA_LOG_CORRUPT');
    const s2 = memoryStore();
    await s2.put(`${ROOT}_delta_log/${v(0)}.json`, new TextEncoder().encode('{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}\n{oops\n'));
    expect((await errorOf(loadSnapshot(s2, ROOT))).code).toBe('ERR_DELTA_LOG_CORRUPT');
  });
  it('the protocol check uses the version being read', async () => {
    const store = memoryStore();
    await writeLog(store, ROOT, [[PROTOCOL, METADATA()], [{ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'] } }]]);
    expect((await loadSnapshot(store, ROOT, { version: 0 })).version).toBe(0);
    expect((await errorOf(loadSnapshot(store, ROOT))).code).toBe('ERR_DELTA_UNSUPPORTED_FEATURE');
  });
  it('timestamp: inCommitTimestamp, else commitInfo.timestamp, else file mtime', async () => {
    const store = memoryStore(5_000_000);
    await writeLog(store, ROOT, [[commitInfo({ timestamp: 111, inCommitTimestamp: 222 }), PROTOCOL, METADATA()], [commitInfo({ timestamp: 333 })], [add('a')]]);
    expect((await loadSnapshot(store, ROOT, { version: 0 })).timestamp).toBe(222);
    expect((await loadSnapshot(store, ROOT, { version: 1 })).timestamp).toBe(333);
    const meta = await store.head(`${ROOT}_delta_log/${v(2)}.json`);
    expect((await loadSnapshot(store, ROOT)).timestamp).toBe(meta?.lastModified);
  });
  it('version and timestamp together are a bad request', async () => {
    const store = memoryStore();
    await writeLog(store, ROOT, [[PROTOCOL, METADATA()]]);
    expect((await errorOf(loadSnapshot(store, ROOT, { version: 0, timestamp: 1 }))).code).toBe('ERR_BAD_REQUEST');
  });
  it('parseCommit keeps unknown fields and skips blank lines', () => {
    const c = parseCommit(ndjson([add('a', { futureField: 1 }), commitInfo({ custom: true })]), 7);
    expect(c.version).toBe(7);
    expect((c.adds[0] as unknown as Record<string, unknown>).futureField).toBe(1);
    expect(c.commitInfo?.custom).toBe(true);
  });
});

describe('reads one checkpoint plus the commits after it', () => {
  async function copyTable(table: string) {
    const store = memoryStore();
    const dir = path.join(TABLES_DIR, table, '_delta_log');
    const { readdir } = await import('node:fs/promises');
    for (const name of await readdir(dir)) {
      if (name.startsWith('.')) continue;
      await store.put(`${ROOT}_delta_log/${name}`, new Uint8Array(await readFile(path.join(dir, name))));
    }
    return new CountingObjectStore(store);
  }
  it('latest of rs-latest_not_checkpointed: _last_checkpoint, checkpoint 2, commit 3', async () => {
    const store = await copyTable('rs-latest_not_checkpointed');
    const s = await loadSnapshot(store, ROOT);
    expect(s.version).toBe(3);
    expect(store.gets.sort()).toEqual([`${ROOT}_delta_log/${v(2)}.checkpoint.parquet`, `${ROOT}_delta_log/${v(3)}.json`, `${ROOT}_delta_log/_last_checkpoint`]);
  });
  it('at the checkpoint version, the checkpoint plus that version\'s commit (for its timestamp)', async () => {
    const store = await copyTable('rs-simple_table_with_checkpoint');
    const s = await loadSnapshot(store, ROOT);
    expect(s.version).toBe(10);
    expect(store.gets.sort()).toEqual([`${ROOT}_delta_log/${v(10)}.checkpoint.parquet`, `${ROOT}_delta_log/${v(10)}.json`, `${ROOT}_delta_log/_last_checkpoint`]);
    expect(s.files).toHaveLength(11);
  });
});
