/**
 * A blind replace's one DuckDB call, started before the warm state is acquired (docs/design/hot-path.md,
 * "Bulk upserts, round 6 (wip/bulk6)").
 *
 * A blind `INSERT OR REPLACE` (blind-replace.ts) runs on an EMPTY scratch copy of the table: what
 * it computes depends on the table's schema and key only, never on its rows or its write log. So
 * its call (scratch DDL ; the plain INSERT ; the capture with the text round-trip flags) can run on
 * DuckDB's threads while this thread LISTs the log and folds the previous records into the warm
 * overlay — the two used to run one after the other.
 *
 * The call is built from the request's pinned snapshot. The warm state may come back at a newer
 * version (another statement advanced it past a drain or an ALTER TABLE): then `take` drops the
 * scratch table and reports that nothing ran, and the caller runs the call again for the state's
 * snapshot — the write always records rows computed under the schema of the snapshot it answers
 * with. Nothing here is visible to anyone: the record is appended by the caller after the state
 * was acquired, exactly as before, so every guarantee of the write path is the caller's.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Snapshot } from '../delta/snapshot.ts';

export interface EarlyBlindReplace<T = unknown[][]> {
  /**
   * The call's rows when it ran for `snapshot` (same table incarnation, same version), with the
   * contract of the call itself (undefined: it failed, the scratch table exists and is empty);
   * `{ ran: false }` when it ran for another version — the scratch table is dropped then.
   */
  take(snapshot: Snapshot): Promise<{ ran: true; rows: T | undefined } | { ran: false }>;
  /** Resolves once the call finished (never rejects): the connection is free again. */
  settled(): Promise<void>;
}

export function startBlindReplace<T = unknown[][]>(conn: DuckDBConnection, pinned: Snapshot, scratch: string, call: () => Promise<T | undefined>): EarlyBlindReplace<T> {
  const running: Promise<{ rows: T | undefined } | { error: unknown }> = call().then((rows) => ({ rows }), (error: unknown) => ({ error }));
  return {
    async take(snapshot) {
      const done = await running;
      if ('error' in done) throw done.error;
      if (snapshot.metadata.id === pinned.metadata.id && snapshot.version === pinned.version) return { ran: true, rows: done.rows };
      await conn.run(`DROP TABLE IF EXISTS ${scratch}`);
      return { ran: false };
    },
    async settled() {
      await running;
    },
  };
}
