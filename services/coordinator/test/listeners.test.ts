/**
 * listeners.ts on real sockets: a busy port, a host that is not ours and a successful bind, for a
 * required listener (AppError ERR_PORT_UNAVAILABLE, one line naming the setting) and an optional one
 * (reported and skipped; the caller keeps running).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '@k3/core';
import { listenListener, listenOptional, listenRequired, type ListenerSpec } from '../src/listeners.ts';

const open: net.Server[] = [];

async function listen(port: number, host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  open.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}

function spec(name: string, setting: string, port: number, host = '127.0.0.1'): ListenerSpec {
  return { name, setting, host, port, listen: async () => `tcp://${host}:${await listen(port, host)}` };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('listeners', () => {
  it('a required listener on a busy port fails with one line naming its setting', async () => {
    const busy = await listen(0);
    const err = await listenRequired(spec('HTTP', 'K3_PORT', busy)).catch((e: unknown) => e);
    expect(isAppError(err, 'ERR_PORT_UNAVAILABLE')).toBe(true);
    const message = (err as Error).message;
    expect(message).toBe(`HTTP port ${busy} on 127.0.0.1 is already in use (K3_PORT); stop whatever holds it or set K3_PORT to a free port (0 picks any).`);
    expect(message).not.toContain('\n');
  });

  it('an optional listener on a busy port is reported and skipped', async () => {
    const busy = await listen(0);
    const outcome = await listenOptional(spec('Postgres wire', 'K3_PG_PORT', busy));
    expect(outcome.status).toBe('skipped');
    if (outcome.status !== 'skipped') return;
    expect(outcome.line).toBe(`Postgres wire not started: port ${busy} on 127.0.0.1 is already in use (K3_PG_PORT); stop whatever holds it or set K3_PG_PORT to a free port (0 picks any).`);
    expect(outcome.error.code).toBe('ERR_PORT_UNAVAILABLE');
    expect(outcome.error.details).toMatchObject({ setting: 'K3_PG_PORT', port: busy, cause: 'EADDRINUSE' });
  });

  it('listenListener: optional in embedded mode, required otherwise', async () => {
    const busy = await listen(0);
    const skipped = await listenListener(spec('gRPC', 'K3_GRPC_PORT', busy), { optional: true });
    expect(skipped.status).toBe('skipped');
    await expect(listenListener(spec('gRPC', 'K3_GRPC_PORT', busy), { optional: false })).rejects.toThrow(/K3_GRPC_PORT/);
    const ok = await listenListener(spec('gRPC', 'K3_GRPC_PORT', 0), { optional: false });
    expect(ok).toMatchObject({ status: 'listening', name: 'gRPC' });
    if (ok.status === 'listening') expect(ok.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  });

  it('an address that is not this machine names K3_HOST', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a local interface.
    const err = await listenRequired(spec('HTTP', 'K3_PORT', 0, '192.0.2.1')).catch((e: unknown) => e);
    expect(isAppError(err, 'ERR_PORT_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toMatch(/^HTTP address 192\.0\.2\.1 is not an address of this machine \(K3_HOST\)/);
  });

  it('errors other than bind errors propagate unchanged', async () => {
    const boom = new Error('boom');
    const failing: ListenerSpec = { name: 'HTTP', setting: 'K3_PORT', host: '127.0.0.1', port: 0, listen: () => Promise.reject(boom) };
    await expect(listenOptional(failing)).rejects.toBe(boom);
    await expect(listenRequired(failing)).rejects.toBe(boom);
  });
});
