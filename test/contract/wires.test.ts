/**
 * The contract suite: every TableService RPC over REST (pbjson), Connect JSON, Connect binary,
 * gRPC-Web and native gRPC against one started server (`npm start`'s main.ts with K3_GRPC_PORT),
 * each wire running the same scenario in a bucket of its own. After normalizing what must differ
 * (ids, clocks, timings, file sizes, the bucket name) every wire's outcome of every step — result
 * or {code, message, retryable} — must equal REST's. Server streams (ExecuteStream / QueryStream)
 * must carry the same rows as NDJSON on REST and as the unary result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { authHeaders, k3fetch, startServer, type StartedServer } from '../support/server.ts';
import { connectBinaryCaller, connectJsonCaller, freePort, grpcCaller, grpcWebCaller, normalize, restCaller, streamOver, type Caller, type Outcome, type WireName } from './wire-clients.ts';

let server: StartedServer;
let grpcUrl: string;
const wires = {} as Record<WireName, Caller>;

beforeAll(async () => {
  const port = await freePort();
  server = await startServer({ K3_GRPC_PORT: String(port) });
  grpcUrl = `http://127.0.0.1:${port}`;
  const auth = authHeaders(server.url);
  wires.rest = restCaller(server.url, auth);
  wires['connect-json'] = connectJsonCaller(server.url, auth);
  wires['connect-binary'] = connectBinaryCaller(server.url, auth);
  wires['grpc-web'] = grpcWebCaller(server.url, auth);
  wires.grpc = grpcCaller(grpcUrl, auth);
});
afterAll(async () => {
  await server?.stop();
});

type Step = [rpc: string, request: (b: string) => Record<string, unknown>];
const t = (b: string, extra: Record<string, unknown> = {}) => ({ bucket: b, tableName: 'events', ...extra });

/** Every unary RPC of the service, in an order where each has something to act on. */
const SCENARIO: Step[] = [
  ['CreateTable', (b) => ({
    bucket: b, name: 'events', description: 'contract suite', mergeKeys: ['id'],
    columns: [
      { name: 'id', type: 'COLUMN_TYPE_LONG' },
      { name: 'user_id', type: 'COLUMN_TYPE_STRING', nullable: true },
      { name: 'n', type: 'COLUMN_TYPE_INT', nullable: true },
      { name: 'state', type: 'COLUMN_TYPE_STRING', nullable: true, defaultExpression: "'new'" },
    ],
  })],
  ['GetEngine', (b) => ({ bucket: b })],
  ['Execute', (b) => ({ bucket: b, sql: "INSERT INTO events (id, user_id, n) VALUES (1, 'u1', 10), (2, 'u2', 20)" })],
  ['Insert', (b) => t(b, { rows: [{ id: '3', user_id: 'u3', n: 30 }, { id: 4, user_id: 'u4' }] })],
  ['Merge', (b) => t(b, { rows: [{ id: 4, user_id: 'u4', n: 41 }, { id: 5, user_id: 'u5', n: 50 }] })],
  ['Update', (b) => t(b, { set: { state: 'done' }, where: { column: 'id', op: 'EQ', value: 1 } })],
  ['DeleteRows', (b) => t(b, { where: { column: 'id', op: 'IN', value: [2] } })],
  ['Query', (b) => t(b, { columns: ['id', 'n', 'state'], where: { or: [{ column: 'n', op: 'GE', value: 30 }, { column: 'state', op: 'EQ', value: 'done' }] }, orderBy: [{ column: 'id' }], freshness: 'FRESHNESS_STRONG' })],
  ['Execute', (b) => ({ bucket: b, sql: 'SELECT id, n, state FROM events ORDER BY id', freshness: 'FRESHNESS_STRONG' })],
  ['Execute', (b) => ({ bucket: b, sql: 'SELECT count(*) AS c FROM events WHERE n >= $1', params: [20], freshness: 'FRESHNESS_STRONG' })],
  ['Compact', (b) => t(b, { batchSize: '10000' })],
  ['DescribeTable', (b) => t(b)],
  ['ListTables', (b) => ({ bucket: b })],
  ['Optimize', (b) => t(b, { targetFileSizeMb: '128' })],
  ['Vacuum', (b) => t(b, { retentionHours: '168', dryRun: true })],
  ['History', (b) => t(b, { limit: 3 })],
  ['Diff', (b) => t(b, { version: '1' })], // wip/cdf (the feed itself: changes-wires.test.ts)
  ['Changes', (b) => t(b, { fromVersion: '0' })], // wip/cdf: events has no feed → ERR_CDF_NOT_ENABLED
  ['Restore', (b) => t(b, { version: '1' })],
  ['Query', (b) => t(b, { orderBy: [{ column: 'id', descending: true }], limit: '2' })],
  ['GetUsage', (b) => ({ bucket: b })],
  ['GetUsage', (b) => ({ bucket: b, since: 'yesterday' })],
  ['DisableEngine', (b) => ({ bucket: b })],
  ['Execute', (b) => ({ bucket: b, sql: 'SELECT 1 FROM events' })],
  ['EnableEngine', (b) => ({ bucket: b })],
  // wip/pipeline: a pipeline table with its scanner off (enabled: false), one object through TriggerIngest.
  ['CreateTablePipeline', (b) => ({ bucket: b, name: 'piped', globs: ['in/*.csv'], format: 'INGEST_FORMAT_CSV', enabled: false, columns: [{ name: 'id', type: 'COLUMN_TYPE_LONG' }] })],
  ['GetIngestRule', (b) => ({ bucket: b, tableName: 'piped' })],
  ['UpdateIngestRule', (b) => ({ bucket: b, tableName: 'piped', transform: 'SELECT id * 10 AS id FROM source' })],
  ['TriggerIngest', (b) => {
    mkdirSync(path.join(server.dataDir, b, 'in'), { recursive: true });
    writeFileSync(path.join(server.dataDir, b, 'in/a.csv'), 'id\n1\n2\n');
    return { bucket: b, tableName: 'piped', objectKey: 'in/a.csv' };
  }],
  ['ListIngestRuns', (b) => ({ bucket: b, tableName: 'piped' })],
  ['DescribeTable', (b) => t(b, { tableName: 'missing' })],
  ['Execute', (b) => ({ bucket: b, sql: 'SELEC 1' })],
  ['DropTable', (b) => t(b)],
  ['DropTable', (b) => t(b, { ifExists: true })],
  ['ListTables', (b) => ({ bucket: b })],
  // harden: token management (the server's admin token covers all buckets). Listed after the
  // revoke, so every wire sees the same tokens (the admin token only).
  ['CreateToken', (b) => ({ name: `tok-${b}`, buckets: [b], scope: 'read' })],
  ['RevokeToken', (b) => ({ name: `tok-${b}` })],
  ['ListTokens', () => ({})],
  ['RevokeToken', (b) => ({ name: `tok-${b}` })],
];

