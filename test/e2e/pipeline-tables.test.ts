/**
 * Pipeline-generated tables end to end: the server process with its embedded scanner, on the
 * local data directory and on S3 over HTTP (s3rver behind the conditional-create proxy). Objects
 * written straight into the bucket are found by the scanner and their rows become queryable;
 * the REST routes (CreateTablePipeline, GetIngestRule, UpdateIngestRule, ListIngestRuns,
 * TriggerIngest) and `k3 table create-pipeline` / `ingest` / `ingest-runs` drive it.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_TEST_CREDENTIALS, startS3Server, type S3TestServer } from '../../packages/core/test/support/s3-server.ts';
import { execute, k3fetch, REPO_ROOT, startServer, type StartedServer } from '../support/server.ts';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/k3.js');

async function rest(server: StartedServer, method: string, route: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await k3fetch(`${server.url}${route}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `count(*)` until it reaches `want` (the scanner runs every 200 ms); the deadline only bounds a broken scanner. */
async function waitForRows(server: StartedServer, bucket: string, sql: string, want: string): Promise<string> {
  let last = '';
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const res = await execute(server.url, bucket, sql);
    last = res.status === 200 ? String(res.body.query?.rows[0]?.[0]) : `${res.status} ${JSON.stringify(res.body)}`;
    if (last === want) return last;
  }
  return last;
}

const SCAN_ENV = { K3_PIPELINE_SCAN_INTERVAL: '200ms' };

