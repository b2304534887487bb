/**
 * Every SQL shape that works on EVENTUAL works on STRONG: queries over the STRONG view before a
 * drain return exactly what the same queries return over the EVENTUAL view after the drain.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTable } from '../../src/compaction/drain.ts';
import { bindSnapshotCached } from '../../src/exec/read-snapshot-rows.ts';
import { loadStrongState } from '../../src/wal/wal-reader.ts';
import { bindStrongView } from '../../src/wal/strong-view.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { createKeyedTable, createWalEnv, keyedWrite, wideRow, type WalEnv } from './support/wal-env.ts';

const QUERIES = [
  `SELECT region, count(*) AS n, sum(v) AS s, avg(fl) AS a, min(ts) AS t0, max(d) AS d1 FROM t GROUP BY region ORDER BY region`,
  `SELECT id, region, n, lag(n) OVER (PARTITION BY region ORDER BY id) AS prev FROM t ORDER BY region, id`,
  `SELECT a.id, b.id AS other FROM t a JOIN t b ON a.n = b.n AND a.region <> b.region ORDER BY 1, 2`,
  `SELECT payload->>'id' AS pid, json_extract(payload, '$.v')::INTEGER AS pv FROM t WHERE payload IS NOT NULL ORDER BY 1, 2`,
  `WITH x AS (SELECT * FROM t WHERE region = 'eu') SELECT count(*) FROM x WHERE id IN (SELECT id FROM t WHERE n > 2)`,
  `SELECT DISTINCT flag FROM t ORDER BY flag NULLS FIRST`,
  `(SELECT id FROM t WHERE region = 'eu') INTERSECT (SELECT id FROM t WHERE region = 'us') ORDER BY 1`,
  `SELECT * FROM t ORDER BY id DESC, region LIMIT 3`,
];

describe('SQL shapes on the STRONG view', () => {
  let env: WalEnv;
  beforeAll(async () => {
    env = await createWalEnv();
  });
  afterAll(async () => env.close());

  async function runAll(root: string, strong: boolean): Promise<unknown[]> {
    const state = await loadStrongState(env.store, root);
    const delta = `d_${randomBytes(4).toString('hex')}`;
    const lease = await bindSnapshotCached(env.conn, strong ? delta : 't', state.snapshot, env.cache, env.store);
    const tables = strong ? await bindStrongView(env.conn, 't', { view: delta }, state.overlay, state.shape) : undefined;
    try {
      const out: unknown[] = [];
      for (const q of QUERIES) out.push((await env.conn.runAndReadAll(q)).getRowObjectsJson());
      return out;
    } finally {
      await env.conn.run('DROP VIEW IF EXISTS t');
      await env.conn.run(`DROP VIEW IF EXISTS ${delta}`);
      await tables?.drop();
      lease.release();
    }
  }

  it('answers like the drained table', async () => {
    const root = 'shapes/';
    await createKeyedTable(env, root, { partitionBy: ['region'] });
    const writer = new WalWriter(env.store);
    await keyedWrite(env, writer, root, [1, 2, 3, 4].flatMap((i) => [wideRow(i, 'eu', i), wideRow(i, 'us', i + 1)]).join(' UNION ALL '));
    await drainTable(env.store, root, { batchSize: 100 }, env.deps);
    await keyedWrite(env, writer, root, `${wideRow(2, 'eu', 7)} UNION ALL ${wideRow(5, 'us', 3)}`, `SELECT 3 AS id, 'us' AS region`);
    await keyedWrite(env, writer, root, wideRow(6, 'eu', 2));
    const strong = await runAll(root, true);
    await drainTable(env.store, root, { batchSize: 100 }, env.deps);
    const eventual = await runAll(root, false);
    expect(strong).toEqual(eventual);
    expect((eventual[0] as unknown[]).length).toBe(2);
  });
});
