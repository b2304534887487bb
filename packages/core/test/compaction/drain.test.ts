import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCommitActions } from '../../src/delta/commit.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { Transaction } from '../../src/delta/transaction.ts';
import { drainTable } from '../../src/compaction/drain.ts';
import { readLastDrain } from '../../src/compaction/last-drain.ts';
import { toCompactResponse } from '../../src/compaction/compact-response.ts';
import { listWal, walBacklog } from '../../src/wal/wal-reader.ts';
import { maxDrainedMarker } from '../../src/wal/drained-markers.ts';
import { drainedWatermark } from '../../src/wal/watermark.ts';
import { rejectedKey, walRecordKey } from '../../src/wal/wal-keys.ts';
import { encodeWalRecord } from '../../src/wal/record-codec.ts';
import { walTableShape } from '../../src/wal/table-shape.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { FaultyObjectStore, type ObjectStore } from '../../src/object-store/index.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from '../wal/support/wal-env.ts';

const ids = (rows: string[]): string[] => rows.map((r) => { const o = JSON.parse(r) as { id: string; region: string; n: number | null }; return `${o.id}/${o.region}/${o.n}`; }).sort();

// Every case twice: the JS fold (small batches, the default) and the DuckDB fold (drain-fold.ts,
// forced for every batch size).
describe.each([{ mode: 'JS fold', fold: {} }, { mode: 'DuckDB fold', fold: { duckdbFoldMinRows: 1 } }])('drainTable ($mode)', ({ fold }) => {
  let env: WalEnv;
  let writer: WalWriter;
  beforeAll(async () => {
    env = await createWalEnv();
    writer = new WalWriter(env.store);
  });
  afterAll(async () => env.close());

  it('dedupes newest-wins, reports the Compact fields, commits MERGE with the watermark, then deletes the records', async () => {
    const root = 'metrics/';
    await createKeyedTable(env, root);
    await keyedWrite(env, writer, root, `${wideRow(1, 'eu', 1)} UNION ALL ${wideRow(2, 'eu', 1)}`);
    await keyedWrite(env, writer, root, wideRow(1, 'eu', 2));
    await keyedWrite(env, writer, root, wideRow(3, 'eu', 1), `SELECT 2 AS id, 'eu' AS region`);
    const r = await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
    expect(r).toMatchObject({ walEntriesProcessed: 3, walUniqueKeys: 3, rowsMerged: 3, rowsRejected: 0, tombstonesSeen: 1, truncated: false, drainedThrough: 3 });
    const snap = await loadSnapshot(env.store, root);
    expect(r.lastDrainTargetVersion).toBe(snap.version);
    expect(drainedWatermark(snap)).toBe(3);
    const commit = (await readCommitActions(env.store, root, snap.version))!;
    const info = commit.find((a) => 'commitInfo' in a) as { commitInfo: { operation: string; operationMetrics: Record<string, string> } };
    expect(info.commitInfo.operation).toBe('MERGE');
    expect(info.commitInfo.operationMetrics).toMatchObject({ numTargetRowsInserted: '2', numTargetRowsUpdated: '0', numTargetRowsDeleted: '0' });
    expect(ids(await readRows(env, root, 'eventual'))).toEqual(['1/eu/2', '3/eu/1']);
    expect((await listWal(env.store, root, 0)).pending).toEqual([]);
    expect(await maxDrainedMarker(env.store, root, snap.metadata.id)).toBe(3);
    expect(toCompactResponse('metrics', r)).toEqual({
      tableName: 'metrics', walEntriesProcessed: 3, walUniqueKeys: 3, rowsMerged: 3, rowsRejected: 0, tombstonesSeen: 1, truncated: false, lastDrainTargetVersion: Number(snap.version),
    });
    const last = await readLastDrain(env.store, snap);
    expect(last).toMatchObject({ version: snap.version, drainedThrough: 3, metrics: { numTargetRowsInserted: '2' } });
    // Idle drain: nothing to do, nothing committed.
    const idle = await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
    expect(idle).toMatchObject({ walEntriesProcessed: 0, truncated: false, lastDrainTargetVersion: snap.version });
  });

  it('stops at batchSize with truncated = true and rewrites only the files holding affected keys', async () => {
    const root = 'batches/';
    await createKeyedTable(env, root, { partitionBy: ['region'] });
    for (const region of ['eu', 'us', 'ap']) {
      await keyedWrite(env, writer, root, [1, 2, 3].map((i) => wideRow(i, region, 1)).join(' UNION ALL '));
    }
    const first = await drainTable(env.store, root, { ...fold, batchSize: 2 }, env.deps);
    expect(first).toMatchObject({ walEntriesProcessed: 2, truncated: true });
    const second = await drainTable(env.store, root, { ...fold, batchSize: 2 }, env.deps);
    expect(second).toMatchObject({ walEntriesProcessed: 1, truncated: false, drainedThrough: 3 });
    const before = await loadSnapshot(env.store, root);
    expect(before.files.length).toBe(3);
    await keyedWrite(env, writer, root, wideRow(2, 'us', 2), `SELECT 3 AS id, 'us' AS region`);
    const upd = await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
    expect(upd).toMatchObject({ filesRemoved: 1, filesAdded: 1, rowsMerged: 2, tombstonesSeen: 1 });
    const after = await loadSnapshot(env.store, root);
    const untouched = before.files.filter((f) => f.partitionValues['region'] !== 'us').map((f) => f.add.path).sort();
    expect(after.files.map((f) => f.add.path).filter((p) => untouched.includes(p)).sort()).toEqual(untouched);
    const commit = (await readCommitActions(env.store, root, after.version))!;
    const info = commit.find((a) => 'commitInfo' in a) as { commitInfo: { operationMetrics: Record<string, string> } };
    expect(info.commitInfo.operationMetrics).toMatchObject({ numTargetRowsUpdated: '1', numTargetRowsDeleted: '1', numTargetRowsCopied: '1' });
    expect(ids(await readRows(env, root, 'eventual'))).toEqual(['1/ap/1', '1/eu/1', '1/us/1', '2/ap/1', '2/eu/1', '2/us/2', '3/ap/1', '3/eu/1']);
  });

  it('rejects rows that break NOT NULL into rejected/<seq>.json instead of blocking the log', async () => {
    const root = 'rejects/';
    await createKeyedTable(env, root);
    await keyedWrite(env, writer, root, wideRow(1, 'eu', 1));
    const bad = wideRow(2, 'eu', 1).replace(`'eu' AS region`, 'NULL::VARCHAR AS region');
    await keyedWrite(env, writer, root, `${bad} UNION ALL ${wideRow(3, 'eu', 1)}`);
    await keyedWrite(env, writer, root, wideRow(4, 'eu', 1));
    const r = await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
    expect(r).toMatchObject({ walEntriesProcessed: 3, rowsRejected: 1, rowsMerged: 3, truncated: false });
    expect(ids(await readRows(env, root, 'eventual'))).toEqual(['1/eu/1', '3/eu/1', '4/eu/1']);
    const kept = JSON.parse(new TextDecoder().decode((await env.store.get(rejectedKey(root, 3)))!)) as { rejected: { seq: number; reason: string; values: unknown[] }[] };
    expect(kept.rejected).toEqual([expect.objectContaining({ seq: 2, reason: 'not-null:region' })]);
    expect(kept.rejected[0]!.values[0]).toBe('2');
    // DescribeTable's lastDrainRowsRejected comes from the drain commit's own metric.
    const last = await readLastDrain(env.store, await loadSnapshot(env.store, root));
    expect(last?.metrics).toMatchObject({ numRejectedRows: '1' });
  });

  it('rejects a NOT NULL row inside a batch with tombstones and a key written twice (the rest still newest-wins)', async () => {
    const root = 'rejects-mixed/';
    await createKeyedTable(env, root);
    await keyedWrite(env, writer, root, `${wideRow(1, 'eu', 1)} UNION ALL ${wideRow(3, 'eu', 1)}`);
    const bad = wideRow(2, 'eu', 1).replace(`'eu' AS region`, 'NULL::VARCHAR AS region');
    await keyedWrite(env, writer, root, `${bad} UNION ALL ${wideRow(3, 'eu', 2)}`, `SELECT 1 AS id, 'eu' AS region`);
    await keyedWrite(env, writer, root, `${wideRow(3, 'eu', 3)} UNION ALL ${wideRow(1, 'eu', 4)}`);
    const r = await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
    expect(r).toMatchObject({ walEntriesProcessed: 3, walUniqueKeys: 3, rowsRejected: 1, rowsMerged: 2, tombstonesSeen: 1 });
    expect(ids(await readRows(env, root, 'eventual'))).toEqual(['1/eu/4', '3/eu/3']);
    const kept = JSON.parse(new TextDecoder().decode((await env.store.get(rejectedKey(root, 3)))!)) as { rejected: { seq: number; reason: string; values: unknown[] }[] };
    expect(kept.rejected).toEqual([expect.objectContaining({ seq: 2, reason: 'not-null:region' })]);
    expect(kept.rejected[0]!.values[0]).toBe('2');
  });

  it('applies records written before ADD COLUMN (the new column reads NULL)', async () => {
    const root = 'evolve/';
    await createKeyedTable(env, root);
    await keyedWrite(env, writer, root, wideRow(1, 'eu', 1));
    const snap = await loadSnapshot(env.store, root);
    const schema = { ...snap.schema, fields: [...snap.schema.fields, { name: 'extra', type: 'string' as const, nullable: true, metadata: {} }] };
    await Transaction.forSnapshot(env.store, snap, env.transaction).updateMetadata({ ...snap.metadata, schemaString: JSON.stringify(schema) }).commit({ operation: 'ADD COLUMNS' });
    expect((await readRows(env, root, 'strong')).map((r) => (JSON.parse(r) as { extra: unknown }).extra)).toEqual([null]);
    await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
    const rows = (await readRows(env, root, 'eventual')).map((r) => JSON.parse(r) as { id: string; extra: unknown });
    expect(rows.map((r) => [r.id, r.extra])).toEqual([['1', null]]);
  });

  it('keeps the watermark across checkpoints and reports the backlog', async () => {
    const root = 'checkpointed/';
    await createKeyedTable(env, root);
    for (let i = 1; i <= 12; i++) {
      await keyedWrite(env, writer, root, wideRow(i % 4, 'eu', i));
      expect((await walBacklog(env.store, await loadSnapshot(env.store, root))).entries).toBe(1);
      await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
    }
    expect((await env.store.list(`${root}_delta_log/`)).objects.some((o) => o.key.endsWith('.checkpoint.parquet'))).toBe(true);
    await keyedWrite(env, writer, root, wideRow(9, 'eu', 1));
    await keyedWrite(env, writer, root, wideRow(9, 'eu', 2));
    const snap = await loadSnapshot(env.store, root);
    expect(drainedWatermark(snap)).toBe(12);
    const backlog = await walBacklog(env.store, snap);
    expect(backlog).toMatchObject({ entries: 2, watermark: 12 });
    expect(backlog.bytes).toBeGreaterThan(0);
    expect(backlog.oldestLastModified).toBeLessThanOrEqual(Date.now());
    expect(ids(await readRows(env, root, 'strong'))).toEqual(['0/eu/12', '1/eu/9', '2/eu/10', '3/eu/11', '9/eu/2']);
  });

  it('fetches only the files whose key stats may hold an overlay key', async () => {
    const root = 'pruned/';
    await createKeyedTable(env, root);
    const range = (from: number, to: number, v: number): string => Array.from({ length: to - from + 1 }, (_, i) => wideRow(from + i, 'eu', v)).join(' UNION ALL ');
    const first = (await keyedWrite(env, writer, root, range(1, 10, 1)), await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps));
    expect(first).toMatchObject({ filesScanned: 0, filesAdded: 1 });
    await keyedWrite(env, writer, root, range(11, 20, 1));
    expect(await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps)).toMatchObject({ filesScanned: 0, filesRemoved: 0, filesAdded: 1 });
    await keyedWrite(env, writer, root, range(21, 30, 1));
    expect(await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps)).toMatchObject({ filesScanned: 0, filesAdded: 1 });
    await keyedWrite(env, writer, root, wideRow(15, 'eu', 2), `SELECT 25 AS id, 'eu' AS region`);
    expect(await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps)).toMatchObject({ filesScanned: 2, filesRemoved: 2, filesAdded: 1, rowsMerged: 2 });
    const rows = ids(await readRows(env, root, 'eventual'));
    expect(rows).toHaveLength(29);
    expect(rows).toContain('15/eu/2');
    expect(rows).not.toContain('25/eu/1');
  });

  it('quarantines a corrupt record (raw bytes kept under rejected/) and drains the rest', async () => {
    const root = 'quarantine/';
    await createKeyedTable(env, root);
    for (let v = 1; v <= 3; v++) await keyedWrite(env, writer, root, wideRow(v, 'eu', v));
    const bytes = (await env.store.get(walRecordKey(root, 2)))!;
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x55;
    await env.store.put(walRecordKey(root, 2), bytes);
    const r = await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
    expect(r).toMatchObject({ walEntriesProcessed: 3, recordsQuarantined: 1, rowsMerged: 2, drainedThrough: 3 });
    expect(ids(await readRows(env, root, 'eventual'))).toEqual(['1/eu/1', '3/eu/3']);
    expect(Buffer.from((await env.store.get(`${root}_k3_wal/rejected/${'2'.padStart(20, '0')}.corrupt`))!).equals(Buffer.from(bytes))).toBe(true);
    const kept = JSON.parse(new TextDecoder().decode((await env.store.get(rejectedKey(root, 3)))!)) as { rejected: { seq: number; reason: string }[] };
    expect(kept.rejected).toEqual([{ seq: 2, reason: 'corrupt: checksum mismatch' }]);
  });

  it('over a seeded faulty store, re-runs after any failure until every record is drained exactly once', async () => {
    for (const seed of [1, 2, 3]) {
      const root = `faulty-${seed}/`;
      await createKeyedTable(env, root);
      for (let i = 1; i <= 6; i++) await keyedWrite(env, writer, root, wideRow(i % 4, 'eu', i));
      const faulty = new FaultyObjectStore(env.store, { seed, rules: [{ kind: 'ambiguous', probability: 0.15 }, { kind: 'error', probability: 0.1 }] });
      let runs = 0;
      for (; runs < 50; runs++) {
        const r = await drainTable(faulty, root, { ...fold, batchSize: 2 }, env.deps).catch((e: unknown) => {
          expect(e, faulty.describe()).toMatchObject({ retryable: true });
          return undefined;
        });
        if (r !== undefined && !r.truncated && r.walEntriesProcessed === 0) break;
      }
      expect(faulty.faults.length, faulty.describe()).toBeGreaterThan(0);
      expect(ids(await readRows(env, root, 'eventual')), faulty.describe()).toEqual(['0/eu/4', '1/eu/5', '2/eu/6', '3/eu/3']);
      expect((await listWal(env.store, root, 0)).pending, faulty.describe()).toEqual([]);
    }
  });

  it('is a no-op on a table without a primary key', async () => {
    const root = 'no-pk/';
    await createKeyedTable(env, root, { primaryKey: [] });
    expect(await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps)).toMatchObject({ walEntriesProcessed: 0, truncated: false, lastDrainTargetVersion: 0 });
  });

  it('after DROP + CREATE a long-lived writer starts the new table\'s log over (no stranded seq)', async () => {
    const root = 'recreate-writer/';
    await createKeyedTable(env, root);
    for (let v = 1; v <= 4; v++) await keyedWrite(env, writer, root, wideRow(v, 'eu', v));
    await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps);
    for (const o of (await env.store.list(root)).objects) await env.store.deleteMany([o.key]); // DROP TABLE
    await createKeyedTable(env, root);
    expect((await keyedWrite(env, writer, root, wideRow(7, 'eu', 1))).seq).toBe(1);
    expect(await drainTable(env.store, root, { ...fold, batchSize: 100 }, env.deps)).toMatchObject({ walEntriesProcessed: 1, rowsMerged: 1, drainedThrough: 1 });
    expect(ids(await readRows(env, root, 'eventual'))).toEqual(['7/eu/1']);
  });

  it('fills a stale gap with an empty record after the grace period, never before', async () => {
    const root = 'gap/';
    await createKeyedTable(env, root);
    await keyedWrite(env, writer, root, wideRow(1, 'eu', 1));
    // A write that raced a DROP lands at seq 3 with the old table's id; seq 2 will never come.
    const shape = walTableShape(await loadSnapshot(env.store, root));
    await env.store.put(walRecordKey(root, 3), encodeWalRecord({ tableId: 'dropped-table', schemaFingerprint: shape.fingerprint, columns: shape.columns, primaryKey: shape.primaryKey, upserts: [], deletes: [], writerId: 'w', createdAt: 0 }));
    const early = await drainTable(env.store, root, { ...fold, batchSize: 100, gapGraceMs: 60_000 }, env.deps);
    expect(early).toMatchObject({ walEntriesProcessed: 1, drainedThrough: 1, truncated: true });
    const late = await drainTable(env.store, root, { ...fold, batchSize: 100, gapGraceMs: 0 }, env.deps);
    expect(late).toMatchObject({ walEntriesProcessed: 2, drainedThrough: 3, truncated: false });
    expect((await listWal(env.store, root, 0)).pending).toEqual([]);
    expect(ids(await readRows(env, root, 'eventual'))).toEqual(['1/eu/1']);
  });
});

