import { describe, expect, it } from 'vitest';
import { parseCommitActions } from '../../../src/delta/commit.ts';
import type { AddFile } from '../../../src/delta/actions.ts';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { createTableMetadata } from '../../../src/delta/table-metadata.ts';
import { Transaction, type TransactionOptions } from '../../../src/delta/transaction.ts';
import { validateCommit } from '../../../src/delta/validator.ts';
import type { StructType } from '../../../src/delta/schema.ts';
import { isAppError } from '../../../src/errors/index.ts';
import { FaultyObjectStore, MemoryObjectStore, RetryingObjectStore, type ObjectStore } from '../../../src/object-store/index.ts';
import { commitKey } from '../../../src/object-store/paths.ts';

const schema: StructType = { type: 'struct', fields: [{ name: 'p', type: 'string', nullable: true, metadata: {} }, { name: 'v', type: 'long', nullable: true, metadata: {} }] };
const opts = (over: Partial<TransactionOptions> = {}): TransactionOptions => ({ maxRetries: 10, checkpointInterval: 10, ...over });
let n = 0;
const addFile = (p: string | null, rows = 1): AddFile => ({ path: `p=${p ?? '__HIVE_DEFAULT_PARTITION__'}/part-${n++}.parquet`, partitionValues: { p }, size: 10, modificationTime: 1, dataChange: true, stats: `{"numRecords":${rows}}` });

async function createTable(store: MemoryObjectStore, root = 't/', clock?: () => number): Promise<void> {
  const metadata = createTableMetadata({ schema, partitionColumns: ['p'] });
  await Transaction.forCreate(store, root, { metadata }, opts({ clock })).commit({ operation: 'CREATE TABLE', operationParameters: { partitionBy: ['p'] } });
}

async function commitBody(store: MemoryObjectStore, v: number): Promise<string> {
  return new TextDecoder().decode((await store.get(commitKey('t/', v)))!);
}

