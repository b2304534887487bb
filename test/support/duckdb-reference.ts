/**
 * The reference side of every comparison: the same SQL run on a plain in-process DuckDB with real
 * (in-memory) tables, encoded with the engine's own wire encoder (exec/result-encoding.ts) so a
 * row from the API and a row from here are comparable exactly.
 *
 * The k3 dialect adds one clause DuckDB does not parse, `PARTITIONED BY (…)` on CREATE TABLE;
 * `toReferenceSql` strips it. Everything else is sent to DuckDB unchanged.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { encodeRows } from '@k3/client/sdk';
import { createDuckDB, encodeResult, type EncodedResult, type K3DuckDB } from '@k3/core/exec';

/** What a DML statement reports: DuckDB's changed-row count. */
export interface ReferenceOutcome extends EncodedResult {
  /** True when the statement changed rows (INSERT/UPDATE/DELETE/MERGE): rows = [[count]]. */
  readonly isWrite: boolean;
}

const PARTITIONED_BY = /\)\s*PARTITIONED\s+BY\s*\(([^()]*)\)\s*;?\s*$/i;

export function toReferenceSql(sql: string): string {
  return sql.replace(PARTITIONED_BY, ')');
}

const WRITE = /^\s*(?:WITH\b[\s\S]*?\)\s*)?(INSERT|UPDATE|DELETE|MERGE)\b/i;

export class DuckDBReference {
  readonly #db: K3DuckDB;
  readonly #conn: DuckDBConnection;

  private constructor(db: K3DuckDB, conn: DuckDBConnection) {
    this.#db = db;
    this.#conn = conn;
  }

  static async create(): Promise<DuckDBReference> {
    const db = await createDuckDB({ threads: 1 });
    return new DuckDBReference(db, await db.connect());
  }

  /** Runs one statement; SELECTs return their rows (in the wire encoding), writes a single `[[changedRows]]`. */
  async run(sql: string): Promise<ReferenceOutcome> {
    const result = await encodeResult(await this.#conn.run(toReferenceSql(sql)));
    return { columns: result.columns, rows: encodeRows(result.rows, result.columns), isWrite: WRITE.test(sql) };
  }

  /** Runs several setup statements in order. */
  async runAll(statements: readonly string[]): Promise<void> {
    for (const s of statements) await this.#conn.run(toReferenceSql(s));
  }

  /** The changed-row count of a write as a decimal string (the API's rowsAffected form). */
  async rowsAffected(sql: string): Promise<string> {
    const out = await this.run(sql);
    const first = out.rows[0]?.[0];
    return first === undefined || first === null ? '0' : String(first);
  }

  close(): void {
    this.#conn.closeSync();
    this.#db.closeSync();
  }
}
