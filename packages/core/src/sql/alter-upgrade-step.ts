/**
 * The write-log upgrade step of an ALTER TABLE on a keyed table (wal/record-upgrade.ts): how a
 * record written under the definition before the statement becomes a record of the definition
 * after it. Each added column's DEFAULT is evaluated here, once, as WAL text, so every reader and
 * the drain fill the same value into such a record (CURRENT_TIMESTAMP is this one value). A
 * default that gives each row its own value — a UUID, a ULID — is marked `perRow`: the upgrade
 * derives one per racing row instead (deterministically); any other per-row default (random())
 * is the one value evaluated here.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { captureSelectList } from '../wal/capture-rows.ts';
import type { WalValue } from '../wal/record-codec.ts';
import type { WalUpgradeStep } from '../wal/record-upgrade.ts';
import type { WalTableShape } from '../wal/table-shape.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export interface AddedColumn {
  readonly name: string;
  readonly duckdbType: string;
  /** '' when the column has no DEFAULT. */
  readonly defaultExpression: string;
}

/**
 * The step from the table's write-log shape `before` to `after` (walTableShape of the snapshot and
 * of the new schema: the same fingerprints the readers compare), or undefined when the column names
 * and types did not change and no column became NOT NULL.
 */
export async function alterUpgradeStep(conn: DuckDBConnection, before: WalTableShape, after: WalTableShape, actions: readonly string[], added: readonly AddedColumn[], changesValues: boolean): Promise<WalUpgradeStep | undefined> {
  const from = before.fingerprint;
  const to = after.fingerprint;
  const tightened = after.notNull.filter((name) => !before.notNull.includes(name) && before.columns.some((c) => c.name === name));
  if (from === to && tightened.length === 0) return undefined;
  const fills: Record<string, WalValue> = {};
  const perRow: Record<string, 'uuid' | 'ulid'> = {};
  for (const c of added) {
    if (c.defaultExpression === '') continue;
    try {
      // Three rows: a default that differs per row (a UUID, a ULID) shows as several distinct values.
      const reader = await conn.runAndReadAll(`SELECT ${captureSelectList([{ name: 'v', type: c.duckdbType }])} FROM (SELECT (${c.defaultExpression}) AS v FROM range(3)) AS src`);
      const values = reader.getRows().map((r) => (r[0] === null || r[0] === undefined ? null : String(r[0])));
      const v = values[0] ?? null;
      fills[c.name] = v;
      const kind = v === null || new Set(values).size === 1 ? undefined : UUID.test(v) ? 'uuid' : ULID.test(v) ? 'ulid' : undefined;
      if (kind !== undefined) perRow[c.name] = kind;
    } catch (err) {
      throw mapDuckDBError(err);
    }
  }
  return {
    from, to, actions: [...actions], fills, rows: changesValues,
    ...(tightened.length > 0 ? { tightened } : {}),
    ...(Object.keys(perRow).length > 0 ? { perRow } : {}),
  };
}
