/**
 * Request bodies against a started server:
 * - every request printed in seeds 002 (maintenance API reference) is sent VERBATIM — string
 *   int64s, repeated bucket / tableName — to `kb-prod/events`, and answers the seed's response
 *   shape (the one exception, Restore by a timestamp of May 2026, is decoded and reaches the
 *   engine, which refuses it because this table's history starts later: asserted as such);
 * - fuzz: every RPC over REST and Connect JSON with wrong types per field (generated from the
 *   request descriptors), unknown fields, missing required fields and oversized bodies answers a
 *   4xx with an ERR_* code, and nothing changes (tables, rows, history, engine state).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScalarType, type DescField } from '@bufbuild/protobuf';
import { TableService } from '@k3/client';
import { authHeaders, startServer, type StartedServer } from '../support/server.ts';
import { REST_ROUTES } from '../../services/coordinator/src/rest/rest-routes.ts';

let server: StartedServer;
const B = 'kb-prod';
const BODY_LIMIT = 64 * 1024;

const post = async (path: string, body: string | object) => {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(server.url) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`, { headers: authHeaders(server.url) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
const sql = (statement: string) => post(`/${B}/tables/_execute`, { sql: statement });

beforeAll(async () => {
  server = await startServer({ K3_BODY_LIMIT: `${BODY_LIMIT}B` });
  // The seeds' events table (001), unpartitioned so Z-order may cluster by event_type.
  expect((await sql('CREATE TABLE events (id BIGINT NOT NULL, user_id VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL, event_type VARCHAR NOT NULL, payload JSON, PRIMARY KEY (id, user_id))')).status).toBe(200);
  // 41 drained writes: versions 1..41, so the seed's Restore to version 40 exists.
  for (let i = 1; i <= 41; i++) {
    const w = await sql(`INSERT INTO events VALUES (${i}, 'u-${i % 7}', TIMESTAMP '2026-05-27 10:00:00' + INTERVAL ${i} MINUTE, '${i % 2 ? 'click' : 'purchase'}', '{"i": ${i}}')`);
    expect(w.status).toBe(200);
    expect((await post(`/${B}/tables/events/_compact`, {})).status).toBe(200);
  }
}, 300_000);
afterAll(async () => {
  await server?.stop();
});

/** The keys of each seed response (002), which our answer must carry. */
const SEED_KEYS = {
  optimize: ['version', 'optimizeType', 'filesAdded', 'filesRemoved', 'partitionsOptimized', 'totalConsideredFiles', 'totalFilesSkipped', 'numBatches', 'bytesAdded', 'bytesRemoved'],
  vacuum: ['version', 'filesDeleted', 'filesDeletedPaths', 'dryRun'],
  compact: ['tableName', 'walEntriesProcessed', 'walUniqueKeys', 'rowsMerged', 'rowsRejected', 'tombstonesSeen', 'truncated', 'lastDrainTargetVersion'],
  restore: ['versionBefore', 'versionAfter'],
  history: ['currentVersion', 'entries', 'hasMore', 'oldestReturnedVersion'],
};

