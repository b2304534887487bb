/**
 * BucketEngines against every store adapter (memory, local directory, S3 over HTTP with honest
 * conditional puts): first use creates one generation; racing status changes from several
 * "processes" to the same status write exactly one generation per change and all end up agreeing;
 * every object is a valid record of the same engine.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineStatus } from '../../src/api/index.ts';
import { BucketEngines } from '../../src/bucket-engine/index.ts';
import { LocalObjectStore, MemoryObjectStore, S3ObjectStore, type ObjectStore } from '../../src/object-store/index.ts';
import { startS3Server, type S3TestServer } from '../support/s3-server.ts';

let server: S3TestServer;
let base: string;

beforeAll(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'k3-engine-stores-'));
  server = await startS3Server({ conditionalWrites: 'honest' });
  await server.createBucket('engines');
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (base !== undefined) await fs.rm(base, { recursive: true, force: true });
});

const adapters: Array<[string, () => ObjectStore]> = [
  ['memory', () => new MemoryObjectStore()],
  ['local directory', () => new LocalObjectStore(path.join(base, 'local'))],
  ['S3 over HTTP', () => new S3ObjectStore({ bucket: 'engines', client: server.client })],
];

describe.each(adapters)('BucketEngines on %s', (_name, open) => {
  it('creates once, serializes racing changes through put-if-absent generations', async () => {
    const store = open();
    const procs = Array.from({ length: 4 }, () => new BucketEngines());
    const firsts = await Promise.all(procs.map((p) => p.get(store, 'b')));
    expect(new Set(firsts.map((f) => f.engineId)).size).toBe(1);
    expect(firsts[0]!.status).toBe(EngineStatus.ACTIVE);
    for (let round = 0; round < 3; round++) {
      const wanted = round % 2 === 0 ? EngineStatus.DISABLED : EngineStatus.ACTIVE;
      await Promise.all(procs.map((p) => p.setStatus(store, 'b', wanted)));
      const views = await Promise.all(procs.map((p) => p.get(store, 'b')));
      expect(views.map((v) => v.status)).toEqual(procs.map(() => wanted));
      if (wanted === EngineStatus.DISABLED) await expect(procs[3]!.assertActive(store, 'b')).rejects.toMatchObject({ code: 'ERR_ENGINE_DISABLED' });
      else await procs[3]!.assertActive(store, 'b');
    }
    // Same status asked by everyone: exactly one generation per change (3 changes after creation).
    const keys = (await store.list('__k3_engine/')).objects.map((o) => o.key);
    expect(keys).toEqual([1, 2, 3, 4].map((g) => `__k3_engine/${String(g).padStart(20, '0')}.json`));
    for (const key of keys) {
      const record = JSON.parse(new TextDecoder().decode(await store.get(key))) as { engineId: string };
      expect(record.engineId).toBe(firsts[0]!.engineId);
    }
  });
});