// Round 14 (hot-path.md): a drain declares background work for its whole run, so this process's
// writers PUT off the event loop meanwhile (ObjectStore.backgroundWork); the store-level mechanism is
// tested in local-object-store.test.ts, the drain's declaration here.
describe('drainTable declares background work', () => {
  let env: WalEnv;
  let writer: WalWriter;
  let held = 0;
  let calls = 0;
  let failWalList = false;
  const writes: { op: string; held: number }[] = [];
  beforeAll(async () => {
    env = await createWalEnv();
    writer = new WalWriter(env.store);
  });
  afterAll(async () => env.close());

  /** env.store seen through a wrapper that counts backgroundWork holds and notes the holds at every write. */
  const observed = (): ObjectStore => new Proxy(env.store, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      const fn = (v as (...a: unknown[]) => unknown).bind(target);
      if (prop === 'backgroundWork') {
        return () => {
          calls++;
          held++;
          const release = fn() as () => void;
          let done = false;
          return () => {
            if (!done) held--;
            done = true;
            release();
          };
        };
      }
      if (prop === 'put' || prop === 'putIfAbsent' || prop === 'putFile' || prop === 'deleteMany') {
        return (...a: unknown[]) => {
          writes.push({ op: String(prop), held });
          return fn(...a);
        };
      }
      if (prop === 'list') {
        return (prefix: string, ...rest: unknown[]) => {
          if (failWalList && prefix.endsWith('_k3_wal/')) return Promise.reject(new Error('injected LIST failure'));
          return fn(prefix, ...rest);
        };
      }
      return fn;
    },
  });

  it('holds it over every write of the drain, released on success and on failure', async () => {
    const root = 'background/';
    await createKeyedTable(env, root);
    await keyedWrite(env, writer, root, `${wideRow(1, 'eu', 1)} UNION ALL ${wideRow(2, 'eu', 1)}`);
    await keyedWrite(env, writer, root, wideRow(1, 'eu', 2));
    const store = observed();
    const r = await drainTable(store, root, { batchSize: 100 }, env.deps);
    expect(r).toMatchObject({ walEntriesProcessed: 2, truncated: false });
    expect(calls).toBe(1);
    // The drain wrote its data file, its Delta commit, its marker and deleted the records — every one
    // of them while the hold was on; after it, nothing is held.
    expect(writes.map((w) => w.op)).toEqual(expect.arrayContaining(['putIfAbsent', 'deleteMany']));
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(writes.every((w) => w.held === 1)).toBe(true);
    expect(held).toBe(0);
    // A drain that fails still releases it.
    await keyedWrite(env, writer, root, wideRow(3, 'eu', 1));
    failWalList = true;
    await expect(drainTable(store, root, { batchSize: 100 }, env.deps)).rejects.toThrow();
    failWalList = false;
    expect(calls).toBe(2);
    expect(held).toBe(0);
  });
});
