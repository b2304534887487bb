/**
 * DuckDB memory, read at scrape time from `duckdb_memory()` (memory held by the buffer manager per
 * tag, summed over the process's databases): k3_duckdb_memory_bytes. A scrape that cannot query (the database is closing)
 * reports the last value.
 */
import { Gauge, type Registry } from 'prom-client';
import type { K3DuckDB } from '../exec/index.ts';

export async function duckdbMemoryBytes(db: Pick<K3DuckDB, 'connect'>): Promise<number> {
  const conn = await db.connect();
  try {
    const rows = (await conn.runAndReadAll('SELECT COALESCE(SUM(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory()')).getRows();
    return Number(rows[0]?.[0] ?? 0);
  } finally {
    conn.closeSync();
  }
}

/** `others`: further databases of the process (the separate keyed-write one, sql/keyed-write-duckdb.ts), summed in. */
export function registerDuckDBMetrics(registry: Registry, db: Pick<K3DuckDB, 'connect'>, others: () => readonly Pick<K3DuckDB, 'connect'>[] = () => []): void {
  new Gauge({
    name: 'k3_duckdb_memory_bytes',
    help: 'Memory DuckDB\'s buffer manager holds (sum of duckdb_memory()).',
    registers: [registry],
    async collect() {
      try {
        let bytes = await duckdbMemoryBytes(db);
        for (const other of others()) bytes += await duckdbMemoryBytes(other).catch(() => 0);
        this.set(bytes);
      } catch {
        // closing: keep the last value
      }
    },
  });
}
