/**
 * The on-disk layout of the Parquet cache (file-cache.ts): `<dir>/<2 hex>/<id>-<random>.parquet`
 * with `id = sha256(store.url + key)`, downloads staged in `<dir>/tmp/` and renamed into place, so
 * a visible cache file is always complete. The random suffix gives every download its own name:
 * a fresh copy never collides with an evicted one that is still being unlinked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface CachedFile {
  readonly id: string;
  readonly path: string;
  readonly size: number;
  readonly atimeMs: number;
}

export function cacheFileId(storeUrl: string, key: string): string {
  return createHash('sha256').update(storeUrl).update(key).digest('hex');
}

/** Writes `body` atomically as a new cache file for `id` and returns its path. */
export async function writeCacheFile(dir: string, id: string, body: Uint8Array): Promise<string> {
  const unique = randomBytes(6).toString('hex');
  const file = path.join(dir, id.slice(0, 2), `${id}-${unique}.parquet`);
  const tmp = path.join(dir, 'tmp', `${id}-${unique}.tmp`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return file;
}

/**
 * Prepares `dir` for a new process: empties `tmp/` (half-written downloads of a crashed run) and
 * returns the complete files already there, least recently accessed first. When an id has several
 * copies only the most recent is returned; the others are deleted.
 */
export async function openCacheDirectory(dir: string): Promise<CachedFile[]> {
  await fs.rm(path.join(dir, 'tmp'), { recursive: true, force: true });
  await fs.mkdir(path.join(dir, 'tmp'), { recursive: true });
  const found: CachedFile[] = [];
  for (const sub of await fs.readdir(dir)) {
    if (!/^[0-9a-f]{2}$/.test(sub)) continue;
    for (const name of await fs.readdir(path.join(dir, sub))) {
      const m = /^([0-9a-f]{64})-[0-9a-f]+\.parquet$/.exec(name);
      if (m === null) continue;
      const file = path.join(dir, sub, name);
      const stat = await fs.stat(file);
      found.push({ id: m[1]!, path: file, size: stat.size, atimeMs: stat.atimeMs });
    }
  }
  found.sort((a, b) => a.atimeMs - b.atimeMs);
  const latest = new Map<string, CachedFile>();
  for (const f of found) {
    const older = latest.get(f.id);
    if (older !== undefined) await fs.rm(older.path, { force: true });
    latest.set(f.id, f);
  }
  return [...latest.values()].sort((a, b) => a.atimeMs - b.atimeMs);
}
