/**
 * Lossless JSON for scanned rows. DuckDB's JSON conversion (`getRowObjectsJson`) already keeps
 * every value exact: decimals, timestamps and 64-bit integers come back as strings. This module
 * only turns 64/128-bit integers back into JSON numbers when they are safe integers (|n| ≤ 2^53-1),
 * so that ordinary ids print as numbers and huge ones stay exact as strings.
 *
 * Resulting conventions (documented in docs/design/delta-log.md, "k3 delta scan"):
 * integers → number (string beyond 2^53-1); float/double → number ("NaN"/"Infinity" as strings);
 * decimal → string ("1.50"); date → "YYYY-MM-DD"; timestamp → "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC);
 * binary → string with \xNN escapes; struct → object; list → array; map → [{key, value}].
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';

const WIDE_INTS: ReadonlySet<number> = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);

export function toLosslessJson(value: unknown, type: DuckDBType): unknown {
  if (value === null || value === undefined) return null;
  if (WIDE_INTS.has(type.typeId)) {
    const n = Number(value);
    return typeof value === 'string' && Number.isSafeInteger(n) ? n : value;
  }
  switch (type.typeId) {
    case DuckDBTypeId.STRUCT: {
      const out: Record<string, unknown> = {};
      const row = value as Record<string, unknown>;
      type.entryNames.forEach((name, i) => {
        const t = type.entryTypes[i];
        out[name] = t ? toLosslessJson(row[name], t) : row[name];
      });
      return out;
    }
    case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY:
      return (value as unknown[]).map((v) => toLosslessJson(v, type.valueType));
    case DuckDBTypeId.MAP:
      return (value as { key: unknown; value: unknown }[]).map((e) => ({ key: toLosslessJson(e.key, type.keyType), value: toLosslessJson(e.value, type.valueType) }));
    default:
      return value;
  }
}
