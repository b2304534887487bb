/**
 * WarmTables writes a new base only for statements that bind a view (docs/design/hot-path.md,
 * "Warm table state"): key-lookup-only acquires (point lookups, keyed fast paths, blind replaces)
 * never pay a base rewrite, however far the tail outgrows the limit; the next view-binding acquire
 * writes one base over everything and its STRONG view is exact.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTable } from '../../src/compaction/drain.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { WalRecordCache } from '../../src/wal/record-cache.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { WarmTables } from '../../src/wal/warm-state.ts';
import { bindWarmStrongView } from '../../src/wal/bind-fresh.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from './support/wal-env.ts';

describe('WarmTables base rewrites', () => {
  let env: WalEnv;
  let writer: WalWriter;
  beforeAll(async () => {
    env = await createWalEnv();
    writer = new WalWriter(env.store);
  });
  afterAll(async () => env.close());

  it('key-lookup-only acquires write no base; the next view-binding acquire writes one and is exact', async () => {
    const root = 'deferred/';
    await createKeyedTable(env, root);
    const dir = join(env.dir, 'warm');
    const warm = new WarmTables({ db: env.db, records: new WalRecordCache(), dir, tailLimit: 4 });
    const bases = async (): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.parquet'));
    for (let round = 0; round < 6; round++) {
      const rows = Array.from({ length: 5 }, (_, i) => wideRow(round * 5 + i, 'eu', round)).join(' UNION ALL ');
      await keyedWrite(env, writer, root, rows);
      const lookup = await warm.acquire(env.store, root, await loadSnapshot(env.store, root), { keyLookupsOnly: true });
      // Every acknowledged key is in the shared overlay (the key index lookups read) …
      expect(lookup.overlay.byKey.size).toBe((round + 1) * 5);
      lookup.release();
      // … and no base was written although the tail holds more than tailLimit keys.
      expect(await bases()).toEqual([]);
    }
    const full = await warm.acquire(env.store, root, await loadSnapshot(env.store, root));
    try {
      expect(full.base?.rows).toBe(30);
      expect(full.tail.byKey.size).toBe(0);
      expect(await bases()).toHaveLength(1);
      const view = await bindWarmStrongView(env.conn, 'warm_strong', env.store, env.cache, full);
      try {
        const got = (await env.conn.runAndReadAll('SELECT * FROM warm_strong')).getRowObjectsJson().map((r) => JSON.stringify(r)).sort();
        expect(got).toEqual(await readRows(env, root, 'strong'));
        expect(got).toHaveLength(30);
      } finally {
        await view.release();
      }
    } finally {
      full.release();
      warm.clear();
    }
  });

  it('the first acquire after a drain forgets the drained records from the decoded-record cache (wip/bulk11)', async () => {
    const root = 'forget/';
    await createKeyedTable(env, root);
    const records = new WalRecordCache();
    const own = new WalWriter(env.store, { records });
    const warm = new WarmTables({ db: env.db, records, dir: join(env.dir, 'warm-forget') });
    for (let i = 0; i < 3; i++) await keyedWrite(env, own, root, wideRow(i, 'eu', i));
    const before = await warm.acquire(env.store, root, await loadSnapshot(env.store, root), { keyLookupsOnly: true });
    before.release();
    // The three own records were taken into the cache by the acquire's fetch.
    expect(records.size).toBe(3);
    // A drain elsewhere (no cache: another process), then one more write above its watermark.
    const drained = await drainTable(env.store, root, { batchSize: 100 }, env.deps);
    expect(drained.walEntriesProcessed).toBe(3);
    await keyedWrite(env, own, root, wideRow(9, 'eu', 9));
    const after = await warm.acquire(env.store, root, await loadSnapshot(env.store, root), { keyLookupsOnly: true });
    try {
      expect(after.watermark).toBe(drained.drainedThrough);
      expect(after.overlay.byKey.size).toBe(1);
      // Only the record above the watermark is still cached.
      expect(records.size).toBe(1);
    } finally {
      after.release();
      warm.clear();
    }
  });
});
