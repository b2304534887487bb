/**
 * Startup check that the store honours create-if-absent (S3 `If-None-Match: *`). Delta commits are
 * only safe if exactly one writer can create `N.json`; a store that silently ignores the header
 * (older MinIO, several S3 clones) would let two writers overwrite each other's commit. There is no
 * way to ask a store whether it supports the header, so we try it: create a random probe key, try
 * to create it again with different bytes, and check that the second create was refused and the
 * first bytes survived. The probe key lives under `_k3/probe/` and is deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from './object-store.ts';

export const PROBE_PREFIX = '_k3/probe/';

export type ConditionalPutSupport = 'honoured' | 'ignored';

export async function probeConditionalPut(store: ObjectStore): Promise<ConditionalPutSupport> {
  const id = randomUUID();
  const key = `${PROBE_PREFIX}${id}`;
  const first = new TextEncoder().encode(`k3 conditional-put probe ${id} first`);
  const second = new TextEncoder().encode(`k3 conditional-put probe ${id} second`);
  try {
    if (!(await store.putIfAbsent(key, first))) {
      // A fresh random key already "exists": the store answers false regardless; not a usable CAS.
      return 'ignored';
    }
    const overwrote = await store.putIfAbsent(key, second);
    if (overwrote) return 'ignored';
    const stored = await store.get(key);
    return stored !== undefined && Buffer.compare(stored, first) === 0 ? 'honoured' : 'ignored';
  } finally {
    // Best effort: a leftover probe object is harmless, and the probe's answer matters more.
    await store.deleteMany([key]).catch(() => undefined);
  }
}

/** Throws ERR_STORE_NO_CONDITIONAL_PUT unless the store honours create-if-absent. */
export async function assertConditionalPut(store: ObjectStore): Promise<void> {
  if ((await probeConditionalPut(store)) === 'honoured') return;
  throw new AppError(
    'ERR_STORE_NO_CONDITIONAL_PUT',
    `The object store at ${store.url} ignores conditional creates (PUT with If-None-Match: *), so two writers could overwrite ` +
      'each other\'s Delta commits. Use an S3-compatible store with conditional writes (AWS S3, MinIO 2024-11 or newer, ' +
      'Cloudflare R2, ...), or set K3_S3_REQUIRE_CONDITIONAL_PUT=false only if exactly one process ever writes to this bucket.',
    { url: store.url },
  );
}
