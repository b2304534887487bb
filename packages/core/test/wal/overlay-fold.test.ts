/**
 * The overlay's one Map of entries (wip/bulk8) is differential-tested against the fold it replaced
 * (`referenceFold` below is foldRecords as it was through wip/bulk7: three Maps and a Set —
 * `upserts`, `deletes`, `keys`, `seqOf`). Over random logs mixing upserts, tombstones, repeated
 * keys, NULL keys, text that JSON escapes, records whose columns are reordered, a column missing
 * (added after the record), records of another table and two-column keys, folded in batches as the
 * warm state folds them, every question a reader used to ask of the old Maps gets the same answer
 * from the new structure: which keys, in which order, each key's row / tombstone / tuple / seq, the
 * counts, the upserted rows and deleted tuples, and the counters. The one-key loop (wip/bulk7) is
 * covered by the same comparison (most records take it), and so is `keyString`'s new form (a
 * one-column key is its own text unless it starts with `[`): the reference keys by JSON, so two
 * tuples the new strings confused would show as a missing key. Then the helpers readers now use:
 * copies keep what they saw (entries are never mutated), a tail subset, a removed key.
 */
import { describe, expect, it } from 'vitest';
import { OverlayKeys, type OverlayKeysLimits } from '../../src/wal/overlay-keys.ts';
import { copyOverlay, deletedTuples, emptyOverlay, foldRecords, keyString, removeKey, upsertCount, upsertedRows, type SeqRecord, type WalOverlay } from '../../src/wal/overlay.ts';
import type { WalRecord, WalValue } from '../../src/wal/record-codec.ts';
import type { WalTableShape } from '../../src/wal/table-shape.ts';
import { incompatibility } from '../../src/wal/table-shape.ts';
import { narrowTail } from '../../src/wal/tail-subset.ts';
import type { WarmState } from '../../src/wal/warm-state.ts';

/** The overlay as it was: three Maps and a Set. */
interface OldOverlay {
  readonly upserts: Map<string, WalValue[]>;
  readonly deletes: Set<string>;
  readonly keys: Map<string, WalValue[]>;
  readonly seqOf: Map<string, number>;
  lastSeq: number;
  entries: number;
  tombstonesSeen: number;
  readonly requests: Map<string, number>;
}

function oldOverlay(): OldOverlay {
  return { upserts: new Map(), deletes: new Set(), keys: new Map(), seqOf: new Map(), lastSeq: 0, entries: 0, tombstonesSeen: 0, requests: new Map() };
}

/** The key strings of the old overlay (JSON of the tuple); the new `keyString` must tell apart exactly the same tuples. */
const oldKey = (tuple: readonly WalValue[]): string => JSON.stringify(tuple);

/** foldRecords through wip/bulk7 (its general loop; the one-key loop was tested equal to it). */
function referenceFold(overlay: OldOverlay, records: readonly SeqRecord[], shape: WalTableShape): number {
  let skipped = 0;
  const keyIndex = shape.primaryKey.map((k) => shape.columns.findIndex((c) => c.name === k));
  for (const { seq, record } of [...records].sort((a, b) => a.seq - b.seq)) {
    overlay.lastSeq = Math.max(overlay.lastSeq, seq);
    if (incompatibility(record, shape) !== undefined) {
      skipped++;
      continue;
    }
    overlay.entries++;
    overlay.tombstonesSeen += record.deletes.length;
    if (record.idempotency !== undefined) overlay.requests.set(record.idempotency.key, record.idempotency.rowsAffected);
    for (const tuple of record.deletes) {
      const k = oldKey(tuple);
      overlay.upserts.delete(k);
      overlay.deletes.add(k);
      overlay.keys.set(k, [...tuple]);
      overlay.seqOf.set(k, seq);
    }
    const position = new Map(record.columns.map((c, i) => [c.name, i]));
    const map = shape.columns.map((c) => position.get(c.name));
    for (const row of record.upserts) {
      const shaped = map.map((i) => (i === undefined ? null : (row[i] ?? null)));
      const tuple = keyIndex.map((i) => shaped[i] ?? null);
      const k = oldKey(tuple);
      overlay.deletes.delete(k);
      overlay.upserts.set(k, shaped);
      overlay.keys.set(k, tuple);
      overlay.seqOf.set(k, seq);
    }
  }
  return skipped;
}

