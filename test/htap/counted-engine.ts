/**
 * Test support for keyed-write tests that compare with DuckDB and count DuckDB calls: an engine
 * harness whose log writes stay un-drained, with every DuckDB connection instrumented
 * (duckdb-call-counter.ts), a plain DuckDB reference, and STRONG-by-default reads.
 */
import { Freshness } from '../../packages/core/src/api/index.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
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
