/**
 * Recognises and rewrites PostgreSQL catalog queries on DuckDB's own parse tree
 * (`json_serialize_sql` → edit → `json_deserialize_sql`): no SQL grammar of k3's own.
 *
 * A SELECT is a catalog query when its tree mentions a relation of the emulated catalog
 * (`pg_catalog.*`, bare `pg_*`, `information_schema.*`), a catalog function (`version()`,
 * `format_type`, `has_*_privilege`, …) or a `::regclass`-style cast. The rewrite points those at
 * the emulation (catalog-sql.ts): relations → `k3pg.<name>`, functions → `k3pg_<name>` macros,
 * reg* casts → lookup macros, `COLLATE` dropped, `~` with PostgreSQL's find-anywhere semantics
 * (pg-syntax.ts first normalises what DuckDB's parser cannot read).
 * Anything else (`SELECT 1`, queries over bucket tables) is not touched and goes to the engine.
 */
import { CATALOG_FUNCTIONS, CATALOG_RELATIONS, INFORMATION_SCHEMA_RELATIONS } from './catalog-sql.ts';

type Node = Record<string, unknown>;

const CAST_FUNCTIONS: Record<string, string> = {
  regclass: 'k3pg_regclass', regtype: 'k3pg_regtype', regnamespace: 'k3pg_regnamespace', regproc: 'k3pg_regproc',
  regprocedure: 'k3pg_regproc', regrole: 'k3pg_regrole',
};
/** Casts to PostgreSQL types DuckDB lacks → the DuckDB type carrying the same values. */
const CAST_TYPES: Record<string, string> = {
  oid: 'BIGINT', name: 'VARCHAR', char: 'VARCHAR', bpchar: 'VARCHAR', xid: 'BIGINT', cid: 'BIGINT', tid: 'VARCHAR',
  int2vector: 'SMALLINT[]', oidvector: 'BIGINT[]', regoper: 'VARCHAR', regoperator: 'VARCHAR', regconfig: 'VARCHAR',
  regdictionary: 'VARCHAR', aclitem: 'VARCHAR', pg_node_tree: 'VARCHAR', anyarray: 'VARCHAR[]', jsonb: 'JSON',
};
const BARE_FUNCTIONS = new Set(['current_user', 'session_user', 'user', 'current_role', 'current_catalog', 'current_schema']);

function functionNode(name: string, children: unknown[], alias: string): Node {
  return {
    class: 'FUNCTION', type: 'FUNCTION', alias, query_location: 0, function_name: name, schema: '', children,
    filter: null, order_bys: { type: 'ORDER_MODIFIER', orders: [] }, distinct: false, is_operator: false, export_state: false, catalog: '',
  };
}

export interface RewriteResult {
  /** True when the tree touched the catalog emulation (the query must run there). */
  readonly catalog: boolean;
  readonly tree: unknown;
}

/** Scalar functions PostgreSQL allows in FROM (`FROM string_to_array(…) s`); DuckDB needs them in a subquery. */
const SCALAR_IN_FROM = new Set(['string_to_array', 'regexp_split_to_array', 'current_schemas', 'array_to_string']);

/**
 * Rewrites one serialized statement tree (the `node` of json_serialize_sql's `statements[i]`).
 * `subqueryTemplate` is DuckDB's serialized `FROM (SELECT NULL AS c) t` table ref, used to wrap scalar functions in FROM.
 */
