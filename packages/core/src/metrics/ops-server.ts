/**
 * The operations endpoints of a role without an HTTP API (worker, compactor) on its own port
 * (K3_WORKER_HTTP_PORT, K3_COMPACTOR_HTTP_PORT; 0 = none): `/healthz` (200 while `healthy()`, 503
 * once stopping) and `/metrics` (the role's Registry in Prometheus text format).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface OpsServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startOpsServer(port: number, host: string, registry: Registry, healthy: () => boolean, role: string): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'stopping' }));
    } else if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'ERR_NOT_FOUND', message: `No route ${req.url ?? ''}; the ${role} serves /healthz and /metrics.` }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
