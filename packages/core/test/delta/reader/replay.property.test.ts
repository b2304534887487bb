/**
 * Law: for any history of adds/removes/txns, the snapshot at every version equals a naive model
 * (the newest action per path wins), whether it is rebuilt from JSON commits alone or from a
 * checkpoint (written by the writer's checkpoint-writer) plus the commits after it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../../../src/delta/checkpoint-writer.ts';
import { loadSnapshot, type Snapshot } from '../../../src/delta/index.ts';
import { add, commitInfo, memoryStore, METADATA, PROTOCOL, remove, writeLog } from './memory-table.ts';

const ROOT = 't/';
const PATHS = ['p=a/f1.parquet', 'p=a/f%202.parquet', 'p=b/f3.parquet', 'p=b/f4.parquet', 'p=c/f5.parquet'];
const NOW = 1_700_000_000_000;

type Op = { kind: 'add'; path: number; rows: number } | { kind: 'remove'; path: number } | { kind: 'txn'; app: number; version: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), path: fc.nat(PATHS.length - 1), rows: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ kind: fc.constant('remove' as const), path: fc.nat(PATHS.length - 1) }),
  fc.record({ kind: fc.constant('txn' as const), app: fc.nat(2), version: fc.nat(50) }),
);
// One commit never touches a path twice (PROTOCOL.md), so dedupe by path / app within a commit.
const commitOps = fc.array(op, { maxLength: 6 }).map((ops) => {
  const seen = new Set<string>();
  return ops.filter((o) => {
    const k = o.kind === 'txn' ? `txn${o.app}` : `path${o.path}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
});

interface Model { files: Map<string, number>; txns: Map<string, number> }

function modelAt(history: Op[][], version: number): Model {
  const m: Model = { files: new Map(), txns: new Map() };
  for (const ops of history.slice(0, version + 1)) {
    for (const o of ops) {
      if (o.kind === 'add') m.files.set(PATHS[o.path] ?? '', o.rows);
      else if (o.kind === 'remove') m.files.delete(PATHS[o.path] ?? '');
      else m.txns.set(`app${o.app}`, o.version);
    }
  }
  return m;
}

function actionsOf(ops: Op[]): unknown[] {
  return ops.map((o) => {
    if (o.kind === 'txn') return { txn: { appId: `app${o.app}`, version: o.version, lastUpdated: NOW } };
    const path = PATHS[o.path] ?? '';
    const p = path.slice(2, 3);
    if (o.kind === 'remove') return remove(path, { deletionTimestamp: NOW, extendedFileMetadata: true, partitionValues: { p }, size: 10 });
    return add(path, { partitionValues: { p }, stats: JSON.stringify({ numRecords: o.rows, minValues: {}, maxValues: {}, nullCount: {} }) });
  });
}

function observed(s: Snapshot): Model {
  return {
    files: new Map(s.files.map((f) => [f.add.path, f.stats?.numRecords ?? -1])),
    txns: new Map([...s.txns].map(([k, t]) => [k, t.version])),
  };
}

describe('replay law', () => {
  it('snapshot = newest action per path, with and without a checkpoint', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commitOps, { minLength: 1, maxLength: 8 }), fc.nat(8), async (rest, cpPick) => {
        const history: Op[][] = [[], ...rest];
        const store = memoryStore();
        await writeLog(store, ROOT, history.map((ops, v) => [commitInfo(), ...(v === 0 ? [PROTOCOL, METADATA(['p'], [['id', 'long'], ['p', 'string']])] : []), ...actionsOf(ops)]));
        const cp = cpPick % history.length;
        if (cp > 0) await writeCheckpoint(store, await loadSnapshot(store, ROOT, { version: cp }), NOW);
        for (let v = 0; v < history.length; v++) {
          const s = await loadSnapshot(store, ROOT, { version: v });
          const want = modelAt(history, v);
          expect(observed(s)).toEqual(want);
          const rows = [...want.files.values()].reduce((a, b) => a + b, 0);
          expect(s.numRecords).toBe(rows);
        }
      }),
      { numRuns: 60 },
    );
  });
});