describe('seeds 002: every printed request, verbatim', () => {
  const cases: Array<[string, string, string, keyof typeof SEED_KEYS]> = [
    ['Optimize bin-pack', '/kb-prod/tables/events/optimize', '{\n"bucket": "kb-prod",\n"tableName": "events",\n"targetFileSizeMb": "128"\n}', 'optimize'],
    ['Optimize Z-order', '/kb-prod/tables/events/optimize', '{\n"bucket": "kb-prod",\n"tableName": "events",\n"zOrderColumns": ["event_type", "user_id"]\n}', 'optimize'],
    ['Vacuum dry run', '/kb-prod/tables/events/vacuum', '{\n"bucket": "kb-prod",\n"tableName": "events",\n"retentionHours": "168",\n"dryRun": true\n}', 'vacuum'],
    ['Vacuum real run', '/kb-prod/tables/events/vacuum', '{\n"bucket": "kb-prod",\n"tableName": "events",\n"retentionHours": "168"\n}', 'vacuum'],
    ['Compact', '/kb-prod/tables/events/_compact', '{\n"bucket": "kb-prod",\n"tableName": "events",\n"batchSize": "10000"\n}', 'compact'],
    ['Restore by version', '/kb-prod/tables/events/restore', '{\n"bucket": "kb-prod",\n"tableName": "events",\n"version": "40"\n}', 'restore'],
  ];
  for (const [name, path, body, kind] of cases) {
    it(`${name}: ${body.replaceAll('\n', ' ')}`, async () => {
      const res = await post(path, body);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(Object.keys(res.json)).toEqual(expect.arrayContaining(SEED_KEYS[kind]));
      for (const [k, v] of Object.entries(res.json)) if (typeof v === 'number') throw new Error(`${k} is a JSON number; int64 must be a string`);
    });
  }

  it('Restore by timestamp: decoded and handed to the engine, which refuses a time before this table existed', async () => {
    const res = await post('/kb-prod/tables/events/restore', '{\n"bucket": "kb-prod",\n"tableName": "events",\n"restoreTimestamp": "2026-05-27T08:00:00Z"\n}');
    expect(res.json.code).toBe(Date.now() > Date.parse('2026-05-27T08:00:00Z') ? 'ERR_DELTA_TIMESTAMP_OUT_OF_RANGE' : undefined);
  });

  it('History: ?limit=50 and ?limit=50&before_version=20', async () => {
    const recent = await get('/kb-prod/tables/events/history?limit=50');
    expect(recent.status).toBe(200);
    expect(Object.keys(recent.json)).toEqual(expect.arrayContaining(SEED_KEYS.history));
    const page = await get('/kb-prod/tables/events/history?limit=50&before_version=20');
    expect(page.status).toBe(200);
    const versions = (page.json.entries as Array<{ version: string }>).map((e) => Number(e.version));
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
  });
});

/** A value of the wrong JSON type for a field (undefined: any JSON fits, e.g. google.protobuf.Value). */
function wrongValue(f: DescField): unknown {
  if (f.fieldKind === 'list') return 'not-a-list';
  if (f.fieldKind === 'map') return 'not-a-map';
  if (f.fieldKind === 'enum') return 'NOT_A_VALUE';
  if (f.fieldKind === 'message') return f.message.typeName === 'google.protobuf.Value' ? undefined : 'not-an-object';
  if (f.scalar === ScalarType.STRING) return 42;
  if (f.scalar === ScalarType.BOOL) return 'yes';
  return 'twelve';
}

