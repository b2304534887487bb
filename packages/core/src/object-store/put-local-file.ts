/**
 * `putLocalFile(store, key, file)`: stores the bytes of a local file (a Parquet file DuckDB wrote)
 * at `key` with `put`'s semantics and returns its byte size. Through the store's `putFile` when it
 * has one — the local directory adopts the file by a hard link instead of reading it into memory
 * and writing it again — else by reading the file and calling `put`. The file is left in place.
 */
import { readFile } from 'node:fs/promises';
import type { ObjectStore } from './object-store.ts';

export async function putLocalFile(store: ObjectStore, key: string, file: string): Promise<number> {
  if (store.putFile !== undefined) return store.putFile(key, file);
  const body = await readFile(file);
  await store.put(key, new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  return body.byteLength;
}
