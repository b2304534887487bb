/**
 * A store that reports its LISTs (by prefix) and HEADs (by key) before passing them on: tests count
 * what a code path asks the store (how many LISTs of the write log, which HEADs of the Delta log).
 */
import type { ObjectStore } from '../../src/object-store/index.ts';

export interface StoreWatch {
  readonly list?: (prefix: string) => void;
  readonly head?: (key: string) => void;
}

export function watchedStore<S extends ObjectStore>(store: S, watch: StoreWatch): S {
  return new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === 'list' && watch.list !== undefined) {
        return (prefix: string, opts?: unknown) => {
          watch.list?.(prefix);
          return (v as ObjectStore['list']).call(target, prefix, opts as never);
        };
      }
      if (prop === 'head' && watch.head !== undefined) {
        return (key: string) => {
          watch.head?.(key);
          return (v as ObjectStore['head']).call(target, key);
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The last path segment of a key (a seq's `.rec`, a version's `.json`). */
export const baseName = (key: string): string => key.slice(key.lastIndexOf('/') + 1);