describe('pipeline tables on the local data directory', () => {
  const bucket = 'pipe-local';
  let server: StartedServer;
  beforeAll(async () => {
    server = await startServer(SCAN_ENV);
  });
  afterAll(async () => server?.stop());

  const put = async (key: string, body: string): Promise<void> => {
    const file = path.join(server.dataDir, bucket, key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, body);
    await (await import('node:fs/promises')).rename(`${file}.tmp`, file);
  };

  it('CreateTablePipeline over REST; an uploaded object is found and queryable; runs, rule and TriggerIngest', async () => {
    const created = await rest(server, 'POST', `/${bucket}/tables/_pipeline`, { name: 'events', globs: ['incoming/**/*.csv'], format: 'INGEST_FORMAT_CSV' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((created.body.table as Record<string, unknown>).source).toBe('TABLE_SOURCE_PIPELINE_GENERATED');
    const pipelineId = (created.body.rule as Record<string, unknown>).pipelineId as string;
    expect(pipelineId).toMatch(/^pl_/);
    expect((created.body.table as Record<string, unknown>).pipelineId).toBe(pipelineId);

    await put('incoming/2026/a.csv', 'id,kind\n1,click\n2,view\n');
    expect(await waitForRows(server, bucket, 'SELECT count(*) FROM events', '2')).toBe('2');
    const described = await rest(server, 'GET', `/${bucket}/tables/events`);
    expect([described.body.source, described.body.pipelineId]).toEqual(['TABLE_SOURCE_PIPELINE_GENERATED', pipelineId]);
    const rows = await execute(server.url, bucket, 'SELECT id, kind, _k3_source_key FROM events ORDER BY id');
    expect(rows.body.query?.rows).toEqual([['1', 'click', 'incoming/2026/a.csv'], ['2', 'view', 'incoming/2026/a.csv']]);

    // A malformed object: a failed run with the error, nothing of it visible.
    await put('incoming/2026/bad.csv', 'id,kind\n3,click,extra,fields\n"unterminated\n');
    let runs: Array<Record<string, unknown>> = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !runs.some((r) => r.objectKey === 'incoming/2026/bad.csv'); await new Promise((r) => setTimeout(r, 200))) {
      runs = ((await rest(server, 'GET', `/${bucket}/tables/events/ingest-runs?pageSize=50`)).body.runs ?? []) as Array<Record<string, unknown>>;
    }
    const bad = runs.find((r) => r.objectKey === 'incoming/2026/bad.csv');
    expect([bad?.status, bad?.errorCode]).toEqual(['INGEST_RUN_STATUS_FAILED', 'ERR_INGEST_OBJECT_INVALID']);
    expect(runs.find((r) => r.objectKey === 'incoming/2026/a.csv')).toMatchObject({ status: 'INGEST_RUN_STATUS_SUCCEEDED', rows: '2' });
    expect((await execute(server.url, bucket, 'SELECT count(*) FROM events')).body.query?.rows).toEqual([['2']]);

    // Rule: read it, pause the scanner for this table, ingest one object by hand.
    expect((await rest(server, 'GET', `/${bucket}/tables/events/ingest-rule`)).body).toMatchObject({ pipelineId, globs: ['incoming/**/*.csv'], format: 'INGEST_FORMAT_CSV', enabled: true, onChange: 'INGEST_ON_CHANGE_REPLACE' });
    const paused = await rest(server, 'POST', `/${bucket}/tables/events/ingest-rule`, { enabled: false });
    expect([paused.status, paused.body.enabled]).toEqual([200, false]);
    await put('incoming/manual.csv', 'id,kind\n10,buy\n');
    const triggered = await rest(server, 'POST', `/${bucket}/tables/events/ingest`, { objectKey: 'incoming/manual.csv' });
    expect(triggered.body).toMatchObject({ status: 'INGEST_RUN_STATUS_SUCCEEDED', rows: '1', trigger: 'INGEST_TRIGGER_MANUAL' });
    expect((await execute(server.url, bucket, 'SELECT count(*) FROM events')).body.query?.rows).toEqual([['3']]);
    const missing = await rest(server, 'POST', `/${bucket}/tables/events/ingest`, { objectKey: 'elsewhere/x.csv' });
    expect([missing.status, missing.body.code]).toEqual([404, 'ERR_INGEST_OBJECT_NOT_FOUND']);
    const noRule = await rest(server, 'GET', `/${bucket}/tables/nothing/ingest-rule`);
    expect([noRule.status, noRule.body.code]).toEqual([404, 'ERR_PIPELINE_NOT_FOUND']);
    const badFormat = await rest(server, 'POST', `/${bucket}/tables/_pipeline`, { name: 'x', globs: ['a/*'], format: 'INGEST_FORMAT_UNSPECIFIED' });
    expect([badFormat.status, badFormat.body.code]).toEqual([400, 'ERR_BAD_REQUEST']);
  }, 180_000);

  it('k3 table create-pipeline / ingest / ingest-runs', async () => {
    const env = { ...process.env, K3_URL: server.url, K3_TOKEN: server.token ?? '', K3_BUCKET: bucket };
    const created = await run(process.execPath, [BIN, 'table', 'create-pipeline', '--table', 'docs', '--glob', 'docs/*.ndjson', '--format', 'ndjson', '--merge-keys', 'id', '-o', 'json'], { env });
    const out = JSON.parse(created.stdout) as { table: { source: string; mergeKeys: string[] }; rule: { format: string } };
    expect([out.table.source, out.table.mergeKeys, out.rule.format]).toEqual(['TABLE_SOURCE_PIPELINE_GENERATED', ['id'], 'INGEST_FORMAT_NDJSON']);
    await put('docs/1.ndjson', '{"id":1,"title":"a"}\n{"id":2,"title":"b"}\n');
    expect(await waitForRows(server, bucket, 'SELECT count(*) FROM docs', '2')).toBe('2');
    await put('docs/2.ndjson', '{"id":2,"title":"B"}\n');
    const manual = await run(process.execPath, [BIN, 'table', 'ingest', 'docs', 'docs/2.ndjson', '-o', 'json'], { env });
    expect(['INGEST_RUN_STATUS_SUCCEEDED', 'INGEST_RUN_STATUS_SKIPPED']).toContain((JSON.parse(manual.stdout) as { status: string }).status);
    expect((await execute(server.url, bucket, 'SELECT id, title FROM docs ORDER BY id')).body.query?.rows).toEqual([['1', 'a'], ['2', 'B']]);
    const listed = await run(process.execPath, [BIN, 'table', 'ingest-runs', 'docs', '-o', 'json'], { env });
    expect(((JSON.parse(listed.stdout) as { runs: Array<{ objectKey: string }> }).runs.map((r) => r.objectKey))).toContain('docs/1.ndjson');
  }, 120_000);
});

describe('pipeline tables on S3 over HTTP', () => {
  const bucket = 'pipe-s3';
  let s3: S3TestServer;
  let server: StartedServer;
  beforeAll(async () => {
    s3 = await startS3Server({ conditionalWrites: 'honest' });
    await s3.createBucket(bucket);
    server = await startServer({
      ...SCAN_ENV, K3_STORE: 's3', K3_S3_ENDPOINT: s3.endpoint, K3_S3_REGION: 'us-east-1', K3_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await s3?.stop();
  });

  it('an object uploaded with PutObject is found within seconds and a new version replaces its rows', async () => {
    const created = await rest(server, 'POST', `/${bucket}/tables/_pipeline`, { name: 'uploads', globs: ['up/*.ndjson'], format: 'INGEST_FORMAT_NDJSON' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const upload = (key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    await upload('up/a.ndjson', '{"n":1}\n{"n":2}\n{"n":3}\n');
    expect(await waitForRows(server, bucket, 'SELECT count(*) FROM uploads', '3')).toBe('3');
    await upload('up/a.ndjson', '{"n":10}\n');
    expect(await waitForRows(server, bucket, 'SELECT sum(n) FROM uploads', '10')).toBe('10');
    expect((await execute(server.url, bucket, 'SELECT count(*) FROM uploads')).body.query?.rows).toEqual([['1']]);
  }, 180_000);
});
