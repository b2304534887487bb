/**
 * createBucketStoreFactory: turns the configuration into "an ObjectStore per bucket".
 *
 * - local (embedded): bucket `b` is the directory `<K3_DATA_DIR>/b/`, created lazily by the first
 *   write (or by `create`); a bucket exists when its directory does.
 * - s3: bucket `b` is the S3 bucket `b`, all buckets through one S3Client built from K3_S3_*.
 * - memory: one MemoryObjectStore per bucket name for the life of the factory (tests).
 * Every store is wrapped in RetryingObjectStore, and in InstrumentedObjectStore when a metrics
 * Registry is injected (outside the retries: it measures logical operations; the retries
 * themselves are counted in k3_store_retries_total). `open` returns the
 * same instance for the same name. Bucket names are validated by the S3 rules in every mode.
 */
import { CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import { assertValidBucketName, isValidBucketName } from './assert-valid-bucket-name.ts';
import { createS3Client } from './create-s3-client.ts';
import { InstrumentedObjectStore, objectStoreMetrics } from './instrumented-object-store.ts';
import { LocalObjectStore } from './local-object-store.ts';
import { isS3NotFound, mapS3Error } from './map-s3-error.ts';
import { MemoryObjectStore } from './memory-object-store.ts';
import type { ObjectStore } from './object-store.ts';
import { RetryingObjectStore, RetryPolicy, type RetryOptions } from './retrying-object-store.ts';
import { S3ObjectStore } from './s3-object-store.ts';

export interface BucketStores {
  readonly kind: Config['K3_STORE'];
  /** The store of one bucket (not checked for existence; see `exists`). */
  open(bucket: string): ObjectStore;
  exists(bucket: string): Promise<boolean>;
  /** Creates the bucket if it does not exist (idempotent). */
  create(bucket: string): Promise<void>;
  /** Bucket names, sorted. */
  list(): Promise<string[]>;
}

export interface BucketStoreDeps {
  /** S3 mode: use this client instead of one built from K3_S3_* (tests, custom credentials). */
  readonly s3Client?: S3Client;
  /** Wrap every store in InstrumentedObjectStore on this registry. */
  readonly registry?: Registry;
  readonly retry?: RetryOptions;
  /**
   * Wraps each bucket's adapter under the retry decorator — how tests and the simulation put a
   * FaultyObjectStore into the real stack: Retrying(wrapAdapter(adapter)).
   */
  readonly wrapAdapter?: (store: ObjectStore, bucket: string) => ObjectStore;
}

type Config4Stores = Pick<Config, 'K3_STORE' | 'K3_DATA_DIR' | 'K3_S3_ENDPOINT' | 'K3_S3_REGION' | 'K3_S3_FORCE_PATH_STYLE'>;

interface Backend {
  make(bucket: string): ObjectStore;
  exists(bucket: string): Promise<boolean>;
  create(bucket: string): Promise<void>;
  list(): Promise<string[]>;
}

export function createBucketStoreFactory(config: Config4Stores, deps: BucketStoreDeps = {}): BucketStores {
  const policy = new RetryPolicy(deps.retry);
  const backend = config.K3_STORE === 's3' ? s3Backend(deps.s3Client ?? createS3Client(config)) : config.K3_STORE === 'memory' ? memoryBackend() : localBackend(config.K3_DATA_DIR);
  const opened = new Map<string, ObjectStore>();
  const metrics = deps.registry === undefined ? undefined : objectStoreMetrics(deps.registry);
  const onRetry = metrics === undefined ? undefined : (op: string): void => void metrics.retries.inc({ op });
  return {
    kind: config.K3_STORE,
    open(bucket) {
      assertValidBucketName(bucket);
      let store = opened.get(bucket);
      if (store === undefined) {
        const adapter = backend.make(bucket);
        store = new RetryingObjectStore(deps.wrapAdapter ? deps.wrapAdapter(adapter, bucket) : adapter, policy, onRetry);
        if (metrics !== undefined) store = new InstrumentedObjectStore(store, metrics);
        opened.set(bucket, store);
      }
      return store;
    },
    async exists(bucket) {
      assertValidBucketName(bucket);
      return policy.run(() => backend.exists(bucket));
    },
    async create(bucket) {
      assertValidBucketName(bucket);
      await policy.run(() => backend.create(bucket));
    },
    async list() {
      return (await policy.run(() => backend.list())).filter(isValidBucketName).sort();
    },
  };
}

function localBackend(dataDir: string): Backend {
  const root = path.resolve(dataDir);
  const isDir = (p: string): Promise<boolean> => fs.stat(p).then((s) => s.isDirectory(), () => false);
  return {
    make: (bucket) => new LocalObjectStore(path.join(root, bucket)),
    exists: (bucket) => isDir(path.join(root, bucket)),
    async create(bucket) {
      await fs.mkdir(path.join(root, bucket), { recursive: true });
    },
    async list() {
      const entries = await fs.readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
      return entries.filter((e) => e.isDirectory()).map((e) => e.name);
    },
  };
}

function memoryBackend(): Backend {
  const stores = new Map<string, MemoryObjectStore>();
  const created = new Set<string>();
  const storeOf = (bucket: string): MemoryObjectStore => {
    let store = stores.get(bucket);
    if (store === undefined) stores.set(bucket, (store = new MemoryObjectStore({ name: bucket })));
    return store;
  };
  // Like a directory: a bucket exists once created or written to.
  const exists = async (bucket: string): Promise<boolean> =>
    created.has(bucket) || ((await stores.get(bucket)?.list('', { limit: 1 }))?.objects.length ?? 0) > 0;
  return {
    make: storeOf,
    exists,
    async create(bucket) {
      created.add(bucket);
      storeOf(bucket);
    },
    async list() {
      const names = await Promise.all([...stores.keys()].map(async (b) => ((await exists(b)) ? b : undefined)));
      return names.filter((b): b is string => b !== undefined);
    },
  };
}

function s3Backend(client: S3Client): Backend {
  const url = (bucket?: string): string => `s3://${bucket ?? ''}`;
  return {
    make: (bucket) => new S3ObjectStore({ bucket, client }),
    async exists(bucket) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return true;
      } catch (err) {
        if (isS3NotFound(err) || (err as { name?: string }).name === 'NoSuchBucket') return false;
        throw mapS3Error(err, { op: 'headBucket', url: url(bucket) });
      }
    },
    async create(bucket) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'BucketAlreadyOwnedByYou') return;
        // AWS says BucketAlreadyExists when someone else owns the name; some servers say it to the owner.
        if (name === 'BucketAlreadyExists' && (await this.exists(bucket).catch(() => false))) return;
        throw mapS3Error(err, { op: 'createBucket', url: url(bucket) });
      }
    },
    async list() {
      try {
        const out = await client.send(new ListBucketsCommand({}));
        return (out.Buckets ?? []).flatMap((b) => (b.Name === undefined ? [] : [b.Name]));
      } catch (err) {
        throw mapS3Error(err, { op: 'listBuckets', url: url() });
      }
    },
  };
}
