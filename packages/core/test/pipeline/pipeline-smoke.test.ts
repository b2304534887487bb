import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineEnv, csvBody, type PipelineEnv } from './support/pipeline-env.ts';

let env: PipelineEnv;
beforeAll(async () => { env = await createPipelineEnv('local'); });
afterAll(async () => env.close());

describe('smoke', () => {
  it('ingests csv', async () => {
    const { table } = await env.engine.pipelines.createTablePipeline({ bucket: env.bucket, name: 'events', rule: { globs: ['incoming/**/*.csv'], format: 'csv' } });
    expect(table.source).toBe('TABLE_SOURCE_PIPELINE_GENERATED');
    for (let i = 0; i < 3; i++) await env.put(`incoming/a/${i}.csv`, csvBody(i, 4));
    await env.engine.pipelines.scanBucket(env.bucket);
    expect(await env.count('events')).toBe(12);
    const again = await env.engine.pipelines.scanBucket(env.bucket);
    expect(again[0]?.outcome?.pending).toBe(0);
  });
});