describe('Transaction', () => {
  it('creates version 0 with protocol (1,2), metadata and a Spark-shaped commitInfo', async () => {
    const store = new MemoryObjectStore();
    await createTable(store, 't/', () => 1000);
    const body = await commitBody(store, 0);
    expect(validateCommit(body, 0)).toEqual([]);
    const actions = parseCommitActions(new TextEncoder().encode(body), 0);
    expect(actions[0]).toMatchObject({ commitInfo: { timestamp: 1000, inCommitTimestamp: 1000, operation: 'CREATE TABLE', operationParameters: { partitionBy: '["p"]' }, isBlindAppend: false, engineInfo: 'k3-tables/0.1.0' } });
    expect(actions[1]).toEqual({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    const snap = await loadSnapshot(store, 't/');
    expect(snap.version).toBe(0);
    expect(snap.partitionColumns).toEqual(['p']);
    expect(snap.metadata.format.provider).toBe('parquet');
    await expect(Transaction.forCreate(store, 't/', { metadata: snap.metadata }, opts()).commit({ operation: 'CREATE TABLE' })).rejects.toMatchObject({ code: 'ERR_TABLE_EXISTS' });
  });

  it('appends, removes with extended metadata and keeps timestamps monotonic under a stuck clock', async () => {
    const store = new MemoryObjectStore();
    await createTable(store, 't/', () => 5000);
    const snap0 = await loadSnapshot(store, 't/');
    const r1 = await Transaction.forSnapshot(store, snap0, opts({ clock: () => 10 })).addFiles([addFile('a', 2), addFile(null, 3)]).commit({ operation: 'WRITE', operationParameters: { mode: 'Append' }, operationMetrics: { numFiles: 2 } });
    expect(r1).toMatchObject({ version: 1, attempts: 1, timestamp: 5001 });
    const ci = parseCommitActions((await store.get(commitKey('t/', 1)))!, 1)[0];
    expect(ci).toMatchObject({ commitInfo: { readVersion: 0, isBlindAppend: true, operationMetrics: { numFiles: '2' }, inCommitTimestamp: 5001 } });
    const snap1 = await loadSnapshot(store, 't/');
    expect(snap1.numRecords).toBe(5);
    const gone = snap1.files.filter((f) => f.partitionValues.p === 'a');
    const r2 = await Transaction.forSnapshot(store, snap1, opts({ clock: () => 10 })).readFiles(gone).removeFiles(gone).commit({ operation: 'DELETE', operationParameters: { predicate: ["p = 'a'"] } });
    expect(r2.timestamp).toBe(5002);
    const body = await commitBody(store, 2);
    expect(validateCommit(body, 2, { partitionColumns: ['p'] })).toEqual([]);
    expect(body).toContain('"remove":{"path":"p=a/');
    expect(JSON.parse(body.split('\n')[1]!)).toMatchObject({ remove: { deletionTimestamp: 5002, dataChange: true, extendedFileMetadata: true, partitionValues: { p: 'a' }, size: 10, stats: '{"numRecords":2}' } });
    expect(parseCommitActions((await store.get(commitKey('t/', 2)))!, 2)[0]).toMatchObject({ commitInfo: { isBlindAppend: false, operationParameters: { predicate: '["p = \'a\'"]' } } });
    const snap2 = await loadSnapshot(store, 't/');
    expect(snap2.numRecords).toBe(3);
    expect(snap2.tombstones.map((t) => t.path)).toEqual(gone.map((g) => g.add.path));
  });

  it('retries a blind append transparently over concurrent appends and a concurrent delete', async () => {
    const store = new MemoryObjectStore();
    await createTable(store);
    await Transaction.forSnapshot(store, await loadSnapshot(store, 't/'), opts()).addFiles([addFile('a')]).commit({ operation: 'WRITE' });
    const snap = await loadSnapshot(store, 't/');
    const late = Transaction.forSnapshot(store, snap, opts()).addFiles([addFile('b')]);
    await Transaction.forSnapshot(store, snap, opts()).addFiles([addFile('c')]).commit({ operation: 'WRITE' });
    await Transaction.forSnapshot(store, snap, opts()).readWholeTable().removeFiles(snap.files).commit({ operation: 'DELETE' });
    const r = await late.commit({ operation: 'WRITE' });
    expect(r).toMatchObject({ version: 4, attempts: 2 });
    expect(parseCommitActions((await store.get(commitKey('t/', 4)))!, 4)[0]).toMatchObject({ commitInfo: { readVersion: 1 } });
    const final = await loadSnapshot(store, 't/');
    expect(final.files.map((f) => f.partitionValues.p).sort()).toEqual(['b', 'c']);
  });

  it('fails conflicting transactions with the Delta taxonomy', async () => {
    const store = new MemoryObjectStore();
    await createTable(store);
    await Transaction.forSnapshot(store, await loadSnapshot(store, 't/'), opts()).addFiles([addFile('a'), addFile('b')]).commit({ operation: 'WRITE' });
    const snap = await loadSnapshot(store, 't/');
    const a = snap.files.filter((f) => f.partitionValues.p === 'a');
    const readsA = Transaction.forSnapshot(store, snap, opts()).readPartitions((pv) => pv.p === 'a').removeFiles(a);
    const readsB = Transaction.forSnapshot(store, snap, opts()).readPartitions((pv) => pv.p === 'b').addFiles([addFile('b')]);
    const deletesA = Transaction.forSnapshot(store, snap, opts()).removeFiles(a);
    await Transaction.forSnapshot(store, snap, opts()).readWholeTable().addFiles([addFile('a')]).commit({ operation: 'UPDATE' }); // not a blind append
    await expect(readsA.commit({ operation: 'DELETE' })).rejects.toMatchObject({ code: 'ERR_DELTA_CONCURRENT_APPEND', message: expect.stringContaining('retry') });
    expect((await readsB.commit({ operation: 'MERGE' })).version).toBe(3);
    await Transaction.forSnapshot(store, snap, opts()).removeFiles(a).commit({ operation: 'DELETE' });
    await expect(deletesA.commit({ operation: 'DELETE' })).rejects.toMatchObject({ code: 'ERR_DELTA_CONCURRENT_DELETE_DELETE' });
    const meta = Transaction.forSnapshot(store, snap, opts()).addFiles([addFile('z')]).setTxn('app', 1);
    await Transaction.forSnapshot(store, await loadSnapshot(store, 't/'), opts()).updateMetadata({ ...snap.metadata, configuration: { x: 'y' } }).commit({ operation: 'SET TBLPROPERTIES' });
    await expect(meta.commit({ operation: 'WRITE' })).rejects.toMatchObject({ code: 'ERR_DELTA_METADATA_CHANGED' });
  });

  it('gives up after maxRetries with ERR_DELTA_COMMIT_CONFLICT', async () => {
    const store = new MemoryObjectStore();
    await createTable(store);
    const snap = await loadSnapshot(store, 't/');
    const slow = Transaction.forSnapshot(store, snap, opts({ maxRetries: 0 })).addFiles([addFile('a')]);
    await Transaction.forSnapshot(store, snap, opts()).addFiles([addFile('b')]).commit({ operation: 'WRITE' });
    await expect(slow.commit({ operation: 'WRITE' })).rejects.toMatchObject({ code: 'ERR_DELTA_COMMIT_CONFLICT' });
  });

  it('refuses tables it must not write and append-only deletes', async () => {
    const store = new MemoryObjectStore();
    const metadata = createTableMetadata({ schema, configuration: { 'delta.appendOnly': 'true' } });
    await expect(Transaction.forCreate(store, 'x/', { metadata, protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['deletionVectors'] } }, opts()).commit({ operation: 'CREATE TABLE' }))
      .rejects.toMatchObject({ code: 'ERR_DELTA_UNSUPPORTED_FEATURE' });
    await Transaction.forCreate(store, 'y/', { metadata }, opts()).commit({ operation: 'CREATE TABLE' });
    await Transaction.forSnapshot(store, await loadSnapshot(store, 'y/'), opts()).addFiles([{ ...addFile('a'), partitionValues: {} }]).commit({ operation: 'WRITE' });
    const snap = await loadSnapshot(store, 'y/');
    await expect(Transaction.forSnapshot(store, snap, opts()).removeFiles(snap.files).commit({ operation: 'DELETE' })).rejects.toMatchObject({ code: 'ERR_SQL_UNSUPPORTED' });
  });

  it('writes a checkpoint every interval that the reader uses, and survives a failing one', async () => {
    const store = new MemoryObjectStore();
    await createTable(store);
    const failures: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const r = await Transaction.forSnapshot(store, await loadSnapshot(store, 't/'), opts({ checkpointInterval: 3 })).addFiles([addFile(String(i % 2))]).setTxn('app', i).commit({ operation: 'WRITE' });
      expect(r.checkpoint?.version).toBe(i % 3 === 0 ? i : undefined);
    }
    expect(new TextDecoder().decode((await store.get('t/_delta_log/_last_checkpoint'))!)).toMatch(/^\{"version":6,"size":9,"sizeInBytes":\d+,"numOfAddFiles":6\}$/);
    // The reader now starts from the checkpoint even when the early commits are gone.
    await store.deleteMany([0, 1, 2, 3, 4, 5].map((v) => commitKey('t/', v)));
    const snap = await loadSnapshot(store, 't/');
    expect(snap.files).toHaveLength(6);
    expect(snap.txns.get('app')?.version).toBe(6);
    // A store whose checkpoint put fails: the commit still succeeds.
    const broken = new FaultyObjectStore(store, { seed: 1, rules: [{ kind: 'error', ops: ['put'], code: 'ERR_STORE_ACCESS_DENIED' }] });
    const r = await Transaction.forSnapshot(broken, snap, opts({ checkpointInterval: 7, onCheckpointError: (_e, v) => failures.push(v) })).addFiles([addFile('z')]).commit({ operation: 'WRITE' });
    expect(r.version).toBe(7);
    expect(r.checkpoint).toBeUndefined();
    expect(failures).toEqual([7]);
  });
});

