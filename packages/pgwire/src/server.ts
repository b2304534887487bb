/**
 * The Postgres wire listener: a plain TCP server whose connections are PgConnections. TLS is
 * negotiated per connection after SSLRequest when a certificate is configured (otherwise the
 * answer is 'N'). `close()` stops accepting and ends every live connection (their running
 * statements are interrupted).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { CatalogDb } from './catalog/catalog-db.ts';
import { PgConnection, type PgLogger } from './connection.ts';
import type { PgAuthenticator, PgEngine } from './ports.ts';

export interface PgServerOptions {
  engine: PgEngine;
  auth: PgAuthenticator;
  logger: PgLogger;
  /** PEM certificate and key: TLS is offered after SSLRequest when both are set. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface PgServer {
  listen(port: number, host: string): Promise<AddressInfo>;
  close(): Promise<void>;
  /** Live (authenticated) sessions. */
  sessionCount(): number;
}

export async function createPgServer(opts: PgServerOptions): Promise<PgServer> {
  const catalog = await CatalogDb.create();
  const live = new Map<number, PgConnection>();
  const sockets = new Set<Socket>();
  const secureContext = opts.tls === undefined ? undefined : createSecureContext({ cert: opts.tls.cert, key: opts.tls.key });
  let pid = 1000 + Math.floor(Math.random() * 1000);
  const serverSecret = randomBytes(32);
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new PgConnection(socket, {
      engine: opts.engine, auth: opts.auth, catalog, logger: opts.logger, serverSecret, live,
      nextPid: () => (pid = pid >= 0x7ffffff0 ? 1000 : pid + 1),
      ...(secureContext !== undefined ? { tls: secureContext } : {}),
    });
  });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of live.values()) c.cancel();
      for (const s of sockets) s.destroy();
      await closed;
      catalog.close();
    },
    sessionCount: () => live.size,
  };
}
