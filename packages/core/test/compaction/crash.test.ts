/**
 * A compactor crash at every step of a drain, then a re-run: nothing lost, nothing duplicated.
 * Crashes are injected two ways: a hook that throws (in process), and a child process SIGKILLed
 * while paused at the step.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTable } from '../../src/compaction/drain.ts';
import type { DrainHooks } from '../../src/compaction/drain-hooks.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { listWal } from '../../src/wal/wal-reader.ts';
import { drainedWatermark } from '../../src/wal/watermark.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from '../wal/support/wal-env.ts';
import { KeyedHistory, idsOf } from './support/keyed-history.ts';

const STEPS: (keyof DrainHooks)[] = ['afterRead', 'afterWrite', 'afterCommit', 'duringDelete'];

/** Writes a batch drained once, then a second batch (updates, tombstones, inserts) left un-drained. */
async function prepare(env: WalEnv, writer: WalWriter, root: string, history: KeyedHistory): Promise<void> {
  await createKeyedTable(env, root, { partitionBy: ['region'] });
  const write = async (upserts: [number, string, number][], deletes: [number, string][] = []): Promise<void> => {
    const up = upserts.length === 0 ? undefined : upserts.map(([i, r, n]) => wideRow(i, r, n)).join(' UNION ALL ');
    const del = deletes.length === 0 ? undefined : deletes.map(([i, r]) => `SELECT ${i} AS id, '${r}' AS region`).join(' UNION ALL ');
    await keyedWrite(env, writer, root, up, del);
    history.apply({ upserts, deletes });
  };
  await write([[1, 'eu', 1], [2, 'eu', 1], [3, 'us', 1], [4, 'us', 1]]);
  await write([[5, 'ap', 1]]);
  await drainTable(env.store, root, { batchSize: 100 }, env.deps);
  await write([[1, 'eu', 2], [6, 'eu', 1]]);
  await write([], [[3, 'us']]);
  await write([[1, 'eu', 3]], [[5, 'ap']]);
  await write([[3, 'us', 2], [7, 'ap', 1]]);
}

async function expectConsistent(env: WalEnv, root: string, history: KeyedHistory): Promise<void> {
  expect(idsOf(await readRows(env, root, 'strong'))).toEqual(history.expected());
}

async function expectFullyDrained(env: WalEnv, root: string, history: KeyedHistory): Promise<void> {
  const rows = idsOf(await readRows(env, root, 'eventual'));
  expect(rows).toEqual(history.expected()); // equal as sorted lists: no key twice
  expect((await listWal(env.store, root, 0)).pending).toEqual([]);
  expect(drainedWatermark(await loadSnapshot(env.store, root))).toBe(6);
}

describe('drain crash at each step, then re-run', () => {
  let env: WalEnv;
  beforeAll(async () => {
    env = await createWalEnv();
  });
  afterAll(async () => env.close());

  // Both folds: the JS one (small batches) and the DuckDB one (drain-fold.ts, forced here).
  for (const [mode, fold] of [['', {}], [' (folded in DuckDB)', { duckdbFoldMinRows: 1 }]] as const) for (const step of STEPS) {
    it(`throws ${step}${mode}: STRONG reads stay right, the re-run completes exactly once`, async () => {
      const root = `throw-${step}${mode === '' ? '' : '-duckdb'}/`;
      const history = new KeyedHistory();
      await prepare(env, new WalWriter(env.store), root, history);
      const crash = (): never => { throw new Error(`crash ${step}`); };
      await expect(drainTable(env.store, root, { ...fold, batchSize: 100, deleteChunkSize: 1, hooks: { [step]: crash } }, env.deps)).rejects.toThrow(`crash ${step}`);
      await expectConsistent(env, root, history);
      const rerun = await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
      // After a crash past the commit the records are already drained: the re-run only cleans up.
      const committed = step === 'afterCommit' || step === 'duringDelete';
      expect(rerun.walEntriesProcessed).toBe(committed ? 0 : 4);
      await expectFullyDrained(env, root, history);
      await expectConsistent(env, root, history);
    });
  }

  for (const step of STEPS) {
    it(`SIGKILL of a compactor process paused ${step}, then re-run`, async () => {
      const root = `kill-${step}/`;
      const history = new KeyedHistory();
      await prepare(env, new WalWriter(env.store), root, history);
      const work = await mkdtemp(join(env.dir, 'child-'));
      const child = spawn(process.execPath, [join(import.meta.dirname, 'support/drain-child.ts'), join(env.dir, 'store'), root, work, step], { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const deadline = Date.now() + 60_000;
      while (!existsSync(join(work, 'reached')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await readFile(join(work, 'reached'), 'utf8')).toBe(step);
      child.kill('SIGKILL');
      await exited;
      await expectConsistent(env, root, history);
      await drainTable(env.store, root, { batchSize: 100 }, env.deps);
      await expectFullyDrained(env, root, history);
    }, 90_000);
  }
});
