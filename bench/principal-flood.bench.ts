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
 *   inlist     the same while the heavy principal sends 20,000-item IN lists instead.
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
const B = 'flood';

const server = await startServer({ K3_MAX_QUEUED_PER_PRINCIPAL: String(FLOOD), K3_SQL_MAX_LENGTH: '2000000' });
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
  const pct = (xs: readonly number[], p: number): number => Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! * 10) / 10;

  /** Point-query latencies while `flood` (if any) runs; samples stop when the flood is over. */
  async function phase(name: string, floodSql: string | undefined): Promise<Record<string, unknown>> {
    for (let i = 0; i < 3; i++) await point(); // warm
    const inFlight = floodSql === undefined ? [] : Array.from({ length: FLOOD }, () => post(heavy, floodSql).then(async (r) => { await r.text(); return { status: r.status }; }));
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
    const floodSeconds = (performance.now() - t0) / 1000;
    const out = {
      name, samples: samples.length, p50Ms: pct(samples, 0.5), p90Ms: pct(samples, 0.9),
      ...(floodSql !== undefined ? { flood: FLOOD, answered: statuses.filter((s) => s.status === 200).length, refused: statuses.filter((s) => s.status === 429).length, floodSeconds: Math.round(floodSeconds * 10) / 10 } : {}),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return out;
  }

  const idle = await phase('idle', undefined);
  const cross = await phase('cross-join flood', `SELECT sum(a.range * b.range) AS s FROM range(${SIDE}) a, range(${SIDE}) b`);
  const inlist = await phase('20k IN-list flood', `SELECT count(*) AS n FROM pts WHERE id IN (${Array.from({ length: 20_000 }, (_, i) => i * 3).join(', ')})`);
  const idleP50 = idle['p50Ms'] as number;
  const result = {
    benchmark: 'principal-flood',
    at: new Date().toISOString(),
    machine: '2 shared cores, local disk',
    flood: FLOOD,
    crossJoinSide: SIDE,
    phases: [idle, cross, inlist],
    ratioToIdle: { crossJoin: Math.round(((cross['p50Ms'] as number) / idleP50) * 10) / 10, inList: Math.round(((inlist['p50Ms'] as number) / idleP50) * 10) / 10 },
    goal: "second principal's point-query p50 within 3x of idle",
  };
  process.stdout.write(`${JSON.stringify(result.ratioToIdle)}\n`);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'principal-flood.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await server.stop();
}
