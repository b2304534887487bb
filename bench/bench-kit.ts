/**
 * What the benches share: the embedded engine on a temporary local directory, writing their result
 * file, the embedded compactor a bench runs beside its writers (ingest, writers) and the client loop.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '@k3/core';
import { createDuckDB, FileCache, type K3DuckDB } from '@k3/core/exec';
import { LocalLease, LocalLeaseRegistry } from '@k3/core/lease';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { Engine } from '@k3/core/sql';

export interface EmbeddedEngine {
  readonly dir: string;
  readonly config: Config;
  readonly db: K3DuckDB;
  readonly engine: Engine;
  /** Closes the engine and DuckDB and removes the directory. */
  close(): Promise<void>;
}

/**
 * An Engine on a fresh temporary directory (`k3-bench-<name>-…`): the local store, `env` read as the
 * server reads its environment (K3_DUCKDB_THREADS applied as create-exec-runtime.ts applies it: 0 =
 * DuckDB's default, all cores), a 4 GiB file cache.
 */
export async function openEmbedded(name: string, env: Record<string, string | undefined>): Promise<EmbeddedEngine> {
  const dir = await mkdtemp(path.join(tmpdir(), `k3-bench-${name}-`));
  const data = path.join(dir, 'data');
  const cache = path.join(dir, 'cache');
  const config = loadConfig({ ...env, K3_STORE: 'local', K3_DATA_DIR: data, K3_CACHE_DIR: cache });
  const db = await createDuckDB({ ...(config.K3_DUCKDB_THREADS ? { threads: config.K3_DUCKDB_THREADS } : {}), allowedDirectories: [data, cache] });
  const engine = new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir: path.join(cache, 'files'), maxBytes: 4 << 30 }), config });
  return {
    dir, config, db, engine,
    async close() {
      await engine.close();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes `out` to bench/results/<name>.json and prints it. */
export function writeResult(name: string, out: unknown): void {
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

/** The engine's compactor on a process-local lease; `onDrain` gets the records each drain of a table merged. */
export function benchCompactor(engine: Engine, config: Pick<Config, 'K3_COMPACTOR_LEASE_TTL'>, onDrain: (records: number) => void): ReturnType<Engine['compactor']> {
  const holder = `bench:${process.pid}`;
  return engine.compactor({
    holder,
    lease: new LocalLease(new LocalLeaseRegistry(), { holder, ttlMs: config.K3_COMPACTOR_LEASE_TTL }),
    onTick: (_bucket, outcomes) => {
      for (const o of outcomes) if (o.status === 'drained') onDrain(o.results.reduce((n, r) => n + r.walEntriesProcessed, 0));
    },
    onError: () => undefined,
  });
}

export interface ClientsRun {
  /** Latency of every acknowledged statement, ms. */
  readonly latencies: number[];
  readonly failures: number;
  /** Failures by error code. */
  readonly errors: Record<string, number>;
  /** Wall time of the run, s. */
  readonly elapsed: number;
}

/** `clients` concurrent loops, each running statement `sqlOf(client, i)` for i = 0, 1, … until `seconds` have passed. */
export async function runClients(clients: number, seconds: number, exec: (sql: string) => Promise<unknown>, sqlOf: (client: number, i: number) => string): Promise<ClientsRun> {
  const latencies: number[] = [];
  let failures = 0;
  const errors = new Map<string, number>();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const sql = sqlOf(c, i);
      const t = performance.now();
      try {
        await exec(sql);
        latencies.push(performance.now() - t);
      } catch (err) {
        failures++;
        const code = (err as { code?: string }).code ?? String(err);
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    }
  }));
  return { latencies, failures, errors: Object.fromEntries(errors), elapsed: (performance.now() - started) / 1000 };
}
