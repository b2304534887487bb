/**
 * The read-backs over the real S3 API (s3rver behind the conditional-create proxy): an ambiguous
 * conditional PUT of a Delta commit and of a write-log record, and a timeout that may or may not
 * have landed, end in exactly one commit / record — the decorator composes with the real adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { createTableMetadata } from '../../src/delta/table-metadata.ts';
import { Transaction, type TransactionOptions } from '../../src/delta/transaction.ts';
import { FaultyObjectStore, RetryingObjectStore } from '../../src/object-store/index.ts';
import { S3ObjectStore } from '../../src/object-store/s3-object-store.ts';
import { listWal } from '../../src/wal/wal-reader.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { startS3Server, type S3TestServer } from '../support/s3-server.ts';
import { checkDeltaLog } from '../support/log-check.ts';

let server: S3TestServer;
let s3: S3ObjectStore;
beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: 'honest' });
  await server.createBucket('faults');
  s3 = new S3ObjectStore({ bucket: 'faults', client: server.client });
}, 30_000);
afterAll(async () => server.stop());

const opts: TransactionOptions = { maxRetries: 5, checkpointInterval: 100 };
const schema = { type: 'struct' as const, fields: [{ name: 'x', type: 'integer' as const, nullable: true, metadata: {} }] };
const add = (n: number) => ({ path: `part-${n}.parquet`, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true, stats: '{"numRecords":1}' });

describe('ambiguous writes over S3 over HTTP', () => {
  it('a Delta commit whose conditional PUT answer is lost (bare, and under the retry decorator) lands once', async () => {
    await Transaction.forCreate(s3, 't/', { metadata: createTableMetadata({ schema, partitionColumns: [] }) }, opts).commit({ operation: 'CREATE TABLE' });
    const bare = new FaultyObjectStore(s3, { seed: 21 }).fail('putIfAbsent', 1, 'after');
    await Transaction.forSnapshot(bare, await loadSnapshot(s3, 't/'), opts).addFiles([add(1)]).commit({ operation: 'WRITE' });
    const retried = new RetryingObjectStore(new FaultyObjectStore(s3, { seed: 22, rules: [{ kind: 'timeout', ops: ['putIfAbsent'], times: 2, delayMs: 1 }] }), { sleep: async () => undefined });
    await Transaction.forSnapshot(retried, await loadSnapshot(s3, 't/'), opts).addFiles([add(2)]).commit({ operation: 'WRITE' });
    const snap = await loadSnapshot(s3, 't/');
    expect(snap.files.map((f) => f.add.path).sort()).toEqual(['part-1.parquet', 'part-2.parquet']);
    expect(snap.version).toBe(2);
    // The data files are fake (the test is about the log): only the commit files are checked.
    expect((await checkDeltaLog(s3, 't/')).filter((i) => !i.startsWith('live file missing'))).toEqual([]);
  });

  it('a write-log record whose conditional PUT answer is lost lands once at the next seq', async () => {
    const content = { tableId: 't', schemaFingerprint: 'fp', columns: [{ name: 'id', type: 'INTEGER' }], primaryKey: ['id'], upserts: [['1']], deletes: [] };
    const faulty = new FaultyObjectStore(s3, { seed: 23 });
    const writer = new WalWriter(faulty);
    await writer.append('w/', content);
    faulty.fail('putIfAbsent', 1, 'after');
    const r = await writer.append('w/', content);
    expect(r.seq).toBe(2);
    expect((await listWal(s3, 'w/', 0)).pending.map((e) => e.seq)).toEqual([1, 2]);
  });
});
