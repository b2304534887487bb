import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../../src/object-store/local-object-store.ts';
import { S3ObjectStore } from '../../src/object-store/s3-object-store.ts';
import { FaultyObjectStore, MemoryObjectStore, type ObjectStore } from '../../src/object-store/index.ts';
import { isAppError } from '../../src/errors/index.ts';
import { decodeWalRecord, encodeWalRecord } from '../../src/wal/record-codec.ts';
import { WalWriter, type AppendBasis, type WalRecordContent } from '../../src/wal/wal-writer.ts';
import { commitKey } from '../../src/object-store/paths.ts';
import { listWal } from '../../src/wal/wal-reader.ts';
import { writeDrainedMarker } from '../../src/wal/drained-markers.ts';
import { walRecordKey } from '../../src/wal/wal-keys.ts';
import { startS3Server, type S3TestServer } from '../support/s3-server.ts';
import { baseName, watchedStore } from '../support/watched-store.ts';

const content = (writer: number, i: number): WalRecordContent => ({
  tableId: 't', schemaFingerprint: 'fp', columns: [{ name: 'id', type: 'BIGINT' }, { name: 'w', type: 'INTEGER' }],
  primaryKey: ['id'], upserts: [[String(writer * 1000 + i), String(writer)]], deletes: [],
});

async function concurrentWriters(store: ObjectStore, root: string, writers: number, perWriter: number): Promise<{ seqs: number[]; attempts: number }> {
  const results = await Promise.all(Array.from({ length: writers }, async (_, w) => {
    const writer = new WalWriter(store); // one per simulated process: no shared head cache
    const out: { seq: number; attempts: number; id: string }[] = [];
    for (let i = 0; i < perWriter; i++) {
      const r = await writer.append(root, content(w, i));
      out.push({ ...r, id: String(w * 1000 + i) });
    }
    return out;
  }));
  const flat = results.flat();
  // Each acknowledged seq holds exactly the record its writer wrote.
  for (const r of flat) {
    const bytes = await store.get(walRecordKey(root, r.seq));
    expect(decodeWalRecord(bytes!, 'x').upserts[0]?.[0]).toBe(r.id);
  }
  return { seqs: flat.map((r) => r.seq).sort((a, b) => a - b), attempts: flat.reduce((s, r) => s + r.attempts, 0) };
}