describe('fuzz: bad bodies answer 4xx ERR_* and change nothing', () => {
  const state = async () => ({
    tables: (await get(`/${B}/tables`)).json,
    rows: (await sql('SELECT * FROM events ORDER BY id, user_id')).json,
    history: (await get(`/${B}/tables/events/history?limit=1000`)).json,
    engine: (await get(`/${B}/engine`)).json,
  });
  const strip = (s: Awaited<ReturnType<typeof state>>) => JSON.parse(JSON.stringify(s, (k, v) => (['timings', 'usage', 'walOldestEntryAgeMs', 'updatedAt'].includes(k) ? undefined : v)));

  it('over REST and Connect JSON, for every RPC', async () => {
    const before = strip(await state());
    const refusals: string[] = [];
    const expect4xx = (what: string, status: number, body: Record<string, unknown>) => {
      refusals.push(`${what}: ${status} ${String(body.code)}`);
      expect(status, `${what} → ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
      expect(status, what).toBeLessThan(500);
      expect(String(body.code), what).toMatch(/^ERR_[A-Z_]+$/);
    };
    for (const method of TableService.methods) {
      // Streaming RPCs have no route of their own (REST streams through Accept on Execute / Query).
      const route = REST_ROUTES.find((r) => r.rpc === method.localName) ?? { method: 'NONE', url: '' };
      const bodies: Array<[string, Record<string, unknown>]> = [['unknown field', { zzzUnknown: 1 }]];
      for (const f of method.input.fields) {
        const bad = wrongValue(f);
        if (bad !== undefined && f.name !== 'bucket' && f.name !== 'table_name') bodies.push([`${f.jsonName} of the wrong type`, { [f.jsonName]: bad }]);
      }
      for (const [what, body] of bodies) {
        const label = `${method.name} ${what}`;
        if (route.method === 'POST') {
          const url = route.url.replace(':bucket', B).replace(':table', 'events');
          const rest = await post(url, body);
          expect4xx(`REST ${label}`, rest.status, rest.json);
        } else if (route.method !== 'NONE' && typeof Object.values(body)[0] !== 'object' && !(what.endsWith('wrong type') && typeof Object.values(body)[0] === 'number')) {
          // A query string carries text only: a string field cannot be of the wrong type there
          // (GetUsage's since/until refuse bad text instead: test/contract/wires.test.ts).
          const url = route.url.replace(':bucket', B).replace(':table', 'events');
          const query = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]));
          const res = await fetch(`${server.url}${url}?${query}`, { method: route.method, headers: authHeaders(server.url) });
          expect4xx(`REST ${label}`, res.status, (await res.json()) as Record<string, unknown>);
        }
        // Connect's unary JSON protocol; streaming RPCs take the enveloped connect+json form.
        if (method.methodKind === 'unary') {
          const connect = await post(`/${TableService.typeName}/${method.name}`, { bucket: B, tableName: 'events', ...body });
          expect(connect.status, `Connect ${label}`).toBeGreaterThanOrEqual(400);
          expect(connect.status, `Connect ${label}`).toBeLessThan(500);
        }
      }
    }
    // Missing required fields (the path gives bucket and table).
    for (const [path, body] of [
      ['_execute', {}], ['', {}], ['', { name: 'x' }], ['', { name: 'x', columns: [{ name: 'a' }] }],
      ['events/update', { set: { payload: '{}' } }], ['events/update', { where: { column: 'id', op: 'EQ', value: 1 } }], ['events/delete-rows', {}], ['events/insert', { rows: [{}] }],
      ['events/restore', {}], ['events/query', { where: { column: 'id' } }],
    ] as const) {
      const res = await post(`/${B}/tables${path === '' ? '' : `/${path}`}`, body);
      expect4xx(`REST missing in ${path || 'CreateTable'} ${JSON.stringify(body)}`, res.status, res.json);
    }
    // Path contradictions, on every route that repeats bucket / tableName.
    for (const route of REST_ROUTES.filter((r) => r.method === 'POST')) {
      const url = route.url.replace(':bucket', B).replace(':table', 'events');
      const other = await post(url, { bucket: 'other-bucket' });
      expect4xx(`REST ${route.url} other bucket`, other.status, other.json);
      if (route.url.includes(':table')) {
        const t = await post(url, { tableName: 'other_table' });
        expect4xx(`REST ${route.url} other table`, t.status, t.json);
        expect(t.json.code).toBe('ERR_BAD_REQUEST');
      }
    }
    // Oversized bodies.
    const huge = { rows: [{ id: 1, user_id: 'x'.repeat(BODY_LIMIT) }] };
    const rest = await post(`/${B}/tables/events/insert`, huge);
    expect4xx('REST oversized', rest.status, rest.json);
    expect(rest.status).toBe(413);
    const connect = await post(`/${TableService.typeName}/Insert`, { bucket: B, tableName: 'events', ...huge });
    expect(connect.status).toBeGreaterThanOrEqual(400);
    expect(refusals.length).toBeGreaterThan(80);
    expect(strip(await state())).toEqual(before);
  }, 300_000);
});
