/**
 * WarmTables: per-table STRONG state kept warm in this process and advanced incrementally from the
 * log, instead of rebuilt per statement (docs/design/hot-path.md).
 *
 * Per table root it keeps the Delta snapshot the overlay belongs to, the overlay folded from every
 * un-drained record, and a "base": the overlay up to some seq written once as a local Parquet
 * file (row images as DuckDB text, key-sorted). A statement then loads only the "tail" — records
 * after the base — into TEMP tables (warm-view.ts), so a STRONG read over 100k un-drained rows
 * costs a view over one file plus a small tail, not 100k appended values.
 *
 * Freshness (never weakened): every `acquire` asks the store, never a timer —
 *   - the snapshot comes from the request's pinned (just listed) snapshot; a newer Delta version
 *     (a drain, a direct write, ALTER) rebuilds the entry from that version's watermark;
 *   - one LIST of `_k3_wal/` after the last folded seq finds every record acknowledged so far (on
 *     the local directory, HEADs of the next seqs: list-records.ts `newRecords`);
 *   - then (new records fetched or none listed) the drained markers: a marker above the watermark
 *     means a drain raced us (a new record may sit in a freed slot, or the drain deleted the records
 *     after our last folded seq before the LIST saw them), so the entry is dropped and rebuilt. A
 *     marker is the watermark of a commit, written after that commit, and watermarks only grow with
 *     versions, so one above the entry's watermark exists only once the commit after the entry's
 *     version does: one HEAD of that commit first, and the markers' LIST only when it is there
 *     (drained-markers.ts `maxDrainedMarkerAbove`; hot-path.md "Round 18").
 * A state handed out is immutable for its holder: its base file and tail are its own (refcounted),
 * later advances build new objects.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadSnapshot, type Snapshot } from '../delta/snapshot.ts';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import type { K3DuckDB } from '../exec/duckdb-instance.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { maxDrainedMarkerAbove } from './drained-markers.ts';
import { newRecords } from './list-records.ts';
import { copyOverlay, emptyOverlay, foldRecords, type SeqRecord, type SkippedRecord, type WalOverlay } from './overlay.ts';
import type { WalRecordCache } from './record-cache.ts';
import { upgradeRecords } from './record-upgrade.ts';
import type { WalTableShape } from './table-shape.ts';
import { fetchRecords, readWalOverlay, type StrongState } from './wal-reader.ts';

/** The un-drained rows up to `seqUpTo` as one local Parquet file (columns c0…cn VARCHAR + __k3_del). */
export interface WarmBase {
  readonly file: string;
  readonly seqUpTo: number;
  readonly rows: number;
}

export interface WarmState extends StrongState {
  /** undefined: no base yet (everything is in the tail). */
  readonly base: WarmBase | undefined;
  /** Records after the base, folded newest-wins (loaded per statement). */
  readonly tail: WalOverlay;
  /** Drop this state's hold on its base file (call once, after the statement). */
  release(): void;
}

export interface AcquireOptions {
  /** The state is only used to look keys up in `overlay` (no view is bound from it): skip copying the tail. */
  readonly keyLookupsOnly?: boolean;
}

export interface WarmTablesOptions {
  readonly db: K3DuckDB;
  readonly records: WalRecordCache;
  /** Directory for base files (must be readable by DuckDB). */
  readonly dir: string;
  /** Build a new base when the tail holds more keys than this (default 256). */
  readonly tailLimit?: number;
  /** Tables kept warm (LRU; default 64). */
  readonly maxTables?: number;
}

interface BaseFile extends WarmBase {
  refs: number;
  superseded: boolean;
}

interface Entry {
  readonly snapshot: Snapshot;
  readonly shape: WalTableShape;
  readonly watermark: number;
  /** Everything after the watermark (mutated only by folding newer records). */
  overlay: WalOverlay;
  skipped: SkippedRecord[];
  base: BaseFile | undefined;
  tail: WalOverlay;
}

const MAX_ATTEMPTS = 10;

