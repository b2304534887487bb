/**
 * keyCandidateFiles: the data files of a snapshot that may hold one primary-key tuple, decided by
 * the files' Delta min/max statistics alone (no I/O, no DuckDB). Used by the keyed single-row
 * write fast path (sql/keyed-row-fast-path.ts) so that a new key above every file's range —
 * the common append-by-id case — needs no probe of Delta at all.
 *
 * Conservative by construction: a file is dropped only when an integer key column's value lies
 * outside the file's [min, max] and both the value and the bound are exact (JSON numbers are
 * doubles: a bound beyond ±2^53 proves nothing and keeps the file). Files without stats, keys of
 * other types and partition-column keys keep every file.
 */
import type { ActiveFile } from './snapshot.ts';
import type { StructField } from './schema.ts';

const INTEGER_TYPES = new Set(['long', 'integer', 'short', 'byte']);

/** `values`: the key tuple as DuckDB text, in `keys` order. */
export function keyCandidateFiles(files: readonly ActiveFile[], fields: readonly StructField[], keys: readonly string[], values: readonly (string | null)[]): ActiveFile[] {
  const bounds: { name: string; value: bigint }[] = [];
  keys.forEach((k, i) => {
    const field = fields.find((f) => f.name === k);
    const text = values[i];
    if (field === undefined || typeof field.type !== 'string' || !INTEGER_TYPES.has(field.type) || text === null || text === undefined || !/^-?\d+$/.test(text)) return;
    bounds.push({ name: k, value: BigInt(text) });
  });
  if (bounds.length === 0) return [...files];
  return files.filter((f) => {
    const stats = f.stats;
    if (stats === undefined) return true;
    return bounds.every(({ name, value }) => {
      const lo = stats.minValues[name];
      const hi = stats.maxValues[name];
      if (typeof lo === 'number' && Number.isSafeInteger(lo) && value < BigInt(lo)) return false;
      if (typeof hi === 'number' && Number.isSafeInteger(hi) && value > BigInt(hi)) return false;
      return true;
    });
  });
}
