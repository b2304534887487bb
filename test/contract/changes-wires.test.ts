/**
 * The Change Data Feed RPCs (Changes, Diff) over REST (pbjson, the routes' own query names),
 * Connect JSON, Connect binary, gRPC-Web and native gRPC against one started server: each wire runs
 * the same scenario in a bucket of its own — a feed-enabled keyed table written by INSERT, UPDATE,
 * DELETE and a keyless UPDATE, the feed paged to the end two rows at a time (timestamp bounds
 * too), diffs against HEAD and between two versions, refusals, and a VACUUM that makes an old
 * range unreadable — and every step's outcome must equal REST's once the bucket name and the
 * commit clock (`_commit_timestamp` values) are normalized away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, startServer, type StartedServer } from '../support/server.ts';
import { connectBinaryCaller, connectJsonCaller, freePort, grpcCaller, grpcWebCaller, normalize, restCaller, type Caller, type Outcome, type WireName } from './wire-clients.ts';

let server: StartedServer;
const wires = {} as Record<WireName, Caller>;
const NAMES: WireName[] = ['rest', 'connect-json', 'connect-binary', 'grpc-web', 'grpc'];

beforeAll(async () => {
  const port = await freePort();
  server = await startServer({ K3_GRPC_PORT: String(port) });
  const auth = authHeaders(server.url);
  wires.rest = restCaller(server.url, auth);
  wires['connect-json'] = connectJsonCaller(server.url, auth);
  wires['connect-binary'] = connectBinaryCaller(server.url, auth);
  wires['grpc-web'] = grpcWebCaller(server.url, auth);
  wires.grpc = grpcCaller(`http://127.0.0.1:${port}`, auth);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

type ChangesPage = { columns: Array<{ name: string }>; rows: unknown[][]; nextPageToken?: string; fromVersion: string; toVersion: string };

/** `_commit_timestamp` values differ per run (the clock): replaced by a marker, the rest kept. */
function withoutClock(o: Outcome): Outcome {
  const page = o.json as ChangesPage | undefined;
  if (page?.columns === undefined || !Array.isArray(page.rows)) return o;
  const ti = page.columns.findIndex((c) => c.name === '_commit_timestamp');
  return { json: { ...page, rows: page.rows.map((r) => r.map((v, i) => (i === ti ? (typeof v === 'string' && v !== '' ? '<ts>' : v) : v))) } };
}

async function run(wire: WireName): Promise<{ steps: Array<[string, Outcome]>; paged: unknown[][] }> {
  const call = wires[wire];
  const b = `cdf-${wire}`;
  const steps: Array<[string, Outcome]> = [];
  const step = async (label: string, rpc: string, req: Record<string, unknown>): Promise<Outcome> => {
    const out = withoutClock(await call(rpc, { bucket: b, ...req }));
    steps.push([label, out]);
    return out;
  };
  const sql = async (text: string): Promise<void> => {
    const out = await call('Execute', { bucket: b, sql: text });
    expect(out.error, `${wire}: ${text}`).toBeUndefined();
  };
  // Keyed writes go to the write log: a Compact makes each one a version of its own.
  const drained = async (text: string): Promise<void> => {
    await sql(text);
    const out = await call('Compact', { bucket: b, tableName: 'orders' });
    expect(out.error, `${wire}: compact after ${text}`).toBeUndefined();
  };
  await sql("CREATE TABLE orders (id BIGINT PRIMARY KEY, status VARCHAR, qty INTEGER) WITH ('delta.enableChangeDataFeed' = true)"); // v0
  await drained("INSERT INTO orders VALUES (1, 'new', 1), (2, 'new', 2), (3, 'new', 3)"); // v1
  await drained("UPDATE orders SET status = 'paid' WHERE id = 2"); // v2
  await drained('DELETE FROM orders WHERE id = 3'); // v3
  await sql("UPDATE orders SET qty = qty * 10 WHERE status = 'new'"); // v4: not by key, straight to Delta
  const t = { tableName: 'orders' };
  const history = await call('History', { bucket: b, tableName: 'orders', limit: 1 });
  const head = (history.json as { entries: Array<{ version: string; timestamp: string }> }).entries[0]!;
  expect(head.version).toBe('4');

  // The whole feed, two rows a page: the token carries the range.
  const paged: unknown[][] = [];
  let page = await step('changes first page', 'Changes', { ...t, fromVersion: '0', pageSize: 2 });
  for (let i = 0; i < 20 && page.json !== undefined; i++) {
    paged.push(...(page.json as ChangesPage).rows);
    const token = (page.json as ChangesPage).nextPageToken;
    if (token === undefined || token === '') break;
    page = await step(`changes page ${i + 2}`, 'Changes', { ...t, pageToken: token, pageSize: 2 });
  }
  await step('changes one version', 'Changes', { ...t, fromVersion: '2', toVersion: '2' });
  await step('changes polling at the head', 'Changes', { ...t, fromVersion: '5' });
  await step('changes up to the time of the last commit', 'Changes', { ...t, fromVersion: '3', toTimestamp: new Date(Number(head.timestamp)).toISOString() });
  await step('diff against HEAD', 'Diff', { ...t, version: '1' });
  await step('diff between two versions', 'Diff', { ...t, version: '1', toVersion: '2', limit: 1 });
  await step('changes without a start', 'Changes', t);
  await step('changes past the last version', 'Changes', { ...t, fromVersion: '0', toVersion: '99' });
  await step('changes of a missing table', 'Changes', { tableName: 'nope', fromVersion: '0' });
  await step('diff without a version', 'Diff', t);
  await step('changes with a bad token', 'Changes', { ...t, pageToken: 'garbage' });
  await sql('CREATE TABLE plain (id INTEGER)');
  await step('changes of a table without the feed', 'Changes', { tableName: 'plain', fromVersion: '0' });
  const vacuum = await call('Vacuum', { bucket: b, tableName: 'orders', retentionHours: 0, disableRetentionCheck: true });
  expect(vacuum.error, JSON.stringify(vacuum)).toBeUndefined();
  await step('changes of a vacuumed range', 'Changes', { ...t, fromVersion: '2', toVersion: '2' });
  return { steps, paged };
}

