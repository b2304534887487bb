/**
 * The worker's pooled scan views (scan-view-pool.ts): a job over files a slot already bound reuses
 * the view; any other file list, view name or a failed job re-binds or drops the slot — and every
 * partial equals the same job on a fresh connection (the unpooled handler) and the single-node
 * reference. Keying the slot by the view name alone fails the "other files" case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScanJobHandler, readScanResult, ScanViewPool, type ScanJobHandler } from '../../src/dispatch/index.ts';
import { AppError } from '../../src/errors/index.ts';
import type { ScanJobV1 } from '../../src/jobs/index.ts';
import { PARTITION_VIEW } from '../../src/plan/index.ts';
import { BUCKET, canonical, createScanTable, REGIONS, SCHEMA, TABLE_ROOT, type ScanTable } from './support/scan-table.ts';

let table: ScanTable;
let pool: ScanViewPool;
let pooled: ScanJobHandler;
let fresh: ScanJobHandler;

beforeAll(async () => {
  table = await createScanTable();
  pool = new ScanViewPool(table.db, 2);
  pooled = createScanJobHandler({ stores: table.stores, db: table.db, cache: table.cache, inlineMaxBytes: 1024 * 1024, views: pool });
  fresh = createScanJobHandler({ stores: table.stores, db: table.db, cache: table.cache, inlineMaxBytes: 1024 * 1024 });
});
afterAll(async () => {
  pool.close();
  await table.close();
});

function jobFor(regions: readonly string[], partialSql: string, over: Partial<ScanJobV1> = {}): ScanJobV1 {
  const files = table.snapshot.files.filter((f) => regions.includes(String(f.partitionValues['region'])));
  return {
    v: 1, queryId: `p${Date.now()}`, jobIndex: 0, bucket: BUCKET, tableRoot: TABLE_ROOT,
    files: files.map((f) => ({ key: f.key, size: f.add.size, partitionValues: { ...f.add.partitionValues } })),
    schema: SCHEMA, partitionColumns: ['region'], viewName: PARTITION_VIEW, partialSql, deadline: Date.now() + 30_000, ...over,
  };
}

const SQL = `SELECT region, count(*) AS n, sum(amount) AS s, max(day) AS d FROM ${PARTITION_VIEW} GROUP BY region ORDER BY region`;

async function partialOf(handler: ScanJobHandler, job: ScanJobV1): Promise<unknown> {
  return canonical(await readScanResult(await handler(job), table.stores, BUCKET));
}

describe('ScanViewPool: pooled scan views keyed by the exact view SELECT', () => {
  it('the same files again reuse the view; other files (one partition, two, all) re-bind; every partial equals a fresh connection and the reference', async () => {
    const cases: (readonly string[])[] = [['US'], ['US'], ['EU'], ['US', 'EU'], ['US', 'EU'], [...REGIONS], ['US']];
    const before = { ...pool.stats };
    for (const regions of cases) {
      const job = jobFor(regions, SQL);
      const got = await partialOf(pooled, job);
      expect(got, regions.join(',')).toEqual(await partialOf(fresh, job));
      const list = regions.map((r) => `'${r}'`).join(', ');
      expect(got, regions.join(',')).toEqual(canonical(await table.reference(`SELECT region, count(*) AS n, sum(amount) AS s, max(day) AS d FROM contracts WHERE region IN (${list}) GROUP BY region ORDER BY region`)));
    }
    // A pool of two: US bind, US reuse, EU bind (a second slot), US+EU bind (the least recently used,
    // US), reuse, all bind (EU's slot), US bind.
    expect(pool.stats.reused - before.reused).toBe(2);
    expect(pool.stats.bound - before.bound).toBe(5);
  });

  it('a query\'s two jobs landing on one worker in turn keep a view each; a third file list re-binds the least recently used', async () => {
    const own = new ScanViewPool(table.db, 2);
    const handler = createScanJobHandler({ stores: table.stores, db: table.db, cache: table.cache, inlineMaxBytes: 1024 * 1024, views: own });
    try {
      const steps: [readonly string[], 'bind' | 'reuse'][] = [
        [['US'], 'bind'], [['EU'], 'bind'], [['US'], 'reuse'], [['EU'], 'reuse'], [['US'], 'reuse'], [['EU'], 'reuse'],
        // Full: APAC takes US's slot (least recently used); EU kept its view, US binds again.
        [['APAC'], 'bind'], [['EU'], 'reuse'], [['US'], 'bind'], [['EU'], 'reuse'],
      ];
      for (const [i, [regions, expected]] of steps.entries()) {
        const before = { ...own.stats };
        const job = jobFor(regions, SQL);
        expect(await partialOf(handler, job), `step ${i} ${regions}`).toEqual(await partialOf(fresh, job));
        expect({ bound: own.stats.bound - before.bound, reused: own.stats.reused - before.reused, preparedReused: own.stats.preparedReused - before.preparedReused }, `step ${i} ${regions}`)
          .toEqual(expected === 'bind' ? { bound: 1, reused: 0, preparedReused: 0 } : { bound: 0, reused: 1, preparedReused: 1 });
      }
    } finally {
      own.close();
    }
  });

  it('a view of another name replaces the slot\'s view (one view per slot), and the old name is gone', async () => {
    await pooled(jobFor(['US'], SQL));
    const other = jobFor(['EU'], 'SELECT count(*) AS n FROM other_view', { viewName: 'other_view' });
    expect(await partialOf(pooled, other)).toEqual(await partialOf(fresh, other));
    const stale = jobFor(['EU'], `SELECT count(*) AS n FROM ${PARTITION_VIEW}`, { viewName: 'other_view' });
    const err = await pooled(stale).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
  });

  it('a failing job closes its slot: the next job binds a fresh one and is exact', async () => {
    const job = jobFor(['APAC'], SQL);
    await pooled(job);
    const bad = await pooled(jobFor(['APAC'], `SELECT nope FROM ${PARTITION_VIEW}`)).then(() => undefined, (e: unknown) => e);
    expect(bad).toBeInstanceOf(AppError);
    const bound = pool.stats.bound;
    expect(await partialOf(pooled, job)).toEqual(await partialOf(fresh, job));
    expect(pool.stats.bound).toBe(bound + 1);
  });

  it('a repeated partial runs the slot\'s prepared statement; a re-bind, another name or a failure prepares again, and every partial stays exact', async () => {
    const other = `SELECT region, min(amount) AS lo FROM ${PARTITION_VIEW} GROUP BY region ORDER BY region`;
    const steps: [readonly string[], string, 'prepare' | 'reuse'][] = [
      [['EU'], SQL, 'prepare'], [['EU'], SQL, 'reuse'], [['EU'], SQL, 'reuse'],
      [['EU'], other, 'prepare'], [['EU'], SQL, 'prepare'],
      // Other files: the view is bound again, and the statement planned over the old one is dropped.
      [['US'], SQL, 'prepare'], [['US'], SQL, 'reuse'], [['US', 'EU'], SQL, 'prepare'],
    ];
    for (const [regions, sql, expected] of steps) {
      const before = { ...pool.stats };
      const job = jobFor(regions, sql);
      expect(await partialOf(pooled, job), `${regions} ${sql}`).toEqual(await partialOf(fresh, job));
      expect({ prepared: pool.stats.prepared - before.prepared, reused: pool.stats.preparedReused - before.preparedReused }, `${regions} ${sql}`)
        .toEqual(expected === 'prepare' ? { prepared: 1, reused: 0 } : { prepared: 0, reused: 1 });
    }
    // A failing statement closes its slot with the statement: the next job prepares on a fresh one.
    expect(await pooled(jobFor(['US', 'EU'], `SELECT nope FROM ${PARTITION_VIEW}`)).then(() => undefined, (e: unknown) => e)).toBeInstanceOf(AppError);
    const before = pool.stats.prepared;
    const job = jobFor(['US', 'EU'], SQL);
    expect(await partialOf(pooled, job)).toEqual(await partialOf(fresh, job));
    expect(pool.stats.prepared).toBe(before + 1);
  });

  it('concurrent jobs each get their own slot and the right answer', async () => {
    const jobs = [['US'], ['EU'], ['APAC'], ['US', 'APAC'], ['EU'], ['US']].map((r) => jobFor(r, SQL));
    const got = await Promise.all(jobs.map((j) => partialOf(pooled, j)));
    for (const [i, j] of jobs.entries()) expect(got[i]).toEqual(await partialOf(fresh, j));
  });
});
