/**
 * The Compact RPC response (seeds, "Compact") in pbjson form — int64 fields as decimal strings —
 * built from a DrainResult. `truncated = true` tells the caller to call again.
 */
import type { DrainResult } from './drain.ts';

export interface CompactResponse {
  readonly tableName: string;
  readonly walEntriesProcessed: string;
  readonly walUniqueKeys: string;
  readonly rowsMerged: string;
  readonly rowsRejected: string;
  readonly tombstonesSeen: string;
  readonly truncated: boolean;
  readonly lastDrainTargetVersion: string;
}

export function toCompactResponse(tableName: string, r: DrainResult): CompactResponse {
  return {
    tableName,
    walEntriesProcessed: String(r.walEntriesProcessed),
    walUniqueKeys: String(r.walUniqueKeys),
    rowsMerged: String(r.rowsMerged),
    rowsRejected: String(r.rowsRejected),
    tombstonesSeen: String(r.tombstonesSeen),
    truncated: r.truncated,
    lastDrainTargetVersion: String(r.lastDrainTargetVersion),
  };
}
