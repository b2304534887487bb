/**
 * One principal floods the server, another runs point queries (issue 10, abuse acceptance: "50
 * concurrent heavy queries from one principal leave a second principal's point query p50 within
 * 3× of idle"; issue 14: planning "never delaying other requests"). A real server process (the
 * test support's startServer) with default limits except a queue long enough that the whole flood
 * is accepted (K3_MAX_QUEUED_PER_PRINCIPAL=K3_BENCH_FLOOD), so the pressure lasts:
 *
 *   idle       the light principal's point query (SELECT v FROM pts WHERE id = 42), sequentially;
 *   flood      the same while K3_BENCH_FLOOD (default 50) heavy statements of the heavy principal
 *              are in flight — a cross join of range(K3_BENCH_FLOOD_SIDE) twice (default 3000);
 *   inlist     the same while the heavy principal sends K3_BENCH_INLIST_FLOOD (default 20)
 *              20,000-item IN lists instead.
 *
 * Both scenarios run twice in the same run: with fair lanes (the default K3_STATEMENT_SLOTS: the
 * cores) and without sharing (K3_STATEMENT_SLOTS=1000, i.e. every principal may always run
 * K3_MAX_CONCURRENT_PER_PRINCIPAL — the limiter as it was before fair lanes). Idle is measured
 * before and after the floods (after a warm-up) and the ratio uses the median of both.
 *
 * Writes bench/results/principal-flood.json (p50 / p90 of each phase and the ratios to idle);
 * nothing fails on the numbers. `K3_BENCH_FLOOD=10 K3_BENCH_FLOOD_SIDE=1000` for a quick check.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@k3/core';
import { openTokenStore } from '@k3/core/auth';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { execute, startServer } from '../test/support/server.ts';

const FLOOD = Number(process.env.K3_BENCH_FLOOD ?? 50);
const SIDE = Number(process.env.K3_BENCH_FLOOD_SIDE ?? 3000);
const SAMPLES = Number(process.env.K3_BENCH_SAMPLES ?? 15);
const INLIST_FLOOD = Number(process.env.K3_BENCH_INLIST_FLOOD ?? 20);
const B = 'flood';

async function scenario(label: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  const server = await startServer({ K3_MAX_QUEUED_PER_PRINCIPAL: String(FLOOD), K3_SQL_MAX_LENGTH: '2000000', ...env });
  try {
    const config = loadConfig({ K3_DATA_DIR: server.dataDir });
    const tokens = await openTokenStore(config, createBucketStoreFactory(config));
    const heavy = (await tokens.create({ name: 'heavy', buckets: [B], scope: 'read' })).secret;
    const light = (await tokens.create({ name: 'light', buckets: [B], scope: 'read' })).secret;
    await execute(server.url, B, 'CREATE TABLE pts (id BIGINT PRIMARY KEY, v VARCHAR)');
    await execute(server.url, B, "INSERT INTO pts SELECT range, 'v' || range FROM range(5000)");

    const post = (token: string, sql: string): Promise<Response> =>
      fetch(`${server.url}/${B}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ sql }) });
    const point = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await post(light, 'SELECT v FROM pts WHERE id = 42');
      await res.json();
      if (res.status !== 200) throw new Error(`point query answered ${res.status}`);
      return performance.now() - t0;
    };

    /** Point-query latencies while `count` copies of `floodSql` (if any) are in flight; sampling stops when the flood is over. */
    async function phase(name: string, floodSql?: string, count = FLOOD): Promise<{ summary: Record<string, unknown>; samples: number[] }> {
      for (let i = 0; i < 5; i++) await point(); // warm
      const inFlight = floodSql === undefined ? [] : Array.from({ length: count }, () => post(heavy, floodSql).then(async (r) => {
        await r.text();
        return r.status;
      }));
      let done = floodSql === undefined;
      const all = Promise.all(inFlight).then((rs) => {
        done = true;
        return rs;
      });
      if (floodSql !== undefined) await new Promise((r) => setTimeout(r, 200));
      const samples: number[] = [];
      const t0 = performance.now();
      while (samples.length < SAMPLES && (floodSql === undefined || !done)) samples.push(await point());
      const statuses = await all;
      const summary = {
        name, samples: samples.length, p50Ms: pct(samples, 0.5), p90Ms: pct(samples, 0.9),
        ...(floodSql !== undefined ? { flood: count, answered: statuses.filter((s) => s === 200).length, refused: statuses.filter((s) => s === 429).length, floodSeconds: Math.round((performance.now() - t0) / 100) / 10 } : {}),
      };
      process.stdout.write(`${label}: ${JSON.stringify(summary)}\n`);
      return { summary, samples };
    }

    const idle = await phase('idle');
    const cross = await phase('cross-join flood', `SELECT sum(a.range * b.range) AS s FROM range(${SIDE}) a, range(${SIDE}) b`);
    const inlist = await phase('20k IN-list flood', `SELECT count(*) AS n FROM pts WHERE id IN (${Array.from({ length: 20_000 }, (_, i) => i * 3).join(', ')})`, INLIST_FLOOD);
    const idleAfter = await phase('idle after');
    const idleP50 = pct([...idle.samples, ...idleAfter.samples], 0.5);
    const ratio = (p: { summary: Record<string, unknown> }): number => Math.round(((p.summary['p50Ms'] as number) / idleP50) * 10) / 10;
    return { label, env, idleP50Ms: idleP50, phases: [idle.summary, cross.summary, inlist.summary, idleAfter.summary], ratioToIdle: { crossJoin: ratio(cross), inList: ratio(inlist) } };
  } finally {
    await server.stop();
  }
}

const pct = (xs: readonly number[], p: number): number => Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! * 10) / 10;

const fair = await scenario('fair lanes', {});
const unshared = await scenario('no sharing', { K3_STATEMENT_SLOTS: '1000' });
const result = {
  benchmark: 'principal-flood',
  at: new Date().toISOString(),
  machine: '2 shared cores, local disk',
  flood: FLOOD,
  inListFlood: INLIST_FLOOD,
  crossJoinSide: SIDE,
  scenarios: [fair, unshared],
  goal: "second principal's point-query p50 within 3x of idle",
};
process.stdout.write(`${JSON.stringify({ fair: fair['ratioToIdle'], unshared: unshared['ratioToIdle'] })}\n`);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'principal-flood.json'), `${JSON.stringify(result, null, 2)}\n`);
