/**
 * HTAP over HTTP (issue 14: "measured over HTTP as a client sees it"): the real coordinator process
 * (`npm start`'s embedded mode: local directory store, auth on, bearer token) and a client on one
 * keep-alive connection calling `POST /:bucket/tables/_execute`, next to PostgreSQL 15 over its own
 * wire (pgbench, one connection) in the same run.
 *
 *   - keyed single-row INSERT of a new key, p50/p95/p99 (nearest rank) and the maximum, after
 *     K3_BENCH_WARMUP (default 200) untimed writes of each kind on every client path and on PostgreSQL
 *   - keyed single-row upsert (INSERT OR REPLACE of an existing key), p50/p95/p99
 *   - STRONG point lookup by primary key with 0 and K3_BENCH_HTTP_BACKLOG (default 10000) un-drained rows
 *   - STRONG / EVENTUAL aggregate at the same backlogs
 *
 * The compactor is held off (K3_COMPACTOR_INTERVAL=1h) so the backlog stays where the bench put it.
 * The single-row writes and a STRONG point lookup are also timed through @k3/client's SDK
 * (`K3Client`: Connect JSON over the SDK's fetch transport, as an application sends them),
 * interleaved with the REST calls so both see the same machine (wip/http5), and as the same REST call
 * from node:http with a keep-alive agent (`k3RestNodeHttp`: Node's fetch has a per-request cost of its
 * own on the client, round 12).
 *
 * Scale: K3_BENCH_BASE_ROWS (default 1000000), K3_BENCH_WRITES (default 100), K3_BENCH_READS
 * (default 30). Writes bench/results/htap-http.json (K3_BENCH_RESULT names another file, e.g.
 * `scratch-<you>` for a loaded-machine check) with the load average before and after.
 * Small check: `K3_BENCH_BASE_ROWS=20000 K3_BENCH_WRITES=20 node bench/htap-http.bench.ts`.
 */
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { Freshness } from '@k3/client';
import { K3Client } from '@k3/client/sdk';
import { startServer, k3fetch } from '../test/support/server.ts';
import { writeResult } from './bench-kit.ts';
import { startPostgres } from './htap-postgres.ts';
import { pct, pgWarm, readsByBacklog, summary, timed, WARMUP } from './htap-reads.ts';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const BASE = env('K3_BENCH_BASE_ROWS', 1_000_000);
const WRITES = env('K3_BENCH_WRITES', 100);
const READS = env('K3_BENCH_READS', 30);
const BACKLOG = env('K3_BENCH_HTTP_BACKLOG', 10_000);
const BUCKET = 'bench';
/** Result file name (without .json): K3_BENCH_RESULT, default `htap-http`. */
const RESULT = process.env.K3_BENCH_RESULT ?? 'htap-http';


