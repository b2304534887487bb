/** Test support: Delta logs written action by action into a MemoryObjectStore. */
import { MemoryObjectStore } from '../../../src/object-store/index.ts';
import { v } from './tables.ts';

export const PROTOCOL = { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };
export const schemaString = (fields: [string, string][]): string =>
  JSON.stringify({ type: 'struct', fields: fields.map(([name, type]) => ({ name, type, nullable: true, metadata: {} })) });
export const METADATA = (partitionColumns: string[] = [], fields: [string, string][] = [['id', 'long']]) => ({
  metaData: { id: 'test-table', format: { provider: 'parquet', options: {} }, schemaString: schemaString(fields), partitionColumns, configuration: {}, createdTime: 1 },
});
export const add = (path: string, extra: Record<string, unknown> = {}) => ({ add: { path, partitionValues: {}, size: 10, modificationTime: 1, dataChange: true, ...extra } });
export const remove = (path: string, extra: Record<string, unknown> = {}) => ({ remove: { path, deletionTimestamp: 2, dataChange: true, ...extra } });
export const commitInfo = (extra: Record<string, unknown> = {}) => ({ commitInfo: { timestamp: 1000, operation: 'WRITE', ...extra } });

export const ndjson = (actions: readonly unknown[]): Uint8Array => new TextEncoder().encode(`${actions.map((a) => JSON.stringify(a)).join('\n')}\n`);

/** Write commits 0..n-1 (or at the given versions) under `root`. */
export async function writeLog(store: MemoryObjectStore, root: string, commits: readonly (readonly unknown[])[], firstVersion = 0): Promise<void> {
  for (const [i, actions] of commits.entries()) await store.put(`${root}_delta_log/${v(firstVersion + i)}.json`, ndjson(actions));
}

export function memoryStore(start = 1_000_000): MemoryObjectStore {
  let t = start;
  return new MemoryObjectStore({ now: () => (t += 1000) });
}
