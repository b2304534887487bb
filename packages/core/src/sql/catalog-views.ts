/**
 * information_schema over the bucket's tables. Bucket tables are not objects of DuckDB's catalog
 * (they are bound per statement as views of their Delta snapshot), so DuckDB's own
 * `information_schema.tables` / `.columns` would not list them. A statement that names either
 * gets them as TEMP views over DuckDB's own answer for empty TEMP tables carrying each table's
 * exact definition (`__k3_is_<name>`: types, NOT NULL, DEFAULT, PRIMARY KEY), with the catalog,
 * name and table type DuckDB reports for a table of its default database (`memory`, `BASE TABLE`).
 * The statement's `information_schema.tables` / `.columns` tokens are renamed to those views:
 * a narrow token rewrite (no grammar), exactly like the rest of the pre-pass.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { primaryKeyOf } from '../catalog/index.ts';
import { mapDuckDBError, quoteIdentifier as q } from '../exec/index.ts';
import type { RequestTables } from './request-tables.ts';
import { identifierOf, isPunct, type Token } from './sql-tokens.ts';
import { targetTableDdl } from './write-target.ts';

const PREFIX = '__k3_is_';
const VIEWS: Readonly<Record<string, string>> = { tables: '__k3_information_schema_tables', columns: '__k3_information_schema_columns' };

/** The statement with `information_schema.tables|columns` renamed to views that list the bucket's tables, or undefined. */
export async function bindCatalogViews(conn: DuckDBConnection, tables: RequestTables, sql: string, tokens: readonly Token[]): Promise<string | undefined> {
  const hits: Array<{ start: number; end: number; view: string }> = [];
  tokens.forEach((tok, i) => {
    const rel = tokens[i + 2];
    if ((tok.kind !== 'word' && tok.kind !== 'quoted') || identifierOf(tok).toLowerCase() !== 'information_schema') return;
    if (!isPunct(tokens[i + 1], '.') || rel === undefined || (rel.kind !== 'word' && rel.kind !== 'quoted')) return;
    const view = VIEWS[identifierOf(rel).toLowerCase()];
    if (view !== undefined) hits.push({ start: tok.start, end: rel.end, view });
  });
  if (hits.length === 0) return undefined;
  try {
    for (const name of await tables.names()) {
      const pinned = await tables.tryPin(name);
      if (pinned === undefined) continue;
      await conn.run(targetTableDdl(`${PREFIX}${name}`, pinned.snapshot.schema, primaryKeyOf(pinned.snapshot.metadata)));
    }
    const mine = `table_catalog = 'temp' AND starts_with(table_name, '${PREFIX}')`;
    const name = `substr(table_name, ${PREFIX.length + 1}) AS table_name`;
    await conn.run(`CREATE OR REPLACE TEMP VIEW ${q(VIEWS['tables']!)} AS SELECT * REPLACE ('memory' AS table_catalog, ${name}, 'BASE TABLE' AS table_type) FROM information_schema.tables WHERE ${mine}`);
    await conn.run(`CREATE OR REPLACE TEMP VIEW ${q(VIEWS['columns']!)} AS SELECT * REPLACE ('memory' AS table_catalog, ${name}) FROM information_schema.columns WHERE ${mine}`);
  } catch (err) {
    throw mapDuckDBError(err);
  }
  let out = '';
  let at = 0;
  for (const h of hits) {
    out += `${sql.slice(at, h.start)}${q(h.view)}`;
    at = h.end;
  }
  return out + sql.slice(at);
}
