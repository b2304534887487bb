/**
 * WalWriter: appends one record per keyed write statement with a lock-free total order
 * (docs/design/wal-and-compaction.md, "Sequence numbers").
 *
 *   seq = cached head + 1 ──putIfAbsent(<seq>.rec)──won──▶ slot-reuse check (_drained markers) ──ok──▶ ack
 *            ▲                        │ lost                          │ marker ≥ seq (freed slot)
 *            └── LIST startAfter seq ◀┘                               └─▶ delete it, retry above the marker
 *             (first free seq after the listed run, never above a free seq: list-records.ts)
 *
 * Invariants:
 * - `append` resolves only after the record object is durable at a seq no reader treats as drained.
 * - Exactly one writer wins a seq (putIfAbsent); nobody waits for anybody: a loser learns the new
 *   head from one LIST and tries the first free seq after the run it listed. A seq is tried only after
 *   its predecessor was seen occupied (or is ≤ a drained marker), so created seqs never leave gaps —
 *   readers on the local directory find new records by HEADing the next seqs (`newRecords`).
 * - The head is cached per table root and table id, so the steady state is one PUT + one small LIST per write
 *   — or one PUT + one HEAD when the append names the snapshot its statement pinned (`basis`): a marker
 *   ≥ seq exists only once a commit after that snapshot does (see `#markerAfterWin`).
 * - An ambiguous PUT (an error after which the object may exist) is resolved by reading the object
 *   back and comparing bytes (each record carries a unique writerId).
 * - Group commit (group-commit.ts): appends to a table that arrive while one of ours is in flight
 *   wait and then share ONE record; each is acknowledged only once that record is durable. The
 *   group's first append yields one event-loop turn before it writes (`#gather`): appends arriving
 *   in that turn share its record (an in-line PUT gives them no other moment to join).
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.ts';
import { putIfAbsentResolved, type ObjectStore } from '../object-store/index.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import { asDecoded, encodeWalRecord, type WalRecord } from './record-codec.ts';
import { maxDrainedMarker, maxDrainedMarkerAbove, type KnownVersion } from './drained-markers.ts';
import { firstFreeSeq } from './list-records.ts';
import { walRecordKey } from './wal-keys.ts';
import { groupKey, mergeContents } from './group-commit.ts';
import { drainedWatermark } from './watermark.ts';
import type { WalRecordCache } from './record-cache.ts';

export type WalRecordContent = Omit<WalRecord, 'writerId' | 'createdAt'>;

/**
 * The snapshot an append's statement pinned (the newest version when it pinned it): lets the slot
 * check after a won PUT be one HEAD (`#markerAfterWin`). Ignored unless it is the content's table.
 */
export type AppendBasis = Pick<Snapshot, 'version' | 'txns' | 'metadata'>;

export interface WalAppendResult {
  readonly seq: number;
  /** PUT attempts it took (1 without contention). */
  readonly attempts: number;
  readonly bytes: number;
}

export interface WalWriterOptions {
  readonly clock?: () => number;
  /** Give up after this many lost seqs (a pathological storm); default 1000. */
  readonly maxAttempts?: number;
  /** Group concurrent appends to one table into one record (default true). */
  readonly groupCommit?: boolean;
  /** Decoded-record cache: a won record is handed to it, so this process's next read of it skips the GET + decode. */
  readonly records?: WalRecordCache;
}

/** Appends seen overlapping within this window keep this writer's PUTs off the event loop. */
const CONCURRENT_HOLD_MS = 200;

interface Waiting {
  readonly content: WalRecordContent;
  readonly basis: AppendBasis | undefined;
  resolve(r: WalAppendResult): void;
  reject(err: unknown): void;
}

export class WalWriter {
  readonly #store: ObjectStore;
  readonly #opts: WalWriterOptions;
  readonly #heads = new Map<string, number>();
  /** Group key → appends waiting for the one in flight (present while one is in flight). */
  readonly #waiting = new Map<string, Waiting[]>();
  /** performance.now() until which appends count as concurrent (see `#put`). */
  #concurrentUntil = 0;

  constructor(store: ObjectStore, opts: WalWriterOptions = {}) {
    this.#store = store;
    this.#opts = opts;
  }

  /** Appends one statement's record; resolves once it (or the group record holding it) is durable. */
  async append(root: string, content: WalRecordContent, basis?: AppendBasis): Promise<WalAppendResult> {
    const group = this.#opts.groupCommit === false ? undefined : groupKey(root, content);
    if (group === undefined) return this.#appendOne(root, content, basis);
    const queue = this.#waiting.get(group);
    return new Promise((resolve, reject) => {
      const waiting = { content, basis, resolve, reject };
      if (queue !== undefined) {
        queue.push(waiting);
        return;
      }
      // The first append of a group starts its flush: the group's records are written one after another.
      this.#waiting.set(group, [waiting]);
      void this.#flush(group, root);
    });
  }

