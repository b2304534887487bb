/**
 * A real S3 API over HTTP for tests: s3rver in-process (own temp directory, port 0).
 *
 * s3rver ignores `If-None-Match: *`, so on its own it overwrites where S3 would answer 412 — the
 * exact failure k3's commit protocol must detect ('ignore' mode exposes it as is, for the probe
 * tests). 'honest' mode puts a small node:http proxy in front that makes it behave like S3 where
 * k3 depends on it:
 * - PUT with `If-None-Match: *` is serialized per key (a per-key async mutex); if the object exists
 *   the proxy answers 412 PreconditionFailed with an S3 XML error body, else forwards the PUT and
 *   holds the key until s3rver has answered, so check-then-put is atomic per key.
 * - ListObjectsV2 is answered in UTF-8 byte order from s3rver's data directory (s3-list-objects.ts).
 * Everything else is forwarded verbatim (streamed bodies, the client's Host header kept so that
 * s3rver's SigV4 check sees what was signed). In both modes s3rver's PUT is made atomic and its DELETE idempotent
 * (s3-store-fixes.ts). This CAS layer is test support only: it is correct only because every
 * conditional PUT goes through this one process; a real store must implement the condition itself.
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { createS3Client } from '../../src/object-store/create-s3-client.ts';
import { patchS3rverStore } from './s3-store-fixes.ts';
import { listObjectsV2 } from './s3-list-objects.ts';

export interface S3TestServer {
  readonly endpoint: string;
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** s3rver's built-in account. */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export async function startS3Server(options: { conditionalWrites: 'honest' | 'ignore' }): Promise<S3TestServer> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'k3-s3rver-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  patchS3rverStore(s3rver);
  const upstream = await s3rver.run();
  let proxy: http.Server | undefined;
  let port = upstream.port;
  if (options.conditionalWrites === 'honest') {
    proxy = createHonestProxy(upstream.port, directory, s3rver);
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    port = (proxy.address() as AddressInfo).port;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_TEST_CREDENTIALS });
  return {
    endpoint,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop() {
      client.destroy();
      if (proxy !== undefined) {
        proxy.closeAllConnections();
        await new Promise<void>((resolve) => proxy?.close(() => resolve()));
      }
      await s3rver.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

function createHonestProxy(upstreamPort: number, dataDir: string, s3rver: S3rver): http.Server {
  const locks = new Map<string, Promise<void>>();

  async function withKeyLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = locks.get(id) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    locks.set(id, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(id) === tail) locks.delete(id);
    }
  }

  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [, rawBucket = '', ...rawKey] = url.pathname.split('/');
    const bucket = decodeURIComponent(rawBucket);
    const key = decodeURIComponent(rawKey.join('/'));
    const handled =
      req.method === 'GET' && bucket !== '' && key === '' && url.searchParams.get('list-type') === '2'
        ? listObjectsV2(dataDir, bucket, url.searchParams, res)
        : req.method === 'PUT' && key !== '' && req.headers['if-none-match'] === '*' && !url.searchParams.has('uploadId')
          ? withKeyLock(`${bucket}/${key}`, async () => {
              if (await s3rver.store.existsObject(bucket, key)) {
                for await (const _chunk of req) {
                  // drain the body so the connection stays usable
                }
                preconditionFailed(res, `/${bucket}/${key}`);
              } else {
                await forward(req, res, upstreamPort);
              }
            })
          : forward(req, res, upstreamPort);
    handled.catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy error: ${(err as Error).message}`);
    });
  });
}

function preconditionFailed(res: http.ServerResponse, resource: string): void {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
    '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
    `<Condition>If-None-Match</Condition><Resource>${resource.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</Resource><RequestId>k3-test-proxy</RequestId></Error>`;
  res.writeHead(412, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Forwards one request verbatim and resolves when the upstream response has been fully relayed. */
function forward(req: http.IncomingMessage, res: http.ServerResponse, upstreamPort: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    delete headers.expect; // node answered 100-continue to the client already; not part of the signature
    const upstream = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', resolve);
      up.on('error', reject);
    });
    upstream.on('error', reject);
    req.pipe(upstream);
  });
}
