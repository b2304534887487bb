/**
 * SHOW TABLES / SHOW ALL TABLES answered from the catalog (the bucket's tables are not objects of
 * DuckDB's catalog), in DuckDB's own result shape: `name` only, or database / schema / name /
 * column_names / column_types / temporary as DuckDB reports a persistent in-memory table.
 */
import { fieldToDuckDBType, type EncodedResult } from '../exec/index.ts';
import type { RequestTables } from './request-tables.ts';

export async function showTables(tables: RequestTables, all: boolean): Promise<EncodedResult> {
  const names = [...(await tables.names())].sort();
  if (!all) return { columns: [{ name: 'name', type: 'VARCHAR' }], rows: names.map((n) => [n]) };
  const rows: unknown[][] = [];
  for (const name of names) {
    const pinned = await tables.tryPin(name);
    if (pinned === undefined) continue;
    const fields = pinned.snapshot.schema.fields;
    rows.push(['memory', 'main', name, fields.map((f) => f.name), fields.map(fieldToDuckDBType), false]);
  }
  return {
    columns: [
      { name: 'database', type: 'VARCHAR' }, { name: 'schema', type: 'VARCHAR' }, { name: 'name', type: 'VARCHAR' },
      { name: 'column_names', type: 'VARCHAR[]' }, { name: 'column_types', type: 'VARCHAR[]' }, { name: 'temporary', type: 'BOOLEAN' },
    ],
    rows,
  };
}
