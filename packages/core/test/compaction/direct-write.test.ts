/**
 * The overwrite hazard (issue point 5): keyed writes through the log, non-keyed writes straight
 * to Delta and drains run concurrently; a checker replays the acknowledged operations in the
 * order the protocol claims (keyed records by seq, each direct write after the records up to the
 * watermark it incorporated) and compares with the table. Also checks real time: a write
 * acknowledged before another started is ordered before it. A control run without the protocol
 * shows that the checker catches the resurrection the seeds warn about.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitDirectWrite } from '../../src/compaction/direct-write.ts';
import { drainTable } from '../../src/compaction/drain.ts';
import { readLastDrain } from '../../src/compaction/last-drain.ts';
import { drainedWatermark } from '../../src/wal/watermark.ts';
import { loadSnapshot, type Snapshot } from '../../src/delta/snapshot.ts';
import { Transaction } from '../../src/delta/transaction.ts';
import { writeDataFiles } from '../../src/exec/data-file-writer.ts';
import { bindSnapshotCached } from '../../src/exec/read-snapshot-rows.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from '../wal/support/wal-env.ts';
import { KeyedHistory, idsOf } from './support/keyed-history.ts';

type DirectOp = 'bump-eu' | 'delete-odd';

/** The direct write as the model applies it. */
function applyDirect(history: KeyedHistory, op: DirectOp): void {
  for (const [k, n] of [...history.rows]) {
    if (op === 'bump-eu' && k.endsWith('/eu')) history.rows.set(k, n + 1000);
    if (op === 'delete-odd' && n % 2 === 1) history.rows.delete(k);
  }
}

/** The same write in SQL over the bound snapshot, staged as a whole-table rewrite. */
async function stageDirect(env: WalEnv, conn: DuckDBConnection, snapshot: Snapshot, op: DirectOp): Promise<Transaction> {
  const view = `direct_${Math.random().toString(36).slice(2)}`;
  const lease = await bindSnapshotCached(conn, view, snapshot, env.cache, env.store);
  try {
    const sql = op === 'bump-eu'
      ? `SELECT * REPLACE (CASE WHEN region = 'eu' THEN n + 1000 ELSE n END AS n) FROM "${view}"`
      : `SELECT * FROM "${view}" WHERE n % 2 = 0`;
    const adds = await writeDataFiles(conn, { sql }, { store: env.store, root: snapshot.root, schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, tmpDir: env.deps.tmpDir });
    return Transaction.forSnapshot(env.store, snapshot, env.transaction).readWholeTable().removeFiles(snapshot.files).addFiles(adds);
  } finally {
    await conn.run(`DROP VIEW IF EXISTS "${view}"`);
    lease.release();
  }
}

interface KeyedEvent { kind: 'keyed'; seq: number; upserts: [number, string, number][]; deletes: [number, string][]; start: number; ack: number }
interface DirectEvent { kind: 'direct'; op: DirectOp; version: number; watermark: number; start: number; ack: number }