async function main(): Promise<void> {
  const out: Record<string, unknown> = {
    benchmark: 'htap-http', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model },
    settings: { BASE, WRITES, WARMUP, READS, BACKLOG }, loadAvgBefore: loadavg()[0],
    k3: 'coordinator process, embedded mode, local directory store, REST Execute with a bearer token, one keep-alive connection (Node fetch); k3RestNodeHttp: the same REST call from node:http with a keep-alive agent; k3Sdk: the same statements through @k3/client K3Client (Connect JSON, fetch keep-alive), interleaved; k3SdkConnectHandler: the SDK call with a deadline, served by the generic Connect handler',
  };
  const server = await startServer({ K3_COMPACTOR_INTERVAL: '1h', K3_LOG_LEVEL: 'error' }, { timeoutMs: 60_000 });
  const pg = await startPostgres();
  out.postgres = pg === undefined ? 'not available' : 'PostgreSQL 15 (pgbench, 1 connection, fsync on)';
  const exec = async (sql: string, freshness = 'FRESHNESS_STRONG'): Promise<void> => {
    const res = await k3fetch(`${server.url}/${BUCKET}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, freshness }) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${sql.slice(0, 80)}: ${res.status} ${text.slice(0, 400)}`);
  };
  const drain = async (): Promise<void> => {
    for (;;) {
      const res = await k3fetch(`${server.url}/${BUCKET}/tables/kv/_compact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const body = (await res.json()) as { truncated?: boolean };
      if (res.status !== 200) throw new Error(`compact: ${res.status} ${JSON.stringify(body)}`);
      if (body.truncated !== true) return;
    }
  };
  try {
    process.stdout.write(`seeding ${BASE} rows\n`);
    // PostgreSQL first, flushed by a CHECKPOINT (htap.bench.ts: k3's timed series ran slower right after its seed).
    pg?.psql(`CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR); INSERT INTO kv SELECT i, i, 'row' || i FROM generate_series(0, ${BASE - 1}) i; VACUUM ANALYZE kv; CHECKPOINT;`);
    await exec('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)');
    await exec(`INSERT INTO kv SELECT i, i, 'row' || i FROM range(${BASE}) t(i)`);
    await drain();

    // Warm the process (first statements pay connection set-up and file-cache fills).
    for (let i = 0; i < 5; i++) await exec(`SELECT * FROM kv WHERE id = ${i}`);
    const client = new K3Client({ url: server.url, retries: 0, ...(server.token !== undefined ? { token: server.token } : {}) });
    const sdk = client.tables(BUCKET);
    const sdkExec = (sql: string) => sdk.execute(sql, { freshness: 'strong' });
    // The same call with a deadline (connect-timeout-ms) takes Connect's generic unary handler
    // instead of the plain-JSON route (services/coordinator/src/rpc/connect-unary-json.ts): A/B in one run.
    const genericExec = (sql: string) => client.rpc.execute({ bucket: BUCKET, sql, freshness: Freshness.STRONG }, { timeoutMs: 600_000 });
    // The same REST call from node:http with a keep-alive agent: Node's fetch (undici) adds a
    // per-request cost of its own on the client (htap-http-round12-2.json: ≈ 0.5 ms per write), which
    // is not the server's; both series run interleaved.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const endpoint = new URL(`${server.url}/${BUCKET}/tables/_execute`);
    const httpExec = (sql: string): Promise<void> => new Promise((resolve, reject) => {
      const req = http.request({ agent, hostname: endpoint.hostname, port: endpoint.port, path: endpoint.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...(server.token !== undefined ? { authorization: `Bearer ${server.token}` } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${sql.slice(0, 80)}: ${String(res.statusCode)} ${text.slice(0, 400)}`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ sql, freshness: 'FRESHNESS_STRONG' }));
    });
    for (let i = 0; i < 5; i++) await sdkExec(`SELECT * FROM kv WHERE id = ${i}`);
    // Untimed warm-up writes on each client path (PostgreSQL's are dropped from its pgbench log: pgWarm).
    for (let i = 0; i < WARMUP; i++) {
      for (const [j, run] of [exec, sdkExec, genericExec, httpExec].entries()) {
        await run(`INSERT INTO kv VALUES (${1_900_000_000 + j * 1000 + i}, ${i}, 'warm')`);
        await run(`INSERT OR REPLACE INTO kv VALUES (${(i * 104_729 + j) % BASE}, ${i}, 'warm')`);
      }
    }
    const insert: number[] = [];
    const upsert: number[] = [];
    const sdkInsert: number[] = [];
    const sdkUpsert: number[] = [];
    const genInsert: number[] = [];
    const genUpsert: number[] = [];
    const httpInsert: number[] = [];
    const httpUpsert: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      insert.push(await timed(() => exec(`INSERT INTO kv VALUES (${2_000_000_000 + i}, ${i}, 'new')`)));
      sdkInsert.push(await timed(() => sdkExec(`INSERT INTO kv VALUES (${2_100_000_000 + i}, ${i}, 'new')`)));
      genInsert.push(await timed(() => genericExec(`INSERT INTO kv VALUES (${2_200_000_000 + i}, ${i}, 'new')`)));
      httpInsert.push(await timed(() => httpExec(`INSERT INTO kv VALUES (${2_300_000_000 + i}, ${i}, 'new')`)));
    }
    for (let i = 0; i < WRITES; i++) {
      upsert.push(await timed(() => exec(`INSERT OR REPLACE INTO kv VALUES (${(i * 7919) % BASE}, ${i}, 'upd')`)));
      sdkUpsert.push(await timed(() => sdkExec(`INSERT OR REPLACE INTO kv VALUES (${(i * 7919 + 1) % BASE}, ${i}, 'upd')`)));
      genUpsert.push(await timed(() => genericExec(`INSERT OR REPLACE INTO kv VALUES (${(i * 7919 + 2) % BASE}, ${i}, 'upd')`)));
      httpUpsert.push(await timed(() => httpExec(`INSERT OR REPLACE INTO kv VALUES (${(i * 7919 + 3) % BASE}, ${i}, 'upd')`)));
    }
    await drain();
    const lookup: number[] = [];
    const sdkLookup: number[] = [];
    const genLookup: number[] = [];
    const httpLookup: number[] = [];
    for (let i = 0; i < Math.max(READS, 100); i++) {
      lookup.push(await timed(() => exec(`SELECT * FROM kv WHERE id = ${(i * 104_729) % BASE}`)));
      sdkLookup.push(await timed(() => sdkExec(`SELECT * FROM kv WHERE id = ${(i * 104_729 + 1) % BASE}`)));
      genLookup.push(await timed(() => genericExec(`SELECT * FROM kv WHERE id = ${(i * 104_729 + 2) % BASE}`)));
      httpLookup.push(await timed(() => httpExec(`SELECT * FROM kv WHERE id = ${(i * 104_729 + 3) % BASE}`)));
    }
    out.singleRowWrite = {
      k3: { insertNewKey: summary(insert), upsertExistingKey: summary(upsert) },
      k3Sdk: { insertNewKey: summary(sdkInsert), upsertExistingKey: summary(sdkUpsert) },
      k3SdkConnectHandler: { insertNewKey: summary(genInsert), upsertExistingKey: summary(genUpsert) },
      k3RestNodeHttp: { insertNewKey: summary(httpInsert), upsertExistingKey: summary(httpUpsert) },
      postgres: pg === undefined ? null : {
        insertNewKey: summary(pgWarm(pg, `\\set id random(2000000000, 3000000000)\nINSERT INTO kv VALUES (:id, 1, 'new') ON CONFLICT DO NOTHING;\n`, WRITES)),
        upsertExistingKey: summary(pgWarm(pg, `\\set id random(0, ${BASE - 1})\nINSERT INTO kv VALUES (:id, 1, 'upd') ON CONFLICT (id) DO UPDATE SET v = excluded.v, s = excluded.s;\n`, WRITES)),
      },
    };
    out.strongPointLookupDrained = { k3: summary(lookup), k3Sdk: summary(sdkLookup), k3SdkConnectHandler: summary(genLookup), k3RestNodeHttp: summary(httpLookup) };
    agent.destroy();
    process.stdout.write(`REST: insert p50 ${pct(insert, 50)} ms, upsert p50 ${pct(upsert, 50)} ms, lookup p50 ${pct(lookup, 50)} ms\n`);
    process.stdout.write(`SDK:  insert p50 ${pct(sdkInsert, 50)} ms, upsert p50 ${pct(sdkUpsert, 50)} ms, lookup p50 ${pct(sdkLookup, 50)} ms\n`);
    process.stdout.write(`REST from node:http: insert p50 ${pct(httpInsert, 50)} ms, upsert p50 ${pct(httpUpsert, 50)} ms, lookup p50 ${pct(httpLookup, 50)} ms\n`);
    process.stdout.write(`SDK via Connect's handler: insert p50 ${pct(genInsert, 50)} ms, upsert p50 ${pct(genUpsert, 50)} ms, lookup p50 ${pct(genLookup, 50)} ms\n`);

    const reads = await readsByBacklog({ run: (sql, f) => exec(sql, `FRESHNESS_${f}`), backlogs: [0, BACKLOG], reads: READS, base: BASE });
    out.reads = reads;
    out.postgresReads = pg === undefined ? null : {
      aggregate: summary(pg.pgbench('SELECT count(*), sum(v) FROM kv;\n', READS)),
      pointLookup: summary(pg.pgbench(`\\set id random(0, ${BASE - 1})\nSELECT * FROM kv WHERE id = :id;\n`, Math.max(READS, 100))),
    };
  } finally {
    pg?.stop();
    await server.stop();
  }
  out.loadAvgAfter = loadavg()[0];
  writeResult(RESULT, out);
}

await main();
