/**
 * `k3 table …` end to end: the real CLI (`node packages/cli/bin/k3.js`) as a child process against a
 * started server. Every command, every output format (golden files for `-o table` and `-o csv` in
 * test/clients/golden/, timings normalized), rows from a file and from stdin, exit codes (0 ok,
 * 1 statement error, 2 usage, 3 auth), `k3 login` profiles, and progress drawn on a pseudo-terminal
 * (`script`) but never on a pipe. `K3_UPDATE_GOLDEN=1` rewrites the golden files.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectGolden, runK3, runK3OnTty, type CliRun as Run } from '../support/cli.ts';
import { startServer, type StartedServer } from '../support/server.ts';

const BUCKET = 'clitest';

let server: StartedServer;
let home: string;

function k3(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return runK3(args, { ...process.env, HOME: home, XDG_CONFIG_HOME: '', K3_URL: server.url, K3_TOKEN: server.token ?? '', K3_BUCKET: '', ...opts.env }, opts.stdin);
}

async function ok(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await k3(args, opts);
  expect(r.code, `k3 ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r.stdout;
}

const normalize = (s: string): string => s.replace(/\d+(\.\d+)? ms\)/g, '<ms> ms)');

const golden = (name: string, actual: string): Promise<void> => expectGolden(name, actual, normalize);

describe('k3 table … against a started server', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    server = await startServer();
    home = await mkdtemp(path.join(tmpdir(), 'k3-cli-home-'));
    await ok(['table', 'create', '--bucket', BUCKET, '--sql', 'CREATE TABLE accounts (id BIGINT PRIMARY KEY, region VARCHAR, balance DECIMAL(18,2), opened DATE)']);
  });
  afterAll(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('inserts from an NDJSON file and a JSON array on stdin, then reads back in every format', async () => {
    const file = path.join(home, 'rows.ndjson');
    await writeFile(file, '{"id": 1, "region": "UK", "balance": "1500.25", "opened": "2026-01-02"}\n{"id": 9007199254740993, "region": "EU", "balance": "0.10", "opened": "2026-02-03"}\n');
    const ins = await ok(['table', 'insert', '--bucket', BUCKET, '--table', 'accounts', '--rows', file]);
    expect(ins).toMatch(/\(2 rows inserted in 1 request\)/);
    const fromStdin = await ok(['table', 'insert', '--bucket', BUCKET, '--table', 'accounts', '--rows', '-', '-o', 'json'], { stdin: '[{"id": 3, "region": "UK", "balance": "42.00", "opened": "2026-03-04"}]' });
    expect(JSON.parse(fromStdin)).toMatchObject({ tableName: 'accounts', rowsAffected: '1' });
    await ok(['table', 'compact', 'accounts', '--bucket', BUCKET, '--until-drained']);

    const sql = 'SELECT id, region, balance, opened FROM accounts ORDER BY id';
    await golden('query-table.txt', await ok(['table', 'query', '--bucket', BUCKET, '--sql', sql, '--freshness', 'strong']));
    await golden('query-csv.txt', await ok(['table', 'query', '--bucket', BUCKET, '--sql', sql, '-o', 'csv']));
    const json = JSON.parse(await ok(['table', 'query', '--bucket', BUCKET, '--sql', sql, '-o', 'json'])) as { query: { rows: unknown[][]; rowCount: string } };
    expect(json.query.rowCount).toBe('3');
    expect(json.query.rows[2]).toEqual(['9007199254740993', 'EU', '0.10', '2026-02-03']); // int64 and decimals exact
    const yaml = await ok(['table', 'query', '--bucket', BUCKET, '--sql', sql, '-o', 'yaml']);
    expect(yaml).toMatch(/- "9007199254740993"|- '9007199254740993'/);
    const streamed = await ok(['table', 'query', '--bucket', BUCKET, '--sql', sql, '--stream', '-o', 'csv']);
    expect(streamed.trim().split('\n')).toEqual(['id,region,balance,opened', '1,UK,1500.25,2026-01-02', '3,UK,42.00,2026-03-04', '9007199254740993,EU,0.10,2026-02-03']);
  });

  it('updates, merges and deletes through SQL and JSON predicates', async () => {
    const upd = await ok(['table', 'update', '--bucket', BUCKET, '--table', 'accounts', '--set', 'region=APAC', '--where', 'id = 3']);
    expect(upd).toMatch(/\(1 row updated · WRITE_STRATEGY_/);
    await ok(['table', 'update', '--bucket', BUCKET, '--table', 'accounts', '--set', 'balance="7.50"', '--where', '{"column":"id","op":"EQ","value":1}']);
    await ok(['table', 'merge', '--bucket', BUCKET, '--table', 'accounts', '--rows', '-'], { stdin: '{"id": 1, "region": "UK", "balance": "8.00", "opened": "2026-01-02"}\n{"id": 4, "region": "US", "balance": "1.00", "opened": "2026-04-05"}\n' });
    const del = await ok(['table', 'delete-rows', '--bucket', BUCKET, '--table', 'accounts', '--where', "region = 'US'"]);
    expect(del).toMatch(/\(1 row deleted/);
    const rows = JSON.parse(await ok(['table', 'query', '--bucket', BUCKET, '--sql', 'SELECT id, region, balance FROM accounts ORDER BY id', '--freshness', 'strong', '-o', 'json'])) as { query: { rows: unknown[][] } };
    expect(rows.query.rows).toEqual([['1', 'UK', '8.00'], ['3', 'APAC', '42.00'], ['9007199254740993', 'EU', '0.10']]);
  });

  it('lists, describes, and runs the maintenance commands', async () => {
    await ok(['table', 'compact', 'accounts', '--bucket', BUCKET, '--until-drained']);
    expect(await ok(['table', 'list', '--bucket', BUCKET])).toMatch(/^accounts /m);
    const d = JSON.parse(await ok(['table', 'describe', 'accounts', '--bucket', BUCKET, '-o', 'json'])) as { name: string; mergeKeys: string[] };
    expect(d).toMatchObject({ name: 'accounts', mergeKeys: ['id'] });
    expect(await ok(['table', 'describe', 'accounts', '--bucket', BUCKET])).toMatch(/column +\| type/);
    const hist = JSON.parse(await ok(['table', 'history', 'accounts', '--bucket', BUCKET, '--limit', '2', '-o', 'json'])) as { entries: { version: string }[]; hasMore: boolean };
    expect(hist.entries).toHaveLength(2);
    expect(hist.hasMore).toBe(true);
    const opt = JSON.parse(await ok(['table', 'optimize', 'accounts', '--bucket', BUCKET, '-o', 'json'])) as { optimizeType: string };
    expect(opt.optimizeType).toBe('compact');
    expect(await ok(['table', 'vacuum', 'accounts', '--bucket', BUCKET, '--dry-run'])).toMatch(/would be deleted/);
    const restored = JSON.parse(await ok(['table', 'restore', 'accounts', '--bucket', BUCKET, '--version', '0', '-o', 'json'])) as { versionAfter: string };
    expect(Number(restored.versionAfter)).toBeGreaterThan(0);
    const empty = JSON.parse(await ok(['table', 'query', '--bucket', BUCKET, '--sql', 'SELECT count(*) AS n FROM accounts', '-o', 'json'])) as { query: { rows: unknown[][] } };
    expect(empty.query.rows).toEqual([['0']]);
    await ok(['table', 'create', '--bucket', BUCKET, '--sql', 'CREATE TABLE scratch (a INTEGER)']);
    expect(await ok(['table', 'drop', 'scratch', '--bucket', BUCKET])).toMatch(/dropped scratch/);
  });

  it('exits 2 on usage errors, 1 on statement errors, 3 on auth errors, printing ERR_* codes', async () => {
    const usage = await k3(['table', 'query', '--sql', 'SELECT 1']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--bucket/);
    const badRows = await k3(['table', 'insert', '--bucket', BUCKET, '--table', 'accounts', '--rows', '-'], { stdin: 'not json\n' });
    expect(badRows.code).toBe(2);
    const stmt = await k3(['table', 'query', '--bucket', BUCKET, '--sql', 'SELEC 1']);
    expect(stmt.code).toBe(1);
    expect(stmt.stderr).toMatch(/^ERR_SQL_PARSE: /m);
    const missing = await k3(['table', 'describe', 'nope', '--bucket', BUCKET]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ERR_TABLE_NOT_FOUND: /m);
    const auth = await k3(['table', 'list', '--bucket', BUCKET], { env: { K3_TOKEN: 'k3_bogus_token_value' } });
    expect(auth.code, auth.stderr).toBe(3);
    expect(auth.stderr).toMatch(/^ERR_UNAUTHENTICATED: /m);
    const help = await k3(['table', 'query', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
  });

  it('k3 login saves a 0600 profile that later commands use', async () => {
    const loginHome = await mkdtemp(path.join(tmpdir(), 'k3-login-'));
    try {
      await ok(['login', '--url', server.url, '--token', server.token ?? ''], { env: { HOME: loginHome, K3_URL: '', K3_TOKEN: '' } });
      const file = path.join(loginHome, '.config', 'k3', 'config.yaml');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const listed = await ok(['table', 'list', '--bucket', BUCKET, '-o', 'json'], { env: { HOME: loginHome, K3_URL: '', K3_TOKEN: '' } });
      expect(JSON.parse(listed)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'accounts' })]));
    } finally {
      await rm(loginHome, { recursive: true, force: true });
    }
  });

  it('shows progress on a pseudo-terminal, never on a pipe or with -o json', async () => {
    await ok(['table', 'create', '--bucket', BUCKET, '--sql', 'CREATE TABLE bulk (id BIGINT, v VARCHAR)']);
    const file = path.join(home, 'bulk.ndjson');
    await writeFile(file, Array.from({ length: 3000 }, (_v, i) => JSON.stringify({ id: i, v: `row ${i}` })).join('\n'));
    const piped = await k3(['table', 'insert', '--bucket', BUCKET, '--table', 'bulk', '--rows', file, '--batch-size', '500']);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toMatch(/rows\/s/);
    const tty = await runK3OnTty(['table', 'insert', '--bucket', BUCKET, '--table', 'bulk', '--rows', file, '--batch-size', '500'], { ...process.env, HOME: home, K3_URL: server.url, K3_TOKEN: server.token ?? '' });
    expect(tty.code, tty.stdout).toBe(0);
    expect(tty.stdout).toMatch(/inserting .*\d+ rows \| \d+ rows\/s/);
    expect(tty.stdout).toMatch(/\(3000 rows inserted in 6 requests\)/);
    const count = JSON.parse(await ok(['table', 'query', '--bucket', BUCKET, '--sql', 'SELECT count(*) AS n FROM bulk', '-o', 'json'])) as { query: { rows: unknown[][] } };
    expect(count.query.rows).toEqual([['6000']]);
  });
});
