/**
 * Native gRPC on K3_GRPC_PORT: HTTP/2 cleartext (h2c), or HTTP/2 over TLS (ALPN h2) when
 * K3_TLS_CERT / K3_TLS_KEY are set — the same certificate and key as the HTTP listener (tls.ts).
 * Node's h2c server does not accept HTTP/1.1 and `allowHTTP1` needs TLS, so gRPC gets its own
 * listener (ecosystem notes). The same TableService routes as the HTTP port, plus server
 * reflection v1 / v1alpha.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { ConnectRouter } from '@connectrpc/connect';
import { reflectionRoutes } from './reflection.ts';
import { CONNECT_JSON_OPTIONS } from './connect-options.ts';
import type { TlsFiles } from '../tls.ts';

export interface GrpcListener {
  /** `host:port` actually bound. */
  readonly address: string;
  readonly port: number;
  /** True when it serves gRPC over TLS. */
  readonly tls: boolean;
  close(): Promise<void>;
}

export async function startGrpcListener(opts: { host: string; port: number; bodyLimit: number; routes: (router: ConnectRouter) => void; tls?: TlsFiles }): Promise<GrpcListener> {
  const handler = connectNodeAdapter({
    routes: (router) => {
      opts.routes(router);
      reflectionRoutes(router);
    },
    readMaxBytes: opts.bodyLimit,
    jsonOptions: CONNECT_JSON_OPTIONS,
  });
  const server = opts.tls === undefined ? http2.createServer(handler) : http2.createSecureServer({ cert: opts.tls.cert, key: opts.tls.key }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    address: `${opts.host}:${port}`,
    port,
    tls: opts.tls !== undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.close();
      }),
  };
}
