/**
 * One caller per wire for the contract suite: each takes an RPC name and its request in pbjson
 * (the JSON every wire agrees on) and answers `{ok, json}` or `{error: {code, message, retryable}}`,
 * with real clients: fetch on the REST routes, @connectrpc's Connect (JSON and binary) and gRPC-Web
 * transports on the HTTP port, its gRPC transport (HTTP/2) on K3_GRPC_PORT. Responses come back as
 * pbjson with default values emitted, which is what REST answers.
 */
import { createServer } from 'node:net';
import { fromJson, toJson, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { ErrorInfoSchema, TableService } from '@k3/client';
import { REST_ROUTES } from '../../services/coordinator/src/rest/rest-routes.ts';

export type WireName = 'rest' | 'connect-json' | 'connect-binary' | 'grpc-web' | 'grpc';
export type Outcome = { json: Record<string, unknown>; error?: undefined } | { error: { code: string; message: string; retryable: boolean }; json?: undefined; httpStatus?: number };
export type Caller = (rpc: string, request: Record<string, unknown>, headers?: Record<string, string>) => Promise<Outcome>;

/** A free TCP port (for K3_GRPC_PORT, where 0 means "off"). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const methodOf = (rpc: string) => {
  const m = TableService.methods.find((x) => x.name === rpc);
  if (!m) throw new Error(`no RPC ${rpc}`);
  return m;
};

const asJson = (schema: DescMessage, message: unknown) => toJson(schema, message as never, { alwaysEmitImplicit: true }) as Record<string, unknown>;

/** REST: the route of the RPC, path from bucket / tableName, the rest as body (POST) or query (GET, DELETE). */
export function restCaller(baseUrl: string, defaults: Record<string, string> = {}): Caller {
  return async (rpc, request, given = {}) => {
    const headers = { ...defaults, ...given };
    const method = methodOf(rpc);
    const route = REST_ROUTES.find((r) => r.rpc === method.localName);
    if (!route) throw new Error(`no REST route for ${rpc}`);
    const url = route.url.replace(':bucket', String(request.bucket)).replace(':table', encodeURIComponent(String(request.tableName ?? ''))).replace(':name', encodeURIComponent(String(request.name ?? '')));
    let res: Response;
    if (route.method === 'POST') {
      res = await fetch(`${baseUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(request) });
    } else {
      const query = new URLSearchParams(Object.entries(request).filter(([k]) => k !== 'bucket' && k !== 'tableName' && !route.url.includes(`:${k}`)).map(([k, v]): [string, string] => [k, String(v)]));
      res = await fetch(`${baseUrl}${url}${query.size > 0 ? `?${query}` : ''}`, { method: route.method, headers });
    }
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status >= 400) return { error: { code: String(body.code), message: String(body.message), retryable: body.retryable === true }, httpStatus: res.status };
    return { json: body };
  };
}

function connectCaller(transport: Transport, defaults: Record<string, string>): Caller {
  const client = createClient(TableService, transport) as unknown as Record<string, (req: unknown, opts?: unknown) => Promise<unknown> & AsyncIterable<unknown>>;
  return async (rpc, request, given = {}) => {
    const headers = { ...defaults, ...given };
    const method = methodOf(rpc);
    try {
      const out = await client[method.localName]!(fromJson(method.input, request as JsonValue), { headers });
      return { json: asJson(method.output, out) };
    } catch (err) {
      const e = ConnectError.from(err);
      const info = e.findDetails(ErrorInfoSchema)[0];
      if (!info) throw err;
      return { error: { code: info.code, message: info.message, retryable: info.retryable } };
    }
  };
}

/** `defaults`: headers every call sends (e.g. the server's bearer token); a call's own headers win. */
export function connectJsonCaller(baseUrl: string, defaults: Record<string, string> = {}): Caller {
  return connectCaller(createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: false }), defaults);
}
export function connectBinaryCaller(baseUrl: string, defaults: Record<string, string> = {}): Caller {
  return connectCaller(createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true }), defaults);
}
export function grpcWebCaller(baseUrl: string, defaults: Record<string, string> = {}): Caller {
  return connectCaller(createGrpcWebTransport({ baseUrl, httpVersion: '1.1' }), defaults);
}
export function grpcCaller(grpcUrl: string, defaults: Record<string, string> = {}): Caller {
  return connectCaller(createGrpcTransport({ baseUrl: grpcUrl }), defaults);
}

/** A server-streaming RPC over a Connect-family transport: every message as pbjson. */
export async function streamOver(transport: Transport, rpc: string, request: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  const method = methodOf(rpc);
  const client = createClient(TableService, transport) as unknown as Record<string, unknown>;
  const out: Record<string, unknown>[] = [];
  const call = client[method.localName] as unknown as (req: unknown, opts: { headers: Record<string, string> }) => AsyncIterable<unknown>;
  for await (const m of call(fromJson(method.input, request as JsonValue), { headers })) out.push(asJson(method.output, m));
  return out;
}

/** Fields that legitimately differ between two runs of the same scenario (ids, clocks, timings, sizes). */
const VOLATILE = new Set(['createdAt', 'updatedAt', 'tableId', 'engineId', 'timings', 'timestamp', 'lastDrainAt', 'walOldestEntryAgeMs', 'operationMetrics', 'engineInfo', 'filesDeletedPaths', 'requestId', 'bytesAdded', 'bytesRemoved', 'sizeBytes', 'bytesScanned', 'walBacklogBytes', 'userMetadata', 'usage', 'cpuMs', 'memoryGbSeconds', 'vcpuHours', 'gbRamHours', 'token',
  // wip/pipeline: generated ids and per-run clocks / object versions
  'pipelineId', 'ruleId', 'runId', 'etag', 'startedAt', 'finishedAt']);

/** The outcome with volatile fields removed and the scenario's bucket name replaced by `B`. */
export function normalize(value: unknown, bucket: string): unknown {
  // REST names a field by where it was sent (`body.x`, `querystring.x`); the RPC wires say `x`.
  if (typeof value === 'string') return value.replaceAll(bucket, 'B').replace(/\b(?:body|querystring)\.(?=[a-z])/g, '');
  if (Array.isArray(value)) return value.map((v) => normalize(v, bucket));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !VOLATILE.has(k) && k !== 'status').map(([k, v]) => [k, normalize(v, bucket)]));
}
