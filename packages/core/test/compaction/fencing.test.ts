/**
 * Two compactors race: the old leader is paused mid-drain, a new leader takes over (new storage
 * epoch) and drains; the old one resumes and must fail with ERR_COMPACTOR_FENCED, leaving the
 * table exactly as the history of acknowledged writes says. Run on a local directory and over
 * the S3 API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTable } from '../../src/compaction/drain.ts';
import type { DrainHooks } from '../../src/compaction/drain-hooks.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { AppError } from '../../src/errors/index.ts';
import { acquireFence } from '../../src/lease/epoch-fence.ts';
import { S3ObjectStore } from '../../src/object-store/s3-object-store.ts';
import { committedEpoch, drainedWatermark } from '../../src/wal/watermark.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { startS3Server, type S3TestServer } from '../support/s3-server.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from '../wal/support/wal-env.ts';
import { KeyedHistory, idsOf } from './support/keyed-history.ts';

function gate(): { wait: () => Promise<void>; reached: Promise<void>; open: () => void } {
  let open!: () => void;
  let reach!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (reach = r));
  return { wait: async () => { reach(); await opened; }, reached, open };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
}

function suite(name: string, makeEnv: () => Promise<WalEnv>): void {
  describe(`compactor fencing (${name})`, () => {
    let env: WalEnv;
    let writer: WalWriter;
    beforeAll(async () => {
      env = await makeEnv();
      writer = new WalWriter(env.store);
    }, 30_000);
    afterAll(async () => env.close());

    const write = async (root: string, history: KeyedHistory, upserts: [number, string, number][], deletes: [number, string][] = []): Promise<void> => {
      const up = upserts.length === 0 ? undefined : upserts.map(([i, r, n]) => wideRow(i, r, n)).join(' UNION ALL ');
      const del = deletes.length === 0 ? undefined : deletes.map(([i, r]) => `SELECT ${i} AS id, '${r}' AS region`).join(' UNION ALL ');
      await keyedWrite(env, writer, root, up, del);
      history.apply({ upserts, deletes });
    };

    for (const step of ['afterRead', 'afterWrite'] as (keyof DrainHooks)[]) {
      it(`an old leader paused ${step} resumes after the takeover and is fenced`, async () => {
        const root = `race-${step}/`;
        const history = new KeyedHistory();
        await createKeyedTable(env, root);
        await write(root, history, [[1, 'eu', 1], [2, 'eu', 1]]);
        await write(root, history, [[1, 'eu', 2]], [[2, 'eu']]);
        const old = await acquireFence(env.store, root, 'old', env.transaction);
        const pause = gate();
        const oldDrain = drainTable(env.store, root, { batchSize: 100, fence: old, hooks: { [step]: pause.wait } }, env.deps);
        await pause.reached;
        // Takeover while the old leader sleeps; writers keep writing.
        const next = await acquireFence(env.store, root, 'new', env.transaction);
        expect(next.epoch).toBeGreaterThan(old.epoch);
        await write(root, history, [[3, 'eu', 1], [1, 'eu', 3]]);
        const drained = await drainTable(env.store, root, { batchSize: 100, fence: next }, env.deps);
        expect(drained.walEntriesProcessed).toBe(3);
        pause.open();
        expect(await codeOf(oldDrain)).toBe('ERR_COMPACTOR_FENCED');
        // A fenced leader that tries again is refused before doing any work.
        expect(await codeOf(drainTable(env.store, root, { batchSize: 100, fence: old }, env.deps))).toBe('ERR_COMPACTOR_FENCED');
        const snap = await loadSnapshot(env.store, root);
        expect(committedEpoch(snap)).toBe(next.epoch);
        expect(drainedWatermark(snap)).toBe(3);
        expect(idsOf(await readRows(env, root, 'eventual'))).toEqual(history.expected());
        expect(idsOf(await readRows(env, root, 'strong'))).toEqual(history.expected());
      }, 60_000);
    }

    it('a takeover that only raised the epoch (new leader died before draining) still fences the old leader', async () => {
      const root = 'raise-only/';
      const history = new KeyedHistory();
      await createKeyedTable(env, root);
      await write(root, history, [[1, 'us', 1]]);
      const old = await acquireFence(env.store, root, 'old', env.transaction);
      const pause = gate();
      const oldDrain = drainTable(env.store, root, { batchSize: 100, fence: old, hooks: { afterWrite: pause.wait } }, env.deps);
      await pause.reached;
      const next = await acquireFence(env.store, root, 'new', env.transaction);
      pause.open();
      expect(await codeOf(oldDrain)).toBe('ERR_COMPACTOR_FENCED');
      expect(drainedWatermark(await loadSnapshot(env.store, root))).toBe(0);
      await drainTable(env.store, root, { batchSize: 100, fence: next }, env.deps);
      expect(idsOf(await readRows(env, root, 'eventual'))).toEqual(history.expected());
    }, 60_000);

    it('concurrent claims never hand out the same epoch', async () => {
      const root = 'claims/';
      await createKeyedTable(env, root);
      const fences = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => acquireFence(env.store, root, `c${i}`, env.transaction)));
      const epochs = fences.flatMap((f) => (f.status === 'fulfilled' ? [f.value.epoch] : []));
      expect(new Set(epochs).size).toBe(epochs.length);
      // The highest committed epoch belongs to exactly one claimant; every lower one is fenced.
      const top = committedEpoch(await loadSnapshot(env.store, root));
      expect(epochs).toContain(top);
      for (const f of fences) {
        if (f.status === 'rejected') expect((f.reason as AppError).code).toBe('ERR_COMPACTOR_FENCED');
      }
      // A later leader prunes the dead claims and still gets a higher epoch.
      const later = await acquireFence(env.store, root, 'later', env.transaction);
      expect(later.epoch).toBeGreaterThan(Math.max(...epochs));
      const claims = (await env.store.list(`${root}_k3_wal/_epochs/`)).objects.map((o) => Number(o.key.slice(-20)));
      expect(claims).toEqual([later.epoch]);
    }, 60_000);
  });
}

suite('local directory', () => createWalEnv());

let server: S3TestServer | undefined;
suite('S3 API', async () => {
  server = await startS3Server({ conditionalWrites: 'honest' });
  await server.createBucket('fence');
  const env = await createWalEnv(new S3ObjectStore({ bucket: 'fence', client: server.client }));
  const close = env.close;
  return { ...env, close: async () => { await close(); await server?.stop(); } };
});
