/**
 * Acceptance: 1,000 objects (CSV, NDJSON, Parquet) land exactly once through three pipeline
 * tables, on the local directory store and on S3 over HTTP; a second scan adds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/maintenance/index.ts';
import { createPipelineEnv, csvBody, ndjsonBody, parquetBodies, type PipelineEnv } from './support/pipeline-env.ts';

const ROWS = 3;
const SPLIT = { csv: 334, ndjson: 333, parquet: 333 } as const;

for (const kind of ['local', 's3'] as const) {
  describe(`1,000 objects on the ${kind} store`, () => {
    let env: PipelineEnv;
    beforeAll(async () => {
      env = await createPipelineEnv(kind);
    });
    afterAll(async () => env.close());

    it('land exactly once, and a re-scan changes nothing', async () => {
      const p = env.engine.pipelines;
      await p.createTablePipeline({ bucket: env.bucket, name: 'csv_rows', rule: { globs: ['in/csv/**/*.csv'], format: 'csv' } });
      await p.createTablePipeline({ bucket: env.bucket, name: 'json_rows', rule: { globs: ['in/json/*.ndjson'], format: 'ndjson' } });
      await p.createTablePipeline({ bucket: env.bucket, name: 'pq_rows', rule: { globs: ['in/pq/*.parquet'], format: 'parquet' } });
      const objects: Array<[string, string | Uint8Array]> = [];
      for (let i = 0; i < SPLIT.csv; i++) objects.push([`in/csv/d${i % 7}/${i}.csv`, csvBody(i, ROWS)]);
      for (let i = 0; i < SPLIT.ndjson; i++) objects.push([`in/json/${i}.ndjson`, ndjsonBody(i, ROWS)]);
      (await parquetBodies(0, SPLIT.parquet, ROWS)).forEach((body, i) => objects.push([`in/pq/${i}.parquet`, body]));
      expect(objects.length).toBe(1000);
      await mapLimit(objects, 16, ([key, body]) => env.put(key, body));

      const outcomes = await p.scanBucket(env.bucket);
      expect(outcomes.map((o) => o.error)).toEqual([undefined, undefined, undefined]);
      const succeeded = outcomes.flatMap((o) => o.outcome?.runs ?? []).filter((r) => r.status === 'INGEST_RUN_STATUS_SUCCEEDED');
      expect(succeeded.length).toBe(1000);

      for (const [table, n] of [['csv_rows', SPLIT.csv], ['json_rows', SPLIT.ndjson], ['pq_rows', SPLIT.parquet]] as const) {
        const [[rows, ids, objects]] = (await env.rows(`SELECT count(*), count(DISTINCT id), count(DISTINCT _k3_source_key) FROM ${table}`)) as [[unknown, unknown, unknown]];
        expect([Number(rows), Number(ids), Number(objects)], table).toEqual([n * ROWS, n * ROWS, n]);
      }
      const again = await p.scanBucket(env.bucket);
      expect(again.map((o) => o.outcome?.pending)).toEqual([0, 0, 0]);
      expect(await env.count('csv_rows')).toBe(SPLIT.csv * ROWS);
      const described = await env.engine.describeTable(env.bucket, 'pq_rows');
      expect(described.source).toBe('TABLE_SOURCE_PIPELINE_GENERATED');
      expect(described.pipelineId).toMatch(/^pl_/);
    }, 300_000);
  });
}
