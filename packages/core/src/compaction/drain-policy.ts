/**
 * When an automatic compactor tick drains a table: as soon as the backlog is large
 * (`backlogEntries` records or more) or old (its oldest record has waited `backlogAgeMs`).
 * Small fresh backlogs wait so that drains batch writes instead of committing one Delta version
 * per keyed write. Pure: the caller supplies the backlog (wal-reader.ts walBacklog) and the time.
 */
import type { WalBacklog } from '../wal/wal-reader.ts';

export interface DrainPolicy {
  /** Drain when at least this many records are pending (K3_COMPACTOR_BACKLOG_ENTRIES). */
  readonly backlogEntries: number;
  /** Drain when the oldest pending record is at least this old (K3_COMPACTOR_BACKLOG_AGE). */
  readonly backlogAgeMs: number;
}

export type DrainDecision = { readonly drain: false } | { readonly drain: true; readonly reason: 'size' | 'age' };

export function decideDrain(backlog: Pick<WalBacklog, 'entries' | 'oldestLastModified'>, policy: DrainPolicy, now: number): DrainDecision {
  if (backlog.entries === 0) return { drain: false };
  if (backlog.entries >= policy.backlogEntries) return { drain: true, reason: 'size' };
  if (backlog.oldestLastModified !== undefined && now - backlog.oldestLastModified >= policy.backlogAgeMs) return { drain: true, reason: 'age' };
  return { drain: false };
}