describe('Changes and Diff answer identically on every wire', () => {
  const results = {} as Record<WireName, Awaited<ReturnType<typeof run>>>;
  for (const wire of NAMES) {
    it(`runs the scenario over ${wire}`, async () => {
      results[wire] = await run(wire);
      const { steps, paged } = results[wire];
      // Not vacuous: the feed has every change of v1..v4 and the refusals are the documented ones.
      const types = paged.map((r) => `${String(r[0])}:${String(r[3])}@${String(r[4])}`);
      expect(types).toEqual(['1:insert@1', '2:insert@1', '3:insert@1', '2:update_preimage@2', '2:update_postimage@2', '3:delete@3', '1:update_preimage@4', '1:update_postimage@4']);
      const errors = steps.filter(([, o]) => o.error).map(([label, o]) => [label, o.error!.code]);
      expect(errors).toEqual([
        ['changes without a start', 'ERR_BAD_REQUEST'],
        ['changes past the last version', 'ERR_DELTA_VERSION_NOT_FOUND'],
        ['changes of a missing table', 'ERR_TABLE_NOT_FOUND'],
        ['diff without a version', 'ERR_BAD_REQUEST'],
        ['changes with a bad token', 'ERR_BAD_REQUEST'],
        ['changes of a table without the feed', 'ERR_CDF_NOT_ENABLED'],
        ['changes of a vacuumed range', 'ERR_DELTA_DATA_FILE_MISSING'],
      ]);
      const get = (label: string) => steps.find(([l]) => l === label)![1].json as Record<string, unknown>;
      expect(get('changes polling at the head')).toMatchObject({ fromVersion: '5', toVersion: '4', rows: [] });
      expect(get('changes up to the time of the last commit')).toMatchObject({ fromVersion: '3', toVersion: '4' });
      expect((get('changes up to the time of the last commit').rows as unknown[][]).map((r) => r[3])).toEqual(['delete', 'update_preimage', 'update_postimage']);
      expect(get('diff against HEAD')).toMatchObject({ fromVersion: '1', toVersion: '4', keyColumns: ['id'], added: '0', removed: '1', changed: '2', truncated: false });
      expect(get('diff between two versions')).toMatchObject({ fromVersion: '1', toVersion: '2', added: '0', removed: '0', changed: '1', truncated: false });
      expect(get('diff between two versions').rows).toEqual([{ change: 'changed', key: { id: '2' }, before: { id: '2', status: 'new', qty: 2 }, after: { id: '2', status: 'paid', qty: 2 } }]);
    }, 120_000);
  }

  for (const wire of NAMES.filter((w) => w !== 'rest')) {
    it(`${wire} equals REST step by step`, () => {
      const rest = results.rest?.steps;
      expect(rest, 'the REST run must have finished').toBeDefined();
      const mine = results[wire]!.steps;
      expect(mine.map(([l]) => l)).toEqual(rest!.map(([l]) => l));
      mine.forEach(([label, o], i) => {
        // REST names a refused field by where it was (`querystring.version`), the RPC wires by its
        // name; a missing file's name is random (a uuid) per run.
        const message = (m: string) => m.replace('querystring.', '').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
        const strip = (x: Outcome, w: WireName) => normalize(x.error ? { error: { ...x.error, message: message(x.error.message) } } : x.json, `cdf-${w}`);
        expect(strip(o, wire), label).toEqual(strip(rest![i]![1], 'rest'));
      });
    });
  }

  it('REST answers the registry status of each refusal and keeps the short query names', async () => {
    const rest = results.rest!.steps;
    const status = (label: string) => (rest.find(([l]) => l === label)![1] as { httpStatus?: number }).httpStatus;
    expect(status('changes without a start')).toBe(400);
    expect(status('changes past the last version')).toBe(404);
    expect(status('changes of a table without the feed')).toBe(400);
    expect(status('changes of a vacuumed range')).toBe(410);
    const headers = authHeaders(server.url);
    // After the VACUUM (v5 START, v6 END: no data changes) the short names read the newest range.
    const short = await fetch(`${server.url}/cdf-rest/tables/orders/changes?from=5&to=6`, { headers });
    expect(short.status).toBe(200);
    expect(await short.json()).toMatchObject({ fromVersion: '5', toVersion: '6', rows: [] });
    const twice = await fetch(`${server.url}/cdf-rest/tables/orders/changes?from=4&from_version=4`, { headers });
    expect(twice.status).toBe(400);
    expect(await twice.json()).toMatchObject({ code: 'ERR_BAD_REQUEST', details: { field: 'querystring.from' } });
  });
});
