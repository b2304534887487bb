/**
 * Points between the steps of a drain where tests inject a crash (a hook that throws) or a pause
 * (a hook that awaits), to prove that a re-run neither loses nor duplicates a row. Production
 * callers pass none.
 */
export interface DrainHooks {
  /** Records listed and fetched; nothing written yet. */
  afterRead?(): Promise<void> | void;
  /** New Parquet files uploaded; not committed. */
  afterWrite?(): Promise<void> | void;
  /** Delta commit done; marker and deletions not yet. */
  afterCommit?(): Promise<void> | void;
  /** Some drained records deleted, others not yet. */
  duringDelete?(): Promise<void> | void;
}
