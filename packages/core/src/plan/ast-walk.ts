/**
 * Traversal of DuckDB expression trees (select-ast.ts): an exhaustive child mapper, a pre-order
 * walk, and structural identity. SUBQUERY and WINDOW bodies are leaves here: their scopes differ,
 * and callers that care detect them by class instead.
 */
import { AppError } from '../errors/index.ts';
import type { Expr, OrderByNode } from './select-ast.ts';

function assertNever(x: never): never {
  throw new AppError('ERR_INTERNAL', `Unhandled DuckDB expression class ${JSON.stringify((x as { class?: unknown }).class)}.`);
}

/**
 * A copy of `expr` whose direct child expressions went through `f`. SUBQUERY and WINDOW bodies are
 * not descended into (their scopes differ); callers that care detect them with `containsClass`.
 */
export function mapChildren(expr: Expr, f: (child: Expr) => Expr): Expr {
  const orders = (os: readonly OrderByNode[]): OrderByNode[] => os.map((o) => ({ ...o, expression: f(o.expression) }));
  switch (expr.class) {
    case 'COLUMN_REF': case 'CONSTANT': case 'PARAMETER': case 'DEFAULT': case 'POSITIONAL_REFERENCE': case 'LAMBDA_REF':
    case 'SUBQUERY': case 'WINDOW':
      return expr;
    case 'FUNCTION':
      return {
        ...expr, children: expr.children.map(f), filter: expr.filter === null ? null : f(expr.filter),
        order_bys: { ...expr.order_bys, orders: orders(expr.order_bys.orders) },
      };
    case 'COMPARISON': return { ...expr, left: f(expr.left), right: f(expr.right) };
    case 'CONJUNCTION': case 'OPERATOR': return { ...expr, children: expr.children.map(f) };
    case 'CAST': case 'COLLATE': return { ...expr, child: f(expr.child) };
    case 'BETWEEN': return { ...expr, input: f(expr.input), lower: f(expr.lower), upper: f(expr.upper) };
    case 'CASE':
      return { ...expr, case_checks: expr.case_checks.map((c) => ({ when_expr: f(c.when_expr), then_expr: f(c.then_expr) })), else_expr: f(expr.else_expr) };
    case 'STAR': return expr.expr === null ? expr : { ...expr, expr: f(expr.expr) };
    case 'LAMBDA': return { ...expr, lhs: f(expr.lhs), expr: f(expr.expr) };
    default: return assertNever(expr);
  }
}

/** Direct child expressions of `expr` (same scope rules as mapChildren). */
export function childrenOf(expr: Expr): Expr[] {
  const out: Expr[] = [];
  mapChildren(expr, (c) => {
    out.push(c);
    return c;
  });
  return out;
}

/** Pre-order walk; `visit` returning false stops descent below that node. */
export function walk(expr: Expr, visit: (e: Expr) => boolean | void): void {
  if (visit(expr) === false) return;
  // Leaves (the items of a 20,000-item IN list) have no children: no child list to build.
  if (expr.class === 'CONSTANT' || expr.class === 'COLUMN_REF') return;
  for (const c of childrenOf(expr)) walk(c, visit);
}

export function containsClass(expr: Expr, classes: readonly string[]): boolean {
  let found = false;
  walk(expr, (e) => {
    if (classes.includes(e.class)) found = true;
    return !found;
  });
  return found;
}

/** Structural equality ignoring source positions and aliases (DuckDB's own Equals ignores both). */
export function sameExpr(a: Expr, b: Expr): boolean {
  return exprKey(a) === exprKey(b);
}

/** A canonical string for an expression: positions and aliases dropped, identifiers case-folded. */
export function exprKey(e: Expr): string {
  return JSON.stringify(e, (key, value: unknown) => {
    if (key === 'query_location' || key === 'alias') return undefined;
    if (key === 'column_names' && Array.isArray(value)) return value.map((s) => String(s).toLowerCase());
    if (key === 'function_name' && typeof value === 'string') return value.toLowerCase();
    return value;
  });
}

