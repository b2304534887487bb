/**
 * WAL record codec: one keyed write statement as bytes (docs/design/wal-and-compaction.md, "Record format").
 *
 *   "K3WL" | version u8 (=1) | SHA-256 of body (32 bytes) | body = gzip(JSON WalRecord)
 *
 * A JSON of at most 64 KiB − 1 is written as ONE stored (uncompressed) deflate block inside the
 * gzip member (`storedGzip`), larger ones deflated at level 1: both are plain gzip, so every
 * release's decoder (gunzip) reads both. Deflating a one-row record cost ≈ 0.13 ms of a ≈ 2.4 ms
 * keyed INSERT in the coordinator — zlib's per-call state, not the bytes (docs/design/hot-path.md,
 * "Round 18") — and bought nothing: a record lives only until its drain (seconds, by default).
 *
 * Values are DuckDB's VARCHAR text of each value (or null): DuckDB's cast to text and back is exact
 * for every k3 column type, so one rule covers all of them. Upserts are full row images in
 * `columns` order; deletes are primary-key tuples in `primaryKey` order.
 * Invariants: encode∘decode is the identity; any damaged byte, unknown version or shape →
 * ERR_WAL_RECORD_CORRUPT (never a partially decoded record). Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { AppError } from '../errors/index.ts';

export const WAL_FORMAT_VERSION = 1;
const MAGIC = new Uint8Array([0x4b, 0x33, 0x57, 0x4c]); // "K3WL"
const HEADER = MAGIC.length + 1 + 32;
/** The largest JSON written as one stored deflate block (a stored block's length is 16 bits). */
export const STORED_BODY_MAX = 0xffff;

export type WalValue = string | null;

export interface WalColumn {
  readonly name: string;
  /** DuckDB type text of the column when the record was written (fieldToDuckDBType). */
  readonly type: string;
}

export interface WalRecord {
  /** Delta metaData.id of the table the record belongs to. */
  readonly tableId: string;
  readonly schemaFingerprint: string;
  readonly columns: readonly WalColumn[];
  readonly primaryKey: readonly string[];
  readonly upserts: readonly (readonly WalValue[])[];
  readonly deletes: readonly (readonly WalValue[])[];
  /** Unique per record: resolves an ambiguous PUT (is the object at this seq ours?). */
  readonly writerId: string;
  /** Epoch ms when the record was built. */
  readonly createdAt: number;
  /** The request's idempotency key and the rows it affected (delta/request-txns.ts); absent without a key. */
  readonly idempotency?: { readonly key: string; readonly rowsAffected: number };
}

// The envelope is checked by zod; the (possibly 100k-row) value arrays by a plain loop, ~10x faster.
const recordSchema = z.object({
  tableId: z.string().min(1),
  schemaFingerprint: z.string(),
  columns: z.array(z.object({ name: z.string(), type: z.string() })).min(1),
  primaryKey: z.array(z.string()).min(1),
  upserts: z.array(z.unknown()),
  deletes: z.array(z.unknown()),
  writerId: z.string(),
  createdAt: z.number(),
  idempotency: z.object({ key: z.string().min(1), rowsAffected: z.number().int().nonnegative() }).strict().optional(),
}).strict();

function areValueTuples(list: readonly unknown[]): boolean {
  for (const tuple of list) {
    if (!Array.isArray(tuple)) return false;
    for (const v of tuple) if (v !== null && typeof v !== 'string') return false;
  }
  return true;
}

export function encodeWalRecord(record: WalRecord): Uint8Array {
  assertShape(record);
  const json = Buffer.from(JSON.stringify(record), 'utf8');
  // Level 1: half the CPU of the default on a 1,000-row record for ~3% more bytes (hot-path.md).
  const body = json.byteLength <= STORED_BODY_MAX ? storedGzip(json) : gzipSync(json, { level: 1 });
  const out = new Uint8Array(HEADER + body.byteLength);
  out.set(MAGIC, 0);
  out[MAGIC.length] = WAL_FORMAT_VERSION;
  out.set(createHash('sha256').update(body).digest(), MAGIC.length + 1);
  out.set(body, HEADER);
  return out;
}

