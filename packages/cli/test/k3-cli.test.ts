/**
 * The `k3 delta` CLI end to end: the real bin spawned as a child process (exit codes, stdout,
 * stderr) on the shared Delta tables, a few in-process `main()` calls for the other options, and
 * an S3 location served by a real S3 API over HTTP (s3rver).
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../core/src/object-store/index.ts';
import { S3_TEST_CREDENTIALS, startS3Server, type S3TestServer } from '../../core/test/support/s3-server.ts';
import { main } from '../src/main.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');
const TABLES = path.resolve(REPO, '../shared/delta-tables');
const BIN = path.join(REPO, 'packages/cli/bin/k3.js');
const run = promisify(execFile);

async function k3(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (t) => { stdout += t; }, err: (t) => { stderr += t; }, env: {} });
  return { code, stdout, stderr };
}

const jsonl = (text: string): Record<string, unknown>[] => text.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('k3 delta (spawned bin)', () => {
  it('scan rs-simple_table --format jsonl prints exactly the rows id 5, 7, 9', async () => {
    const r = await k3(['delta', 'scan', path.join(TABLES, 'rs-simple_table'), '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(jsonl(r.stdout)).toEqual([{ id: 5 }, { id: 7 }, { id: 9 }]);
  });
  it('describe rs-COVID-19_NYT reports 1,111,930 rows', async () => {
    const r = await k3(['delta', 'describe', path.join(TABLES, 'rs-COVID-19_NYT')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rows: +1,111,930 \(from file statistics\)$/m);
    expect(r.stdout).toMatch(/^files: +8 /m);
  });
  it('a table with deletion vectors is refused with the error code on stderr and exit 2', async () => {
    const r = await k3(['delta', 'scan', path.join(TABLES, 'rs-table-with-dv-small')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ERR_DELTA_UNSUPPORTED_FEATURE: .*deletionVectors/);
    expect(r.stdout).toBe('');
  });
  it('scan streams: a reader that stops early (| head) ends the command quietly with exit 0', async () => {
    const cmd = `set -o pipefail; "${process.execPath}" "${BIN}" delta scan "${path.join(TABLES, 'rs-COVID-19_NYT')}" | head -n 2`;
    const { stdout, stderr } = await run('bash', ['-c', cmd]);
    expect(jsonl(stdout)).toEqual([
      { date: '2020-01-21', county: 'Snohomish', state: 'Washington', fips: 53061, cases: 1, deaths: 0 },
      { date: '2020-01-22', county: 'Snohomish', state: 'Washington', fips: 53061, cases: 1, deaths: 0 },
    ]);
    expect(stderr).toBe('');
  });
  it('usage errors exit 64', async () => {
    const r = await k3(['delta', 'scan']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('usage:');
  });
});

describe('k3 delta (in process)', () => {
  const t = (name: string): string => path.join(TABLES, name);
  it('scan --version 0 time-travels', async () => {
    const r = await inProcess(['delta', 'scan', t('rs-simple_table'), '--version', '0']);
    expect(jsonl(r.stdout).map((x) => x.id)).toEqual([0, 1, 2, 3, 4]);
  });
  it('scan --format table renders a header and a row count', async () => {
    const r = await inProcess(['delta', 'scan', t('rs-delta-0.8.0-null-partition'), '--format', 'table']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^k +\| v$/m);
    expect(r.stdout).toContain('NULL');
    expect(r.stdout).toContain('(2 rows)');
  });
  it('describe counts rows from Parquet footers when the log has no stats', async () => {
    const r = await inProcess(['delta', 'describe', t('rs-simple_table'), '--format', 'json']);
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ version: 4, rows: 3, rowsFrom: 'parquet', files: 5, partitionColumns: [] });
  });
  it('history --limit pages newest first', async () => {
    const r = await inProcess(['delta', 'history', t('rs-simple_table'), '--limit', '2', '--format', 'jsonl']);
    expect(jsonl(r.stdout).map((e) => [e.version, e.operation])).toEqual([[4, 'DELETE'], [3, 'UPDATE']]);
  });
  it('errors: missing directory, bad version, version and timestamp together', async () => {
    expect(await inProcess(['delta', 'scan', t('no-such-table')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ERR_TABLE_NOT_FOUND: /) });
    expect(await inProcess(['delta', 'scan', t('rs-simple_table'), '--version', '99'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ERR_DELTA_VERSION_NOT_FOUND: /) });
    expect((await inProcess(['delta', 'scan', t('rs-simple_table'), '--version', 'x'])).code).toBe(64);
    expect((await inProcess(['delta', 'scan', t('rs-simple_table'), '--version', '1', '--timestamp', '5'])).code).toBe(64);
    expect((await inProcess(['delta', 'scan', t('rs-simple_table'), '--bogus'])).code).toBe(64);
  });
  it('scan --timestamp before the first commit is out of range', async () => {
    const r = await inProcess(['delta', 'scan', t('rs-simple_table'), '--timestamp', '1970-01-01T00:00:00Z']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ERR_DELTA_TIMESTAMP_OUT_OF_RANGE: /) });
  });
});

describe('k3 delta on s3:// (real S3 API over HTTP)', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server({ conditionalWrites: 'honest' });
    await server.createBucket('lake');
    const store = new S3ObjectStore({ bucket: 'lake', client: server.client });
    const src = path.join(TABLES, 'rs-delta-0.8.0-partitioned');
    for (const rel of await readdir(src, { recursive: true, withFileTypes: true })) {
      if (!rel.isFile()) continue;
      const abs = path.join(rel.parentPath, rel.name);
      await store.put(`tables/parts/${path.relative(src, abs).split(path.sep).join('/')}`, new Uint8Array(await readFile(abs)));
    }
  });
  afterAll(async () => { await server.stop(); });
  it('scan downloads the active files and appends partition values from the log', async () => {
    const env = {
      K3_S3_ENDPOINT: server.endpoint, K3_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    };
    const r = await k3(['delta', 'scan', 's3://lake/tables/parts'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = jsonl(r.stdout);
    expect(rows).toHaveLength(7);
    expect(rows).toContainEqual({ value: '6', year: '2021', month: '12', day: '20' });
    const d = await k3(['delta', 'describe', 's3://lake/tables/parts'], env);
    expect(d.stdout).toMatch(/^location: +s3:\/\/lake\/tables\/parts\/$/m);
    expect(d.stdout).toMatch(/^rows: +7 \(from Parquet footers\)$/m);
  });
});

describe('k3 delta changes', () => {
  it('prints the Change Data Feed of the Spark-written rs-cdf-table (spawned bin, jsonl)', async () => {
    const r = await k3(['delta', 'changes', path.join(TABLES, 'rs-cdf-table'), '--from', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonl(r.stdout).map((row) => `${String(row['id'])}|${String(row['birthday'])}|${String(row['_change_type'])}|${String(row['_commit_version'])}`)).toEqual([
      '5|2023-12-24|update_preimage|2', '6|2023-12-24|update_preimage|2', '7|2023-12-24|update_preimage|2',
      '5|2023-12-29|update_postimage|2', '6|2023-12-29|update_postimage|2', '7|2023-12-29|update_postimage|2',
      '7|2023-12-29|delete|3',
    ]);
  });
  it('--to bounds the range; --format table; usage errors exit 64; bad versions exit 2', async () => {
    const one = await inProcess(['delta', 'changes', path.join(TABLES, 'rs-cdf-table'), '--from', '3', '--to', '3', '--format', 'table']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/Dennis/);
    expect(one.stdout.trim().split('\n')).toHaveLength(4); // header, rule, one row, row count
    expect(one.stdout).toMatch(/\(1 row\)/);
    expect((await inProcess(['delta', 'changes', path.join(TABLES, 'rs-cdf-table')])).code).toBe(64);
    expect((await inProcess(['delta', 'changes', path.join(TABLES, 'rs-cdf-table'), '--from', 'x'])).code).toBe(64);
    const late = await inProcess(['delta', 'changes', path.join(TABLES, 'rs-cdf-table'), '--from', '0', '--to', '9']);
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/^ERR_DELTA_VERSION_NOT_FOUND: /);
    const plain = await inProcess(['delta', 'changes', path.join(TABLES, 'rs-simple_table'), '--from', '0']);
    expect(plain.stderr).toMatch(/^ERR_CDF_NOT_ENABLED: /);
  });
});
