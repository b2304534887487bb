/**
 * `k3 delta changes <dir | s3://bucket/prefix> --from N [--to M] [--format jsonl|table]`: the
 * table's Change Data Feed read straight from its Delta log and `_change_data/` files, without a
 * server — the same plan (`@k3/core/cdf` planChanges) and SQL (changesSelectSql) as
 * `table_changes` in the engine, so k3 and Spark/delta-rs tables read alike. Rows in version order,
 * then change type (delete, update_preimage, update_postimage, insert), then column values.
 */
import type { DuckDBType } from '@duckdb/node-api';
import { CHANGE_TYPE_COLUMN, COMMIT_VERSION_COLUMN, changesSelectSql, planChanges, planFiles } from '@k3/core/cdf';
import { quoteIdentifier as q } from '@k3/core/exec';
import { UsageError, type CommandIO } from './delta-commands.ts';
import { formatTable } from './format-table.ts';
import { toLosslessJson } from './json-value.ts';
import { openLocation } from './open-location.ts';
import { materialize, withDuck } from './scan.ts';

export interface ChangesOptions {
  readonly from?: string;
  readonly to?: string;
  readonly format?: string;
}

function version(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`--${flag} must be a table version (a non-negative integer), got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export async function tableChanges(location: string, opts: ChangesOptions, io: CommandIO): Promise<void> {
  const format = opts.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'table') throw new UsageError(`--format must be jsonl or table, got ${JSON.stringify(format)}`);
  if (opts.from === undefined) throw new UsageError('k3 delta changes needs --from N (the first version whose changes to print)');
  const { store, root } = await openLocation(location, io.env);
  const plan = await planChanges(store, root, { fromVersion: version('from', opts.from), ...(opts.to !== undefined ? { toVersion: version('to', opts.to) } : {}) });
  const files = [...new Map(planFiles(plan).map((f) => [f.key, f])).values()];
  const { paths, cleanup } = await materialize(store, files);
  try {
    await withDuck(async (conn) => {
      const local = new Map(files.map((f, i) => [f.key, paths[i]!]));
      const sql = await changesSelectSql(conn, plan, local);
      const rank = `CASE ${q(CHANGE_TYPE_COLUMN)} WHEN 'delete' THEN 0 WHEN 'update_preimage' THEN 1 WHEN 'update_postimage' THEN 2 ELSE 3 END`;
      const result = await conn.stream(`SELECT * EXCLUDE (__k3_v, __k3_r) FROM (SELECT ${q(COMMIT_VERSION_COLUMN)} AS __k3_v, ${rank} AS __k3_r, * FROM (${sql}) ORDER BY ALL)`);
      const names = result.columnNames();
      const types = result.columnTypes();
      const all: Record<string, unknown>[] = [];
      for await (const batch of result.yieldRowObjectJson()) {
        const rows = batch.map((row) => Object.fromEntries(names.map((n, i) => [n, toLosslessJson(row[n], types[i] as DuckDBType)])));
        if (format === 'table') all.push(...rows);
        else await io.out(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      }
      if (format === 'table') await io.out(formatTable(names, all));
    });
  } finally {
    await cleanup();
  }
}
