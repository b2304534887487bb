/**
 * InstrumentedObjectStore: counts requests, bytes and latency of the store it wraps, with
 * prom-client metrics on an injected Registry (never the global one, so tests and several stores
 * in one process do not collide). Stores sharing a Registry share the metric objects.
 *
 * Metrics (labels are low-cardinality: op is one of the six port methods):
 * - k3_store_requests_total{op,outcome}  outcome: ok | not_found (get/head) | exists (putIfAbsent
 *   lost) | the AppError code in lower case without ERR_ (store_unavailable, ...) | error
 * - k3_store_request_duration_seconds{op}
 * - k3_store_bytes_total{op}  bytes read (get) or written (put, putIfAbsent when created)
 * - k3_store_retries_total{op}  retries of a retryable failure (counted by RetryingObjectStore
 *   through `retries`, wired by createBucketStoreFactory)
 * Wrapped around RetryingObjectStore it measures logical operations; inside, each attempt.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { isAppError } from '../errors/index.ts';
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from './object-store.ts';
import { putLocalFile } from './put-local-file.ts';

export interface ObjectStoreMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'op' | 'outcome'>;
  readonly duration: Histogram<'op'>;
  readonly bytes: Counter<'op'>;
  readonly retries: Counter<'op'>;
}

/** Gets or registers the store metrics on `registry`. */
export function objectStoreMetrics(registry: Registry): ObjectStoreMetrics {
  const existing = registry.getSingleMetric('k3_store_requests_total');
  if (existing !== undefined) {
    return {
      registry,
      requests: existing as Counter<'op' | 'outcome'>,
      duration: registry.getSingleMetric('k3_store_request_duration_seconds') as Histogram<'op'>,
      bytes: registry.getSingleMetric('k3_store_bytes_total') as Counter<'op'>,
      retries: registry.getSingleMetric('k3_store_retries_total') as Counter<'op'>,
    };
  }
  return {
    registry,
    requests: new Counter({ name: 'k3_store_requests_total', help: 'Object store requests by operation and outcome.', labelNames: ['op', 'outcome'], registers: [registry] }),
    duration: new Histogram({
      name: 'k3_store_request_duration_seconds',
      help: 'Object store request latency.',
      labelNames: ['op'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    bytes: new Counter({ name: 'k3_store_bytes_total', help: 'Bytes read from or written to the object store.', labelNames: ['op'], registers: [registry] }),
    retries: new Counter({ name: 'k3_store_retries_total', help: 'Object store retries after a retryable failure, by operation.', labelNames: ['op'], registers: [registry] }),
  };
}

export class InstrumentedObjectStore implements ObjectStore {
  readonly inner: ObjectStore;
  readonly url: string;
  readonly registry: Registry;
  readonly #metrics: ObjectStoreMetrics;

  /** Pass a Registry (metrics are got-or-registered on it) or metrics from `objectStoreMetrics`. */
  constructor(inner: ObjectStore, registryOrMetrics: Registry | ObjectStoreMetrics = new Registry()) {
    this.inner = inner;
    this.url = inner.url;
    if (registryOrMetrics instanceof Registry) {
      this.registry = registryOrMetrics;
      this.#metrics = objectStoreMetrics(registryOrMetrics);
    } else {
      this.registry = registryOrMetrics.registry;
      this.#metrics = registryOrMetrics;
    }
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    return this.#measure('get', () => this.inner.get(key, range), (r) => (r === undefined ? ['not_found', 0] : ['ok', r.byteLength]));
  }

  head(key: string): Promise<ObjectMeta | undefined> {
    return this.#measure('head', () => this.inner.head(key), (r) => [r === undefined ? 'not_found' : 'ok', 0]);
  }

  put(key: string, body: Uint8Array): Promise<void> {
    return this.#measure('put', () => this.inner.put(key, body), () => ['ok', body.byteLength]);
  }

  backgroundWork(): () => void {
    return this.inner.backgroundWork?.() ?? (() => undefined);
  }

  get listScansDirectory(): boolean | undefined {
    return this.inner.listScansDirectory;
  }

  /** Counted as a `put` of the file's bytes. */
  putFile(key: string, file: string): Promise<number> {
    return this.#measure('put', () => putLocalFile(this.inner, key, file), (size) => ['ok', size]);
  }

  putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    return this.#measure('putIfAbsent', () => this.inner.putIfAbsent(key, body), (created) => (created ? ['ok', body.byteLength] : ['exists', 0]));
  }

  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.#measure('list', () => this.inner.list(prefix, options), () => ['ok', 0]);
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.#measure('deleteMany', () => this.inner.deleteMany(keys), () => ['ok', 0]);
  }

  async #measure<T>(op: string, run: () => Promise<T>, classify: (result: T) => [outcome: string, bytes: number]): Promise<T> {
    const stop = this.#metrics.duration.startTimer({ op });
    try {
      const result = await run();
      const [outcome, bytes] = classify(result);
      this.#metrics.requests.inc({ op, outcome });
      if (bytes > 0) this.#metrics.bytes.inc({ op }, bytes);
      return result;
    } catch (err) {
      const outcome = isAppError(err) ? err.code.replace(/^ERR_/, '').toLowerCase() : 'error';
      this.#metrics.requests.inc({ op, outcome });
      throw err;
    } finally {
      stop();
    }
  }
}
