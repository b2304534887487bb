/**
 * foldRecords' one-key loop (wip/bulk7: a record whose columns are the table's, a one-column key)
 * is differential-tested against the general fold it replaces for that shape (`referenceFold`
 * below is foldRecords' loop as it was): same Maps, same entries, same insertion order, same
 * counters — over random records mixing upserts, tombstones, repeated keys, NULL keys and text
 * that JSON escapes, beside records of other shapes (reordered columns, a two-column key).
 */
import { describe, expect, it } from 'vitest';
import { emptyOverlay, foldRecords, keyString, type SeqRecord, type WalOverlay } from '../../src/wal/overlay.ts';
import type { WalRecord, WalValue } from '../../src/wal/record-codec.ts';
import type { WalTableShape } from '../../src/wal/table-shape.ts';
import { incompatibility } from '../../src/wal/table-shape.ts';

function referenceFold(overlay: WalOverlay, records: readonly SeqRecord[], shape: WalTableShape): void {
  const keyIndex = shape.primaryKey.map((k) => shape.columns.findIndex((c) => c.name === k));
  for (const { seq, record } of [...records].sort((a, b) => a.seq - b.seq)) {
    overlay.lastSeq = Math.max(overlay.lastSeq, seq);
    if (incompatibility(record, shape) !== undefined) continue;
    overlay.entries++;
    overlay.tombstonesSeen += record.deletes.length;
    if (record.idempotency !== undefined) overlay.requests.set(record.idempotency.key, record.idempotency.rowsAffected);
    for (const tuple of record.deletes) {
      const k = keyString(tuple);
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
      const k = keyString(tuple);
      overlay.deletes.delete(k);
      overlay.upserts.set(k, shaped);
      overlay.keys.set(k, tuple);
      overlay.seqOf.set(k, seq);
    }
  }
}

/** Deterministic pseudo-random numbers (the test is the same every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const TEXTS = ['a', 'it\'s', 'quote " inside', 'back\\slash', '€ ü', 'line\nbreak', '', '["x"]', 'null'];

function records(shape: WalTableShape, seed: number, n: number): SeqRecord[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const value = (): WalValue => (r() < 0.1 ? null : r() < 0.5 ? String(Math.floor(r() * 40)) : pick(TEXTS));
  const out: SeqRecord[] = [];
  for (let seq = 1; seq <= n; seq++) {
    // Most records have the table's columns; some list them in another order (the general loop).
    const cols = r() < 0.8 ? shape.columns : [...shape.columns].reverse();
    const keyCols = shape.primaryKey.map((k) => cols.findIndex((c) => c.name === k));
    const upserts: WalValue[][] = [];
    const deletes: WalValue[][] = [];
    for (let i = Math.floor(r() * 30); i > 0; i--) upserts.push(cols.map(() => value()));
    for (let i = Math.floor(r() * 4); i > 0; i--) deletes.push(keyCols.map(() => value()));
    const record: WalRecord = {
      tableId: shape.tableId, schemaFingerprint: shape.fingerprint, columns: cols, primaryKey: shape.primaryKey, upserts, deletes, writerId: `w${seq}`, createdAt: seq,
      ...(r() < 0.2 ? { idempotency: { key: `req-${seq % 5}`, rowsAffected: upserts.length } } : {}),
    };
    out.push({ seq, record });
  }
  return out.sort(() => r() - 0.5);
}

const plain = (o: WalOverlay): unknown => ({
  upserts: [...o.upserts], deletes: [...o.deletes], keys: [...o.keys], seqOf: [...o.seqOf], lastSeq: o.lastSeq, entries: o.entries, tombstonesSeen: o.tombstonesSeen, requests: [...o.requests],
});

describe('foldRecords (one-key loop)', () => {
  const columns = [{ name: 'id', type: 'VARCHAR' }, { name: 'v', type: 'VARCHAR' }, { name: 'w', type: 'BIGINT' }];
  for (const primaryKey of [['id'], ['v'], ['id', 'v']]) {
    it(`folds exactly like the general loop, key (${primaryKey.join(', ')})`, () => {
      const shape: WalTableShape = { tableId: 't', columns, primaryKey, fingerprint: 'f', notNull: primaryKey };
      for (let seed = 1; seed <= 25; seed++) {
        const all = records(shape, seed, 40);
        const got = emptyOverlay();
        const want = emptyOverlay();
        // In two batches, as the warm state folds new records into an existing overlay.
        foldRecords(got, all.slice(0, 20), shape);
        foldRecords(got, all.slice(20), shape);
        referenceFold(want, all.slice(0, 20), shape);
        referenceFold(want, all.slice(20), shape);
        expect(plain(got)).toEqual(plain(want));
        expect(got.upserts.size + got.deletes.size).toBe(got.keys.size);
        expect(got.upserts.size).toBeGreaterThan(0);
      }
    });
  }
});
