/**
 * Typed view of DuckDB's own SELECT AST (`json_serialize_sql` / `json_deserialize_sql`, DuckDB
 * 1.5.x), so the planner rewrites queries without a hand-written grammar (docs/design/query-planning.md).
 *
 * Invariants: nodes are plain JSON and treated as immutable (rewrites build new nodes); every
 * expression class DuckDB emits has a tag here, and `mapChildren` (ast-walk.ts) is exhaustive over them, so a
 * new class fails to compile instead of being silently skipped. Only the fields the planner reads
 * are typed; the rest travel untouched through `[key: string]: unknown`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { printedSql } from './printed-sql-cache.ts';

interface Node {
  readonly [key: string]: unknown;
}
export interface LogicalTypeJson {
  readonly id: string;
  readonly type_info: unknown;
}
export interface OrderByNode {
  readonly type: 'ORDER_DEFAULT' | 'ASCENDING' | 'DESCENDING';
  readonly null_order: 'ORDER_DEFAULT' | 'NULLS FIRST' | 'NULLS LAST';
  readonly expression: Expr;
}
interface ExprBase extends Node {
  readonly type: string;
  readonly alias?: string;
}
export interface ColumnRefExpr extends ExprBase { readonly class: 'COLUMN_REF'; readonly column_names: readonly string[] }
export interface ConstantExpr extends ExprBase {
  readonly class: 'CONSTANT';
  readonly value: { readonly type: LogicalTypeJson; readonly is_null: boolean; readonly value?: unknown };
}
export interface FunctionExpr extends ExprBase {
  readonly class: 'FUNCTION';
  readonly function_name: string;
  readonly schema: string;
  readonly children: readonly Expr[];
  readonly filter: Expr | null;
  readonly order_bys: { readonly type: 'ORDER_MODIFIER'; readonly orders: readonly OrderByNode[] };
  readonly distinct: boolean;
  readonly is_operator: boolean;
}
export interface ComparisonExpr extends ExprBase { readonly class: 'COMPARISON'; readonly left: Expr; readonly right: Expr }
export interface ConjunctionExpr extends ExprBase {
  readonly class: 'CONJUNCTION';
  readonly type: 'CONJUNCTION_AND' | 'CONJUNCTION_OR';
  readonly children: readonly Expr[];
}
/** NOT, IS [NOT] NULL, [NOT] IN (COMPARE_IN / COMPARE_NOT_IN: children[0] IN children[1..]), … */
export interface OperatorExpr extends ExprBase { readonly class: 'OPERATOR'; readonly children: readonly Expr[] }
export interface CastExpr extends ExprBase { readonly class: 'CAST'; readonly child: Expr; readonly cast_type: LogicalTypeJson; readonly try_cast: boolean }
export interface BetweenExpr extends ExprBase { readonly class: 'BETWEEN'; readonly input: Expr; readonly lower: Expr; readonly upper: Expr }
export interface CaseExpr extends ExprBase {
  readonly class: 'CASE';
  readonly case_checks: readonly { readonly when_expr: Expr; readonly then_expr: Expr }[];
  readonly else_expr: Expr;
}
export interface CollateExpr extends ExprBase { readonly class: 'COLLATE'; readonly child: Expr; readonly collation: string }
export interface StarExpr extends ExprBase { readonly class: 'STAR'; readonly relation_name: string; readonly columns: boolean; readonly expr: Expr | null }
export interface SubqueryExpr extends ExprBase { readonly class: 'SUBQUERY'; readonly child: Expr | null }
export interface WindowExpr extends ExprBase { readonly class: 'WINDOW'; readonly function_name: string }
export interface LambdaExpr extends ExprBase { readonly class: 'LAMBDA'; readonly lhs: Expr; readonly expr: Expr }
/** Leaves the planner never looks inside. */
export interface OpaqueExpr extends ExprBase { readonly class: 'PARAMETER' | 'DEFAULT' | 'POSITIONAL_REFERENCE' | 'LAMBDA_REF' }

