/**
 * Generated test tables written as real Parquet files, one or two per partition, with Delta-style
 * per-file stats computed by DuckDB (timestamps truncated to milliseconds, as writers do). The same
 * rows are also loaded as table `t_oracle` so DuckDB can answer every query over the whole table.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import type { PartitionValue } from '../../../src/delta/partition-values.ts';
import type { StructType } from '../../../src/delta/schema.ts';
import type { ActiveFile } from '../../../src/delta/snapshot.ts';
import { quoteIdentifier, quoteLiteral } from '../../../src/exec/sql-quote.ts';
import { loadRelation, type FederatableSnapshot } from '../../../src/plan/index.ts';
import type { ReduceValue } from '../../../src/reduce/index.ts';

export const COLUMNS = [
  { name: 'id', delta: 'long', duck: 'BIGINT' },
  { name: 'region', delta: 'string', duck: 'VARCHAR' },
  { name: 'day', delta: 'date', duck: 'DATE' },
  { name: 'i', delta: 'integer', duck: 'INTEGER' },
  { name: 'big', delta: 'long', duck: 'BIGINT' },
  { name: 'dbl', delta: 'double', duck: 'DOUBLE' },
  { name: 'dec', delta: 'decimal(10,2)', duck: 'DECIMAL(10,2)' },
  { name: 's', delta: 'string', duck: 'VARCHAR' },
  { name: 'b', delta: 'boolean', duck: 'BOOLEAN' },
  { name: 'ts', delta: 'timestamp', duck: 'TIMESTAMP' },
] as const;

export type GenRow = ReduceValue[];

export interface TableSpec {
  readonly partitionColumns: readonly ('region' | 'day')[];
  readonly rows: readonly GenRow[];
  /** Split each partition into two files when true. */
  readonly twoFiles: boolean;
}

const REGIONS = ['EU', 'US', 'UK', 'APAC', 'ÉU'] as const;
const DAY0 = 19723; // 2024-01-01
const opt = <T>(a: fc.Arbitrary<T>, freq = 6): fc.Arbitrary<T | null> => fc.option(a, { nil: null, freq });

/** Finite doubles are multiples of 1/8 so that their sums are exact in any order; NaN, ±Infinity and -0 are rare. */
export const rowArb = (id: number): fc.Arbitrary<GenRow> =>
  fc.tuple(
    // Skew: most rows in EU.
    fc.oneof({ weight: 5, arbitrary: fc.constant('EU') }, { weight: 4, arbitrary: opt(fc.constantFrom(...REGIONS), 5) }),
    fc.integer({ min: 0, max: 3 }).map((d) => DAY0 + d),
    opt(fc.integer({ min: -1000, max: 1000 })),
    opt(fc.bigInt({ min: -(2n ** 61n), max: 2n ** 61n })),
    opt(fc.oneof({ weight: 30, arbitrary: fc.integer({ min: -80000, max: 80000 }).map((k) => k / 8) }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0) })),
    opt(fc.bigInt({ min: -99999999n, max: 99999999n })),
    opt(fc.constantFrom('a', 'b', 'ab', 'Z', '', 'é', '\u{1F600}', '\uFF5E', 'zz')),
    opt(fc.boolean()),
    opt(fc.bigInt({ min: 1704067200000000n, max: 1704412800000000n })),
  ).map(([region, day, i, big, dbl, dec, s, b, ts]) => [BigInt(id), region, day, i, big, dbl, dec, s, b, ts]);

export const tableArb: fc.Arbitrary<TableSpec> = fc
  .tuple(fc.constantFrom<TableSpec['partitionColumns']>([], ['region'], ['region', 'day'], ['day']), fc.integer({ min: 0, max: 60 }), fc.boolean())
  .chain(([partitionColumns, n, twoFiles]) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => rowArb(i + 1))).map((rows) => ({ partitionColumns, rows, twoFiles })),
  );

export const SCHEMA: StructType = {
  type: 'struct',
  fields: COLUMNS.map((c) => ({ name: c.name, type: c.delta, nullable: true, metadata: {} })),
};

