/**
 * substituteParameters: a federated plan's copy of the statement with each PARAMETER node
 * (`$k`) replaced by a typed CONSTANT node holding the bound value.
 *
 * Why: the planner reasons about constants (partition pruning, min/max file skipping) and ships
 * the partial SQL to stateless workers as text; with the values in the AST it prunes exactly as
 * for the equivalent literal statement, and jobs need no parameter channel. The values are not
 * concatenated into SQL by k3: DuckDB's own `json_deserialize_sql` prints each constant (quoting
 * and escaping included), so a value can never change the statement's structure. The single-node
 * path keeps binding the values to the original statement (statement-params.ts).
 */
import type { Expr, LogicalTypeJson, SelectStatement } from './select-ast.ts';

/** The domain values a placeholder can hold (sql/statement-params.ts SqlParam). */
export type PlanParam = null | boolean | number | bigint | string | Date | Uint8Array;

interface RawJsonApi {
  rawJSON(text: string): unknown;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function substituteParameters(statement: SelectStatement, params: readonly PlanParam[]): SelectStatement {
  const visit = (node: unknown): unknown => {
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map(visit);
    const o = node as Record<string, unknown>;
    if (o['class'] === 'PARAMETER' && typeof o['identifier'] === 'string' && /^\d+$/.test(o['identifier'])) {
      const k = Number(o['identifier']);
      if (k >= 1 && k <= params.length) return { ...constantOf(params[k - 1]!), alias: o['alias'] ?? '' };
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(o)) out[key] = key === 'named_param_map' ? [] : visit(v);
    return out;
  };
  return visit(statement) as SelectStatement;
}

function constantOf(value: PlanParam): Expr {
  const constant = (id: string, v: unknown): Expr => ({
    class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: '',
    value: v === null ? { type: type('NULL'), is_null: true } : { type: type(id), is_null: false, value: v },
  });
  const raw = (text: string): unknown => (JSON as unknown as RawJsonApi).rawJSON(text);
  if (value === null) return constant('NULL', null);
  if (typeof value === 'boolean') return constant('BOOLEAN', value);
  if (typeof value === 'string') return constant('VARCHAR', value);
  if (typeof value === 'number') return Number.isSafeInteger(value) ? constant('BIGINT', value) : constant('DOUBLE', value);
  // Plain numbers where exact: the planner reads LIMIT / OFFSET constants as JS numbers.
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return constant('BIGINT', Number(value));
  if (typeof value === 'bigint') return constant(value >= INT64_MIN && value <= INT64_MAX ? 'BIGINT' : 'HUGEINT', raw(value.toString()));
  if (value instanceof Date) return constant('TIMESTAMP', raw((BigInt(value.getTime()) * 1000n).toString()));
  return constant('BLOB', [...value].map((b) => `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

function type(id: string): LogicalTypeJson {
  return { id, type_info: null };
}