export type Expr =
  | ColumnRefExpr | ConstantExpr | FunctionExpr | ComparisonExpr | ConjunctionExpr | OperatorExpr | CastExpr
  | BetweenExpr | CaseExpr | CollateExpr | StarExpr | SubqueryExpr | WindowExpr | LambdaExpr | OpaqueExpr;
export type ExprClass = Expr['class'];

export interface BaseTableRef extends Node {
  readonly type: 'BASE_TABLE';
  readonly alias?: string;
  readonly schema_name: string;
  readonly catalog_name: string;
  readonly table_name: string;
  readonly column_name_alias?: readonly string[];
  readonly sample: unknown;
  readonly at_clause: unknown;
}
export interface OtherTableRef extends Node { readonly type: 'JOIN' | 'SUBQUERY' | 'TABLE_FUNCTION' | 'EMPTY' | 'EXPRESSION_LIST' | 'PIVOT' | 'SHOW_REF' | 'COLUMN_DATA' | 'DELIM_GET' }
export type TableRef = BaseTableRef | OtherTableRef;

export interface OrderModifier extends Node { readonly type: 'ORDER_MODIFIER'; readonly orders: readonly OrderByNode[] }
export interface LimitModifier extends Node { readonly type: 'LIMIT_MODIFIER'; readonly limit: Expr | null; readonly offset: Expr | null }
export interface OtherModifier extends Node { readonly type: 'DISTINCT_MODIFIER' | 'LIMIT_PERCENT_MODIFIER' }
export type ResultModifier = OrderModifier | LimitModifier | OtherModifier;

export interface SelectNode extends Node {
  readonly type: 'SELECT_NODE';
  readonly modifiers: readonly ResultModifier[];
  readonly cte_map: { readonly map: readonly unknown[] };
  readonly select_list: readonly Expr[];
  readonly from_table: TableRef;
  readonly where_clause: Expr | null;
  readonly group_expressions: readonly Expr[];
  readonly group_sets: readonly (readonly number[])[];
  readonly aggregate_handling: 'STANDARD_HANDLING' | 'FORCE_AGGREGATES' | 'NO_AGGREGATES_ALLOWED';
  readonly having: Expr | null;
  readonly sample: unknown;
  readonly qualify: Expr | null;
}
export interface OtherQueryNode extends Node { readonly type: 'SET_OPERATION_NODE' | 'RECURSIVE_CTE_NODE' | 'CTE_NODE' | 'BOUND_SUBQUERY_NODE' }
export type QueryNode = SelectNode | OtherQueryNode;
export interface SelectStatement extends Node { readonly node: QueryNode }

/** Parse SQL with DuckDB's parser. Throws ERR_SQL_PARSE (syntax) or ERR_SQL_UNSUPPORTED (not a SELECT). */
export async function serializeSelect(conn: DuckDBConnection, sql: string): Promise<SelectStatement[]> {
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
  const text = reader.getRows()[0]?.[0];
  const root = parseLossless(String(text)) as { error: boolean; error_type?: string; error_message?: string; statements?: SelectStatement[] };
  if (root.error) {
    const message = root.error_message ?? 'unknown parser error';
    if (root.error_type === 'parser') {
      throw new AppError('ERR_SQL_PARSE', `The SQL does not parse: ${message}. Fix the statement and retry.`, { position: (root as { position?: unknown }).position });
    }
    throw new AppError('ERR_SQL_UNSUPPORTED', `The statement cannot be planned as a query: ${message}.`, { errorType: root.error_type });
  }
  return root.statements ?? [];
}

