/**
 * tableHistory: the pbjson HistoryResponse over a real table, and paging through 2,500 versions
 * across 100 checkpoints (synthetic log) where every version appears exactly once, newest first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableHistory, type HistoryEntry } from '../../src/maintenance/history.ts';
import { MemoryObjectStore } from '../../src/object-store/memory-object-store.ts';
import { syntheticTimestamp, writeSyntheticLog } from './support/synthetic-log.ts';
import { append, createTable, createTableEnv, field, type TableEnv } from './support/table-env.ts';

let env: TableEnv;
beforeAll(async () => {
  env = await createTableEnv();
});
afterAll(async () => env.close());

describe('tableHistory', () => {
  it('returns entries in the seeds shape (int64 strings, structs)', async () => {
    const root = 'tables/h/';
    await createTable(env, root, { type: 'struct', fields: [field('id', 'long')] });
    await append(env, root, 'SELECT 1 AS id');
    const page = await tableHistory(env.store, root);
    expect(page.currentVersion).toBe(1);
    expect(page.hasMore).toBe(false);
    expect(page.oldestReturnedVersion).toBe(0);
    const [w, c] = page.entries;
    expect(w).toMatchObject({ version: 1, operation: 'WRITE', parameters: { mode: 'Append' }, readVersion: 0, engineInfo: expect.stringMatching(/^k3-tables\//) });
    expect(String(w?.timestamp)).toMatch(/^\d{13}$/);
    expect(Number(w?.timestamp)).toBeGreaterThan(Number(c?.timestamp));
    expect(c).toMatchObject({ version: 0, operation: 'CREATE TABLE', readVersion: 0 });
    expect(c?.userMetadata).toBeUndefined();
  });

  it('refuses bad paging input', async () => {
    const root = 'tables/h/';
    await expect(tableHistory(env.store, root, { limit: 0 })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(tableHistory(env.store, root, { limit: 1001 })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(tableHistory(env.store, root, { limit: 2.5 })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(tableHistory(env.store, root, { beforeVersion: -3 })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(tableHistory(env.store, 'tables/none/')).rejects.toMatchObject({ code: 'ERR_TABLE_NOT_FOUND' });
  });

  it('pages through 2,500 versions across checkpoints, each version exactly once', async () => {
    // A memory store keeps the 2,500 commit writes cheap (paging on a local directory across a
    // checkpoint is covered by scenario.test.ts). Interval 25: a checkpoint costs ~50 ms to encode.
    const root = 'tables/long/';
    const store = new MemoryObjectStore();
    await writeSyntheticLog(store, root, { versions: 2500, checkpointInterval: 25 });
    const seen: HistoryEntry[] = [];
    let before: number | undefined;
    let pages = 0;
    for (;;) {
      const page = await tableHistory(store, root, { limit: 333, beforeVersion: before });
      pages++;
      expect(page.currentVersion).toBe(2499);
      seen.push(...page.entries);
      if (!page.hasMore) break;
      before = page.oldestReturnedVersion;
    }
    expect(pages).toBe(Math.ceil(2500 / 333));
    expect(seen.map((e) => Number(e.version))).toEqual(Array.from({ length: 2500 }, (_, i) => 2499 - i));
    const e1234 = seen.find((e) => e.version === 1234);
    expect(e1234).toEqual({
      version: 1234, timestamp: Number(syntheticTimestamp(1234)), operation: 'WRITE', parameters: { mode: 'Append' },
      operationMetrics: { numFiles: '1', numOutputRows: '1234' }, userMetadata: { batch: 1234 }, engineInfo: 'synthetic', readVersion: 1233,
    });
    const last = await tableHistory(store, root, { beforeVersion: 1 });
    expect(last.entries.map((e) => e.version)).toEqual([0]);
    expect(last.hasMore).toBe(false);
    const empty = await tableHistory(store, root, { beforeVersion: 0 });
    expect(empty).toEqual({ currentVersion: 2499, entries: [], hasMore: false });
  });
});