  /**
   * Yields once to the event loop, then takes every append waiting in the group (the first one and
   * those that joined meanwhile). A store
   * that PUTs in-line (the local directory, small records) holds the loop for the whole PUT, so no
   * statement can join while it runs: without this turn, statements finishing together would each
   * write their own record. Statements whose work completed are handled before a setImmediate
   * callback, so they reach the queue first and share this record (one turn, ≈ 10–30 µs).
   */
  async #gather(group: string): Promise<Waiting[]> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const joined = this.#waiting.get(group) ?? [];
    this.#waiting.set(group, []);
    return joined;
  }

  /** Writes what waits in the group as one record (after one turn, `#gather`), again until nobody waits. */
  async #flush(group: string, root: string): Promise<void> {
    for (;;) {
      if ((this.#waiting.get(group) ?? []).length === 0) {
        this.#waiting.delete(group);
        return;
      }
      const batch = await this.#gather(group);
      try {
        // Any member's basis serves (each is a version of the group's table): the newest.
        const basis = batch.reduce<AppendBasis | undefined>((a, w) => (w.basis !== undefined && (a === undefined || w.basis.version > a.version) ? w.basis : a), undefined);
        const result = await this.#put(batch.length > 1, () => this.#appendOne(root, mergeContents(batch.map((w) => w.content)), basis));
        for (const w of batch) w.resolve(result);
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
  }

  /**
   * Runs an append; while appends overlap — statements joined a group, or another table's group is
   * in flight, seen within the last CONCURRENT_HOLD_MS — its PUT is kept off the event loop
   * (ObjectStore.backgroundWork): a store that PUTs in-line would otherwise run the fsyncs of
   * concurrent writers one after another on the loop instead of beside each other (8 clients on 8
   * tables: 405–450 inserts/s in-line against 535–672 on the thread pool; hot-path.md "Round 14").
   */
  async #put(joined: boolean, append: () => Promise<WalAppendResult>): Promise<WalAppendResult> {
    const now = performance.now();
    if (joined || this.#waiting.size > 1) this.#concurrentUntil = now + CONCURRENT_HOLD_MS;
    const release = now < this.#concurrentUntil ? this.#store.backgroundWork?.() : undefined;
    try {
      return await append();
    } finally {
      release?.();
    }
  }

  async #appendOne(root: string, content: WalRecordContent, basis?: AppendBasis): Promise<WalAppendResult> {
    const known = basis !== undefined && basis.metadata.id === content.tableId ? { version: basis.version, watermark: drainedWatermark(basis) } : undefined;
    const record: WalRecord = { ...content, writerId: randomUUID(), createdAt: (this.#opts.clock ?? Date.now)() };
    const body = encodeWalRecord(record);
    const maxAttempts = this.#opts.maxAttempts ?? 1000;
    // The head is cached per table incarnation: after DROP + CREATE the log starts over.
    const headKey = `${root}\u0000${content.tableId}`;
    let seq = (this.#heads.get(headKey) ?? (await maxDrainedMarker(this.#store, root, content.tableId))) + 1;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const key = walRecordKey(root, seq);
      if (!(await this.#tryPut(key, body))) {
        seq = await firstFreeSeq(this.#store, root, seq);
        continue;
      }
      // The slot may be one a drain freed (seq ≤ watermark): readers would ignore the record.
      const marker = await this.#markerAfterWin(root, content.tableId, key, seq, known);
      if (marker >= seq) {
        await this.#store.deleteMany([key]);
        seq = await firstFreeSeq(this.#store, root, marker);
        continue;
      }
      this.#heads.set(headKey, Math.max(seq, this.#heads.get(headKey) ?? 0));
      const decoded = this.#opts.records === undefined ? undefined : asDecoded(record);
      if (decoded !== undefined) this.#opts.records?.putWritten(this.#store, key, body.byteLength, decoded);
      return { seq, attempts: attempt, bytes: body.byteLength };
    }
    throw new AppError('ERR_WRITE_CONTENTION', `Could not find a free write-log sequence number for ${root} in ${maxAttempts} attempts; the log is under extreme contention. Retry the write.`, { root });
  }

  /** Forget the cached heads of a table root (every incarnation). */
  forget(root: string): void {
    for (const k of this.#heads.keys()) if (k.startsWith(`${root}\u0000`)) this.#heads.delete(k);
  }

  /**
   * The drained marker after our record landed at `seq` (0 when none can be ≥ seq: with the statement's
   * `known` version and `seq` above its watermark, one HEAD — drained-markers.ts `maxDrainedMarkerAbove`);
   * unreadable → the record may be live: outcome unknown.
   */
  async #markerAfterWin(root: string, tableId: string, key: string, seq: number, known: KnownVersion | undefined): Promise<number> {
    try {
      return await maxDrainedMarkerAbove(this.#store, root, tableId, seq - 1, known);
    } catch (err) {
      throw new AppError('ERR_WRITE_OUTCOME_UNKNOWN', `The write-log record ${key} was written but its slot could not be checked against the drained markers, so it may or may not apply. Retry with the same idempotency key (it is applied at most once).`, { key }, { cause: err });
    }
  }

  /**
   * putIfAbsent resolved against ambiguous outcomes: after an error the object is read back (its
   * bytes carry our writerId). Ours → won; another writer's → lost; absent → the PUT never landed
   * and its retryable error stands; unreadable → ERR_WRITE_OUTCOME_UNKNOWN.
   */
  #tryPut(key: string, body: Uint8Array): Promise<boolean> {
    return putIfAbsentResolved(this.#store, key, body, 'The write-log record', 'Retry with the same idempotency key (it is applied at most once).');
  }
}
