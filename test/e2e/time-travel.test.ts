/**
 * End-to-end time travel over HTTP (seeds 002, issue "Time travel and table maintenance"), on a
 * started server: versions are built with INSERT, MERGE, OPTIMIZE, a schema change (ADD COLUMN),
 * DELETE and RESTORE; the table's contents are recorded after each one; then every version is read
 * back with AS OF VERSION and AS OF TIMESTAMP (the timestamps History reports) and must equal what
 * the table showed then. RESTORE and restore forward, History pages, and the clear errors. Every
 * response is validated against the server's own OpenAPI document.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '@k3/core/delta';
import { LocalObjectStore } from '@k3/core/object-store';
import { createResponseValidator, type ResponseValidator } from '../support/openapi-validator.ts';
import { k3fetch, execute, startServer, type ExecuteBody, type StartedServer } from '../support/server.ts';

const BUCKET = 'time-travel';
let server: StartedServer;
let conforms: ResponseValidator;

beforeAll(async () => {
  // Checkpoints every 3 commits: versions open from a checkpoint plus a few commits, and History pages cross them.
  server = await startServer({ K3_DELTA_CHECKPOINT_INTERVAL: '3' });
  conforms = await createResponseValidator(server.url);
});
afterAll(async () => {
  await server?.stop();
});

async function k3(sql: string): Promise<ExecuteBody> {
  const res = await execute(server.url, BUCKET, sql);
  expect(res.status, `${sql}\n→ ${JSON.stringify(res.body)}`).toBe(200);
  expect(conforms('ExecuteResponse', res.body)).toBeUndefined();
  return res.body;
}

async function refused(sql: string): Promise<{ status: number; code: string | undefined }> {
  const res = await execute(server.url, BUCKET, sql);
  expect(conforms('ErrorBody', res.body)).toBeUndefined();
  return { status: res.status, code: res.body.code };
}

async function api(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await k3fetch(`${server.url}/${BUCKET}/tables/${route}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const SELECT_ALL = 'SELECT * FROM events ORDER BY id';

/** version → { columns, rows } of SELECT_ALL at that version, recorded as the table was built. */
const seen = new Map<number, { columns: string[]; rows: unknown[][] }>();

async function record(version: string | undefined): Promise<number> {
  const v = Number(version);
  const q = (await k3(SELECT_ALL)).query!;
  expect(q.version).toBe(String(v));
  seen.set(v, { columns: q.columns.map((c) => c.name), rows: q.rows });
  return v;
}

async function fileCount(): Promise<number> {
  return (await loadSnapshot(new LocalObjectStore(path.join(server.dataDir, BUCKET)), 'tables/events/')).files.length;
}

interface HistoryPage {
  currentVersion: string;
  entries: Array<{ version: string; timestamp: string; operation: string; readVersion: string; operationMetrics: Record<string, string> }>;
  hasMore: boolean;
  oldestReturnedVersion?: string;
}

