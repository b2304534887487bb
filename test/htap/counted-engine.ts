/**
 * Test support for keyed-write tests that compare with DuckDB and count DuckDB calls: an engine
 * harness whose log writes stay un-drained, with every DuckDB connection instrumented
 * (duckdb-call-counter.ts), a plain DuckDB reference, and STRONG-by-default reads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { expect } from 'vitest';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { loadConfig } from '../../packages/core/src/config/index.ts';
import { createDuckDB, FileCache } from '../../packages/core/src/exec/index.ts';
import { createBucketStoreFactory } from '../../packages/core/src/object-store/index.ts';
import { Engine } from '../../packages/core/src/sql/index.ts';
import { createHarness, keyedWriteDuckDBFromEnv, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
import { instrument, type DuckDBCalls } from '../../packages/core/test/sql/duckdb-call-counter.ts';
import { DuckDBReference } from '../support/duckdb-reference.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';

export interface CountedEngine {
  readonly h: Harness;
  readonly ref: DuckDBReference;
  readonly counter: DuckDBCalls;
  rows(sql: string, freshness?: Freshness): Promise<unknown[][]>;
  close(): Promise<void>;
}

export async function countedEngine(env: Record<string, string> = {}): Promise<CountedEngine> {
  let counter: DuckDBCalls | undefined;
  const h = await createHarness(env, {
    drainLogWrites: false,
    wrapDb: (db) => {
      const i = instrument(db);
      counter = i.counter;
      return i.db;
    },
  });
  const ref = await DuckDBReference.create();
  return {
    h, ref, counter: counter!,
    async rows(sql, freshness = Freshness.STRONG) {
      const r = await h.engine.execute({ bucket: h.bucket, sql, freshness });
      if (!('query' in r)) throw new Error('expected a query');
      return wireRows(r.query);
    },
    async close() {
      await h.close();
      ref.close();
    },
  };
}

/**
 * A second coordinator on the harness's bucket: its own engine, DuckDB, warm state and write-log
 * writer (`env`: more config, e.g. a fast path turned off). close() releases all of it.
 */
export async function otherCoordinator(h: Harness, env: Record<string, string> = {}): Promise<{ engine: Engine; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-other-'));
  const dataDir = path.join(h.dir, 'data');
  const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dataDir, K3_CACHE_DIR: dir, ...keyedWriteDuckDBFromEnv(), ...env });
  const db = await createDuckDB({ threads: 2, allowedDirectories: [dataDir, dir] });
  const engine = new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir, maxBytes: 1 << 30 }), config });
  return {
    engine,
    async close() {
      await engine.close();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A write's outcome as text: rowsAffected, 'no write', or `error <code>`. */
export const outcome = (p: Promise<unknown>): Promise<string> => p.then((r) => ('write' in (r as object) ? String((r as { write: { rowsAffected: number } }).write.rowsAffected) : 'no write'), (e: { code?: string }) => `error ${e.code}`);

/**
 * `sql` on the DuckDB reference, then on k3 (`engine`, default the harness's): the same rows
 * affected, or both refuse (k3 with a stable ERR_* code). k3's outcome: rowsAffected as text,
 * 'no write', or `error <code>`.
 */
export async function sameAsDuckDB(c: CountedEngine, sql: string, engine: Engine = c.h.engine): Promise<string> {
  const expected = await c.ref.rowsAffected(sql).then((n) => String(n), (e: Error) => `error: ${e.message.split('\n')[0]}`);
  const got = await outcome(engine.execute({ bucket: c.h.bucket, sql }));
  if (expected.startsWith('error')) expect(got, `${sql}\nDuckDB: ${expected}`).toMatch(/^error ERR_/);
  else expect(got, sql).toBe(expected);
  return got;
}
