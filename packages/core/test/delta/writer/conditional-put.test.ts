/**
 * Why the writer depends on honest create-if-absent: against an S3 API that ignores
 * `If-None-Match: *`, two racing commits both "win" the same version and one append is silently
 * lost. The startup probe (assertConditionalPut) detects such a store and k3 refuses it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddFile } from '../../../src/delta/actions.ts';
import type { StructType } from '../../../src/delta/schema.ts';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { createTableMetadata } from '../../../src/delta/table-metadata.ts';
import { Transaction } from '../../../src/delta/transaction.ts';
import { assertConditionalPut } from '../../../src/object-store/probe.ts';
import { S3ObjectStore } from '../../../src/object-store/s3-object-store.ts';
import { startS3Server, type S3TestServer } from '../../support/s3-server.ts';

const schema: StructType = { type: 'struct', fields: [{ name: 'v', type: 'long', nullable: true, metadata: {} }] };
const add = (name: string): AddFile => ({ path: `${name}.parquet`, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true, stats: '{"numRecords":1}' });
const opts = { maxRetries: 3, checkpointInterval: 10 };

let ignoring: S3TestServer;
let honest: S3TestServer;
beforeAll(async () => {
  [ignoring, honest] = await Promise.all([startS3Server({ conditionalWrites: 'ignore' }), startS3Server({ conditionalWrites: 'honest' })]);
  await Promise.all([ignoring.createBucket('bkt'), honest.createBucket('bkt')]);
});
afterAll(async () => {
  await Promise.all([ignoring.stop(), honest.stop()]);
});

async function raceTwoAppends(store: S3ObjectStore, root: string): Promise<{ versions: number[]; files: number }> {
  await Transaction.forCreate(store, root, { metadata: createTableMetadata({ schema }) }, opts).commit({ operation: 'CREATE TABLE' });
  const snap = await loadSnapshot(store, root);
  const a = Transaction.forSnapshot(store, snap, opts).addFiles([add('a')]);
  const b = Transaction.forSnapshot(store, snap, opts).addFiles([add('b')]);
  const results = [await a.commit({ operation: 'WRITE' }), await b.commit({ operation: 'WRITE' })];
  return { versions: results.map((r) => r.version), files: (await loadSnapshot(store, root)).files.length };
}

describe('stores that ignore conditional writes', () => {
  it('would let two commits both take version 1 and lose an append, so the probe refuses the store', async () => {
    const store = new S3ObjectStore({ bucket: 'bkt', client: ignoring.client });
    const lost = await raceTwoAppends(store, 'lost/');
    expect(lost).toEqual({ versions: [1, 1], files: 1 });
    await expect(assertConditionalPut(store)).rejects.toMatchObject({ code: 'ERR_STORE_NO_CONDITIONAL_PUT' });
  });

  it('on an honest store the second commit is rebased to version 2 and nothing is lost', async () => {
    const store = new S3ObjectStore({ bucket: 'bkt', client: honest.client });
    await expect(assertConditionalPut(store)).resolves.toBeUndefined();
    expect(await raceTwoAppends(store, 'kept/')).toEqual({ versions: [1, 2], files: 2 });
  });
});
