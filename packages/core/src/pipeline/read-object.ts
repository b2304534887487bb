/**
 * Reads one object version into DuckDB: the bytes are fetched through the ObjectStore into a
 * private temp file (inside DuckDB's allowed directories), DuckDB's own reader for the format
 * loads it into the TEMP table `source`, the rule's transform (or `SELECT * FROM source`) becomes
 * the TEMP table `name`, and the temp file is removed. This is the ONLY place k3 calls a
 * file-reading table function, on a path it generated itself; nothing user-controlled reaches the
 * reader call but the CSV options, which are quoted literals.
 * Failures are AppErrors (ERR_INGEST_OBJECT_INVALID / _TOO_LARGE): the caller turns them into a
 * failed run for this object only.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, isAppError } from '../errors/index.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { IngestRule } from './ingest-rule.ts';
import { assertValidTransform } from './transform-sql.ts';

export interface ObjectVersion {
  readonly key: string;
  /** The version tag (ETag, or size-mtime on stores without ETags; ingest-ledger.ts). */
  readonly etag: string;
  readonly size: number;
}

function readerSql(rule: IngestRule, path: string): string {
  const file = quoteLiteral(path);
  switch (rule.format) {
    case 'csv':
    case 'tsv':
      return `read_csv(${file}, header = ${rule.header ? 'true' : 'false'}, delim = ${quoteLiteral(rule.delimiter)}, auto_detect = true)`;
    case 'ndjson':
      return `read_json(${file}, format = 'newline_delimited')`;
    case 'json':
      return `read_json(${file}, format = 'auto')`;
    case 'parquet':
      return `read_parquet(${file})`;
  }
}

export function invalidObject(obj: ObjectVersion, why: string, cause?: unknown): AppError {
  return new AppError('ERR_INGEST_OBJECT_INVALID', `Object ${obj.key} could not be ingested: ${why} Fix the object (a new upload is picked up again) or the rule, then retry.`, { key: obj.key, etag: obj.etag }, cause === undefined ? undefined : { cause });
}

function messageOf(err: unknown): string {
  if (isAppError(err)) return err.message.split('\n')[0] ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/** The object's bytes, or ERR_INGEST_OBJECT_TOO_LARGE / ERR_INGEST_OBJECT_NOT_FOUND. */
export async function fetchObject(store: ObjectStore, obj: ObjectVersion, maxBytes: number): Promise<Uint8Array> {
  if (obj.size > maxBytes) throw tooLarge(obj.key, obj.size, maxBytes);
  const body = await store.get(obj.key);
  if (body === undefined) throw new AppError('ERR_INGEST_OBJECT_NOT_FOUND', `Object ${obj.key} is no longer in the bucket.`, { key: obj.key });
  if (body.byteLength > maxBytes) throw tooLarge(obj.key, body.byteLength, maxBytes);
  return body;
}

function tooLarge(key: string, size: number, maxBytes: number): AppError {
  return new AppError('ERR_INGEST_OBJECT_TOO_LARGE', `Object ${key} is ${size} bytes; ingest reads objects of at most ${maxBytes} bytes (K3_PIPELINE_MAX_OBJECT_BYTES). Split the object or raise the limit, then retry.`, { key, size, maxBytes });
}

/** Loads the object's bytes through `rule` into the TEMP table `name` (dropped and re-created). */
export async function readObject(conn: DuckDBConnection, rule: IngestRule, obj: ObjectVersion, body: Uint8Array, name: string, tmpDir: string): Promise<void> {
  const dir = join(tmpDir, 'k3-ingest');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${randomUUID()}.${rule.format}`);
  await writeFile(path, body);
  const target = rule.transform === '' ? name : 'source';
  try {
    try {
      await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(target)} AS SELECT * FROM ${readerSql(rule, path)}`);
    } catch (err) {
      throw invalidObject(obj, `it is not valid ${rule.format.toUpperCase()} (${messageOf(err)}).`, err);
    }
    if (rule.transform === '') return;
    assertValidTransform(rule.transform);
    try {
      await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(name)} AS ${rule.transform}`);
    } catch (err) {
      throw invalidObject(obj, `the rule's transform failed on it (${messageOf(err)}).`, err);
    }
  } finally {
    if (target === 'source') await conn.run('DROP TABLE IF EXISTS temp.main.source').catch(() => undefined);
    await rm(path, { force: true });
  }
}
