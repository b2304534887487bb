/**
 * Native gRPC over TLS: with the HTTP listener's certificate and key (K3_TLS_CERT / K3_TLS_KEY),
 * the gRPC listener serves HTTP/2 over TLS, and a real gRPC client (connect-node's gRPC transport)
 * that trusts the certificate calls TableService through it; a plaintext (h2c) client cannot.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { TableService } from '@k3/client';
import { loadConfig } from '@k3/core';
import { buildServer } from '../src/server.ts';
import { startGrpcListener, type GrpcListener } from '../src/rpc/grpc-listener.ts';
import { loadTls } from '../src/tls.ts';
import { FakeEngine } from './fake-engine.ts';

let dir: string;
let cert: string;
let grpc: GrpcListener;
let closeApp: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'k3-grpc-tls-'));
  cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const config = loadConfig({ K3_TLS_CERT: cert, K3_TLS_KEY: key });
  const tls = await loadTls(config);
  const engine = new FakeEngine();
  await engine.createTable('kb-prod', { bucket: 'kb-prod', name: 'orders', columns: [{ name: 'id', type: 'COLUMN_TYPE_LONG', nullable: true, defaultExpression: '' }] });
  const app = buildServer({ engine, config, logger: pino({ level: 'silent' }), ...(tls !== undefined ? { tls } : {}) });
  closeApp = () => app.close();
  grpc = await startGrpcListener({ host: '127.0.0.1', port: 0, bodyLimit: config.K3_BODY_LIMIT, routes: app.tableServiceRoutes, ...(tls !== undefined ? { tls } : {}) });
});

afterAll(async () => {
  await grpc?.close();
  await closeApp?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('native gRPC over TLS', () => {
  it('a gRPC client trusting the certificate calls TableService over TLS', async () => {
    expect(grpc.tls).toBe(true);
    const client = createClient(TableService, createGrpcTransport({ baseUrl: `https://127.0.0.1:${grpc.port}`, nodeOptions: { ca: readFileSync(cert) } }));
    const res = await client.listTables({ bucket: 'kb-prod' });
    expect(res.tables.map((t) => t.name)).toEqual(['orders']);
  });

  it('a client that does not trust the certificate, or speaks cleartext h2c, gets no answer', async () => {
    const untrusting = createClient(TableService, createGrpcTransport({ baseUrl: `https://127.0.0.1:${grpc.port}` }));
    await expect(untrusting.listTables({ bucket: 'kb-prod' })).rejects.toThrow(/certificate/i);
    const cleartext = createClient(TableService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpc.port}`, defaultTimeoutMs: 5_000 }));
    await expect(cleartext.listTables({ bucket: 'kb-prod' })).rejects.toThrow();
  });
});
