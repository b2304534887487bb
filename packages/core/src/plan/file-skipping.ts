/**
 * File skipping by per-file stats: conjuncts `col <op> constant`, `col BETWEEN c1 AND c2`,
 * `col IN (…)`, `col IS [NOT] NULL` on non-partition columns become predicates that DuckDB
 * evaluates over a VALUES table of each file's min/max/nullCount (see prune.ts for the rules:
 * conservative, untrustworthy bounds read as NULL, every predicate wrapped in COALESCE(…, true)).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseTimestampMicros } from '../delta/partition-values.ts';
import { K3_COLUMN_META, type DataType, type StructField } from '../delta/schema.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import { partitionLiteral } from '../exec/partition-literal.ts';
import { quoteIdentifier } from '../exec/sql-quote.ts';
import { integerConstantText } from './in-list-subquery.ts';
import { referencedColumns } from './query-shape.ts';
import { functionCall, renderExpression, type Expr } from './select-ast.ts';

export interface StatsPlan {
  sql(files: readonly ActiveFile[]): string;
}

const FLIP: Record<string, string> = {
  COMPARE_EQUAL: 'COMPARE_EQUAL', COMPARE_LESSTHAN: 'COMPARE_GREATERTHAN', COMPARE_GREATERTHAN: 'COMPARE_LESSTHAN',
  COMPARE_LESSTHANOREQUALTO: 'COMPARE_GREATERTHANOREQUALTO', COMPARE_GREATERTHANOREQUALTO: 'COMPARE_LESSTHANOREQUALTO',
};
const SKIPPABLE_TYPES = /^(byte|short|integer|long|float|double|decimal\(.*\)|string|boolean|date|timestamp|timestamp_ntz)$/;

/**
 * Whether a column's stats bound it in its own DuckDB type. Restored types (k3.duckdbType) stored
 * as numbers or timestamps order like their storage (TIMESTAMPTZ, unsigned, HUGEINT); those stored
 * as text do not (ENUM order, INTERVAL, truncated UUID text), so they never skip files.
 */
export function statsUsable(field: StructField): boolean {
  return field.metadata?.[K3_COLUMN_META.duckdbType] === undefined || (typeof field.type === 'string' && field.type !== 'string');
}

export async function statsPredicates(conn: DuckDBConnection, exprs: readonly Expr[], fieldOf: (n: string) => { name: string; type: DataType } | undefined): Promise<StatsPlan | undefined> {
  const preds: string[] = [];
  const used = new Map<string, { name: string; type: DataType }>();
  const col = (e: Expr): { name: string; type: DataType } | undefined => {
    if (e.class !== 'COLUMN_REF') return undefined;
    const f = fieldOf(e.column_names[0]!);
    return f !== undefined && typeof f.type === 'string' && SKIPPABLE_TYPES.test(f.type) ? f : undefined;
  };
  const isConst = (e: Expr): boolean => referencedColumns(e)?.size === 0;
  for (const e of exprs) {
    let field: { name: string; type: DataType } | undefined;
    let pred: string | undefined;
    const ref = (kind: 'min' | 'max' | 'nulls' | 'rows'): string => quoteIdentifier(kind === 'rows' ? 'rows:' : `${kind}:${field!.name}`);
    const lit = async (x: Expr): Promise<string> => `(${await renderExpression(conn, x)})`;
    if (e.class === 'COMPARISON' && FLIP[e.type] !== undefined) {
      let [c, k, op] = [e.left, e.right, e.type];
      if (col(c) === undefined) [c, k, op] = [e.right, e.left, FLIP[e.type]!];
      field = col(c);
      if (field !== undefined && isConst(k)) {
        const v = await lit(k);
        pred = {
          COMPARE_EQUAL: `${ref('min')} <= ${v} AND ${ref('max')} >= ${v}`,
          COMPARE_LESSTHAN: `${ref('min')} < ${v}`, COMPARE_LESSTHANOREQUALTO: `${ref('min')} <= ${v}`,
          COMPARE_GREATERTHAN: `${ref('max')} > ${v}`, COMPARE_GREATERTHANOREQUALTO: `${ref('max')} >= ${v}`,
        }[op];
      }
    } else if (e.class === 'BETWEEN' && (field = col(e.input)) !== undefined && isConst(e.lower) && isConst(e.upper)) {
      pred = `${ref('max')} >= ${await lit(e.lower)} AND ${ref('min')} <= ${await lit(e.upper)}`;
    } else if (e.class === 'OPERATOR' && e.type === 'COMPARE_IN' && e.children[0] && (field = col(e.children[0])) !== undefined && e.children.slice(1).every(isConst)) {
      // One rendering of the whole list (not one DuckDB round trip per item: a 20,000-item IN list
      // must plan in linear time); a file may hold a match when some item lies in [min, max].
      const list = integerListLiteral(e.children.slice(1)) ?? await lit(functionCall('list_value', e.children.slice(1)));
      // Unknown bounds (no stats) keep the file, as the NULL-yielding comparisons do elsewhere.
      pred = `${ref('min')} IS NULL OR ${ref('max')} IS NULL OR EXISTS (SELECT 1 FROM unnest(${list}) AS __k3_in(v) WHERE ${ref('min')} <= __k3_in.v AND ${ref('max')} >= __k3_in.v)`;
    } else if (e.class === 'OPERATOR' && (e.type === 'OPERATOR_IS_NULL' || e.type === 'OPERATOR_IS_NOT_NULL') && e.children[0] && (field = col(e.children[0])) !== undefined) {
      pred = e.type === 'OPERATOR_IS_NULL' ? `${ref('nulls')} > 0` : `${ref('nulls')} < ${ref('rows')}`;
    }
    if (field !== undefined && pred !== undefined) {
      used.set(field.name, field);
      preds.push(`COALESCE((${pred}), true)`);
    }
  }
  if (preds.length === 0) return undefined;
  const fields = [...used.values()];
  return {
    sql(files) {
      const header = ['__k3_fid', quoteIdentifier('rows:'), ...fields.flatMap((f) => ['min', 'max', 'nulls'].map((k) => quoteIdentifier(`${k}:${f.name}`)))];
      const rows = files.map((file, i) => {
        const s = file.stats;
        const cells = fields.flatMap((f) => [statLiteral(s?.minValues[f.name], f.type, 'min'), statLiteral(s?.maxValues[f.name], f.type, 'max'), nullCountLiteral(file, f.name)]);
        return `(${[String(i), s === undefined ? 'NULL::BIGINT' : `${s.numRecords}::BIGINT`, ...cells].join(', ')})`;
      });
      return `SELECT __k3_fid FROM (VALUES ${rows.join(', ')}) AS __k3_files(${header.join(', ')}) WHERE ${preds.join(' AND ')}`;
    },
  };
}

