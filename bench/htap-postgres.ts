/**
 * A throwaway PostgreSQL 15 cluster for the HTAP benchmark's side-by-side numbers: initdb into a
 * temp directory (as the `postgres` user when run as root: initdb refuses root), start on a free
 * port with a Unix socket in that directory, `psql` for setup, `pgbench` with per-transaction
 * logs (-l) for latencies — no npm client needed. `stop()` stops the cluster and removes it.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

export interface Postgres {
  psql(sql: string): string;
  /** Runs `script` `transactions` times on one connection; per-transaction latencies in ms. */
  /** Per-transaction latencies (ms) of one client running `script` `transactions` times; `defines` are pgbench -D variables (they persist across the client's transactions). */
  pgbench(script: string, transactions: number, defines?: Readonly<Record<string, string | number>>): number[];
  /** Runs `script` on `clients` connections for `seconds`; every transaction's latency in ms. */
  pgbenchTimed(script: string, clients: number, seconds: number): number[];
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export async function startPostgres(): Promise<Postgres | undefined> {
  try {
    execFileSync(path.join(BIN, 'initdb'), ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'k3-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString().trim()) : undefined;
  const gid = asRoot ? Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) : undefined;
  if (uid !== undefined && gid !== undefined) chownSync(dir, uid, gid);
  const run = (bin: string, args: string[], input?: string): string => {
    const cmd = asRoot ? 'runuser' : path.join(BIN, bin);
    const full = asRoot ? ['-u', 'postgres', '--', path.join(BIN, bin), ...args] : args;
    return execFileSync(cmd, full, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).toString();
  };
  const data = path.join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=''`, '-w', 'start']);
  const conn = ['-h', dir, '-p', String(port), '-U', 'postgres'];
  return {
    psql(sql) {
      return run('psql', [...conn, '-qAt', '-v', 'ON_ERROR_STOP=1', '-f', '-'], sql);
    },
    pgbench(script, transactions, defines = {}) {
      const file = path.join(dir, `script-${Date.now()}.sql`);
      writeFileSync(file, script);
      if (uid !== undefined && gid !== undefined) chownSync(file, uid, gid);
      const prefix = `log-${Date.now()}`;
      const vars = Object.entries(defines).flatMap(([k, v]) => ['-D', `${k}=${v}`]);
      run('pgbench', [...conn, '-n', '-c', '1', '-t', String(transactions), ...vars, '-f', file, '-l', `--log-prefix=${path.join(dir, prefix)}`, 'postgres']);
      const log = readdirSync(dir).find((f) => f.startsWith(prefix));
      if (log === undefined) throw new Error('pgbench wrote no log');
      // Log line: client_id transaction_no latency_us script_no epoch_s epoch_us
      return readFileSync(path.join(dir, log), 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[2]) / 1000);
    },
    pgbenchTimed(script, clients, seconds) {
      const file = path.join(dir, `script-${Date.now()}.sql`);
      writeFileSync(file, script);
      if (uid !== undefined && gid !== undefined) chownSync(file, uid, gid);
      const prefix = `log-${Date.now()}`;
      run('pgbench', [...conn, '-n', '-c', String(clients), '-j', '1', '-T', String(seconds), '-f', file, '-l', `--log-prefix=${path.join(dir, prefix)}`, 'postgres']);
      return readdirSync(dir).filter((f) => f.startsWith(prefix))
        .flatMap((log) => readFileSync(path.join(dir, log), 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => Number(l.split(' ')[2]) / 1000));
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