const outcomes = {} as Record<WireName, Outcome[]>;

describe('every RPC over every wire answers identically', () => {
  const names: WireName[] = ['rest', 'connect-json', 'connect-binary', 'grpc-web', 'grpc'];
  for (const wire of names) {
    it(`runs the scenario over ${wire}`, async () => {
      const bucket = `contract-${wire}`;
      outcomes[wire] = [];
      for (const [rpc, request] of SCENARIO) outcomes[wire].push(await wires[wire](rpc, request(bucket)));
      if (process.env.K3_CONTRACT_DEBUG) console.log(wire, JSON.stringify(outcomes[wire].map((o, i) => [SCENARIO[i]![0], o.error ?? o.json])).slice(0, 20000));
      // The scenario exercises successes and refusals alike.
      expect(outcomes[wire].filter((o) => o.error).map((o) => o.error!.code)).toEqual(['ERR_CDF_NOT_ENABLED', 'ERR_BAD_REQUEST', 'ERR_ENGINE_DISABLED', 'ERR_TABLE_NOT_FOUND', 'ERR_SQL_PARSE', 'ERR_TOKEN_NOT_FOUND']);
    });
  }

  it('covers every unary RPC of TableService', async () => {
    const { TableService } = await import('@k3/client');
    const unary = TableService.methods.filter((m) => m.methodKind === 'unary').map((m) => m.name).sort();
    expect([...new Set(SCENARIO.map(([rpc]) => rpc))].sort()).toEqual(unary);
  });

  for (const wire of names.filter((w) => w !== 'rest')) {
    it(`${wire} equals REST step by step`, () => {
      expect(outcomes.rest, 'the REST run must have finished').toHaveLength(SCENARIO.length);
      SCENARIO.forEach(([rpc], i) => {
        const strip = (o: Outcome, w: WireName) => normalize(o.error ? { error: o.error } : o.json, `contract-${w}`);
        expect(strip(outcomes[wire][i]!, wire), `step ${i} ${rpc}`).toEqual(strip(outcomes.rest[i]!, 'rest'));
      });
    });
  }

  it('wip/pipeline: TriggerIngest ingested the object through the updated rule', () => {
    const run = outcomes.rest[SCENARIO.findIndex(([rpc]) => rpc === 'TriggerIngest')]!.json!;
    expect(run).toMatchObject({ objectKey: 'in/a.csv', status: 'INGEST_RUN_STATUS_SUCCEEDED', rows: '2', deltaVersion: '1', trigger: 'INGEST_TRIGGER_MANUAL' });
    const runs = outcomes.rest[SCENARIO.findIndex(([rpc]) => rpc === 'ListIngestRuns')]!.json as { runs: unknown[] };
    expect(runs.runs).toHaveLength(1);
  });

  it('REST answers the registry status of each refusal; int64 are strings on every success', () => {
    const refusals = outcomes.rest.filter((o) => o.error) as Array<{ httpStatus?: number; error: { code: string } }>;
    expect(refusals.map((o) => [o.error.code, o.httpStatus])).toEqual([['ERR_CDF_NOT_ENABLED', 400], ['ERR_BAD_REQUEST', 400], ['ERR_ENGINE_DISABLED', 409], ['ERR_TABLE_NOT_FOUND', 404], ['ERR_SQL_PARSE', 400], ['ERR_TOKEN_NOT_FOUND', 404]]);
    // The CreateToken answer carries the secret; ListTokens never does.
    const created = outcomes.rest[SCENARIO.findIndex(([rpc]) => rpc === 'CreateToken')]!.json as { token: string; info: Record<string, unknown> };
    expect(created.token).toMatch(/^k3_[A-Za-z0-9_-]{43}$/);
    expect(created.info).toMatchObject({ name: 'tok-contract-rest', buckets: ['contract-rest'], allBuckets: false, scope: 'read' });
    const listed = outcomes.rest[SCENARIO.findIndex(([rpc]) => rpc === 'ListTokens')]!.json as { tokens: Array<Record<string, unknown>> };
    expect(listed.tokens.map((x) => [x.name, x.allBuckets, x.scope])).toEqual([['admin', true, 'admin']]);
    expect(JSON.stringify(listed)).not.toMatch(/k3_|sha256|scram/);
    const compact = outcomes.rest[SCENARIO.findIndex(([rpc]) => rpc === 'Compact')]!.json!;
    expect(compact).toMatchObject({ tableName: 'events', truncated: false });
    expect(typeof compact.walEntriesProcessed).toBe('string');
    const query = outcomes.rest[SCENARIO.findIndex(([rpc]) => rpc === 'Query')]!.json as { query: { rows: unknown[][]; rowCount: string; strategy: string } };
    expect(query.query.rows).toEqual([[1, 10, 'done'], [3, 30, 'new'], [4, 41, 'new'], [5, 50, 'new']].map(([id, n, s]) => [String(id), n, s]));
    expect(query.query.rowCount).toBe('4');
    // GetUsage: the bucket's metered calls so far (the Execute steps before it), int64 as strings.
    const usage = outcomes.rest[SCENARIO.findIndex(([rpc]) => rpc === 'GetUsage')]!.json!;
    const executed = SCENARIO.slice(0, SCENARIO.findIndex(([rpc]) => rpc === 'GetUsage')).filter(([rpc]) => rpc === 'Execute').length;
    expect(usage).toMatchObject({ bucket: 'contract-rest', since: '0', until: String(Number.MAX_SAFE_INTEGER), calls: String(executed) });
    expect(typeof usage.cpuMs).toBe('string');
    expect(usage.cost).toBeUndefined();
  });
});

