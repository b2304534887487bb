import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { LocalObjectStore } from '../../src/object-store/local-object-store.ts';
import { MemoryObjectStore } from '../../src/object-store/memory-object-store.ts';
import type { ObjectStore } from '../../src/object-store/object-store.ts';
import { assertConditionalPut, probeConditionalPut } from '../../src/object-store/probe.ts';
import { RetryingObjectStore } from '../../src/object-store/retrying-object-store.ts';
import { S3ObjectStore } from '../../src/object-store/s3-object-store.ts';
import { startS3Server, type S3TestServer } from '../support/s3-server.ts';

/** A store that answers putIfAbsent like a plain put: what an S3 clone ignoring If-None-Match does. */
class IgnoringStore extends MemoryObjectStore {
  override async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    await this.put(key, body);
    return true;
  }
}

let honest: S3TestServer;
let ignoring: S3TestServer;
let dir: string;

beforeAll(async () => {
  [honest, ignoring] = await Promise.all([startS3Server({ conditionalWrites: 'honest' }), startS3Server({ conditionalWrites: 'ignore' })]);
  await honest.createBucket('probe-honest');
  await ignoring.createBucket('probe-ignore');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'k3-probe-'));
});

afterAll(async () => {
  await Promise.all([honest.stop(), ignoring.stop(), fs.rm(dir, { recursive: true, force: true })]);
});

async function expectCleanedUp(store: ObjectStore): Promise<void> {
  expect((await store.list('_k3/')).objects).toEqual([]);
}

describe('probeConditionalPut', () => {
  it('reports honoured on memory, local and honest S3, and cleans up', async () => {
    const stores: ObjectStore[] = [
      new MemoryObjectStore(),
      new LocalObjectStore(path.join(dir, 'bucket')),
      new RetryingObjectStore(new S3ObjectStore({ bucket: 'probe-honest', client: honest.client })),
    ];
    for (const store of stores) {
      expect(await probeConditionalPut(store), store.url).toBe('honoured');
      await assertConditionalPut(store);
      await expectCleanedUp(store);
    }
  });

  it('reports ignored against plain s3rver, and assertConditionalPut refuses it with advice', async () => {
    const store = new S3ObjectStore({ bucket: 'probe-ignore', client: ignoring.client });
    expect(await probeConditionalPut(store)).toBe('ignored');
    const err = await assertConditionalPut(store).then(() => undefined, (e: unknown) => e);
    expect(isAppError(err, 'ERR_STORE_NO_CONDITIONAL_PUT')).toBe(true);
    expect((err as Error).message).toContain('s3://probe-ignore/');
    expect((err as Error).message).toContain('K3_S3_REQUIRE_CONDITIONAL_PUT=false');
    await expectCleanedUp(store);
  });

  it('reports ignored for a store that overwrites on putIfAbsent', async () => {
    const store = new IgnoringStore();
    expect(await probeConditionalPut(store)).toBe('ignored');
    await expectCleanedUp(store);
  });
});