/** Deterministic pseudo-random numbers (the test is the same every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const TEXTS = ['a', 'it\'s', 'quote " inside', 'back\\slash', '€ ü', 'line\nbreak', '', '["x"]', 'null', '[null]', '["a"]', '[', '["7"]', '7"]'];

function records(shape: WalTableShape, seed: number, n: number, keySpread: number): SeqRecord[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const value = (): WalValue => (r() < 0.1 ? null : r() < 0.5 ? String(Math.floor(r() * keySpread)) : pick(TEXTS));
  const out: SeqRecord[] = [];
  for (let seq = 1; seq <= n; seq++) {
    // Most records have the table's columns; some list them in another order, or miss the last
    // non-key column (added after the record was written: it reads NULL), or are another table's.
    const x = r();
    const missing = shape.columns.filter((c) => !shape.primaryKey.includes(c.name)).at(-1)?.name;
    const cols = x < 0.7 ? shape.columns : x < 0.85 ? [...shape.columns].reverse() : shape.columns.filter((c) => c.name !== missing);
    const keyCols = shape.primaryKey.map((k) => cols.findIndex((c) => c.name === k));
    const upserts: WalValue[][] = [];
    const deletes: WalValue[][] = [];
    for (let i = Math.floor(r() * 30); i > 0; i--) upserts.push(cols.map(() => value()));
    for (let i = Math.floor(r() * 5); i > 0; i--) deletes.push(keyCols.map(() => value()));
    const record: WalRecord = {
      tableId: r() < 0.05 ? 'other' : shape.tableId, schemaFingerprint: cols === shape.columns ? shape.fingerprint : 'older', columns: cols, primaryKey: shape.primaryKey, upserts, deletes, writerId: `w${seq}`, createdAt: seq,
      ...(r() < 0.2 ? { idempotency: { key: `req-${seq % 5}`, rowsAffected: upserts.length } } : {}),
    };
    out.push({ seq, record });
  }
  return out.sort(() => r() - 0.5);
}

/** Every answer a reader got from the old Maps, asked of the new overlay. */
function expectSameAnswers(got: WalOverlay, want: OldOverlay): void {
  // Keys, in the old `keys` / `seqOf` order (first folded); the new key strings name the same tuples.
  // Each key's row (or tombstone), tuple and seq — compared in one assertion (fast over many keys).
  const gotKeys = [...got.byKey].map(([k, e]) => ({ k, tuple: e.tuple, seq: e.seq, row: e.row ?? 'tombstone', lookup: got.byKey.get(k)?.row ?? 'none' }));
  const wantKeys = [...want.keys].map(([k, tuple]) => ({
    k: keyString(tuple), tuple, seq: want.seqOf.get(k), row: want.deletes.has(k) ? 'tombstone' : want.upserts.get(k), lookup: want.upserts.get(k) ?? 'none',
  }));
  expect(gotKeys).toEqual(wantKeys);
  // wip/bulk11: the readers that skip building entries (tuples, forEachState, since) agree with the entries.
  const entries = [...got.byKey];
  expect(got.byKey.tuples()).toEqual(entries.map(([, e]) => e.tuple));
  const visited: unknown[] = [];
  got.byKey.forEachState((k, row, seq, stored) => visited.push({ k, row, seq, tuple: row === undefined ? stored?.tuple : 'row' }));
  expect(visited).toEqual(entries.map(([k, e]) => ({ k, row: e.row, seq: e.seq, tuple: e.row === undefined ? e.tuple : 'row' })));
  for (const after of [0, Math.floor(got.lastSeq / 2), got.lastSeq]) expect(got.byKey.since(after)).toEqual(entries.filter(([, e]) => e.seq > after));
  expect(upsertCount(got)).toBe(want.upserts.size);
  expect(got.deleted).toBe(want.deletes.size);
  // The rows and tuples the view / drain tables are loaded from: the same sets, listed in key order.
  const order = new Map([...want.keys.keys()].map((k, i) => [k, i]));
  const byOrder = (a: string, b: string): number => order.get(a)! - order.get(b)!;
  expect(upsertedRows(got)).toEqual([...want.upserts.keys()].sort(byOrder).map((k) => want.upserts.get(k)));
  expect(deletedTuples(got)).toEqual([...want.deletes].sort(byOrder).map((k) => want.keys.get(k)));
  expect({ lastSeq: got.lastSeq, entries: got.entries, tombstonesSeen: got.tombstonesSeen, requests: [...got.requests] })
    .toEqual({ lastSeq: want.lastSeq, entries: want.entries, tombstonesSeen: want.tombstonesSeen, requests: [...want.requests] });
}