describe('streamed results', () => {
  const sql = 'SELECT range AS i, range * 2 AS j FROM range(2500)';

  it('ExecuteStream over Connect and gRPC carries the unary rows in batches, then the summary', async () => {
    const unary = await wires.rest('Execute', { bucket: 'contract-rest', sql });
    const rows = (unary.json as { query: { rows: unknown[][] } }).query.rows;
    expect(rows).toHaveLength(2500);
    for (const transport of [createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }), createGrpcTransport({ baseUrl: grpcUrl })]) {
      const chunks = await streamOver(transport, 'ExecuteStream', { bucket: 'contract-rest', sql }, authHeaders(server.url));
      expect(Object.keys(chunks[0]!)).toEqual(['header']);
      const batches = chunks.filter((c) => 'batch' in c).map((c) => (c.batch as { rows: unknown[][] }).rows);
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.flat()).toEqual(rows);
      const summary = chunks.at(-1)!.summary as { query: { rows: unknown[]; rowCount: string } };
      expect(summary.query).toMatchObject({ rows: [], rowCount: '2500' });
    }
  });

  it('REST answers NDJSON (the same chunks, one per line) and Arrow IPC when asked', async () => {
    const res = await k3fetch(`${server.url}/contract-rest/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' }, body: JSON.stringify({ sql }) });
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const streamed = await streamOver(createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }), 'ExecuteStream', { bucket: 'contract-rest', sql }, authHeaders(server.url));
    expect(normalize(lines, 'x')).toEqual(normalize(streamed, 'x'));

    const { tableFromIPC } = await import('apache-arrow');
    const arrow = await k3fetch(`${server.url}/contract-rest/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/vnd.apache.arrow.stream' }, body: JSON.stringify({ sql }) });
    expect(arrow.headers.get('content-type')).toContain('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(2500);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['i', 'j']);
    expect(Number(table.get(2499)!.toJSON().j)).toBe(4998);
  });

  it('an error before the first row is a plain error on every wire', async () => {
    const res = await k3fetch(`${server.url}/contract-rest/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' }, body: JSON.stringify({ sql: 'SELEC 1' }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('ERR_SQL_PARSE');
    await expect(streamOver(createGrpcTransport({ baseUrl: grpcUrl }), 'ExecuteStream', { bucket: 'contract-rest', sql: 'SELEC 1' }, authHeaders(server.url))).rejects.toMatchObject({ code: 3 });
  });
});
