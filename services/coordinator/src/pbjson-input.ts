/**
 * pbjson input leniency, as protobuf's JSON mapping defines it: a parser accepts the original
 * proto field name (`default_expression`) as well as the lowerCamelCase JSON name, and an enum
 * as its number as well as its name. Bodies are normalized to camelCase + wire names before
 * schema validation, so the handlers and the OpenAPI schemas only know the canonical form.
 * A field given under both names is refused (protobuf JSON parsers do the same).
 */
import { AppError } from '@k3/core';
import { ColumnType, Freshness } from '@k3/core/api';

const FRESHNESS = Object.values(Freshness);
const COLUMN_TYPES = Object.values(ColumnType);

/** Proto field name → JSON name, for the request messages the HTTP API accepts. */
const RENAMES: Readonly<Record<string, string>> = {
  default_expression: 'defaultExpression',
  duckdb_type: 'duckdbType',
  partition_columns: 'partitionColumns',
  merge_keys: 'mergeKeys',
};

function renameFields(obj: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  for (const [snake, camel] of Object.entries(RENAMES)) {
    if (!(snake in out)) continue;
    if (camel in out) {
      throw new AppError('ERR_BAD_REQUEST', `Invalid request: ${where}.${camel} is given twice (also as ${snake}); send it once.`, { field: `${where}.${camel}` });
    }
    out[camel] = out[snake];
    delete out[snake];
  }
  return out;
}

/** Enum numbers → wire names (out-of-range numbers are left for validation to refuse). */
function enumName(value: unknown, names: readonly string[]): unknown {
  return typeof value === 'number' && Number.isInteger(value) && names[value] !== undefined ? names[value] : value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function normalizeExecuteBody(body: unknown): unknown {
  if (!isObject(body)) return body;
  return 'freshness' in body ? { ...body, freshness: enumName(body.freshness, FRESHNESS) } : body;
}

export function normalizeCreateTableBody(body: unknown): unknown {
  if (!isObject(body)) return body;
  const out = renameFields(body, 'body');
  if (Array.isArray(out.columns)) {
    out.columns = out.columns.map((c: unknown, i) => {
      if (!isObject(c)) return c;
      const col = renameFields(c, `body.columns.${i}`);
      return 'type' in col ? { ...col, type: enumName(col.type, COLUMN_TYPES) } : col;
    });
  }
  return out;
}