/**
 * A list of integer constants (the usual long IN list) as ONE typed literal, `'[1,2,…]'::BIGINT[]`,
 * written here from the AST's exact values: no DuckDB round trip to render 20,000 items, and
 * DuckDB reads one string constant instead of parsing 20,000 expressions. Undefined when any item
 * is not a plain non-NULL integer constant (the caller renders the list through DuckDB).
 */
export function integerListLiteral(items: readonly Expr[]): string | undefined {
  const out: string[] = [];
  for (const x of items) {
    const text = integerConstantText(x);
    if (text === undefined) return undefined;
    out.push(text);
  }
  return `('[${out.join(',')}]'::BIGINT[])`;
}

function nullCountLiteral(file: ActiveFile, column: string): string {
  const n = file.stats?.nullCount[column];
  if (file.stats?.tightBounds === false || typeof n !== 'number' || !Number.isSafeInteger(n)) return 'NULL::BIGINT';
  return `${n}::BIGINT`;
}

/** DuckDB's TIMESTAMP range in epoch microseconds (294247-01-10 04:00:54.775806, 290309-12-22 (BC)). */
const MAX_TIMESTAMP_MICROS = 9223372036854775806n;
const MIN_TIMESTAMP_MICROS = -9223372022400000000n;

/** A stats value as a typed literal, or a typed NULL when it cannot be trusted as a bound. */
export function statLiteral(v: unknown, type: DataType, side: 'min' | 'max'): string {
  const t = type as string;
  const fallback = partitionLiteral(null, type, '');
  if (v === null || v === undefined) return fallback;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return fallback;
    // DuckDB orders NaN above every number but writers leave NaN out of max stats.
    if ((t === 'float' || t === 'double') && side === 'max') return fallback;
    // JSON numbers past 2^53 (long) or 15 significant digits (decimal) may have been rounded.
    if (t === 'long') return Number.isSafeInteger(v) ? `CAST(${String(v)} AS BIGINT)` : fallback;
    if (t.startsWith('decimal') && (/e/i.test(String(v)) || String(v).replace(/[-.]/g, '').replace(/^0+/, '').length > 15)) return fallback;
    return partitionLiteral(v, type, '');
  }
  if (typeof v === 'boolean' && t === 'boolean') return partitionLiteral(v, type, '');
  if (typeof v !== 'string') return fallback;
  if (t === 'string') return side === 'max' && v.length >= 32 ? fallback : partitionLiteral(v, type, '');
  if (t === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(v) ? partitionLiteral(v, type, '') : fallback;
  if (t === 'timestamp' || t === 'timestamp_ntz') {
    const micros = parseTimestampMicros(v);
    if (micros === undefined) return fallback;
    // Writers truncate timestamp stats to milliseconds (toward zero before 1970): widen by one,
    // unless that leaves DuckDB's timestamp range (then the bound is unknown).
    const widened = side === 'max' ? micros + 999n : micros - 999n;
    if (widened > MAX_TIMESTAMP_MICROS || widened < MIN_TIMESTAMP_MICROS) return fallback;
    return partitionLiteral(widened, type, '');
  }
  return fallback;
}
