/**
 * A drain with the process's decoded-record cache (RewriteDeps.records, embedded mode) takes the
 * records its own writers (or STRONG reads) already decoded instead of GETting and decoding them
 * again — and drains exactly the same rows. Without the cache every record is a GET.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTable } from '../../src/compaction/drain.ts';
import { WalRecordCache } from '../../src/wal/record-cache.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { CountingObjectStore } from '../delta/reader/counting-store.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from '../wal/support/wal-env.ts';

describe('drain and the decoded-record cache', () => {
  let env: WalEnv;
  let counting: CountingObjectStore;
  beforeAll(async () => {
    env = await createWalEnv();
    counting = new CountingObjectStore(env.store);
  });
  afterAll(async () => env.close());

  async function writeAndDrain(root: string, records: WalRecordCache | undefined): Promise<{ recordGets: number; strong: string[]; eventual: string[]; cachedAfter: number }> {
    await createKeyedTable(env, root, { partitionBy: ['region'] });
    const writer = new WalWriter(counting, records !== undefined ? { records } : {});
    for (let i = 1; i <= 4; i++) await keyedWrite(env, writer, root, `${wideRow(i, 'eu', i)} UNION ALL ${wideRow(i + 10, 'us', i)}`, i === 4 ? "SELECT 11 AS id, 'us' AS region" : undefined);
    const strong = await readRows(env, root, 'strong');
    counting.reset();
    const r = await drainTable(counting, root, { batchSize: 100 }, { ...env.deps, ...(records !== undefined ? { records } : {}) });
    expect(r.walEntriesProcessed).toBe(4);
    return { recordGets: counting.gets.filter((k) => k.endsWith('.rec')).length, strong, eventual: await readRows(env, root, 'eventual'), cachedAfter: records?.size ?? 0 };
  }

  it('takes the writer\'s own records from the cache; same rows as a drain that GETs them', async () => {
    const cached = await writeAndDrain('cached/', new WalRecordCache());
    const plain = await writeAndDrain('plain/', undefined);
    expect(cached.recordGets).toBe(0);
    // wip/bulk11: the drained records leave the cache (they stayed decoded until 10,000 newer ones pushed them out).
    expect(cached.cachedAfter).toBe(0);
    expect(plain.recordGets).toBe(4);
    expect(cached.eventual).toEqual(cached.strong);
    expect(cached.eventual).toEqual(plain.eventual);
    expect(cached.eventual.length).toBe(7);
  });
});
