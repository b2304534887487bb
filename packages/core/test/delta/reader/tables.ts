/**
 * Test support: where the shared Delta conformance tables live, and a temp copy with commit-file
 * mtimes set (git does not keep mtimes; timestamp time travel needs them, see INDEX.md).
 */
import { cp, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `../shared/delta-tables` beside the repo root (CI clones the repo with shared/ next to it). */
export const TABLES_DIR = path.resolve(import.meta.dirname, '../../../../..', '../shared/delta-tables');

/** Copy `table` into a fresh temp dir and set the given `_delta_log` files' mtimes (ISO strings). */
export async function copyWithMtimes(table: string, mtimes: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-delta-tt-'));
  await cp(path.join(TABLES_DIR, table), path.join(dir, table), { recursive: true });
  for (const [file, iso] of Object.entries(mtimes)) {
    const t = new Date(iso);
    await utimes(path.join(dir, table, '_delta_log', file), t, t);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const v = (n: number): string => String(n).padStart(20, '0');
