/**
 * `buf curl` (the buf CLI from npm) against native gRPC with server reflection: it lists every
 * TableService method without a local copy of the proto, and calls Execute over gRPC (h2c).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableService } from '@k3/client';
import { REPO_ROOT, authHeaders, startServer, type StartedServer } from '../support/server.ts';
import { freePort } from './wire-clients.ts';

const run = promisify(execFile);
const BUF = path.join(REPO_ROOT, 'node_modules', '.bin', 'buf');
let server: StartedServer;
let grpcUrl: string;

beforeAll(async () => {
  const port = await freePort();
  server = await startServer({ K3_GRPC_PORT: String(port) });
  grpcUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await server?.stop();
});

const curl = (...args: string[]) => {
  const auth = authHeaders(server.url).authorization;
  const headers = auth === undefined ? [] : ['-H', `Authorization: ${auth}`];
  return run(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...headers, ...args], { cwd: REPO_ROOT, timeout: 60_000 });
};

describe('buf curl over gRPC reflection', () => {
  it('lists every TableService method (reflection v1)', async () => {
    const { stdout } = await curl('--list-methods', grpcUrl);
    const listed = stdout.trim().split('\n').filter((l) => l.startsWith(TableService.typeName)).sort();
    expect(listed).toEqual(TableService.methods.map((m) => `${TableService.typeName}/${m.name}`).sort());
  });

  it('lists the methods over reflection v1alpha too', async () => {
    const { stdout } = await curl('--reflect-protocol', 'grpc-v1alpha', '--list-methods', grpcUrl);
    expect(stdout).toContain(`${TableService.typeName}/Execute`);
  });

  it('calls Execute over gRPC and gets the pbjson result', async () => {
    const body = JSON.stringify({ bucket: 'bufcurl', sql: 'CREATE TABLE t (a BIGINT)' });
    await curl('-d', body, `${grpcUrl}/${TableService.typeName}/Execute`);
    const { stdout } = await curl('-d', JSON.stringify({ bucket: 'bufcurl', sql: 'SELECT 9007199254740993::BIGINT AS big' }), `${grpcUrl}/${TableService.typeName}/Execute`);
    const res = JSON.parse(stdout) as { query: { rows: unknown[][]; strategy: string; rowCount: string } };
    expect(res.query.rows).toEqual([['9007199254740993']]);
    expect(res.query.rowCount).toBe('1');
    expect(res.query.strategy).toMatch(/^QUERY_STRATEGY_/);
  });

  it('a refusal reaches buf curl as a gRPC status with the ErrorInfo detail', async () => {
    const err = await curl('-d', JSON.stringify({ bucket: 'bufcurl', sql: 'SELEC 1' }), `${grpcUrl}/${TableService.typeName}/Execute`).catch((e: { stderr: string }) => e);
    const text = (err as { stderr: string }).stderr;
    expect(text).toContain('invalid_argument');
    expect(text).toContain('dodil.k3.tables.v1.ErrorInfo');
    expect(text).toContain('Fix the SQL syntax');
  });
});
