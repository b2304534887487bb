import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';
import { createDuckDB, type K3DuckDB } from '../../src/exec/duckdb-instance.ts';

/**
 * One k3 DuckDB database (createDuckDB: UTC, the k3 macros) and one connection per test file,
 * closed after it — for unit tests of code that runs SQL on the engine's own setup.
 */
export function useK3DuckDB(): { readonly conn: DuckDBConnection } {
  const holder: { conn: DuckDBConnection; db?: K3DuckDB } = { conn: undefined as unknown as DuckDBConnection };
  beforeAll(async () => {
    holder.db = await createDuckDB({ threads: 1 });
    holder.conn = await holder.db.connect();
  });
  afterAll(() => {
    holder.conn.closeSync();
    holder.db?.closeSync();
  });
  return holder;
}
