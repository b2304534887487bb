/** historyRelationSql runs in DuckDB with DESCRIBE HISTORY's columns and exact values. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createDuckDB, type K3DuckDB } from '../../src/exec/duckdb-instance.ts';
import { historyRelationSql } from '../../src/maintenance/history-sql.ts';

let db: K3DuckDB;
let conn: DuckDBConnection;
beforeAll(async () => {
  db = await createDuckDB({ threads: 1 });
  conn = await db.connect();
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
});

describe('historyRelationSql', () => {
  it('turns entries into typed rows, quoting every value', async () => {
    const sql = historyRelationSql([
      { version: 1, timestamp: 1716843600000, operation: "MERGE 'x'", parameters: { predicate: "id = 'a'" }, operationMetrics: { numTargetRowsInserted: '5' }, userMetadata: { who: 'me' }, engineInfo: 'k3-tables/0.1.0', readVersion: 0 },
      { version: 0, timestamp: 1716843500000, operation: 'CREATE TABLE', parameters: {}, operationMetrics: {}, readVersion: 0 },
    ]);
    const reader = await conn.runAndReadAll(`SELECT version, timestamp::VARCHAR AS ts, operation, operation_parameters->>'predicate' AS predicate, operation_metrics, user_metadata, engine_info, read_version FROM (${sql})`);
    expect(reader.getRowObjectsJson()).toEqual([
      { version: '1', ts: '2024-05-27 21:00:00+00', operation: "MERGE 'x'", predicate: "id = 'a'", operation_metrics: '{"numTargetRowsInserted":"5"}', user_metadata: '{"who":"me"}', engine_info: 'k3-tables/0.1.0', read_version: '0' },
      { version: '0', ts: '2024-05-27 20:58:20+00', operation: 'CREATE TABLE', predicate: null, operation_metrics: '{}', user_metadata: null, engine_info: null, read_version: '0' },
    ]);
    const types = (await conn.runAndReadAll(`DESCRIBE ${historyRelationSql([])}`)).getRows().map((r) => `${String(r[0])} ${String(r[1])}`);
    expect(types).toEqual(['version BIGINT', 'timestamp TIMESTAMP WITH TIME ZONE', 'operation VARCHAR', 'operation_parameters JSON', 'operation_metrics JSON', 'user_metadata JSON', 'engine_info VARCHAR', 'read_version BIGINT']);
  });
});