describe('Transaction with an unreliable store', () => {
  const writeOnce = async (store: ObjectStore, p: string) => Transaction.forSnapshot(store, await loadSnapshot(store, 't/'), opts()).addFiles([addFile(p)]).commit({ operation: 'WRITE' });

  it('recognises its own commit when the PUT response is lost, instead of committing twice', async () => {
    const store = new MemoryObjectStore();
    await createTable(store);
    const snap = await loadSnapshot(store, 't/');
    // The PUT lands, then the answer is lost: bare (the transaction reads back), and under the retrying
    // decorator (whose retry finds the object and reads it back itself).
    const bare = new FaultyObjectStore(store, { seed: 2 }).fail('putIfAbsent', 1, 'after');
    expect((await writeOnce(bare, 'throw')).version).toBe(snap.version + 1);
    const retried = new RetryingObjectStore(new FaultyObjectStore(store, { seed: 3 }).fail('putIfAbsent', 1, 'after'), { sleep: async () => undefined });
    expect((await writeOnce(retried, 'exists')).version).toBe(snap.version + 2);
    const final = await loadSnapshot(store, 't/');
    expect(final.version).toBe(snap.version + 2);
    expect(final.files.map((f) => f.partitionValues.p).sort()).toEqual(['exists', 'throw']);
  });

  it('still reports the PUT error (retryable, nothing committed) when the commit did not land', async () => {
    const store = new MemoryObjectStore();
    await createTable(store);
    const failing = new FaultyObjectStore(store, { seed: 4 }).fail('putIfAbsent', 1, 'before');
    await expect(writeOnce(failing, 'x')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', details: { injected: 'error' } });
    expect((await loadSnapshot(store, 't/')).version).toBe(0);
  });

  it('treats a failed PUT whose version another writer took as a lost race and rebases', async () => {
    const store = new MemoryObjectStore();
    await createTable(store);
    const snap = await loadSnapshot(store, 't/');
    const racing = new FaultyObjectStore(store, { seed: 5 }).fail('putIfAbsent', 1, 'before');
    const late = Transaction.forSnapshot(racing, snap, opts()).addFiles([addFile('late')]);
    await writeOnce(store, 'winner');
    expect((await late.commit({ operation: 'WRITE' })).version).toBe(2);
  });

  it('answers ERR_WRITE_OUTCOME_UNKNOWN when the PUT landed ambiguously and cannot be read back', async () => {
    const store = new MemoryObjectStore();
    await createTable(store);
    const blind = new FaultyObjectStore(store, { seed: 6 }).fail('putIfAbsent', 1, 'after').inject({ kind: 'error', ops: ['get'], key: /0{19}1\.json$/, times: 1 });
    const err = await writeOnce(blind, 'x').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_WRITE_OUTCOME_UNKNOWN' });
    expect(isAppError(err) && err.retryable).toBe(true);
    // The truth: it did land, exactly once.
    expect((await loadSnapshot(store, 't/')).files.map((f) => f.partitionValues.p)).toEqual(['x']);
  });
});
