/**
 * `localPathOf(store, key)`: the file path of an object when the store (possibly behind retry or
 * metrics decorators, which expose `inner`) is a local directory, so immutable data files can be
 * read in place instead of copied into the cache. Undefined for remote stores.
 */
import { LocalObjectStore } from './local-object-store.ts';
import type { ObjectStore } from './object-store.ts';

export function localPathOf(store: ObjectStore, key: string): string | undefined {
  let current: unknown = store;
  while (current !== undefined && current !== null) {
    if (current instanceof LocalObjectStore) return current.pathOf(key);
    current = (current as { inner?: unknown }).inner;
  }
  return undefined;
}
