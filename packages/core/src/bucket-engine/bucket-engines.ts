/**
 * BucketEngines: the per-bucket Engine state (seeds 003 "Engine"; docs/design/bucket-engine.md).
 *
 * ACTIVE from the bucket's first use; only EnableEngine / DisableEngine flip it. Persisted IN the
 * bucket, so every coordinator sees the same state without a registry: one small JSON object per
 * generation, `__k3_engine/<20-digit generation>.json`, each created by put-if-absent (the one
 * conditional put every store adapter guarantees). The current state is the highest generation;
 * a change writes generation g+1 built from g, so two racing changes cannot both win g+1 (the
 * loser re-reads and retries) and nothing is ever overwritten. A create whose answer was lost is
 * resolved by reading it back (the record carries a random engineId and times, so equal bytes
 * mean ours); an unreadable outcome is ERR_WRITE_OUTCOME_UNKNOWN, and every change is a
 * set-to-value, so retrying it is safe.
 *
 * Reading costs one LIST per call (`startAfter` the newest generation this process has seen:
 * usually empty, so no GET), so a DisableEngine by any process is seen by the next operation of
 * every other process. Pure state: callers decide what DISABLED blocks.
 */
import { randomBytes } from 'node:crypto';
import { EngineStatus } from '../api/index.ts';
import { AppError, isAppError } from '../errors/index.ts';
import { ENGINE_STATE_PREFIX, engineStateKey, putIfAbsentResolved, type ObjectStore } from '../object-store/index.ts';
import { RetryPolicy } from '../retry/index.ts';

/** The stored record (epoch-ms times); `EngineState` is what callers get. */
interface StoredEngine {
  readonly engineId: string;
  readonly status: EngineStatus;
  readonly settings: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The Engine of a bucket, as domain values (the wire adapters encode). */
export interface EngineState {
  readonly engineId: string;
  readonly bucket: string;
  readonly status: EngineStatus;
  /** JSON text of advanced settings (`{}` by default). */
  readonly settings: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** GetEngine / EnableEngine / DisableEngine: the state plus the bucket's current table count. */
export type EngineDescription = EngineState & { readonly tableCount: number };

/** Lost races for the next generation: re-read and try again, with jittered backoff. */
const CHANGE_RETRY = new RetryPolicy({ maxAttempts: 20, baseDelayMs: 5, maxDelayMs: 200, retryIf: (err) => isAppError(err, 'ERR_WRITE_CONTENTION') });

export class BucketEngines {
  readonly #clock: () => number;
  /** Newest generation seen per store location. */
  readonly #seen = new Map<string, { generation: number; record: StoredEngine }>();

  constructor(opts: { clock?: () => number } = {}) {
    this.#clock = opts.clock ?? Date.now;
  }

  /** The bucket's Engine; created ACTIVE on first use. */
  async get(store: ObjectStore, bucket: string): Promise<EngineState> {
    const { record } = await this.#current(store);
    return toState(bucket, record);
  }

  /** ERR_ENGINE_DISABLED unless the bucket's Engine is ACTIVE. */
  async assertActive(store: ObjectStore, bucket: string): Promise<void> {
    const { record } = await this.#current(store);
    if (record.status !== EngineStatus.ACTIVE) {
      throw new AppError('ERR_ENGINE_DISABLED', `The engine of bucket ${JSON.stringify(bucket)} is disabled: its tables cannot be read or written. Call EnableEngine (POST /${bucket}/engine/enable) first.`, { bucket, engineId: record.engineId });
    }
  }

  /**
   * Sets the status (a no-op when it already has it); the new state. A lost race for generation
   * g+1 re-reads and tries again through the one RetryPolicy (jittered backoff), then answers
   * ERR_WRITE_CONTENTION. Setting a status is idempotent, so a retry after any failure (even an
   * unknown outcome) ends in the asked-for state exactly once.
   */
  async setStatus(store: ObjectStore, bucket: string, status: EngineStatus): Promise<EngineState> {
    return CHANGE_RETRY.run(async () => {
      const { generation, record } = await this.#current(store);
      if (record.status === status) return toState(bucket, record);
      const next: StoredEngine = { ...record, status, updatedAt: Math.max(this.#clock(), record.updatedAt) };
      if (await this.#create(store, generation + 1, next)) return toState(bucket, next);
      throw new AppError('ERR_WRITE_CONTENTION', `The engine of bucket ${JSON.stringify(bucket)} kept changing concurrently (${CHANGE_RETRY.maxAttempts} attempts); retry.`, { bucket });
    });
  }

  /** Writes generation `generation` create-if-absent, a lost answer resolved by reading it back; true = ours. */
  async #create(store: ObjectStore, generation: number, record: StoredEngine): Promise<boolean> {
    const created = await putIfAbsentResolved(store, engineStateKey(generation), encode(record), 'The engine state', 'Retry the request: setting the engine state is idempotent.');
    if (created) this.#seen.set(store.url, { generation, record });
    return created;
  }

  async #current(store: ObjectStore): Promise<{ generation: number; record: StoredEngine }> {
    for (;;) {
      const seen = this.#seen.get(store.url);
      const { objects } = await store.list(ENGINE_STATE_PREFIX, seen === undefined ? {} : { startAfter: engineStateKey(seen.generation) });
      const newest = objects.map((o) => ({ key: o.key, generation: generationOf(o.key) })).filter((o) => o.generation !== undefined).at(-1);
      if (newest !== undefined) {
        const body = await store.get(newest.key);
        if (body === undefined) continue; // raced with a (manual) cleanup: list again
        const current = { generation: newest.generation!, record: decode(body, newest.key) };
        this.#seen.set(store.url, current);
        return current;
      }
      if (seen !== undefined) return seen;
      // First use of the bucket: generation 1, ACTIVE. A racing creator may win; then read theirs.
      const now = this.#clock();
      const record: StoredEngine = { engineId: `eng_${randomBytes(8).toString('hex')}`, status: EngineStatus.ACTIVE, settings: '{}', createdAt: now, updatedAt: now };
      if (await this.#create(store, 1, record)) return { generation: 1, record };
    }
  }
}

function toState(bucket: string, r: StoredEngine): EngineState {
  return { engineId: r.engineId, bucket, status: r.status, settings: r.settings, createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt) };
}

function generationOf(key: string): number | undefined {
  const m = /(\d{20})\.json$/.exec(key);
  return m === null ? undefined : Number(m[1]);
}

function encode(r: StoredEngine): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(r));
}

function decode(body: Uint8Array, key: string): StoredEngine {
  let o: Partial<StoredEngine>;
  try {
    o = JSON.parse(new TextDecoder().decode(body)) as Partial<StoredEngine>;
  } catch {
    o = {};
  }
  const ok = typeof o.engineId === 'string' && (o.status === EngineStatus.ACTIVE || o.status === EngineStatus.DISABLED)
    && typeof o.settings === 'string' && typeof o.createdAt === 'number' && typeof o.updatedAt === 'number';
  if (!ok) throw new AppError('ERR_INTERNAL', `The engine state object ${key} is not valid JSON of an engine record.`, { key });
  return o as StoredEngine;
}