const LONG_INTEGER = /[:,[]\s*-?\d{16}/;

interface RawJsonApi {
  rawJSON(text: string): unknown;
}
/**
 * JSON.parse that keeps integers beyond 2^53 exact (BIGINT/HUGEINT literals, DuckDB's "no
 * location" sentinel 2^64-1): they become raw JSON values that JSON.stringify emits verbatim.
 */
export function parseLossless(text: string): unknown {
  // A reviver makes JSON.parse several times slower on big ASTs (a 20,000-item IN list): take the
  // plain parse when no integer literal of 16+ digits (the only kind that can be unsafe) occurs.
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  const api = JSON as unknown as RawJsonApi;
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    const source = context?.source;
    if (typeof value === 'number' && !Number.isSafeInteger(value) && source !== undefined && /^-?\d+$/.test(source)) {
      return api.rawJSON(source);
    }
    return value;
  });
}

/** SQL text of one statement, printed by DuckDB itself. */
export async function deserializeSelect(conn: DuckDBConnection, statement: SelectStatement): Promise<string> {
  const json = JSON.stringify({ error: false, statements: [statement] });
  const known = printedSql.get(json);
  if (known !== undefined) return known;
  const reader = await conn.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [json]);
  const sql = String(reader.getRows()[0]?.[0]);
  printedSql.set(json, sql);
  return sql;
}

/** SQL text of one expression (DuckDB's ToString, which is also its default result column name). */
export async function renderExpression(conn: DuckDBConnection, expr: Expr): Promise<string> {
  const sql = await deserializeSelect(conn, { node: selectNode({ select_list: [{ ...expr, alias: '' }] }) });
  return sql.replace(/^SELECT /, '');
}

// ── builders ──────────────────────────────────────────────────────────────────────────────
export function selectNode(parts: Partial<SelectNode>): SelectNode {
  return {
    type: 'SELECT_NODE', modifiers: [], cte_map: { map: [] }, select_list: [], from_table: { type: 'EMPTY', sample: null },
    where_clause: null, group_expressions: [], group_sets: [], aggregate_handling: 'STANDARD_HANDLING', having: null,
    sample: null, qualify: null, ...parts,
  };
}
export function baseTable(tableName: string, alias = ''): BaseTableRef {
  return { type: 'BASE_TABLE', alias, sample: null, schema_name: '', table_name: tableName, column_name_alias: [], catalog_name: '', at_clause: null };
}
export function columnRef(...names: string[]): ColumnRefExpr {
  return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', column_names: names };
}
export function integerConstant(value: number): ConstantExpr {
  return { class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: '', value: { type: { id: 'INTEGER', type_info: null }, is_null: false, value } };
}
export function bigintConstant(value: number): ConstantExpr {
  return { class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: '', value: { type: { id: 'BIGINT', type_info: null }, is_null: false, value } };
}
export function functionCall(name: string, children: readonly Expr[], extra: Partial<FunctionExpr> = {}): FunctionExpr {
  return {
    class: 'FUNCTION', type: 'FUNCTION', alias: '', function_name: name, schema: '', children, filter: null,
    order_bys: { type: 'ORDER_MODIFIER', orders: [] }, distinct: false, is_operator: false, export_state: false, catalog: '', ...extra,
  };
}
export function conjunction(type: ConjunctionExpr['type'], children: readonly Expr[]): ConjunctionExpr {
  return { class: 'CONJUNCTION', type, alias: '', children };
}
/** AND of the given expressions, without a one-child conjunction. */
export function allOf(exprs: readonly Expr[]): Expr {
  return exprs.length === 1 ? exprs[0]! : conjunction('CONJUNCTION_AND', exprs);
}
export function starExpr(exclude: readonly string[] = []): StarExpr {
  return {
    class: 'STAR', type: 'STAR', alias: '', relation_name: '', exclude_list: exclude, replace_list: [], columns: false,
    expr: null, qualified_exclude_list: [], rename_list: [],
  };
}
export function withAlias<T extends Expr>(expr: T, alias: string): T {
  return { ...expr, alias };
}

export function isSelectNode(node: QueryNode): node is SelectNode {
  return node.type === 'SELECT_NODE';
}
