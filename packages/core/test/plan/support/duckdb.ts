import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';

/** One in-memory DuckDB connection per test file, closed after it. */
export function useDuckDB(): { readonly conn: DuckDBConnection } {
  const holder: { conn: DuckDBConnection; instance?: DuckDBInstance } = { conn: undefined as unknown as DuckDBConnection };
  beforeAll(async () => {
    holder.instance = await DuckDBInstance.create(':memory:');
    holder.conn = await holder.instance.connect();
    // TimeZone needs icu, which autoloads on the first SET (not through the instance config).
    await holder.conn.run("SET TimeZone = 'UTC'");
  });
  afterAll(() => {
    holder.conn.closeSync();
    holder.instance?.closeSync();
  });
  return holder;
}
