/**
 * Test support for the type suites: a real Engine (engine-harness.ts) and a plain DuckDB
 * reference, created before and closed after the suite, and `both`, which runs one statement on
 * each side and compares what DuckDB answers (rows with their DuckDB types, or RETURNING rows).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { compareResults } from '../../../../test/support/compare-results.ts';
import { DuckDBReference } from '../../../../test/support/duckdb-reference.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';

export interface EngineAndReference {
  readonly h: Harness;
  readonly ref: DuckDBReference;
  /** Runs `sql` on both sides; reads must be equal (`ordered`: compare row order too). */
  both(sql: string, ordered?: boolean): Promise<void>;
}

/** Registers beforeAll/afterAll; the returned object is usable inside tests and hooks after them. */
export function engineAndReference(env: Record<string, string> = {}): EngineAndReference {
  let h: Harness | undefined;
  let ref: DuckDBReference | undefined;
  beforeAll(async () => {
    h = await createHarness(env);
    ref = await DuckDBReference.create();
  });
  afterAll(async () => {
    await h?.close();
    ref?.close();
  });
  const out: EngineAndReference = {
    get h() {
      return h!;
    },
    get ref() {
      return ref!;
    },
    async both(sql, ordered = true) {
      const expected = await out.ref.run(sql);
      const actual = await out.h.exec(sql);
      if ('query' in actual) expect(compareResults(actual.query, expected, { ordered }).message, `${sql} (${actual.query.strategy})`).toBe('equal');
      else if ('write' in actual && actual.write.returning !== undefined) expect(compareResults(actual.write.returning, expected, { ordered: false }).message, sql).toBe('equal');
    },
  };
  return out;
}
