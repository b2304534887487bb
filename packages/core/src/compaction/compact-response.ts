/**
 * The Compact RPC response (seeds, "Compact") as domain values — int64 fields as numbers, which the
 * wire adapters encode — built from a DrainResult. `truncated = true` tells the caller to call again.
 */
import type { DrainResult } from './drain.ts';

export interface CompactResponse {
  readonly tableName: string;
  readonly walEntriesProcessed: number;
  readonly walUniqueKeys: number;
  readonly rowsMerged: number;
  readonly rowsRejected: number;
  readonly tombstonesSeen: number;
  readonly truncated: boolean;
  readonly lastDrainTargetVersion: number;
}

export function toCompactResponse(tableName: string, r: DrainResult): CompactResponse {
  return {
    tableName,
    walEntriesProcessed: r.walEntriesProcessed,
    walUniqueKeys: r.walUniqueKeys,
    rowsMerged: r.rowsMerged,
    rowsRejected: r.rowsRejected,
    tombstonesSeen: r.tombstonesSeen,
    truncated: r.truncated,
    lastDrainTargetVersion: r.lastDrainTargetVersion,
  };
}
