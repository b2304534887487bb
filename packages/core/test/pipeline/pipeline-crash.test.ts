/**
 * kill -9 of the ingesting process at random moments (a child process scanning in a loop, killed
 * after a random delay, again and again), then a final scan: every object exactly once — on the
 * local directory store and on S3 over HTTP.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/retry/seeded-random.ts';
import { createPipelineEnv, csvBody, ndjsonBody, type PipelineEnv } from './support/pipeline-env.ts';

for (const [kind, OBJECTS] of [['local', 120], ['s3', 60]] as const) {
  describe(`kill -9 while ingesting (${kind} store)`, () => {
    let env: PipelineEnv;
    beforeAll(async () => {
      env = await createPipelineEnv(kind);
    });
    afterAll(async () => env.close());

    async function runAndKill(delayMs: number): Promise<void> {
      const child = spawn(process.execPath, [join(import.meta.dirname, 'support/ingest-child.ts'), join(env.dir, 'child-cache'), env.bucket], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env.storeEnv } });
      let output = '';
      child.stdout.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr.on('data', (b: Buffer) => (output += b.toString()));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await exited;
      if (process.env.K3_PIPELINE_DEBUG) console.log(kind, delayMs, output.slice(-600));
    }

    it('objects land exactly once whatever moment the ingester dies at', async () => {
      const p = env.engine.pipelines;
      await p.createTablePipeline({ bucket: env.bucket, name: 'crashy_csv', rule: { globs: ['c/*.csv'], format: 'csv' } });
      await p.createTablePipeline({ bucket: env.bucket, name: 'crashy_keyed', rule: { globs: ['k/*.ndjson'], format: 'ndjson', mergeKeys: ['id'] } });
      for (let i = 0; i < OBJECTS; i++) {
        await env.put(`c/${String(i).padStart(4, '0')}.csv`, csvBody(i, 3));
        await env.put(`k/${String(i).padStart(4, '0')}.ndjson`, ndjsonBody(i, 3));
      }
      const random = seededRandom(4711);
      const kills: number[] = [];
      const seen: number[] = [];
      // Children start slowly (module loading, DuckDB): the delays cover start-up and mid-ingest.
      for (let k = 0; k < 6; k++) {
        const delay = 1500 + Math.floor(random() * 3000);
        kills.push(delay);
        await runAndKill(delay);
        seen.push(await env.count('crashy_csv').catch(() => 0));
      }
      if (process.env.K3_PIPELINE_DEBUG) console.log(kind, { kills, seen });
      for (let i = 0; i < 10; i++) {
        const out = await p.scanBucket(env.bucket);
        if (out.every((o) => o.outcome?.pending === 0)) break;
      }
      const check = async (table: string): Promise<number[]> => ((await env.rows(`SELECT count(*), count(DISTINCT id), count(DISTINCT _k3_source_key) FROM ${table}`))[0] as unknown[]).map(Number);
      expect(await check('crashy_csv'), `kills at ${kills.join(', ')} ms; rows after each kill: ${seen.join(', ')}`).toEqual([OBJECTS * 3, OBJECTS * 3, OBJECTS]);
      expect(await check('crashy_keyed')).toEqual([OBJECTS * 3, OBJECTS * 3, OBJECTS]);
    }, 300_000);
  });
}
