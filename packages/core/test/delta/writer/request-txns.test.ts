import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { createTableMetadata } from '../../../src/delta/table-metadata.ts';
import { Transaction, type TransactionOptions } from '../../../src/delta/transaction.ts';
import { assertValidIdempotencyKey, recordedRequest, requestTxnAppId, REQUEST_TXN_RETENTION_MS } from '../../../src/delta/request-txns.ts';
import { MemoryObjectStore } from '../../../src/object-store/index.ts';
import { commitKey } from '../../../src/object-store/paths.ts';

describe('idempotency keys as txn actions', () => {
  it('validates keys: 1–200 printable ASCII characters without spaces', () => {
    expect(() => assertValidIdempotencyKey('3f2b8c1e-6a8d-4a55-9f1e-1c2d3e4f5a6b')).not.toThrow();
    for (const bad of ['', 'has space', 'x'.repeat(201), 'naïve', 'a\nb']) expect(() => assertValidIdempotencyKey(bad)).toThrow(expect.objectContaining({ code: 'ERR_BAD_REQUEST' }));
  });

  it('are remembered for the retention window, then dropped by the next checkpoint (other txns are kept)', async () => {
    const store = new MemoryObjectStore();
    let now = 1_000_000;
    const opts: TransactionOptions = { maxRetries: 3, checkpointInterval: 100, clock: () => now };
    const schema = { type: 'struct' as const, fields: [{ name: 'x', type: 'integer' as const, nullable: true, metadata: {} }] };
    await Transaction.forCreate(store, 't/', { metadata: createTableMetadata({ schema, partitionColumns: [] }) }, opts).commit({ operation: 'CREATE TABLE' });
    await Transaction.forSnapshot(store, await loadSnapshot(store, 't/'), opts).setTxn(requestTxnAppId('old'), 3).setTxn('k3-wal', 9).commit({ operation: 'WRITE' });
    now += REQUEST_TXN_RETENTION_MS - 1000;
    await Transaction.forSnapshot(store, await loadSnapshot(store, 't/'), opts).setTxn(requestTxnAppId('new'), 1).commit({ operation: 'WRITE' });
    const before = await loadSnapshot(store, 't/');
    expect([recordedRequest(before.txns, 'old'), recordedRequest(before.txns, 'new'), recordedRequest(before.txns, 'other')]).toEqual([3, 1, undefined]);
    now += 2000; // 'old' is now past the window, 'new' is not
    await Transaction.forSnapshot(store, before, { ...opts, checkpointInterval: 3 }).commit({ operation: 'WRITE' });
    await store.deleteMany([0, 1, 2, 3].map((v) => commitKey('t/', v)));
    const after = await loadSnapshot(store, 't/');
    expect(after.version).toBe(3);
    expect([recordedRequest(after.txns, 'old'), recordedRequest(after.txns, 'new'), after.txns.get('k3-wal')?.version]).toEqual([undefined, 1, 9]);
  });
});
