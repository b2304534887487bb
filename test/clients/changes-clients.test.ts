/**
 * The Change Data Feed from the clients, against a started server: `k3 table changes` and
 * `k3 table diff` (the real CLI as a child process) in every output format — golden files for
 * `-o table` and `-o csv` with the commit clock normalized — their usage and server errors and exit
 * codes, and the TypeScript SDK's `changesPage` / `changes` / `diff` (typed rows, paging, errors).
 * (The Python SDK's changes/diff run with its suite: clients/python/tests/test_changes.py.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { K3Client, K3Error } from '@k3/client/sdk';
import { expectGolden, runK3, runK3OnTty, type CliRun } from '../support/cli.ts';
import { startServer, type StartedServer } from '../support/server.ts';

const BUCKET = 'feedcli';

let server: StartedServer;

const env = (): NodeJS.ProcessEnv => ({ ...process.env, K3_URL: server.url, K3_TOKEN: server.token ?? '', K3_BUCKET: BUCKET });
const k3 = (args: string[]): Promise<CliRun> => runK3(args, env());

async function ok(args: string[]): Promise<string> {
  const r = await k3(args);
  expect(r.code, `k3 ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/**
 * Commit times differ per run (and so does their width: trailing zeros of the fraction are
 * dropped): each becomes a marker, and the rule under the header of the last column — the one
 * `_commit_timestamp` is — a fixed one.
 */
const TS = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?/g;
function normalize(s: string): string {
  const out = s.replace(TS, '<commit time>');
  return out === s ? s : out.replace(/^([-+]*\+)-+$/m, '$1---');
}

const golden = (name: string, actual: string): Promise<void> => expectGolden(name, actual, normalize);

