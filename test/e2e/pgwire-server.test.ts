/**
 * The Postgres wire in the real process (`npm start`'s main.ts): the banner's psql line works as
 * printed (after the banner's CREATE TABLE curl made the bucket), SSLRequest is answered with TLS
 * when K3_TLS_CERT/K3_TLS_KEY are set (psql sslmode=require) and with 'N' otherwise
 * (sslmode=require fails, sslmode=prefer falls back), a taken default port does not stop the server,
 * and SIGTERM closes the listener (stop() asserts a clean exit).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execute, startServer, type StartedServer } from '../support/server.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function sh(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

/** The banner's psql line → [env, conninfo]. */
function bannerPsql(stdout: string): { password: string; conninfo: string } {
  const m = /PGPASSWORD='([^']+)' psql "([^"]+)"/.exec(stdout);
  if (m === null) throw new Error(`no psql line in the banner:\n${stdout}`);
  return { password: m[1]!, conninfo: m[2]! };
}

describe('Postgres wire in the server process', () => {
  let plain: StartedServer;
  let tlsServer: StartedServer;
  let certDir: string;

  beforeAll(async () => {
    certDir = await mkdtemp(path.join(tmpdir(), 'k3-pg-tls-'));
    const key = path.join(certDir, 'key.pem');
    const cert = path.join(certDir, 'cert.pem');
    const made = await sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1']);
    expect(made.code).toBe(0);
    plain = await startServer({ K3_PG_PORT: String(await freePort()) });
    tlsServer = await startServer({ K3_PG_PORT: String(await freePort()), K3_TLS_CERT: cert, K3_TLS_KEY: key });
    const created = await execute(plain.url, 'demo', 'CREATE TABLE contracts (id BIGINT PRIMARY KEY, region VARCHAR NOT NULL)');
    expect(created.status).toBe(200);
    // The TLS server's HTTP side is HTTPS with a self-signed certificate: its bucket is made as local mode stores it (a directory).
    await mkdir(path.join(tlsServer.dataDir, 'demo'));
  });
  afterAll(async () => {
    await plain?.stop();
    await tlsServer?.stop();
    if (certDir !== undefined) await rm(certDir, { recursive: true, force: true });
  });

  test('the banner prints a psql line that works', async () => {
    const { password, conninfo } = bannerPsql(plain.output().stdout);
    const r = await sh('psql', ['-X', '-A', '-t', '-c', "INSERT INTO contracts VALUES (1, 'UK')", '-c', "SET k3.freshness = 'strong'", '-c', 'SELECT id, region FROM contracts', conninfo], { PGPASSWORD: password, PGSSLMODE: 'prefer' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['INSERT 0 1', 'SET', '1|UK']);
  });

  test('without a certificate SSLRequest is answered N: sslmode=require fails, prefer connects in plain text', async () => {
    const { password, conninfo } = bannerPsql(plain.output().stdout);
    const required = await sh('psql', ['-X', '-A', '-t', '-c', 'SELECT 1', `${conninfo} sslmode=require`], { PGPASSWORD: password });
    expect(required.code).not.toBe(0);
    expect(required.stderr).toMatch(/server does not support SSL/);
    const preferred = await sh('psql', ['-X', '-A', '-t', '-c', 'SELECT ssl FROM (SELECT 1 AS ssl)', `${conninfo} sslmode=prefer`], { PGPASSWORD: password });
    expect(preferred.stdout.trim()).toBe('1');
  });

  test('port 5432 taken (a local PostgreSQL): the server still starts, without the wire, and says why', async () => {
    // Hold 5432 unless something already does; either way it is taken for the server.
    const holder = createServer();
    await new Promise<void>((resolve) => {
      holder.once('error', () => resolve());
      holder.listen(5432, '127.0.0.1', () => resolve());
    });
    const s = await startServer({ K3_PG_PORT: '5432', K3_LOG_LEVEL: 'warn' });
    try {
      expect(s.output().stdout).not.toMatch(/psql "/);
      expect(s.output().stderr).toMatch(/postgres wire not started: port in use/);
    } finally {
      await s.stop();
      await new Promise<void>((resolve) => (holder.listening ? holder.close(() => resolve()) : resolve()));
    }
  });

  test('with K3_TLS_CERT/K3_TLS_KEY the session is encrypted (sslmode=require)', async () => {
    const { password, conninfo } = bannerPsql(tlsServer.output().stdout);
    const r = await sh('psql', ['-X', '-c', '\\conninfo', '-c', 'CREATE TABLE t (x INTEGER)', '-c', 'SELECT count(*) AS n FROM t', `${conninfo} sslmode=require`], { PGPASSWORD: password });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/SSL connection \(protocol: TLSv1\.[23]/);
    expect(r.stdout).toMatch(/ n \n---\n 0\n/);
  });
});