async function history(query: string): Promise<HistoryPage> {
  const res = await api('GET', `events/history${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(conforms('HistoryResponse', res.body)).toBeUndefined();
  return res.body as unknown as HistoryPage;
}

describe('time travel over HTTP', () => {
  it('builds versions with INSERT, MERGE, OPTIMIZE, ADD COLUMN, DELETE', async () => {
    await record((await k3('CREATE TABLE events (id INTEGER, kind VARCHAR, amount DOUBLE)')).ddl!.version);
    await record((await k3("INSERT INTO events VALUES (1, 'click', 1.5), (2, 'view', 2.5), (3, 'click', 3.5)")).write!.version);
    await record((await k3("INSERT INTO events VALUES (4, 'buy', 40.0), (5, 'view', 5.5)")).write!.version);
    await record((await k3("INSERT INTO events VALUES (6, 'view', 6.0)")).write!.version);
    await record((await k3(
      "MERGE INTO events USING (VALUES (2, 'view', 20.0), (7, 'buy', 70.0)) AS s(id, kind, amount) ON events.id = s.id "
      + 'WHEN MATCHED THEN UPDATE SET amount = s.amount WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.kind, s.amount)',
    )).write!.version);

    const filesBefore = await fileCount();
    const opt = await api('POST', 'events/optimize', { bucket: BUCKET, tableName: 'events' });
    expect(opt.status, JSON.stringify(opt.body)).toBe(200);
    expect(conforms('OptimizeResponse', opt.body)).toBeUndefined();
    expect(opt.body.optimizeType).toBe('compact');
    expect(Number(opt.body.filesRemoved)).toBeGreaterThan(1);
    const optimized = await record(opt.body.version as string);
    expect(await fileCount()).toBeLessThan(filesBefore);
    // OPTIMIZE changes no result: the version it wrote reads exactly like the one before it.
    expect(seen.get(optimized)).toEqual(seen.get(optimized - 1));

    await record((await k3('ALTER TABLE events ADD COLUMN note VARCHAR')).ddl!.version);
    await record((await k3("INSERT INTO events VALUES (8, 'click', 8.0, 'late')")).write!.version);
    await record((await k3('DELETE FROM events WHERE id = 1')).write!.version);
    expect(seen.size).toBe(9);
  });

  it('reads every version back with AS OF VERSION, VERSION AS OF and AT (VERSION => n)', async () => {
    for (const [v, expected] of seen) {
      for (const form of [`AS OF VERSION ${v}`, `VERSION AS OF ${v}`, `AT (VERSION => ${v})`]) {
        const q = (await k3(`SELECT * FROM events ${form} ORDER BY id`)).query!;
        expect(q.columns.map((c) => c.name), form).toEqual(expected.columns);
        expect(q.rows, form).toEqual(expected.rows);
        expect(q.versions).toEqual({ events: String(v) });
        expect(q.version).toBe(String(v));
      }
    }
  });

  it('reads every version back with AS OF TIMESTAMP (History timestamps)', async () => {
    const page = await history('?limit=100');
    expect(page.entries.map((e) => Number(e.version))).toEqual([...seen.keys()].reverse());
    for (const e of page.entries) {
      const iso = new Date(Number(e.timestamp)).toISOString();
      const q = (await k3(`SELECT * FROM events AS OF TIMESTAMP '${iso}' ORDER BY id`)).query!;
      expect(q.rows, iso).toEqual(seen.get(Number(e.version))!.rows);
      expect(q.version).toBe(e.version);
    }
  });

  it('reads one table at two versions in one statement, and reports both', async () => {
    const versions = [...seen.keys()];
    const [a, b] = [versions[2]!, versions[4]!];
    const q = (await k3(`SELECT o.id, o.amount AS old_amount, n.amount AS new_amount FROM events AS OF VERSION ${a} AS o JOIN events AT (VERSION => ${b}) AS n USING (id) ORDER BY o.id`)).query!;
    const old = new Map(seen.get(a)!.rows.map((r) => [r[0], r[2]]));
    const now = new Map(seen.get(b)!.rows.map((r) => [r[0], r[2]]));
    expect(q.rows).toEqual([...old.keys()].filter((id) => now.has(id)).map((id) => [id, old.get(id), now.get(id)]));
    expect(q.versions).toEqual({ [`events@v${a}`]: String(a), [`events@v${b}`]: String(b) });
    const mixed = (await k3(`SELECT count(*) FROM events WHERE id NOT IN (SELECT id FROM events AS OF VERSION ${a})`)).query!;
    expect(mixed.versions).toEqual({ events: String(versions[versions.length - 1]), [`events@v${a}`]: String(a) });
  });

  it('refuses versions that do not exist and times outside the log, clearly', async () => {
    expect(await refused('SELECT * FROM events AS OF VERSION 999')).toEqual({ status: 404, code: 'ERR_DELTA_VERSION_NOT_FOUND' });
    expect(await refused("SELECT * FROM events AS OF TIMESTAMP '2000-01-01T00:00:00Z'")).toEqual({ status: 404, code: 'ERR_DELTA_TIMESTAMP_OUT_OF_RANGE' });
    expect(await refused("SELECT * FROM events AS OF TIMESTAMP 'yesterday'")).toEqual({ status: 400, code: 'ERR_BAD_REQUEST' });
    expect(await refused('SELECT * FROM nope AS OF VERSION 1')).toEqual({ status: 404, code: 'ERR_TABLE_NOT_FOUND' });
  });

  it('RESTORE over HTTP and in SQL, and restore forward', async () => {
    const versions = [...seen.keys()];
    const latest = versions[versions.length - 1]!;
    const target = versions[3]!;
    const res = await api('POST', 'events/restore', { version: String(target) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(conforms('RestoreResponse', res.body)).toBeUndefined();
    expect(res.body).toEqual({ versionBefore: String(latest), versionAfter: String(latest + 1) });
    const restored = await record(res.body.versionAfter as string);
    expect(seen.get(restored)).toEqual(seen.get(target)); // schema back to three columns too

    // Forward again, by timestamp, in SQL: to the version before the restore.
    const page = await history('?limit=2');
    expect(page.entries[0]!.operation).toBe('RESTORE');
    expect(page.entries[0]!.operationMetrics.numRestoredFiles).toMatch(/^\d+$/);
    const iso = new Date(Number(page.entries[1]!.timestamp)).toISOString();
    const ddl = (await k3(`RESTORE TABLE events TO TIMESTAMP '${iso}'`)).ddl!;
    expect(ddl.action).toBe('RESTORE_TABLE');
    expect(ddl.versionBefore).toBe(String(restored));
    expect(ddl.versionAfter).toBe(String(restored + 1));
    const forward = await record(ddl.version);
    expect(seen.get(forward)).toEqual(seen.get(latest));
    expect(ddl.table?.columns.map((c) => c.name)).toEqual(['id', 'kind', 'amount', 'note']);
  });

  it('refuses malformed restores', async () => {
    for (const body of [{}, { version: '1', restoreTimestamp: '2026-01-01T00:00:00Z' }, { version: 'x' }, { restoreTimestamp: 'soon' }, { tableName: 'other', version: '1' }, { bucket: 'other', version: '1' }]) {
      const res = await api('POST', 'events/restore', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('ERR_BAD_REQUEST');
    }
    expect((await api('POST', 'events/restore', { version: '999' })).body.code).toBe('ERR_DELTA_VERSION_NOT_FOUND');
    expect((await api('POST', 'nope/restore', { version: '0' })).body.code).toBe('ERR_TABLE_NOT_FOUND');
  });

  it('pages History backwards exactly over the versions', async () => {
    const all = [...seen.keys()].sort((x, y) => y - x);
    const got: number[] = [];
    let cursor = '';
    for (;;) {
      const page = await history(`?limit=3${cursor}`);
      expect(page.currentVersion).toBe(String(all[0]));
      got.push(...page.entries.map((e) => Number(e.version)));
      if (!page.hasMore) break;
      expect(page.oldestReturnedVersion).toBe(page.entries[page.entries.length - 1]!.version);
      cursor = `&before_version=${page.oldestReturnedVersion}`;
    }
    expect(got).toEqual(all);
    const sql = (await k3("SELECT version, operation FROM k3_history('events') ORDER BY version DESC")).query!;
    expect(sql.rows.map((r) => Number(r[0]))).toEqual(all);
    const described = (await k3('DESCRIBE HISTORY events LIMIT 3')).query!;
    expect(described.rows.map((r) => Number(r[0]))).toEqual(all.slice(0, 3));
    for (const bad of ['?limit=0', '?limit=1001', '?limit=abc', '?before_version=x', '?page=2']) {
      const res = await api('GET', `events/history${bad}`);
      expect(res.status, bad).toBe(400);
    }
  });
});