export function rewriteCatalogTree(tree: unknown, subqueryTemplate?: unknown): RewriteResult {
  let catalog = false;
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value === null || typeof value !== 'object') return value;
    const node = value as Node;
    if (node.type === 'BASE_TABLE') {
      const schema = String(node.schema_name ?? '').toLowerCase();
      const table = String(node.table_name ?? '').toLowerCase();
      const catalogName = String(node.catalog_name ?? '');
      if (catalogName === '' && (schema === 'pg_catalog' || schema === '') && CATALOG_RELATIONS.has(table)) {
        catalog = true;
        return { ...node, schema_name: 'k3pg', table_name: table };
      }
      if (catalogName === '' && schema === 'information_schema' && INFORMATION_SCHEMA_RELATIONS.has(table)) {
        catalog = true;
        return { ...node, schema_name: 'k3pg', table_name: `is_${table}` };
      }
    }
    if (node.type === 'TABLE_FUNCTION') {
      // PostgreSQL: `FROM generate_series(…) s` names the single column `s` too (DuckDB: s is the row).
      const fn = (node.function as Node | undefined)?.function_name;
      const aliases = node.column_name_alias as unknown[] | undefined;
      if (typeof fn === 'string' && ['generate_series', 'unnest', 'range'].includes(fn.toLowerCase()) && node.alias !== '' && aliases?.length === 0) {
        return { ...mapValues(node, visit), column_name_alias: [node.alias] };
      }
      if (typeof fn === 'string' && SCALAR_IN_FROM.has(fn.toLowerCase()) && subqueryTemplate !== undefined) {
        const alias = String(node.alias || fn);
        const wrapped = structuredClone(subqueryTemplate) as Node & { subquery: { node: { select_list: Node[] } } };
        wrapped.subquery.node.select_list = [{ ...(visit(node.function) as Node), alias }];
        return { ...wrapped, alias, column_name_alias: [alias] };
      }
    }
    if (node.class === 'FUNCTION') {
      const name = String(node.function_name ?? '').toLowerCase();
      const schema = String(node.schema ?? '').toLowerCase();
      const rest = mapValues(node, visit);
      if ((schema === '' || schema === 'pg_catalog' || schema === 'information_schema') && CATALOG_FUNCTIONS.has(name)) {
        catalog = true;
        return { ...rest, function_name: `k3pg_${name}`, schema: '', catalog: '' };
      }
      // PostgreSQL's `~` finds a match anywhere; DuckDB's parse maps it to a full match.
      if (name === 'regexp_full_match') return { ...rest, function_name: 'regexp_matches' };
      if (schema === 'pg_catalog') return { ...rest, schema: '' };
      return rest;
    }
    if (node.class === 'CAST') {
      const castType = node.cast_type as { id?: string; type_info?: { name?: string } | null } | undefined;
      const typeName = castType?.id === 'UNBOUND' ? String(castType.type_info?.name ?? '').toLowerCase() : '';
      const child = visit(node.child);
      const fn = CAST_FUNCTIONS[typeName];
      if (fn !== undefined) {
        catalog = true;
        return functionNode(fn, [child], String(node.alias ?? ''));
      }
      const target = CAST_TYPES[typeName];
      if (target !== undefined) {
        const list = target.endsWith('[]');
        const base = list ? target.slice(0, -2) : target;
        const baseType = { id: base, type_info: null };
        return { ...node, child, cast_type: list ? { id: 'LIST', type_info: { type: 'LIST_TYPE_INFO', alias: '', extension_info: null, child_type: baseType } } : baseType };
      }
      return { ...node, child };
    }
    if (node.class === 'COLLATE') return visit(node.child);
    if (node.class === 'COLUMN_REF') {
      const names = node.column_names as string[] | undefined;
      const only = names?.length === 1 ? names[0]?.toLowerCase() : undefined;
      if (only !== undefined && BARE_FUNCTIONS.has(only)) {
        catalog = true;
        // No alias here: an aliased argument would be a named argument to DuckDB (nameSelectColumns names top-level ones).
        return functionNode(`k3pg_${only}`, [], String(node.alias ?? ''));
      }
    }
    return mapValues(node, visit);
  };
  const tree2 = visit(tree);
  nameSelectColumns(tree2);
  return { catalog, tree: tree2 };
}

function mapValues(node: Node, f: (v: unknown) => unknown): Node {
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) out[k] = typeof v === 'object' && v !== null ? f(v) : v;
  return out;
}

/** A regclass / regtype shown as a result column prints its name, as PostgreSQL's output function does. */
const OUTPUT_NAMES: Record<string, string> = { k3pg_regclass: 'k3pg_regclass_out', k3pg_regtype: 'k3pg_regtype_out' };

/** PostgreSQL names an unaliased function column after the function (`version`, not `k3pg_version()`). */
function nameSelectColumns(tree: unknown): void {
  const node = tree as Node | null;
  if (node === null || typeof node !== 'object') return;
  const list = node.select_list as Node[] | undefined;
  if (Array.isArray(list)) {
    list.forEach((item, i) => {
      const out = item.class === 'FUNCTION' ? OUTPUT_NAMES[String(item.function_name)] : undefined;
      if (out !== undefined) list[i] = functionNode(out, [{ ...item, alias: '' }], String(item.alias || String(item.function_name).slice('k3pg_'.length)));
    });
    for (const item of list) {
      if (item.class === 'FUNCTION' && item.alias === '' && String(item.function_name).startsWith('k3pg_')) {
        item.alias = String(item.function_name).slice('k3pg_'.length);
      }
    }
  }
}