/**
 * `data` as a gzip member (RFC 1952) holding one stored deflate block (RFC 1951 §3.2.4): the 10-byte
 * header (no name, no time, OS unknown), the final block of type 00 with LEN / NLEN, the bytes, then
 * CRC-32 and ISIZE. At most STORED_BODY_MAX bytes.
 */
export function storedGzip(data: Uint8Array): Uint8Array {
  if (data.byteLength > STORED_BODY_MAX) throw new RangeError(`storedGzip takes at most ${STORED_BODY_MAX} bytes`);
  const out = Buffer.allocUnsafe(10 + 5 + data.byteLength + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff], 0);
  out[10] = 0x01; // BFINAL = 1, BTYPE = 00 (stored)
  out.writeUInt16LE(data.byteLength, 11);
  out.writeUInt16LE(~data.byteLength & 0xffff, 13);
  out.set(data, 15);
  out.writeUInt32LE(crc32(data) >>> 0, 15 + data.byteLength);
  out.writeUInt32LE(data.byteLength, 19 + data.byteLength);
  return out;
}

export function decodeWalRecord(bytes: Uint8Array, where: string): WalRecord {
  const corrupt = (why: string, cause?: unknown): AppError => new AppError(
    'ERR_WAL_RECORD_CORRUPT',
    `Write-log record ${where} is damaged (${why}); the rows it held cannot be read. Restore the object from a backup or drain it to quarantine it.`,
    { record: where, reason: why },
    cause === undefined ? undefined : { cause },
  );
  if (bytes.byteLength < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt('bad magic');
  const version = bytes[MAGIC.length];
  if (version !== WAL_FORMAT_VERSION) throw corrupt(`unknown format version ${String(version)}`);
  const body = bytes.subarray(HEADER);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(bytes.subarray(MAGIC.length + 1, HEADER))) throw corrupt('checksum mismatch');
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(body).toString('utf8'));
  } catch (err) {
    throw corrupt('body is not gzip JSON', err);
  }
  const result = recordSchema.safeParse(parsed);
  if (!result.success) throw corrupt(`bad shape: ${result.error.issues[0]?.message ?? 'invalid'}`);
  if (!areValueTuples(result.data.upserts) || !areValueTuples(result.data.deletes)) throw corrupt('bad shape: values must be strings or null');
  const record = result.data as WalRecord;
  try {
    assertShape(record);
  } catch (err) {
    throw corrupt((err as Error).message, err);
  }
  return record;
}

/**
 * What `decodeWalRecord(encodeWalRecord(record))` returns, without the bytes: the envelope with only
 * its schema's fields (columns as { name, type }), or undefined when a value is not a string or null
 * (JSON would change it) — then the caller reads the record back instead.
 */
export function asDecoded(record: WalRecord): WalRecord | undefined {
  if (!areValueTuples(record.upserts) || !areValueTuples(record.deletes)) return undefined;
  return {
    tableId: record.tableId, schemaFingerprint: record.schemaFingerprint, columns: record.columns.map((c) => ({ name: c.name, type: c.type })),
    primaryKey: [...record.primaryKey], upserts: record.upserts, deletes: record.deletes, writerId: record.writerId, createdAt: record.createdAt,
    ...(record.idempotency !== undefined ? { idempotency: { key: record.idempotency.key, rowsAffected: record.idempotency.rowsAffected } } : {}),
  };
}

/** Rows must match the column count, key tuples the key length, key columns must exist. */
function assertShape(r: WalRecord): void {
  const names = new Set(r.columns.map((c) => c.name));
  const missing = r.primaryKey.find((k) => !names.has(k));
  if (missing !== undefined) throw new AppError('ERR_INTERNAL', `primary key column "${missing}" is not among the record columns`);
  if (r.upserts.some((row) => row.length !== r.columns.length)) throw new AppError('ERR_INTERNAL', 'an upserted row does not have one value per column');
  if (r.deletes.some((key) => key.length !== r.primaryKey.length)) throw new AppError('ERR_INTERNAL', 'a tombstone does not have one value per key column');
}
