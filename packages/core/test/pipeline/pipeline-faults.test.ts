/**
 * Ingest under store faults (the seeded FaultyObjectStore, production stack Retrying(Faulty)):
 * an ambiguous success on the ingest commit (the commit landed, the answer was lost) is resolved
 * by reading it back, and seeded random errors / ambiguous writes on every store call during
 * scans never lose or double an object.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultyEngine, type FaultyEngine } from '../support/faulty-engine.ts';
import { csvBody } from './support/pipeline-env.ts';

const bucket = 'faulty-pipe';
let fe: FaultyEngine | undefined;
afterEach(async () => {
  await fe?.close();
  fe = undefined;
});

async function count(engine: FaultyEngine['engine'], table: string): Promise<[number, number, number]> {
  const r = await engine.execute({ bucket, sql: `SELECT count(*), count(DISTINCT id), count(DISTINCT _k3_source_key) FROM ${table}` });
  if (!('query' in r)) throw new Error('not a query');
  return (r.query.rows[0] as unknown[]).map(Number) as [number, number, number];
}

async function setup(seed: number, objects: number): Promise<FaultyEngine> {
  fe = await createFaultyEngine({ seed, env: { K3_PIPELINE_BATCH_OBJECTS: '5' } });
  await fe.stores.create?.(bucket);
  const store = fe.stores.open(bucket);
  await fe.engine.pipelines.createTablePipeline({ bucket, name: 'ev', rule: { globs: ['in/*.csv'], format: 'csv' } });
  for (let i = 0; i < objects; i++) await store.put(`in/${i}.csv`, new TextEncoder().encode(csvBody(i, 3)));
  return fe;
}

describe('ingest under store faults', () => {
  it('an ambiguous success on the ingest commit is read back: the batch lands once and is reported once', async () => {
    const f = await setup(1, 5);
    f.faults(bucket).inject({ kind: 'ambiguous', ops: ['putIfAbsent'], key: /tables\/ev\/_delta_log\/\d+\.json$/, times: 1 });
    const [r] = await f.engine.pipelines.scanBucket(bucket);
    expect(f.faults(bucket).faults.map((e) => [e.op, e.kind, e.applied])).toEqual([['putIfAbsent', 'ambiguous', true]]);
    expect(r?.outcome?.runs.map((x) => x.status)).toEqual(Array(5).fill('INGEST_RUN_STATUS_SUCCEEDED'));
    expect(await count(f.engine, 'ev')).toEqual([15, 15, 5]);
    expect((await f.engine.pipelines.scanBucket(bucket))[0]?.outcome?.pending).toBe(0);
  });

  for (const seed of [11, 12, 13]) {
    it(`seed ${seed}: random errors and ambiguous writes during scans, then a clean scan: every object exactly once`, async () => {
      const f = await setup(seed, 30);
      const faults = f.faults(bucket);
      faults.inject({ kind: 'ambiguous', ops: ['put', 'putIfAbsent', 'deleteMany'], probability: 0.15 });
      faults.inject({ kind: 'error', probability: 0.1 });
      for (let i = 0; i < 8; i++) await f.engine.pipelines.scanBucket(bucket).catch(() => undefined);
      expect(faults.faults.length).toBeGreaterThan(0);
      faults.clear();
      for (let i = 0; i < 5; i++) {
        const [r] = await f.engine.pipelines.scanBucket(bucket);
        if (r?.outcome?.pending === 0) break;
      }
      expect((await f.engine.pipelines.scanBucket(bucket))[0]?.outcome?.pending).toBe(0);
      expect(await count(f.engine, 'ev')).toEqual([90, 90, 30]);
    });
  }
});
