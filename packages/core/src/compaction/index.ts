export { drainTable, type DrainOptions, type DrainResult } from './drain.ts';
export type { DrainHooks } from './drain-hooks.ts';
export { drainBeforeDirectWrite, commitDirectWrite, type PreDrainOptions, type PreDrained } from './direct-write.ts';
export { findAffectedFiles, type AffectedFiles } from './affected-files.ts';
export { mergeBatch, type MergedBatch } from './merge-batch.ts';
export { writeRejected, type RejectedRow } from './rejected-log.ts';
export { CompactorLeader } from './compactor-leader.ts';
export { candidateFiles } from './candidate-files.ts';
export { decideDrain, type DrainPolicy, type DrainDecision } from './drain-policy.ts';
