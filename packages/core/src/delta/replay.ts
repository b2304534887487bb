/**
 * Log replay (PROTOCOL.md "Action Reconciliation"): fold a checkpoint and the commits after it,
 * oldest first, into the live state.
 *
 * - `add` and `remove` reconcile by (decoded path, deletion-vector id); the newest action wins, so
 *   a remove cancels an earlier add and a later add re-adds the file (a re-added file leaves the
 *   tombstones). Paths are resolved to object keys first (URI-decoded once; absolute URIs into the
 *   same store followed), so differently-spelled references to one file match.
 * - The newest `protocol` and `metaData` win; `txn` keeps the newest version per appId.
 * - Unknown actions and fields were already dropped or carried along by the parsers.
 */
import type { AddFile, DeletionVectorDescriptor, Metadata, Protocol, RemoveFile, Txn } from './actions.ts';
import { decodeLogPath } from './partition-values.ts';

export interface ReplayInput {
  readonly adds: readonly AddFile[];
  readonly removes: readonly RemoveFile[];
  readonly txns: readonly Txn[];
  readonly protocol: Protocol | undefined;
  readonly metadata: Metadata | undefined;
}

export interface ReplayState {
  /** Live files keyed by reconciliation key; value carries the resolved object key. */
  readonly files: Map<string, { add: AddFile; key: string }>;
  /** Log path → object key (default: the URI-decoded path, relative to the table root). */
  readonly resolveKey: (path: string) => string;
  readonly tombstones: Map<string, RemoveFile>;
  readonly txns: Map<string, Txn>;
  protocol: Protocol | undefined;
  metadata: Metadata | undefined;
}

function dvId(dv: DeletionVectorDescriptor | null | undefined): string {
  if (dv === null || dv === undefined) return '';
  return `${dv.storageType}${dv.pathOrInlineDv}${dv.offset === undefined || dv.offset === null ? '' : `@${dv.offset}`}`;
}

export function reconciliationKey(objectKey: string, dv: DeletionVectorDescriptor | null | undefined): string {
  return `${objectKey}\u0000${dvId(dv)}`;
}

export function createReplayState(resolveKey: (path: string) => string = decodeLogPath): ReplayState {
  return { files: new Map(), tombstones: new Map(), txns: new Map(), protocol: undefined, metadata: undefined, resolveKey };
}

/** Apply one checkpoint or commit, which must be newer than everything applied before. */
export function applyActions(state: ReplayState, input: ReplayInput): void {
  // Within one commit an add and a remove of the same key cannot both appear (PROTOCOL.md), except
  // for the checkpoint, whose adds and removes are disjoint by construction; removes first keeps
  // the checkpoint correct too.
  for (const r of input.removes) {
    const key = reconciliationKey(state.resolveKey(r.path), r.deletionVector);
    state.files.delete(key);
    state.tombstones.set(key, r);
  }
  for (const a of input.adds) {
    const objectKey = state.resolveKey(a.path);
    const key = reconciliationKey(objectKey, a.deletionVector);
    state.files.set(key, { add: a, key: objectKey });
    state.tombstones.delete(key);
  }
  for (const t of input.txns) state.txns.set(t.appId, t);
  if (input.protocol !== undefined) state.protocol = input.protocol;
  if (input.metadata !== undefined) state.metadata = input.metadata;
}