describe('WalWriter on a local directory', () => {
  let dir: string;
  let store: LocalObjectStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k3-walw-'));
    store = new LocalObjectStore(dir);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('numbers sequential writes 1..n with one attempt each', async () => {
    const writer = new WalWriter(store);
    const seqs = [];
    for (let i = 0; i < 5; i++) seqs.push(await writer.append('seq/', content(0, i)));
    expect(seqs.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(seqs.every((s) => s.attempts === 1)).toBe(true);
  });

  it('8 concurrent writers get a gap-free total order, each seq won exactly once', async () => {
    const { seqs, attempts } = await concurrentWriters(store, 'c8/', 8, 25);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // Contention: lost put-if-absent attempts; printed for the record, bounded by a storm guard.
    console.info(`[wal] 8 writers x 25 records on LocalObjectStore: ${attempts} PUT attempts for 200 records (${(attempts / 200).toFixed(2)} per record)`);
    expect(attempts).toBeGreaterThanOrEqual(200);
  });

  it('a stale writer that wins a freed (drained) slot abandons it and writes above the drained marker', async () => {
    const root = 'reuse/';
    const stale = new WalWriter(store);
    await stale.append(root, content(1, 0)); // seq 1, stale now caches head 1
    const other = new WalWriter(store);
    for (let i = 0; i < 5; i++) await other.append(root, content(2, i)); // seqs 2..6
    // A drain with watermark 5 writes its marker, then deletes records 1..5.
    await writeDrainedMarker(store, root, 't', 5);
    await store.deleteMany([1, 2, 3, 4, 5].map((s) => walRecordKey(root, s)));
    const r = await stale.append(root, content(1, 1)); // tries 2 (freed): must not stay there
    expect(r.seq).toBe(7);
    const { pending, drained } = await listWal(store, root, 5);
    expect(drained).toEqual([]);
    expect(pending.map((e) => e.seq)).toEqual([6, 7]);
    // A cold writer starts above the marker.
    expect((await new WalWriter(store).append(root, content(3, 0))).seq).toBe(8);
  });

  // hot-path.md "Round 18": the slot check after a won PUT, given the snapshot the statement pinned.
  it('with its statement\'s snapshot the slot check is one HEAD of the next commit; a commit there LISTs the markers and a freed slot is still abandoned', async () => {
    const root = 'basis/';
    const reads = { markerLists: 0, commitHeads: [] as string[] };
    const counting = watchedStore(store, {
      list: (prefix) => { if (prefix.includes('/_drained/')) reads.markerLists++; },
      head: (key) => { if (key.includes('/_delta_log/')) reads.commitHeads.push(baseName(key)); },
    });
    const pinned: AppendBasis = { version: 0, txns: new Map(), metadata: { id: 't' } as AppendBasis['metadata'] };
    const stale = new WalWriter(counting);
    expect((await stale.append(root, content(1, 0), pinned)).seq).toBe(1); // cold: the markers give its first seq
    reads.markerLists = 0;
    reads.commitHeads = [];
    expect((await stale.append(root, content(1, 1), pinned)).seq).toBe(2);
    expect(reads).toEqual({ markerLists: 0, commitHeads: ['00000000000000000001.json'] });
    // A snapshot of another table (incarnation) is not used: the markers are LISTed.
    reads.commitHeads = [];
    expect((await stale.append(root, content(1, 2), { ...pinned, metadata: { id: 'other' } as AppendBasis['metadata'] })).seq).toBe(3);
    expect(reads).toEqual({ markerLists: 1, commitHeads: [] });
    // Another writer appends 4..8; a drain commits version 1 (watermark 7), writes its marker and
    // deletes records 1..7. The stale writer (head 3, statement pinned at version 0) wins the freed
    // slot 4: the commit after its snapshot is there, so it LISTs the markers and moves above 7.
    const other = new WalWriter(store);
    for (let i = 0; i < 5; i++) await other.append(root, content(2, i));
    expect(await store.putIfAbsent(commitKey(root, 1), new TextEncoder().encode('{"txn":{"appId":"k3-wal","version":7}}\n'))).toBe(true);
    await writeDrainedMarker(store, root, 't', 7);
    await store.deleteMany([1, 2, 3, 4, 5, 6, 7].map((q) => walRecordKey(root, q)));
    reads.markerLists = 0;
    reads.commitHeads = [];
    const r = await stale.append(root, content(1, 3), pinned);
    expect(r.seq).toBe(9);
    expect(reads.markerLists).toBeGreaterThanOrEqual(1);
    expect(reads.commitHeads).toContain('00000000000000000001.json');
    const { pending, drained } = await listWal(store, root, 7);
    expect(drained).toEqual([]);
    expect(pending.map((e) => e.seq)).toEqual([8, 9]);
  });

  it('a writer that lost its seq takes the first free seq after the listed run, never one above a free seq', async () => {
    // Records 1..3 of the table, and a record far above them: what a write racing DROP TABLE leaves
    // (a writer still caching the dropped incarnation's head; compaction/fill-gaps.ts).
    const root = 'run/';
    const first = new WalWriter(store);
    for (let i = 0; i < 3; i++) await first.append(root, content(1, i));
    const dropped = encodeWalRecord({ ...content(9, 0), tableId: 'dropped', writerId: 'stale', createdAt: 0 });
    expect(await store.putIfAbsent(walRecordKey(root, 40), dropped)).toBe(true);
    // A cold writer starts at seq 1 (no marker), loses it, LISTs: records 1..3 and 40. It writes 4
    // (the highest + 1 would be 41, above the free seqs 4..39, where a reader HEADing the seqs after
    // 3 would never find it: list-records.ts `newRecords`).
    const cold = await new WalWriter(store).append(root, content(2, 0));
    expect(cold.seq).toBe(4);
    expect(cold.attempts).toBe(2);
    // A writer whose cached head is behind (1) loses seq 2, LISTs 2..3 and writes 4.
    const behind = new WalWriter(store);
    await behind.append('run2/', content(3, 0));
    for (let i = 0; i < 2; i++) await first.append('run2/', content(1, 10 + i)); // seqs 2, 3 by another writer
    const late = await behind.append('run2/', content(3, 1));
    expect([late.seq, late.attempts]).toEqual([4, 2]);
  });
});

describe('WalWriter over the S3 API (honest conditional PUTs)', () => {
  let server: S3TestServer;
  let store: S3ObjectStore;
  beforeAll(async () => {
    server = await startS3Server({ conditionalWrites: 'honest' });
    await server.createBucket('wal');
    store = new S3ObjectStore({ bucket: 'wal', client: server.client });
  }, 30_000);
  afterAll(async () => server.stop());

  it('8 concurrent writers get a gap-free total order', async () => {
    const { seqs, attempts } = await concurrentWriters(store, 'tables/t/', 8, 10);
    expect(seqs).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    console.info(`[wal] 8 writers x 10 records over S3: ${attempts} PUT attempts for 80 records (${(attempts / 80).toFixed(2)} per record)`);
  }, 60_000);
});

describe('WalWriter with an ambiguous success at each of its storage calls (seeded FaultyObjectStore)', () => {
  const root = 'amb/';
  const live = async (store: ObjectStore, writerId?: string): Promise<number> => {
    const { pending } = await listWal(store, root, 0);
    let n = 0;
    for (const e of pending) {
      const record = decodeWalRecord((await store.get(e.key))!, e.key);
      if (writerId === undefined || record.upserts[0]?.[0] === writerId) n++;
    }
    return n;
  };

  it('acknowledges only a durable record, leaves none behind a plain error, and at most one behind an unknown outcome', async () => {
    // Two records already in the log (and the head cached), plus a drained marker: a realistic slot check.
    const seed = async (store: ObjectStore): Promise<WalWriter> => {
      const writer = new WalWriter(store);
      await writer.append(root, content(1, 0));
      await writer.append(root, content(1, 1));
      return writer;
    };
    const dry = new FaultyObjectStore(new MemoryObjectStore(), { seed: 5 });
    const dryWriter = await seed(dry);
    const from = dry.calls.length;
    await dryWriter.append(root, content(9, 0));
    const calls = dry.calls.length - from;
    expect(calls).toBeGreaterThanOrEqual(2);
    const outcomes: string[] = [];
    for (let i = 0; i < calls; i++) {
      const store = new FaultyObjectStore(new MemoryObjectStore(), { seed: 5 });
      const writer = await seed(store);
      store.inject({ kind: 'ambiguous', skip: i, times: 1 });
      const err = await writer.append(root, content(9, 0)).then(() => undefined, (e: unknown) => e);
      store.clear();
      const mine = await live(store, '9000');
      const where = `ambiguous at call ${i + 1} (${store.faults[0]?.op} ${store.faults[0]?.key}); ${store.describe()}`;
      if (err === undefined) expect(mine, where).toBe(1);
      else if (isAppError(err, 'ERR_WRITE_OUTCOME_UNKNOWN')) expect(mine, where).toBeLessThanOrEqual(1);
      else expect([isAppError(err) && err.retryable, mine], where).toEqual([true, 0]);
      expect(await live(store), where).toBe(2 + mine);
      outcomes.push(err === undefined ? 'ok' : isAppError(err) ? err.code : 'other');
    }
    // The putIfAbsent's own ambiguity is resolved by the read-back: that call answers ok.
    expect(outcomes).toContain('ok');
  });
});

describe('group commit (one WalWriter shared by concurrent statements)', () => {
  const columns = [{ name: 'id', type: 'BIGINT' }, { name: 'v', type: 'INTEGER' }];
  const stmt = (upserts: [number, number][], deletes: number[] = []): WalRecordContent => ({
    tableId: 't', schemaFingerprint: 'fp', columns, primaryKey: ['id'],
    upserts: upserts.map(([id, v]) => [String(id), String(v)]), deletes: deletes.map((id) => [String(id)]),
  });
  /** Applies statements (or records) in order: key → value, tombstones remove. */
  const apply = (contents: readonly { upserts: readonly (readonly (string | null)[])[]; deletes: readonly (readonly (string | null)[])[] }[]): Map<string, string | null> => {
    const m = new Map<string, string | null>();
    for (const c of contents) {
      for (const d of c.deletes) m.delete(d[0]!);
      for (const u of c.upserts) m.set(u[0]!, u[1] ?? null);
    }
    return m;
  };

  it('concurrent appends share records, each acknowledged at a durable seq, and the log applies like the statements in order', async () => {
    const store = new MemoryObjectStore();
    const writer = new WalWriter(store);
    // Later statements overwrite, delete and re-insert keys of earlier ones.
    const statements = Array.from({ length: 24 }, (_, i) => stmt([[i % 5, i], [100 + i, i]], i % 3 === 2 ? [(i + 1) % 5, 100 + i - 1] : []));
    const results = await Promise.all(statements.map((s) => writer.append('g/', s)));
    const { pending } = await listWal(store, 'g/', 0);
    expect(pending.length).toBeLessThan(statements.length);
    expect(new Set(results.map((r) => r.seq))).toEqual(new Set(pending.map((e) => e.seq)));
    const records = await Promise.all(pending.map(async (e) => decodeWalRecord((await store.get(e.key))!, e.key)));
    for (const r of records) {
      const up = new Set(r.upserts.map((u) => u[0]));
      expect(r.deletes.some((d) => up.has(d[0]!))).toBe(false);
    }
    expect(apply(records)).toEqual(apply(statements));
  });

  it('appends arriving while the first one takes its event-loop turn share its record (a store that PUTs in-line gives them no other moment)', async () => {
    const store = new MemoryObjectStore();
    const writer = new WalWriter(store);
    const results = await Promise.all([writer.append('t/', stmt([[1, 1]])), writer.append('t/', stmt([[2, 2]])), writer.append('t/', stmt([[1, 3]]))]);
    expect(results.map((r) => r.seq)).toEqual([1, 1, 1]);
    const record = decodeWalRecord((await store.get(walRecordKey('t/', 1)))!, 'x');
    expect(apply([record])).toEqual(new Map([['1', '3'], ['2', '2']]));
    // One arriving after the turn writes the next record (immediates run in order: the first's turn is over).
    const first = writer.append('t/', stmt([[4, 4]]));
    await new Promise((r) => setImmediate(r));
    const later = writer.append('t/', stmt([[5, 5]]));
    expect([(await first).seq, (await later).seq]).toEqual([2, 3]);
  });

  it('keeps PUTs off the event loop while appends overlap (another table, or statements joining), not for one writer alone', async () => {
    // backgroundWork is how a writer asks the store not to PUT in-line (object-store.ts).
    let held = 0;
    let holds = 0;
    const store = new (class extends MemoryObjectStore {
      backgroundWork(): () => void {
        held++;
        holds++;
        return () => void held--;
      }
    })();
    const writer = new WalWriter(store);
    for (let i = 0; i < 3; i++) await writer.append('a/', stmt([[i, i]]));
    expect(holds).toBe(0); // one writer, one statement at a time: in-line
    await Promise.all([writer.append('a/', stmt([[10, 1]])), writer.append('b/', stmt([[11, 1]]))]);
    expect(holds).toBe(2); // two tables at once: both PUTs held off the loop
    expect(held).toBe(0); // and released
    await writer.append('a/', stmt([[12, 1]]));
    expect(holds).toBe(3); // within the window after overlapping appends
    await new Promise((r) => setTimeout(r, 250));
    await writer.append('a/', stmt([[13, 1]]));
    expect(holds).toBe(3); // the window is over
    await Promise.all([writer.append('a/', stmt([[14, 1]])), writer.append('a/', stmt([[15, 1]]))]);
    expect(holds).toBe(4); // statements joining one group: its PUT is held
    expect(held).toBe(0);
  });

  it('never groups a record that carries an idempotency key, and a failed group PUT fails every statement in it', async () => {
    const store = new MemoryObjectStore();
    const writer = new WalWriter(store);
    const keyed = { ...stmt([[1, 1]]), idempotency: { key: 'req-1', rowsAffected: 1 } };
    const [a, b, c] = await Promise.all([writer.append('i/', stmt([[2, 2]])), writer.append('i/', keyed), writer.append('i/', stmt([[3, 3]]))]);
    const withKey = decodeWalRecord((await store.get(walRecordKey('i/', b!.seq)))!, 'x');
    expect(withKey.idempotency?.key).toBe('req-1');
    expect(withKey.upserts).toEqual([['1', '1']]);
    expect(new Set([a!.seq, b!.seq, c!.seq]).size).toBeGreaterThanOrEqual(2);

    const faulty = new FaultyObjectStore(new MemoryObjectStore(), { seed: 1 });
    const w2 = new WalWriter(faulty);
    const first = w2.append('f/', stmt([[1, 1]]));
    faulty.fail('putIfAbsent', 10);
    const grouped = [w2.append('f/', stmt([[2, 2]])), w2.append('f/', stmt([[3, 3]]))];
    await first.catch(() => undefined);
    const outcomes = await Promise.allSettled(grouped);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
  });
});
