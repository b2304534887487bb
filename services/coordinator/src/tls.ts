/**
 * TLS for the coordinator's listeners (K3_TLS_CERT / K3_TLS_KEY: PEM files). `loadTls` reads
 * them once at start-up and returns Node's `{ cert, key }` secure-context options, which every
 * listener takes as they are: the HTTP server (Fastify `https`), an HTTP/2 server for gRPC, or
 * `tls.createSecureContext` for the Postgres wire's SSLRequest upgrade. Both keys or neither.
 */
import { readFile } from 'node:fs/promises';
import { AppError, type Config } from '@k3/core';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export async function loadTls(config: Pick<Config, 'K3_TLS_CERT' | 'K3_TLS_KEY'>): Promise<TlsFiles | undefined> {
  const { K3_TLS_CERT: certPath, K3_TLS_KEY: keyPath } = config;
  if (certPath === '' && keyPath === '') return undefined;
  if (certPath === '' || keyPath === '') {
    throw new AppError('ERR_CONFIG_INVALID', 'Set both K3_TLS_CERT and K3_TLS_KEY (PEM files) to serve TLS, or neither to serve plain HTTP.');
  }
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new AppError('ERR_CONFIG_INVALID', `Cannot read ${what} ${file}: ${(err as Error).message}. Point it at a readable PEM file.`);
    }
  };
  return { cert: await read(certPath, 'K3_TLS_CERT'), key: await read(keyPath, 'K3_TLS_KEY') };
}
