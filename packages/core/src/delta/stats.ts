/**
 * Per-file statistics (PROTOCOL.md "Per-file Statistics"). In the log `add.stats` is a string
 * holding JSON; checkpoints may instead carry `stats_parsed` structs (converted to the same JSON
 * shape by checkpoint-reader.ts). Stats are an optimisation only, so unparsable or partial stats
 * read as `undefined` instead of failing the snapshot; a stats object without a numeric
 * `numRecords` is also treated as absent (row counts must never be guessed).
 */
export interface FileStats {
  numRecords: number;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  nullCount: Record<string, unknown>;
  tightBounds?: boolean;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** FileStats from any already-parsed stats object; undefined when numRecords is missing. */
export function toFileStats(parsed: unknown): FileStats | undefined {
  const o = obj(parsed);
  const n = typeof o.numRecords === 'string' ? Number(o.numRecords) : o.numRecords;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined;
  const stats: FileStats = { numRecords: n, minValues: obj(o.minValues), maxValues: obj(o.maxValues), nullCount: obj(o.nullCount) };
  if (typeof o.tightBounds === 'boolean') stats.tightBounds = o.tightBounds;
  return stats;
}

/** Parse the `add.stats` JSON string. */
export function parseStats(json: string | null | undefined): FileStats | undefined {
  if (json === null || json === undefined || json === '') return undefined;
  try {
    return toFileStats(JSON.parse(json));
  } catch {
    return undefined;
  }
}