export interface WrittenTable {
  readonly snapshot: FederatableSnapshot;
  readonly local: ReadonlyMap<string, string>;
  /** The directory holding the Parquet files (the caller removes it). */
  readonly dir: string;
}

let counter = 0;

/** Loads the rows as `t_oracle` on `conn` and writes Parquet files + ActiveFiles per partition. */
export async function writeTable(conn: DuckDBConnection, spec: TableSpec, dir?: string): Promise<WrittenTable> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), 'k3-fed-')));
  await loadRelation(conn, 't_oracle', COLUMNS.map((c) => ({ name: c.name, type: c.duck })), spec.rows);
  const pcols = spec.partitionColumns;
  const dataCols = COLUMNS.filter((c) => !(pcols as readonly string[]).includes(c.name));
  const tuples = (await conn.runAndReadAll(`SELECT DISTINCT ${pcols.length === 0 ? '1' : pcols.map((c) => `${c}::VARCHAR`).join(', ')} FROM t_oracle`)).getRows();
  const files: ActiveFile[] = [];
  const local = new Map<string, string>();
  for (const tuple of tuples) {
    const cond = pcols.length === 0 ? 'true' : pcols.map((c, i) => `${c}::VARCHAR IS NOT DISTINCT FROM ${tuple[i] === null ? 'NULL' : quoteLiteral(String(tuple[i]))}`).join(' AND ');
    const values: Record<string, PartitionValue> = {};
    pcols.forEach((c, i) => {
      values[c] = tuple[i] === null ? null : String(tuple[i]);
    });
    const parts = spec.twoFiles ? [`id % 2 = 0`, `id % 2 = 1`] : ['true'];
    for (const part of parts) {
      const where = `${cond} AND ${part}`;
      const count = Number((await conn.runAndReadAll(`SELECT count(*) FROM t_oracle WHERE ${where}`)).getRows()[0]![0]);
      if (count === 0) continue;
      const name = `part-${counter++}.parquet`;
      const path = join(root, name);
      await conn.run(`COPY (SELECT ${dataCols.map((c) => quoteIdentifier(c.name)).join(', ')} FROM t_oracle WHERE ${where}) TO ${quoteLiteral(path)} (FORMAT parquet)`);
      const statCols = dataCols.filter((c) => c.name !== 'b');
      const statSql = statCols.flatMap((c) => {
        const v = (agg: string): string => (c.name === 'ts' ? `strftime(${agg}(ts), '%Y-%m-%dT%H:%M:%S.%gZ')` : c.name === 'dec' ? `${agg}(dec)::DOUBLE` : `${agg}(${quoteIdentifier(c.name)})`);
        return [v('min'), v('max'), `count(*) - count(${quoteIdentifier(c.name)})`];
      });
      const stat = (await conn.runAndReadAll(`SELECT ${statSql.join(', ')} FROM t_oracle WHERE ${where}`)).getRowsJS()[0]!;
      const minValues: Record<string, unknown> = {};
      const maxValues: Record<string, unknown> = {};
      const nullCount: Record<string, unknown> = {};
      statCols.forEach((c, i) => {
        const norm = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString().slice(0, 10) : v);
        const min = norm(stat[3 * i]);
        const max = norm(stat[3 * i + 1]);
        if (min !== null) minValues[c.name] = min;
        if (max !== null) maxValues[c.name] = max;
        nullCount[c.name] = norm(stat[3 * i + 2]);
      });
      files.push({
        add: { path: name, partitionValues: {}, size: 1000, modificationTime: 0, dataChange: true },
        key: name,
        stats: { numRecords: count, minValues, maxValues, nullCount },
        partitionValues: values,
      });
      local.set(name, path);
    }
  }
  // Partition values as the snapshot types them: date → 'YYYY-MM-DD', string → string.
  return { snapshot: { schema: SCHEMA, partitionColumns: pcols, files }, local, dir: root };
}