// wip/bulk11: `byKey` keeps a record's rows as one batch (overlay-keys.ts). With the default limits
// every record here is a batch and no sweep runs; with tiny ones (rowSpan 20: records of more rows are
// entry objects; sweepSlack 0: superseded batches are swept every few folds) the same answers must
// come out of the sweep's freed and unpacked batches and of the entry path.
const LIMITS: readonly [string, OverlayKeysLimits | undefined][] = [['default limits', undefined], ['tiny limits: sweeps and large records', { rowSpan: 20, sweepSlack: 0 }]];

for (const [label, limits] of LIMITS) describe(`foldRecords (one Map of entries), ${label}`, () => {
  const fresh = (): WalOverlay => (limits === undefined ? emptyOverlay() : { ...emptyOverlay(), byKey: new OverlayKeys(limits) });
  const columns = [{ name: 'id', type: 'VARCHAR' }, { name: 'v', type: 'VARCHAR' }, { name: 'w', type: 'BIGINT' }];
  for (const primaryKey of [['id'], ['v'], ['id', 'v']]) {
    for (const keySpread of [8, 40, 400]) {
      it(`answers like the three-Map fold, key (${primaryKey.join(', ')}), ${keySpread} key values`, () => {
        const shape: WalTableShape = { tableId: 't', columns, primaryKey, fingerprint: 'f', notNull: primaryKey };
        let tombstoned = 0;
        let held = 0;
        let batched = 0;
        for (let seed = 1; seed <= 25; seed++) {
          const all = records(shape, seed * 7 + keySpread, 60, keySpread);
          const got = fresh();
          const want = oldOverlay();
          // In batches, as the warm state folds new records into an existing overlay.
          for (const [from, to] of [[0, 20], [20, 21], [21, 60]] as const) {
            const skipped = foldRecords(got, all.slice(from, to), shape);
            expect(skipped.length).toBe(referenceFold(want, all.slice(from, to), shape));
            expectSameAnswers(got, want);
          }
          expect(upsertCount(got)).toBeGreaterThan(0);
          tombstoned += got.deleted;
          if (limits !== undefined) {
            held = Math.max(held, got.byKey.heldRows / Math.max(1, got.byKey.size));
          } else batched += got.byKey.heldRows;
        }
        expect(tombstoned).toBeGreaterThan(0);
        // Tiny limits: the sweep keeps the batches' rows within a small factor of the keys; default: records were batched.
        if (limits === undefined) expect(batched).toBeGreaterThan(0);
        else expect(held).toBeLessThanOrEqual(8 + 20);
      });
    }
  }

  it('a copy keeps what it saw while the original folds on; a tail subset and a removed key', () => {
    const shape: WalTableShape = { tableId: 't', columns, primaryKey: ['id'], fingerprint: 'f', notNull: ['id'] };
    const all = records(shape, 99, 80, 400).sort((a, b) => a.seq - b.seq);
    const overlay = fresh();
    const want = oldOverlay();
    foldRecords(overlay, all.slice(0, 40), shape);
    referenceFold(want, all.slice(0, 40), shape);
    const copy = copyOverlay(overlay);
    const frozen = oldOverlay();
    referenceFold(frozen, all.slice(0, 40), shape);
    foldRecords(overlay, all.slice(40), shape);
    referenceFold(want, all.slice(40), shape);
    expectSameAnswers(copy, frozen);
    expectSameAnswers(overlay, want);

    // narrowTail: only the named keys' entries (upsert or tombstone), nothing for keys the tail lacks.
    const named = [...want.keys.values()].filter((_, i) => i % 3 === 0).concat([want.keys.get([...want.deletes].at(-1)!)!, ['not-there']]);
    const state = { tail: overlay } as unknown as WarmState;
    const tail = narrowTail(state, named).tail;
    const sub = oldOverlay();
    for (const tuple of named) {
      const k = oldKey(tuple);
      if (!want.keys.has(k)) continue;
      sub.keys.set(k, want.keys.get(k)!);
      sub.seqOf.set(k, want.seqOf.get(k)!);
      if (want.upserts.has(k)) sub.upserts.set(k, want.upserts.get(k)!);
      if (want.deletes.has(k)) sub.deletes.add(k);
    }
    Object.assign(sub, { lastSeq: want.lastSeq, entries: want.entries, tombstonesSeen: want.tombstonesSeen });
    for (const [k, n] of want.requests) sub.requests.set(k, n);
    expectSameAnswers(tail, sub);
    expect(tail.deleted).toBeGreaterThan(0);

    // removeKey (the drain's rejected rows): gone from every answer, the counts follow.
    const upserted = [...want.upserts.keys()][0]!;
    expect(want.deletes.size).toBeGreaterThan(0);
    const deleted = [...want.deletes][0]!;
    for (const k of [upserted, deleted, '["no such key"]']) {
      removeKey(overlay, keyString(JSON.parse(k) as WalValue[]));
      want.upserts.delete(k);
      want.deletes.delete(k);
      want.keys.delete(k);
      want.seqOf.delete(k);
    }
    expectSameAnswers(overlay, want);
  });
});

