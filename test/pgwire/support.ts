/**
 * A Postgres wire listener over the REAL engine and token store, in-process (the coordinator's own
 * adapters: pgEngineOf / pgAuthenticatorOf), on a free port, with fresh data and cache
 * directories. Tokens: `admin` (all buckets, admin), `reader` (bucket demo, read), `writer`
 * (demo, write), `otherbucket` (bucket other only). Clients in tests are real: psql, pg,
 * pgjdbc, psycopg.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '@k3/core';
import { openTokenStore, type TokenStore } from '@k3/core/auth';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { createPgServer, type PgServer } from '@k3/pgwire';
import { createEngine, type CreatedEngine } from '../../services/coordinator/src/create-engine.ts';
import { pgAuthenticatorOf, pgEngineOf } from '../../services/coordinator/src/pg-listener.ts';

export interface StartedPg {
  port: number;
  secrets: Record<'admin' | 'reader' | 'writer' | 'otherbucket', string>;
  tokens: TokenStore;
  engine: CreatedEngine['engine'];
  server: PgServer;
  /** libpq connection string for psql. */
  conninfo(user: keyof StartedPg['secrets'], db?: string): string;
  stop(): Promise<void>;
}

export async function startPg(): Promise<StartedPg> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'k3-pg-data-'));
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'k3-pg-cache-'));
  const config = loadConfig({ K3_DATA_DIR: dataDir, K3_CACHE_DIR: cacheDir, K3_STORE: 'local', K3_AUTH_REFRESH: '200ms', K3_LOG_LEVEL: 'silent' });
  const created = await createEngine(config);
  const tokens = await openTokenStore(config, createBucketStoreFactory(config));
  const mint = async (name: string, buckets: string[] | '*', scope: 'read' | 'write' | 'admin'): Promise<string> => (await tokens.create({ name, buckets, scope })).secret;
  const secrets = {
    admin: await mint('admin', '*', 'admin'),
    reader: await mint('reader', ['demo'], 'read'),
    writer: await mint('writer', ['demo'], 'write'),
    otherbucket: await mint('otherbucket', ['other'], 'admin'),
  };
  // The bucket exists once a table is in it (local mode creates it at CREATE TABLE).
  await created.engine.execute({ bucket: 'demo', sql: 'CREATE TABLE seed_marker (id INTEGER)' });
  await created.engine.execute({ bucket: 'demo', sql: 'DROP TABLE seed_marker' });
  const server = await createPgServer({ engine: pgEngineOf(created.engine), auth: pgAuthenticatorOf(tokens), logger: pino({ level: 'silent' }) });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    port, secrets, tokens, engine: created.engine, server,
    conninfo: (user, db = 'demo') => `host=127.0.0.1 port=${port} user=${user} dbname=${db} password=${secrets[user]} sslmode=disable`,
    async stop() {
      await server.close();
      await created.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