describe('the change data feed from the CLI and the TypeScript SDK', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    server = await startServer();
    const t = new K3Client({ url: server.url, ...(server.token ? { token: server.token } : {}) }).tables(BUCKET);
    // No primary key: each statement is a Delta version of its own (v1 insert, v2 update, v3 delete).
    await t.execute("CREATE TABLE orders (id BIGINT, status VARCHAR, total DECIMAL(18,2)) WITH ('delta.enableChangeDataFeed' = true)");
    await t.execute("INSERT INTO orders VALUES (9007199254740993, 'new', 10.50), (2, 'new', 20.00), (3, 'new', 0.10)");
    await t.execute("UPDATE orders SET status = 'paid' WHERE id = 2");
    await t.execute('DELETE FROM orders WHERE id = 3');
    await t.execute('CREATE TABLE keyed (id INTEGER PRIMARY KEY, v VARCHAR)');
    await t.execute("INSERT INTO keyed VALUES (1, 'a'), (2, 'b')");
    await t.compact('keyed', { untilDrained: true });
    await t.execute("UPDATE keyed SET v = 'B' WHERE id = 2");
    await t.execute("INSERT INTO keyed VALUES (3, 'c')");
    await t.compact('keyed', { untilDrained: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('k3 table changes prints the feed in every format, paging through the server', async () => {
    await golden('changes-table.txt', await ok(['table', 'changes', 'orders', '--from', '1', '--page-size', '2']));
    await golden('changes-csv.txt', await ok(['table', 'changes', 'orders', '--from', '1', '--to', '2', '--page-size', '2', '-o', 'csv']));
    const json = JSON.parse(await ok(['table', 'changes', 'orders', '--from', '1', '--page-size', '1', '-o', 'json'])) as { fromVersion: string; toVersion: string; columns: Array<{ name: string }>; rows: unknown[][] };
    expect(json).toMatchObject({ tableName: 'orders', fromVersion: '1', toVersion: '3' });
    expect(json.columns.map((c) => c.name)).toEqual(['id', 'status', 'total', '_change_type', '_commit_version', '_commit_timestamp']);
    expect(json.rows.map((r) => [r[0], r[2], r[3], r[4]])).toEqual([
      ['2', '20.00', 'insert', '1'], ['3', '0.10', 'insert', '1'], ['9007199254740993', '10.50', 'insert', '1'], // int64 and decimals exact
      ['2', '20.00', 'update_preimage', '2'], ['2', '20.00', 'update_postimage', '2'],
      ['3', '0.10', 'delete', '3'],
    ]);
    const yaml = await ok(['table', 'changes', 'orders', '--from', '3', '-o', 'yaml']);
    expect(yaml).toMatch(/^tableName: orders$/m);
    expect(yaml).toMatch(/- delete$/m);
  });

  it('k3 table diff prints added / removed / changed rows in every format', async () => {
    await golden('diff-table.txt', await ok(['table', 'diff', 'keyed', '--version', '1']));
    await golden('diff-csv.txt', await ok(['table', 'diff', 'keyed', '--version', '1', '-o', 'csv']));
    const json = JSON.parse(await ok(['table', 'diff', 'orders', '--version', '1', '--to-version', '2', '-o', 'json'])) as Record<string, unknown>;
    expect(json).toMatchObject({ fromVersion: '1', toVersion: '2', keyColumns: [], added: '1', removed: '1', changed: '0', truncated: false });
    expect(await ok(['table', 'diff', 'orders', '--version', '1', '-o', 'yaml'])).toMatch(/^removed: "2"$/m);
  });

  it('exit codes: 2 on usage errors, 1 on server errors with the ERR_* code', async () => {
    const noFrom = await k3(['table', 'changes', 'orders']);
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toMatch(/needs --from/);
    expect((await k3(['table', 'changes', 'orders', '--from', 'x'])).code).toBe(2);
    expect((await k3(['table', 'diff', 'orders'])).code).toBe(2);
    const notEnabled = await k3(['table', 'changes', 'keyed', '--from', '0']);
    expect(notEnabled.code).toBe(1);
    expect(notEnabled.stderr).toMatch(/^ERR_CDF_NOT_ENABLED: /);
    const beyond = await k3(['table', 'changes', 'orders', '--from', '0', '--to', '99']);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toMatch(/^ERR_DELTA_VERSION_NOT_FOUND: /);
    const help = await k3(['table', 'changes', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
  });

  it('k3 table changes shows progress on a pseudo-terminal, not on a pipe', async () => {
    const args = ['table', 'changes', 'orders', '--from', '1', '--page-size', '2'];
    expect((await k3(args)).stderr).not.toMatch(/rows\/s/);
    const tty = await runK3OnTty(args, env());
    expect(tty.code, tty.stdout).toBe(0);
    expect(tty.stdout).toMatch(/reading changes .*6 rows \| \d+ rows\/s/);
    expect(tty.stdout).toMatch(/\(6 changes · versions 1\.\.3\)/);
  });

  it('TypeScript SDK: pages typed rows, diffs, and throws K3Error with the code', async () => {
    const t = new K3Client({ url: server.url, ...(server.token ? { token: server.token } : {}) }).tables(BUCKET);
    const first = await t.changesPage('orders', { fromVersion: 1, pageSize: 2 });
    expect(first.rows).toHaveLength(2);
    expect(first.nextPageToken).toBeDefined();
    expect([first.fromVersion, first.toVersion]).toEqual([1n, 3n]);
    const rows = [];
    for await (const page of t.changes('orders', { fromVersion: 1, pageSize: 2 })) rows.push(...page.rows);
    expect(rows.map((r) => [r.id, r.total, r._change_type, r._commit_version])).toEqual([
      [2n, '20.00', 'insert', 1n], [3n, '0.10', 'insert', 1n], [9007199254740993n, '10.50', 'insert', 1n],
      [2n, '20.00', 'update_preimage', 2n], [2n, '20.00', 'update_postimage', 2n], [3n, '0.10', 'delete', 3n],
    ]);
    expect(rows[0]!._commit_timestamp).toBeInstanceOf(Date);
    const d = await t.diff('keyed', 1);
    expect([d.fromVersion, d.toVersion, d.keyColumns, d.added, d.removed, d.changed, d.truncated]).toEqual([1n, 2n, ['id'], 1n, 0n, 1n, false]);
    expect(d.rows.map((r) => [r.change, r.key, r.before, r.after])).toEqual([
      ['added', { id: 3 }, undefined, { id: 3, v: 'c' }],
      ['changed', { id: 2 }, { id: 2, v: 'b' }, { id: 2, v: 'B' }],
    ]);
    const err = await t.changesPage('keyed', { fromVersion: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(K3Error);
    expect((err as K3Error).code).toBe('ERR_CDF_NOT_ENABLED');
  });
});
