import { describe, expect, it } from 'vitest';
import { readHistory } from '../../../src/delta/index.ts';
import { isAppError } from '../../../src/errors/index.ts';
import { CountingObjectStore } from './counting-store.ts';
import { commitInfo, memoryStore, METADATA, PROTOCOL, writeLog } from './memory-table.ts';

const ROOT = 't/';

describe('readHistory', () => {
  it('pages newest first and reads only the commits of the page', async () => {
    const mem = memoryStore();
    const commits = Array.from({ length: 25 }, (_, i) => [
      commitInfo({ timestamp: 1000 + i, operation: i === 0 ? 'CREATE TABLE' : 'WRITE', operationParameters: { mode: 'Append', n: i }, operationMetrics: { numFiles: '1' }, readVersion: i - 1, engineInfo: 'k3/test', userMetadata: `u${i}` }),
      ...(i === 0 ? [PROTOCOL, METADATA()] : []),
    ]);
    await writeLog(mem, ROOT, commits);
    const store = new CountingObjectStore(mem);
    const p1 = await readHistory(store, ROOT, { limit: 10 });
    expect(p1.currentVersion).toBe(24);
    expect(p1.entries.map((e) => e.version)).toEqual([24, 23, 22, 21, 20, 19, 18, 17, 16, 15]);
    expect(p1.entries[0]).toEqual({ version: 24, timestamp: 1024, operation: 'WRITE', operationParameters: { mode: 'Append', n: 24 }, operationMetrics: { numFiles: '1' }, userMetadata: 'u24', engineInfo: 'k3/test', readVersion: 23 });
    expect(p1.hasMore).toBe(true);
    expect(store.gets).toHaveLength(10);
    expect(store.lists).toHaveLength(1);
    store.reset();
    const p3 = await readHistory(store, ROOT, { limit: 10, beforeVersion: 5 });
    expect(p3.entries.map((e) => e.version)).toEqual([4, 3, 2, 1, 0]);
    expect(p3.entries.at(-1)?.operation).toBe('CREATE TABLE');
    expect(p3.hasMore).toBe(false);
    expect(p3.oldestReturnedVersion).toBe(0);
    expect(store.gets).toHaveLength(5);
  });
  it('commits without commitInfo fall back to the file mtime', async () => {
    const store = memoryStore(7_000_000);
    await writeLog(store, ROOT, [[PROTOCOL, METADATA()]]);
    const h = await readHistory(store, ROOT);
    const meta = await store.head(`${ROOT}_delta_log/00000000000000000000.json`);
    expect(h.entries[0]).toMatchObject({ version: 0, timestamp: meta?.lastModified, operation: undefined, operationParameters: {} });
  });
  it('no table and bad limits are errors', async () => {
    const store = memoryStore();
    await expect(readHistory(store, ROOT)).rejects.toSatisfy((e) => isAppError(e, 'ERR_TABLE_NOT_FOUND'));
    await writeLog(store, ROOT, [[PROTOCOL, METADATA()]]);
    await expect(readHistory(store, ROOT, { limit: 0 })).rejects.toSatisfy((e) => isAppError(e, 'ERR_BAD_REQUEST'));
  });
});
