/**
 * S3ObjectStore: the ObjectStore port over the S3 API (AWS S3, MinIO, R2, ...).
 *
 * Keys live under an optional `prefix` inside `bucket`. Invariants and decisions:
 * - `putIfAbsent` is PutObject with `If-None-Match: *`; 412 PreconditionFailed and 409
 *   ConditionalRequestConflict mean "someone else created it" → false. Whether the store honours
 *   the header is checked once at startup by `assertConditionalPut` (probe.ts).
 * - A single PUT is atomic on S3: readers see the old or the new object, never a torn one.
 * - `list` pages with ContinuationToken (1000 keys per page) and starts at StartAfter; S3 lists in
 *   UTF-8 byte order, which is the port's order.
 * - All failures go through `mapS3Error`; no retries here (see RetryingObjectStore).
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AppError } from '../errors/index.ts';
import { assertValidKey, assertValidPrefix } from './assert-valid-key.ts';
import { createS3Client, type S3ClientOptions } from './create-s3-client.ts';
import { isS3ConditionFailed, isS3NotFound, mapS3Error } from './map-s3-error.ts';
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from './object-store.ts';

const PAGE_SIZE = 1000;
const DELETE_CHUNK = 1000;

export interface S3ObjectStoreOptions extends S3ClientOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket ('' or ending with '/'). */
  readonly prefix?: string;
  readonly client?: S3Client;
}

export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.client = options.client ?? createS3Client(options);
    this.url = `s3://${this.bucket}/${this.prefix}`;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    assertValidKey(key);
    if (range !== undefined && range.end <= range.start) {
      return (await this.head(key)) === undefined ? undefined : new Uint8Array(0);
    }
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Range: range && `bytes=${range.start}-${range.end - 1}` }),
      );
      if (out.Body === undefined) return new Uint8Array(0);
      return await out.Body.transformToByteArray();
    } catch (err) {
      if (isS3NotFound(err)) return undefined;
      // 416: the range starts at or past the end of an object that exists.
      if (range !== undefined && (errName(err) === 'InvalidRange' || statusOf(err) === 416)) return new Uint8Array(0);
      throw mapS3Error(err, { op: 'get', url: this.url, key });
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    assertValidKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified?.getTime() ?? 0, ...etag(out.ETag) };
    } catch (err) {
      if (isS3NotFound(err)) return undefined;
      throw mapS3Error(err, { op: 'head', url: this.url, key });
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: body, ContentLength: body.byteLength }));
    } catch (err) {
      throw mapS3Error(err, { op: 'put', url: this.url, key });
    }
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    assertValidKey(key);
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: body, ContentLength: body.byteLength, IfNoneMatch: '*' }),
      );
      return true;
    } catch (err) {
      if (isS3ConditionFailed(err)) return false;
      throw mapS3Error(err, { op: 'putIfAbsent', url: this.url, key });
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    assertValidPrefix(prefix);
    const objects: ObjectMeta[] = [];
    const prefixes: string[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            StartAfter: token === undefined && options.startAfter !== undefined ? this.prefix + options.startAfter : undefined,
            ContinuationToken: token,
            Delimiter: options.delimiter === '' ? undefined : options.delimiter,
            MaxKeys: Math.min(PAGE_SIZE, limit - objects.length - prefixes.length),
          }),
        );
        // S3 interleaves objects and common prefixes in one order; merge the page before truncating.
        const page = [
          ...(out.Contents ?? []).map((o) => ({ sortKey: o.Key ?? '', object: o })),
          ...(out.CommonPrefixes ?? []).map((p) => ({ sortKey: p.Prefix ?? '', object: undefined })),
        ].sort((a, b) => Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey)));
        for (const entry of page) {
          if (objects.length + prefixes.length >= limit) break;
          const key = entry.sortKey.slice(this.prefix.length);
          if (entry.object === undefined) prefixes.push(key);
          else objects.push({ key, size: entry.object.Size ?? 0, lastModified: entry.object.LastModified?.getTime() ?? 0, ...etag(entry.object.ETag) });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token !== undefined && objects.length + prefixes.length < limit);
    } catch (err) {
      throw mapS3Error(err, { op: 'list', url: this.url, key: prefix });
    }
    return { objects, prefixes };
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertValidKey(key);
    for (let i = 0; i < keys.length; i += DELETE_CHUNK) {
      const chunk = keys.slice(i, i + DELETE_CHUNK);
      let errors;
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Quiet: true, Objects: chunk.map((k) => ({ Key: this.prefix + k })) } }),
        );
        errors = out.Errors ?? [];
      } catch (err) {
        throw mapS3Error(err, { op: 'deleteMany', url: this.url, key: chunk[0] });
      }
      const failed = errors.find((e) => e.Code !== 'NoSuchKey');
      if (failed !== undefined) {
        // Per-key failures come back in a 200 response; map them like a failed request.
        const asError = Object.assign(new Error(failed.Message ?? 'delete failed'), { name: failed.Code ?? 'InternalError', $metadata: {} });
        const mapped = mapS3Error(asError, { op: 'deleteMany', url: this.url, key: failed.Key?.slice(this.prefix.length) });
        throw new AppError(mapped.code, `${mapped.message} (${errors.length} of ${chunk.length} deletes failed)`, { ...mapped.details, failed: errors.length });
      }
    }
  }
}

function etag(raw: string | undefined): { etag?: string } {
  return raw === undefined ? {} : { etag: raw.replace(/^"|"$/g, '') };
}

function errName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