export class WarmTables {
  readonly #opts: WarmTablesOptions;
  readonly #entries = new Map<string, Entry>();
  /** Per table: the advance running now and the one that will run after it (shared by everyone who arrives meanwhile). */
  readonly #slots = new Map<string, { running: Promise<boolean> | undefined; next: Promise<boolean> | undefined }>();
  /** Per table: states handed out and not released yet (statements of the table executing now). */
  readonly #held = new Map<string, number>();
  /**
   * Per table: acquires waiting now that will bind a view (not `keyLookupsOnly`). Only an advance
   * serving one of them writes a new base: a base serves views only, so a run of key-lookup-only
   * statements (point lookups, the keyed fast paths, blind replaces) writes none — the next
   * view-binding statement writes one base over everything instead of one per tail overflow.
   */
  readonly #viewWaiters = new Map<string, number>();
  #dirReady: Promise<unknown> | undefined;

  constructor(opts: WarmTablesOptions) {
    this.#opts = opts;
  }

  /** Tables currently warm (tests, metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The STRONG state of the table at `root`, at least as new as `pinned` (a snapshot listed by
   * this request) and holding every record acknowledged before this call. Release it after use.
   */
  async acquire(store: ObjectStore, root: string, pinned: Snapshot, opts: AcquireOptions = {}): Promise<WarmState> {
    const id = `${store.url}\u0000${root}`;
    const view = opts.keyLookupsOnly !== true;
    if (view) this.#viewWaiters.set(id, (this.#viewWaiters.get(id) ?? 0) + 1);
    try {
      return await this.#acquire(id, store, root, pinned, opts);
    } finally {
      if (view) {
        const n = (this.#viewWaiters.get(id) ?? 1) - 1;
        if (n > 0) this.#viewWaiters.set(id, n);
        else this.#viewWaiters.delete(id);
      }
    }
  }

  async #acquire(id: string, store: ObjectStore, root: string, pinned: Snapshot, opts: AcquireOptions): Promise<WarmState> {
    let from = pinned;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const start = from;
      if (await this.#coalesced(id, () => this.#advance(id, store, root, start))) {
        const entry = this.#entries.get(id);
        // The shared advance may have started from an older pinned snapshot than ours: advance again.
        if (entry !== undefined && entry.snapshot.metadata.id === pinned.metadata.id && entry.snapshot.version >= pinned.version) return opts.keyLookupsOnly === true ? this.#handForLookups(id, entry) : this.#hand(id, entry);
        continue;
      }
      // A drain raced us: its commit is newer than what we had; start over from the newest version.
      this.#drop(id);
      await new Promise((r) => setTimeout(r, Math.min(50, 2 ** attempt)));
      from = await loadSnapshot(store, root);
    }
    throw new AppError('ERR_WRITE_CONTENTION', `The write log of ${root} kept changing under the read (${MAX_ATTEMPTS} drains raced it); retry the query.`, { root });
  }

  /** Forget every warm table (tests; a closed engine). */
  clear(): void {
    for (const id of [...this.#entries.keys()]) this.#drop(id);
  }

  /**
   * Group advance: one advance of a table runs at a time; callers arriving while it runs share ONE
   * next advance, which starts (and LISTs) after they arrived — so each caller still sees every
   * record acknowledged before its call, and N concurrent statements cost about two advances.
   * When another statement of the table holds a state (is executing), an advance with none running
   * waits one event-loop turn first and the callers of that turn share it — the same rule: it LISTs
   * after every one of them arrived. With the local store's in-line LIST an advance used to finish
   * before the next caller reached it, so 8 clients on one table LISTed `_k3_wal/` once per
   * statement (group commit acknowledges a record's statements together; their next statements
   * arrive in one turn; hot-path.md "Round 15"). A statement alone on its table does not wait, except
   * for a second state it acquires while holding its first (a keyed write that binds a view): one turn.
   */
  #coalesced(id: string, fn: () => Promise<boolean>): Promise<boolean> {
    let slot = this.#slots.get(id);
    if (slot === undefined) {
      slot = { running: undefined, next: undefined };
      this.#slots.set(id, slot);
    }
    const s = slot;
    const launch = (): Promise<boolean> => {
      const run = fn();
      s.running = run;
      void run.catch(() => undefined).then(() => {
        if (s.running === run) s.running = undefined;
        if (s.running === undefined && s.next === undefined && this.#slots.get(id) === s) this.#slots.delete(id);
      });
      return run;
    };
    if (s.next !== undefined) return s.next;
    if (s.running === undefined && (this.#held.get(id) ?? 0) === 0) return launch();
    const next = (s.running === undefined ? new Promise<void>((resolve) => setImmediate(resolve)) : s.running.catch(() => undefined)).then(() => {
      s.next = undefined;
      return launch();
    });
    s.next = next;
    return next;
  }

  /** false: a drain raced the advance (the caller drops the entry and retries). */
  async #advance(id: string, store: ObjectStore, root: string, pinned: Snapshot): Promise<boolean> {
    let entry = this.#entries.get(id);
    if (entry !== undefined && (entry.snapshot.metadata.id !== pinned.metadata.id || entry.snapshot.version < pinned.version)) {
      this.#drop(id);
      entry = undefined;
    }
    if (entry === undefined) {
      const read = await readWalOverlay(store, pinned, { cache: this.#opts.records });
      if (read === undefined) return false;
      this.#opts.records.forgetThrough(store, root, read.watermark); // wip/bulk11: drained records leave the cache
      entry = { snapshot: pinned, shape: read.shape, watermark: read.watermark, overlay: read.overlay, skipped: read.skipped, base: undefined, tail: read.overlay };
      this.#entries.set(id, entry);
    } else {
      // One LIST after what we folded (HEADs of the next seqs on the local directory: list-records.ts
      // `newRecords`): every record acknowledged before this call is found.
      const after = Math.max(entry.overlay.lastSeq, entry.watermark);
      const fresh = await newRecords(store, root, after);
      const records: SeqRecord[] = [];
      for (const f of fresh.length > 0 ? await fetchRecords(store, fresh, { cache: this.#opts.records }) : []) {
        if ('missing' in f) return false;
        if ('error' in f) throw f.error;
        records.push(f.result);
      }
      const current = records.length > 0 ? await upgradeRecords(records, entry.snapshot.metadata, entry.shape) : []; // record-upgrade.ts
      // Asked whether or not the LIST found records: a marker above the watermark means a drain raced
      // us — a new record may sit in a freed slot, or (wip/lookup12, test/htap/strong-drain-gap.test.ts)
      // the drain committed after the request's Delta LIST and deleted records before this LIST saw
      // them. Its marker precedes every deletion and follows its commit.
      const known = { version: entry.snapshot.version, watermark: entry.watermark };
      if ((await maxDrainedMarkerAbove(store, root, entry.shape.tableId, entry.watermark, known)) > entry.watermark) return false;
      if (current.length > 0) {
        entry.skipped = [...entry.skipped, ...foldRecords(entry.overlay, current, entry.shape)];
        if (entry.tail !== entry.overlay) foldRecords(entry.tail, current, entry.shape);
      }
    }
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    this.#evict();
    // Geometric: a new base once the tail outgrows the limit and a quarter of the base, so rewriting
    // bases costs O(1) per record however large the backlog grows.
    // Only when a statement that binds a view waits on this advance (#viewWaiters).
    if ((this.#viewWaiters.get(id) ?? 0) > 0 && entry.tail.byKey.size > Math.max(this.#opts.tailLimit ?? 256, (entry.base?.rows ?? 0) / 4)) await this.#rebase(entry);
    return true;
  }

  /**
   * The entry for one statement: its own copy of the (small) tail and a reference on the base. The
   * full overlay is shared: it only ever gains newer acknowledged records, and statements read it
   * for counts and idempotency keys, never to build a view.
   */
  #hand(id: string, entry: Entry): WarmState {
    const base = entry.base;
    if (base !== undefined) base.refs++;
    const unhold = this.#hold(id);
    let released = false;
    return {
      snapshot: entry.snapshot,
      shape: entry.shape,
      watermark: entry.watermark,
      overlay: entry.overlay,
      skipped: entry.skipped,
      base: base === undefined ? undefined : { file: base.file, seqUpTo: base.seqUpTo, rows: base.rows },
      tail: copyOverlay(entry.tail),
      release: () => {
        if (released) return;
        released = true;
        unhold();
        if (base === undefined) return;
        base.refs--;
        this.#maybeDelete(base);
      },
    };
  }

  /**
   * The entry for key lookups (point-lookup.ts): the shared full overlay (its maps are the key
   * index; read synchronously, it only ever gains newer acknowledged records) without copying the
   * tail — O(1) instead of O(tail keys) — and no hold on the base file. Its `tail` is empty and
   * `base` undefined: never bind a view from it.
   */
  #handForLookups(id: string, entry: Entry): WarmState {
    return { snapshot: entry.snapshot, shape: entry.shape, watermark: entry.watermark, overlay: entry.overlay, skipped: entry.skipped, base: undefined, tail: emptyOverlay(), release: this.#hold(id) };
  }

  /** Counts a state of table `id` as held until the returned function is called (once; later calls do nothing). */
  #hold(id: string): () => void {
    this.#held.set(id, (this.#held.get(id) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const n = (this.#held.get(id) ?? 1) - 1;
      if (n > 0) this.#held.set(id, n);
      else this.#held.delete(id);
    };
  }

  /** Writes the whole overlay as the new base; the tail starts empty. */
  async #rebase(entry: Entry): Promise<void> {
    this.#dirReady ??= mkdir(this.#opts.dir, { recursive: true });
    await this.#dirReady;
    const file = path.join(this.#opts.dir, `${randomBytes(8).toString('hex')}.parquet`);
    const conn = await this.#opts.db.connect();
    try {
      await writeBase(conn, file, entry.overlay, entry.shape);
    } finally {
      conn.closeSync();
    }
    const old = entry.base;
    entry.base = { file, seqUpTo: entry.overlay.lastSeq, rows: entry.overlay.byKey.size, refs: 0, superseded: false };
    entry.tail = emptyOverlay();
    entry.tail.lastSeq = entry.overlay.lastSeq;
    if (old !== undefined) {
      old.superseded = true;
      this.#maybeDelete(old);
    }
  }

  #drop(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    if (entry.base !== undefined) {
      entry.base.superseded = true;
      this.#maybeDelete(entry.base);
    }
  }

  #evict(): void {
    while (this.#entries.size > (this.#opts.maxTables ?? 64)) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) return;
      this.#drop(oldest);
    }
  }

  #maybeDelete(base: BaseFile): void {
    if (base.superseded && base.refs === 0) void rm(base.file, { force: true }).catch(() => undefined);
  }
}

/** The overlay as Parquet: one row per key, values as DuckDB text (exact; cast back in the view), key-sorted. */
async function writeBase(conn: DuckDBConnection, file: string, overlay: WalOverlay, shape: WalTableShape): Promise<void> {
  const name = `__k3_warm_${randomBytes(4).toString('hex')}`;
  const raw = q(name);
  const keyIndex = shape.primaryKey.map((k) => shape.columns.findIndex((c) => c.name === k));
  try {
    await conn.run(`CREATE TEMP TABLE ${raw} (${shape.columns.map((_, i) => `c${i} VARCHAR`).join(', ')}, __k3_del BOOLEAN)`);
    const appender = await conn.createAppender(name, null, 'temp');
    try {
      // wip/bulk11: visited without building an entry per key (a tombstone is always a stored entry).
      overlay.byKey.forEachState((_k, row, _seq, stored) => {
        const tuple = stored?.tuple ?? [];
        for (let i = 0; i < shape.columns.length; i++) {
          const v = row !== undefined ? (row[i] ?? null) : (keyIndex.includes(i) ? (tuple[keyIndex.indexOf(i)] ?? null) : null);
          if (v === null) appender.appendNull();
          else appender.appendVarchar(v);
        }
        appender.appendBoolean(row === undefined);
        appender.endRow();
      });
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const order = keyIndex.map((i) => `TRY_CAST(c${i} AS ${shape.columns[i]!.type})`).join(', ');
    await conn.run(`COPY (SELECT * FROM ${raw} ORDER BY ${order}) TO ${quoteLiteral(file)} (FORMAT parquet)`);
  } catch (err) {
    throw mapDuckDBError(err);
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${raw}`).catch(() => undefined);
  }
}

