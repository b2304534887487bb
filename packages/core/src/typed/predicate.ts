/**
 * Structured predicates of the typed data operations (shared decision 1):
 *   Predicate = {column, op, value?} | {and: Predicate[]} | {or: Predicate[]} | {not: Predicate}
 *   ops EQ NE LT LE GT GE IN NOT_IN IS_NULL IS_NOT_NULL BETWEEN LIKE ILIKE
 * compiled to DuckDB SQL with quoted, validated identifiers and every value a placeholder
 * (`$k`, the SqlBuilder's next number). An AND at the top compiles to a flat conjunction, so the
 * keyed router sees `"id" = $1 AND …` exactly like the equivalent literal SQL.
 */
import { ColumnType, type Column } from '../api/index.ts';
import { AppError } from '../errors/index.ts';
import type { SqlBuilder } from './sql-builder.ts';

export const PREDICATE_OPS = ['EQ', 'NE', 'LT', 'LE', 'GT', 'GE', 'IN', 'NOT_IN', 'IS_NULL', 'IS_NOT_NULL', 'BETWEEN', 'LIKE', 'ILIKE'] as const;
export type PredicateOp = (typeof PREDICATE_OPS)[number];

export type Predicate =
  | { readonly column: string; readonly op: PredicateOp; readonly value?: unknown }
  | { readonly and: readonly Predicate[] }
  | { readonly or: readonly Predicate[] }
  | { readonly not: Predicate };

const COMPARISONS: Partial<Record<PredicateOp, string>> = { EQ: '=', NE: '<>', LT: '<', LE: '<=', GT: '>', GE: '>=' };
/** Deeper trees are refused: a predicate is a filter, not a program. */
const MAX_DEPTH = 32;
const MAX_NODES = 1000;

function invalid(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('ERR_PREDICATE_INVALID', message, details);
}

/** SQL text of `predicate` over the builder's table; values become placeholders. */
export function compilePredicate(b: SqlBuilder, predicate: unknown): string {
  let nodes = 0;
  const visit = (p: unknown, depth: number, path: string): string => {
    if (++nodes > MAX_NODES) throw invalid(`The predicate has more than ${MAX_NODES} nodes; split the operation up.`);
    if (depth > MAX_DEPTH) throw invalid(`The predicate nests deeper than ${MAX_DEPTH} levels.`);
    if (p === null || typeof p !== 'object' || Array.isArray(p)) throw invalid(`${path} must be an object {column, op, value} or {and|or|not: …}.`, { path });
    const o = p as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined);
    const only = (...allowed: string[]): void => {
      const extra = keys.filter((k) => !allowed.includes(k));
      if (extra.length > 0) throw invalid(`${path} has unknown field(s) ${extra.join(', ')}; a predicate is {column, op, value} or {and|or|not: …}.`, { path, fields: extra });
    };
    if ('and' in o || 'or' in o) {
      const kind = 'and' in o ? 'and' : 'or';
      only(kind);
      const list = o[kind];
      if (!Array.isArray(list) || list.length === 0) throw invalid(`${path}.${kind} must be a non-empty list of predicates.`, { path });
      const parts = list.map((c, i) => visit(c, depth + 1, `${path}.${kind}[${i}]`));
      const joined = parts.join(kind === 'and' ? ' AND ' : ' OR ');
      return depth === 0 && kind === 'and' ? joined : `(${joined})`;
    }
    if ('not' in o) {
      only('not');
      return `(NOT ${visit(o['not'], depth + 1, `${path}.not`)})`;
    }
    only('column', 'op', 'value');
    if (typeof o['column'] !== 'string') throw invalid(`${path}.column must be a column name.`, { path });
    const column = b.column(o['column']);
    const op = opOf(o['op'], path);
    const c = b.ident(column.name);
    const value = o['value'];
    const comparison = COMPARISONS[op];
    if (comparison !== undefined) return `${c} ${comparison} ${scalar(b, column, value, op, path)}`;
    switch (op) {
      case 'IS_NULL':
      case 'IS_NOT_NULL':
        if (value !== undefined && value !== null) throw invalid(`${path}: ${op} takes no value.`, { path });
        return `${c} ${op === 'IS_NULL' ? 'IS NULL' : 'IS NOT NULL'}`;
      case 'IN':
      case 'NOT_IN': {
        if (!Array.isArray(value) || value.length === 0) throw invalid(`${path}: ${op} takes a non-empty JSON list of values.`, { path });
        return `${c} ${op === 'IN' ? 'IN' : 'NOT IN'} (${value.map((v) => scalar(b, column, v, op, path)).join(', ')})`;
      }
      case 'BETWEEN': {
        if (!Array.isArray(value) || value.length !== 2) throw invalid(`${path}: BETWEEN takes a JSON list of two values [low, high].`, { path });
        return `${c} BETWEEN ${scalar(b, column, value[0], op, path)} AND ${scalar(b, column, value[1], op, path)}`;
      }
      case 'LIKE':
      case 'ILIKE': {
        if (column.type !== ColumnType.STRING && column.type !== ColumnType.JSON) throw invalid(`${path}: ${op} applies to string columns; "${column.name}" is ${column.type}.`, { path, column: column.name });
        if (typeof value !== 'string') throw invalid(`${path}: ${op} takes a pattern string.`, { path });
        return `${c} ${op} ${b.param(value)}`;
      }
      default:
        throw invalid(`${path}: unknown op ${String(op)}.`);
    }
  };
  return visit(predicate, 0, 'where');
}

function opOf(op: unknown, path: string): PredicateOp {
  const name = typeof op === 'string' ? op.toUpperCase() : undefined;
  const found = PREDICATE_OPS.find((o) => o === name);
  if (found === undefined) throw invalid(`${path}.op must be one of ${PREDICATE_OPS.join(', ')}; got ${JSON.stringify(op) ?? 'nothing'}.`, { path });
  return found;
}

/** One comparison value: never NULL (`= NULL` is never true: use IS_NULL). */
function scalar(b: SqlBuilder, column: Column, value: unknown, op: PredicateOp, path: string): string {
  if (value === null || value === undefined) throw invalid(`${path}: ${op} needs a value; to match NULL use IS_NULL / IS_NOT_NULL.`, { path });
  return b.value(column, value);
}