describe('OverlayKeys sweeps (wip/bulk11)', () => {
  const columns = [{ name: 'id', type: 'BIGINT' }, { name: 'v', type: 'VARCHAR' }];
  const shape: WalTableShape = { tableId: 't', columns, primaryKey: ['id'], fingerprint: 'f', notNull: ['id'] };
  /** Record i upserts a sliding window of 50 keys (5 of them new: older batches end up mostly superseded, a few rows live) and tombstones one key. */
  const sliding = (n: number): SeqRecord[] => Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    record: {
      tableId: 't', schemaFingerprint: 'f', columns, primaryKey: ['id'], writerId: `w${i}`, createdAt: i,
      upserts: Array.from({ length: 50 }, (_, j) => [String(i * 5 + j), `v${i}`]), deletes: [[String(i * 5 + 7)]],
    },
  }));

  for (const sweepSlack of [0, 64]) {
    it(`frees superseded batches and unpacks sparse ones with the same answers, slack ${sweepSlack}`, () => {
      const all = sliding(120);
      const got: WalOverlay = { ...emptyOverlay(), byKey: new OverlayKeys({ sweepSlack }) };
      const want = oldOverlay();
      let copy: WalOverlay | undefined;
      const frozen = oldOverlay();
      for (let i = 0; i < all.length; i += 10) {
        foldRecords(got, all.slice(i, i + 10), shape);
        referenceFold(want, all.slice(i, i + 10), shape);
        expectSameAnswers(got, want);
        expect(got.byKey.heldRows).toBeLessThanOrEqual(8 * got.byKey.size + sweepSlack + 50);
        if (i === 40) {
          copy = copyOverlay(got);
          referenceFold(frozen, all.slice(0, 50), shape);
        }
      }
      // Sweeps ran after the copy was taken, and it still answers what it saw.
      expect(got.byKey.sweeps).toBeGreaterThan(copy!.byKey.sweeps);
      expectSameAnswers(copy!, frozen);
      // 120 records × 50 rows were folded as batches; the sweeps keep a bounded multiple of the live keys' rows.
      expect(got.byKey.heldRows).toBeLessThan(120 * 50 / 2);
    });
  }
});

describe('keyString', () => {
  it('keyString tells apart every tuple the JSON of the tuple does', () => {
    const values: WalValue[] = [null, '', 'a', '7', '[', '[null]', 'null', '["a"]', '"a"', '["7"]', ' [', '[]', 'a,b', '["a","b"]', '€'];
    const tuples: WalValue[][] = [...values.map((v) => [v]), ...values.flatMap((a) => values.map((b) => [a, b]))];
    const seen = new Map<string, string>();
    for (const t of tuples) {
      const k = keyString(t);
      expect(seen.get(k) ?? oldKey(t)).toBe(oldKey(t));
      seen.set(k, oldKey(t));
      expect(keyString([...t])).toBe(k);
    }
    expect(seen.size).toBe(tuples.length);
  });
});
