/**
 * Catalog: the tables of a bucket, read from the object store itself — a table is a prefix under
 * K3_TABLES_PREFIX whose `_delta_log/` holds a commit or checkpoint. There is no other registry,
 * so nothing can disagree with the Delta logs. Snapshots come through the SnapshotCache (always
 * the newest version, rarely re-read).
 *
 * Names resolve like DuckDB identifiers: exact match first, then a unique case-insensitive match.
 */
import type { ObjectStore } from '../object-store/index.ts';
import { deltaLogPrefix, parseLogFileName, tableRoot } from '../object-store/paths.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import { AppError } from '../errors/index.ts';
import { SnapshotCache } from './snapshot-cache.ts';

/** The stores of all buckets (embedded: one directory per bucket; S3: one S3 bucket each). */
export interface BucketStores {
  /** `local` and `memory` buckets come into being with their first table; S3 buckets must exist. */
  readonly kind?: string;
  open(bucket: string): ObjectStore;
  exists(bucket: string): Promise<boolean>;
  create?(bucket: string): Promise<void>;
  list(): Promise<string[]>;
}

export interface CatalogOptions {
  readonly stores: BucketStores;
  readonly tablesPrefix: string;
  readonly snapshotCacheSize?: number;
}

export interface TableHandle {
  readonly bucket: string;
  readonly name: string;
  readonly store: ObjectStore;
  readonly root: string;
}

export class Catalog {
  readonly #stores: BucketStores;
  readonly #prefix: string;
  readonly #cache: SnapshotCache;
  readonly #known = new Set<string>();

  constructor(opts: CatalogOptions) {
    this.#stores = opts.stores;
    this.#prefix = opts.tablesPrefix === '' || opts.tablesPrefix.endsWith('/') ? opts.tablesPrefix : `${opts.tablesPrefix}/`;
    this.#cache = new SnapshotCache(opts.snapshotCacheSize);
  }

  /** The bucket's store; ERR_BUCKET_NOT_FOUND unless it exists (CREATE TABLE uses `openForCreate`). */
  async store(bucket: string): Promise<ObjectStore> {
    const store = this.#stores.open(bucket);
    // Buckets are not deleted through k3, so a bucket seen once is not asked about again (saves a
    // HeadBucket per request in S3 mode); unknown ones are asked every time.
    if (this.#known.has(bucket)) return store;
    if (!(await this.#stores.exists(bucket))) {
      throw new AppError('ERR_BUCKET_NOT_FOUND', `Bucket ${JSON.stringify(bucket)} does not exist. Create a table in it first (CREATE TABLE creates the bucket in embedded mode).`, { bucket });
    }
    this.#known.add(bucket);
    return store;
  }

  /** The store a new table goes into: in embedded mode the bucket comes into being with its first table. */
  async openForCreate(bucket: string): Promise<ObjectStore> {
    const store = this.#stores.open(bucket);
    if (await this.#stores.exists(bucket)) return store;
    if (this.#stores.kind === 's3' || this.#stores.create === undefined) {
      if (this.#stores.kind === 's3') {
        throw new AppError('ERR_BUCKET_NOT_FOUND', `S3 bucket ${JSON.stringify(bucket)} does not exist. Create the bucket first, then its tables.`, { bucket });
      }
      return store;
    }
    await this.#stores.create(bucket);
    return store;
  }

  handle(bucket: string, store: ObjectStore, name: string): TableHandle {
    return { bucket, name, store, root: tableRoot(this.#prefix, name) };
  }

  /** Names of the bucket's tables, sorted. */
  async tableNames(store: ObjectStore): Promise<string[]> {
    const listing = await store.list(this.#prefix, { delimiter: '/' });
    const names = await Promise.all(
      listing.prefixes.map(async (prefix) => {
        // A LIST reading the whole directory (the local store) costs O(log length); a commit this
        // process saw, still there, says the same in one HEAD.
        if (store.listScansDirectory === true && (await this.#cache.knownCommitExists(store, prefix))) return prefix.slice(this.#prefix.length, -1);
        const log = await store.list(deltaLogPrefix(prefix), { limit: 8 });
        const isTable = log.objects.some((o) => parseLogFileName(o.key) !== undefined);
        return isTable ? prefix.slice(this.#prefix.length, -1) : undefined;
      }),
    );
    return names.filter((n): n is string => n !== undefined).sort();
  }

  /** The stored spelling of `name` (exact, else unique case-insensitive match), or undefined. */
  async resolveName(store: ObjectStore, name: string, known?: readonly string[]): Promise<string | undefined> {
    const names = known ?? (await this.tableNames(store));
    if (names.includes(name)) return name;
    const matches = names.filter((n) => n.toLowerCase() === name.toLowerCase());
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Newest snapshot, or undefined when the table does not exist. */
  async trySnapshot(table: TableHandle): Promise<Snapshot | undefined> {
    return this.#cache.latest(table.store, table.root);
  }

  async snapshot(table: TableHandle): Promise<Snapshot> {
    const snapshot = await this.trySnapshot(table);
    if (snapshot === undefined) throw await this.notFound(table.store, table.bucket, table.name);
    return snapshot;
  }

  forget(table: TableHandle): void {
    this.#cache.forget(table.store, table.root);
  }

  /** ERR_TABLE_NOT_FOUND naming the tables that do exist. */
  async notFound(store: ObjectStore, bucket: string, name: string): Promise<AppError> {
    const names = await this.tableNames(store).catch(() => []);
    const existing = names.length === 0 ? `Bucket ${bucket} has no tables yet` : `Tables in bucket ${bucket}: ${names.join(', ')}`;
    return new AppError('ERR_TABLE_NOT_FOUND', `Table ${JSON.stringify(name)} does not exist. ${existing}. Create it first with CREATE TABLE.`, { bucket, table: name });
  }
}
