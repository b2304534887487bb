/**
 * The write-log upgrade step of an ALTER TABLE on a keyed table (wal/record-upgrade.ts): how a
 * record written under the definition before the statement becomes a record of the definition
 * after it. Each added column's DEFAULT is evaluated here, once, as WAL text, so every reader and
 * the drain fill the same value into such a record (a volatile default — CURRENT_TIMESTAMP,
 * GENERATE_UUID(), ULID() — is this one value).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructType } from '../delta/schema.ts';
import { fieldToDuckDBType } from '../exec/duckdb-types.ts';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { captureSelectList } from '../wal/capture-rows.ts';
import type { WalValue } from '../wal/record-codec.ts';
import type { WalUpgradeStep } from '../wal/record-upgrade.ts';
import { schemaFingerprint } from '../wal/table-shape.ts';

export interface AddedColumn {
  readonly name: string;
  readonly duckdbType: string;
  /** '' when the column has no DEFAULT. */
  readonly defaultExpression: string;
}

/**
 * The step from `before` to `after`, or undefined when the column names and types did not change
 * and no column became NOT NULL.
 */
export async function alterUpgradeStep(conn: DuckDBConnection, before: StructType, after: StructType, actions: readonly string[], added: readonly AddedColumn[], changesValues: boolean): Promise<WalUpgradeStep | undefined> {
  const from = schemaFingerprint(before.fields.map((f) => ({ name: f.name, type: fieldToDuckDBType(f) })));
  const to = schemaFingerprint(after.fields.map((f) => ({ name: f.name, type: fieldToDuckDBType(f) })));
  const wasNullable = new Set(before.fields.filter((f) => f.nullable).map((f) => f.name));
  const tightened = after.fields.filter((f) => !f.nullable && wasNullable.has(f.name)).map((f) => f.name);
  if (from === to && tightened.length === 0) return undefined;
  const fills: Record<string, WalValue> = {};
  for (const c of added) {
    if (c.defaultExpression === '') continue;
    try {
      const reader = await conn.runAndReadAll(`SELECT ${captureSelectList([{ name: 'v', type: c.duckdbType }])} FROM (SELECT (${c.defaultExpression}) AS v) AS src`);
      const v = reader.getRows()[0]?.[0];
      fills[c.name] = v === null || v === undefined ? null : String(v);
    } catch (err) {
      throw mapDuckDBError(err);
    }
  }
  return { from, to, actions: [...actions], fills, rows: changesValues, ...(tightened.length > 0 ? { tightened } : {}) };
}