/** The serial replay the protocol promises, plus the real-time order check. */
function replay(keyed: KeyedEvent[], direct: DirectEvent[]): KeyedHistory {
  const history = new KeyedHistory();
  const records = [...keyed].sort((a, b) => a.seq - b.seq);
  const directs = [...direct].sort((a, b) => a.version - b.version);
  let i = 0;
  for (const d of directs) {
    while (i < records.length && records[i]!.seq <= d.watermark) history.apply(records[i++]!);
    applyDirect(history, d.op);
  }
  while (i < records.length) history.apply(records[i++]!);
  for (const d of directs) {
    for (const k of keyed) {
      if (k.ack < d.start) expect(k.seq, `keyed seq ${k.seq} acknowledged before direct v${d.version} started`).toBeLessThanOrEqual(d.watermark);
      if (d.ack < k.start) expect(k.seq, `keyed seq ${k.seq} started after direct v${d.version} was acknowledged`).toBeGreaterThan(d.watermark);
    }
  }
  return history;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('non-keyed writes never lose or resurrect acknowledged keyed writes', () => {
  let env: WalEnv;
  beforeAll(async () => {
    env = await createWalEnv();
  });
  afterAll(async () => env.close());

  for (const seed of [1, 2, 3]) {
    it(`random interleaving of keyed writers, direct writes and drains (seed ${seed})`, async () => {
      const root = `mixed-${seed}/`;
      await createKeyedTable(env, root);
      const random = rng(seed);
      const keyed: KeyedEvent[] = [];
      const direct: DirectEvent[] = [];
      let version = 0;
      const keyedWriter = async (): Promise<void> => {
        const writer = new WalWriter(env.store);
        const conn = await env.db.connect();
        try {
          for (let i = 0; i < 10; i++) {
            await new Promise((r) => setTimeout(r, random() * 60));
            const upserts: [number, string, number][] = [];
            const deletes: [number, string][] = [];
            const id = 1 + Math.floor(random() * 6);
            const region = random() < 0.5 ? 'eu' : 'us';
            if (random() < 0.25) deletes.push([id, region]);
            else upserts.push([id, region, ++version]);
            const start = performance.now();
            const up = upserts.length === 0 ? undefined : upserts.map(([a, r, n]) => wideRow(a, r, n)).join(' UNION ALL ');
            const del = deletes.length === 0 ? undefined : deletes.map(([a, r]) => `SELECT ${a} AS id, '${r}' AS region`).join(' UNION ALL ');
            const { seq } = await keyedWrite({ ...env, conn }, writer, root, up, del);
            keyed.push({ kind: 'keyed', seq, upserts, deletes, start, ack: performance.now() });
          }
        } finally {
          conn.closeSync();
        }
      };
      const directWriter = async (): Promise<void> => {
        const conn = await env.db.connect();
        try {
          for (let i = 0; i < 4; i++) {
            await new Promise((r) => setTimeout(r, random() * 20));
            const op: DirectOp = i % 2 === 0 ? 'bump-eu' : 'delete-odd';
            const start = performance.now();
            const r = await commitDirectWrite(env.store, root, env.deps, async (snapshot) => ({ tx: await stageDirect(env, conn, snapshot, op), operation: op === 'bump-eu' ? 'UPDATE' : 'DELETE' }), { maxAttempts: 50 });
            direct.push({ kind: 'direct', op, version: r.version, watermark: r.watermark, start, ack: performance.now() });
          }
        } finally {
          conn.closeSync();
        }
      };
      let writing = true;
      const compactor = async (): Promise<void> => {
        while (writing) {
          await drainTable(env.store, root, { batchSize: 3, maxConflictRetries: 50 }, env.deps);
          await new Promise((r) => setTimeout(r, random() * 20));
        }
      };
      const loop = compactor();
      await Promise.all([keyedWriter(), keyedWriter(), directWriter()]);
      writing = false;
      await loop;
      const history = replay(keyed, direct);
      expect(idsOf(await readRows(env, root, 'strong'))).toEqual(history.expected());
      for (let r = await drainTable(env.store, root, { batchSize: 100 }, env.deps); r.truncated;) r = await drainTable(env.store, root, { batchSize: 100 }, env.deps);
      expect(idsOf(await readRows(env, root, 'eventual'))).toEqual(history.expected());
      // DescribeTable's last drain skips the direct writes that re-stated the watermark.
      const final = await loadSnapshot(env.store, root);
      const last = await readLastDrain(env.store, final);
      expect(last).toBeDefined();
      expect(last!.drainedThrough).toBeLessThanOrEqual(drainedWatermark(final));
      expect(drainedWatermark(final)).toBe(Math.max(...keyed.map((k) => k.seq)));
      expect(direct.length).toBe(4);
      expect(keyed.length).toBe(20);
      // The run really interleaved: some direct write incorporated earlier records, and some keyed
      // write landed after a direct write.
      const maxSeq = Math.max(...keyed.map((k) => k.seq));
      expect(direct.some((d) => d.watermark > 0)).toBe(true);
      expect(direct.some((d) => d.watermark < maxSeq)).toBe(true);
      console.info(`[direct-write seed ${seed}] watermarks of direct writes: ${direct.map((d) => d.watermark).join(', ')} (keyed seqs 1..${maxSeq})`);
    }, 120_000);
  }

  it('control: a direct write that bypasses the protocol lets a drain resurrect a deleted row, and the checker sees it', async () => {
    const root = 'bypass/';
    await createKeyedTable(env, root);
    const writer = new WalWriter(env.store);
    const k: KeyedEvent = { kind: 'keyed', seq: 0, upserts: [[1, 'eu', 1]], deletes: [], start: performance.now(), ack: 0 };
    k.seq = (await keyedWrite(env, writer, root, wideRow(1, 'eu', 1))).seq;
    k.ack = performance.now();
    // DELETE of odd rows straight to Delta, without draining first: the row is only in the log.
    const start = performance.now();
    const snapshot = await loadSnapshot(env.store, root);
    const commit = await (await stageDirect(env, env.conn, snapshot, 'delete-odd')).commit({ operation: 'DELETE' });
    const d: DirectEvent = { kind: 'direct', op: 'delete-odd', version: commit.version, watermark: k.seq, start, ack: performance.now() };
    await drainTable(env.store, root, { batchSize: 100 }, env.deps);
    // The user saw: insert (1,eu,n=1) acknowledged, then "delete odd rows" acknowledged → row gone.
    const history = replay([k], [d]);
    expect(history.expected()).toEqual([]);
    expect(idsOf(await readRows(env, root, 'eventual'))).not.toEqual(history.expected());
  });
});
