/**
 * The sheet sidecar over HTTP (no browser): `PUT|GET /ui/api/:bucket/sheets/:table` keep comments,
 * named ranges and conditional formats in the bucket under `_k3_ui/sheets/`, survive a restart, and
 * refuse a malformed conditional format with ERR_BAD_REQUEST (nothing is written then).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.ts';

let server: StartedServer;
let cookie = '';

async function signIn(): Promise<void> {
  const res = await fetch(`${server.url}/ui/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: server.token ?? 'auth-off' }) });
  expect(res.status).toBe(200);
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

const sidecar = (table: string, init: RequestInit = {}) => fetch(`${server.url}/ui/api/files/sheets/${table}`, { ...init, headers: { cookie, 'content-type': 'application/json', ...(init.headers ?? {}) } });

describe('sheet sidecar: conditional formats', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    server = await startServer();
    await signIn();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a sidecar never written reads empty, formats included', async () => {
    const res = await sidecar('never_written');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ comments: [], names: [], formats: [] });
  });

  it('value rules and colour scales round-trip (only their kept fields) and survive a restart', async () => {
    const formats = [
      { kind: 'value', column: 'amount', op: '>', value: '60000', color: '#ff0000' },
      { kind: 'scale', column: 'amount', minColor: '#ffffff', maxColor: '#00ff00', min: 1, max: 9 },
    ];
    const put = await sidecar('contracts', { method: 'PUT', body: JSON.stringify({ comments: [], names: [], formats }) });
    expect(put.status).toBe(200);
    const kept = [formats[0], { kind: 'scale', column: 'amount', minColor: '#ffffff', maxColor: '#00ff00' }];
    expect(((await put.json()) as { formats: unknown }).formats).toEqual(kept);

    const dataDir = server.dataDir;
    await server.stop({ keepData: true });
    server = await startServer({}, { dataDir });
    const got = await sidecar('contracts');
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ comments: [], names: [], formats: kept });
  });

  it.each([
    ['an unknown kind', { kind: 'icons', column: 'amount' }],
    ['an unknown operator', { kind: 'value', column: 'amount', op: 'LIKE', value: 'x', color: '#ff0000' }],
    ['a colour that is not #rrggbb', { kind: 'scale', column: 'amount', minColor: 'red', maxColor: '#00ff00' }],
    ['no column', { kind: 'value', op: '=', value: 'x', color: '#ff0000' }],
  ])('%s is refused with ERR_BAD_REQUEST and nothing is written', async (_what, bad) => {
    const before = await (await sidecar('refused')).json();
    const res = await sidecar('refused', { method: 'PUT', body: JSON.stringify({ comments: [], names: [], formats: [bad] }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('ERR_BAD_REQUEST');
    expect(body.message).toMatch(/formats: \[\{kind: "value"/);
    expect(await (await sidecar('refused')).json()).toEqual(before);
  });
});
