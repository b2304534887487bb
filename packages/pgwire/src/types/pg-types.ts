/**
 * DuckDB type text (what the engine reports per result column) → the PostgreSQL type a client
 * sees: OID, typlen, typmod, name. OIDs are PostgreSQL's fixed built-in OIDs (pg_type.dat), so
 * drivers that switch on them (pgjdbc, node-postgres, psycopg) decode values natively.
 *
 * Rule: a type with an exact PostgreSQL counterpart maps to it; unsigned and wider integers and
 * DECIMAL go to numeric (no value is truncated); LIST/ARRAY of a mapped scalar to its array type;
 * STRUCT, MAP, UNION and nested lists to json (their text is JSON).
 */
export interface PgType {
  readonly oid: number;
  /** pg_type.typname */
  readonly name: string;
  /** typlen: fixed size in bytes, -1 varlena. */
  readonly size: number;
  readonly typmod: number;
  /** For arrays: the element type. */
  readonly element?: PgType;
  /** The DuckDB type the value is encoded from (scalar kind), used by the value codecs. */
  readonly kind: PgKind;
}

export type PgKind =
  | 'bool' | 'int2' | 'int4' | 'int8' | 'float4' | 'float8' | 'numeric' | 'text' | 'json' | 'bytea'
  | 'date' | 'timestamp' | 'timestamptz' | 'time' | 'timetz' | 'interval' | 'uuid' | 'jsonish' | 'array' | 'unknown';

interface Scalar { oid: number; name: string; size: number; kind: PgKind; arrayOid: number }

export const PG_SCALARS: Record<string, Scalar> = {
  bool: { oid: 16, name: 'bool', size: 1, kind: 'bool', arrayOid: 1000 },
  bytea: { oid: 17, name: 'bytea', size: -1, kind: 'bytea', arrayOid: 1001 },
  int8: { oid: 20, name: 'int8', size: 8, kind: 'int8', arrayOid: 1016 },
  int2: { oid: 21, name: 'int2', size: 2, kind: 'int2', arrayOid: 1005 },
  int4: { oid: 23, name: 'int4', size: 4, kind: 'int4', arrayOid: 1007 },
  text: { oid: 25, name: 'text', size: -1, kind: 'text', arrayOid: 1009 },
  json: { oid: 114, name: 'json', size: -1, kind: 'json', arrayOid: 199 },
  float4: { oid: 700, name: 'float4', size: 4, kind: 'float4', arrayOid: 1021 },
  float8: { oid: 701, name: 'float8', size: 8, kind: 'float8', arrayOid: 1022 },
  varchar: { oid: 1043, name: 'varchar', size: -1, kind: 'text', arrayOid: 1015 },
  date: { oid: 1082, name: 'date', size: 4, kind: 'date', arrayOid: 1182 },
  time: { oid: 1083, name: 'time', size: 8, kind: 'time', arrayOid: 1183 },
  timestamp: { oid: 1114, name: 'timestamp', size: 8, kind: 'timestamp', arrayOid: 1115 },
  timestamptz: { oid: 1184, name: 'timestamptz', size: 8, kind: 'timestamptz', arrayOid: 1185 },
  interval: { oid: 1186, name: 'interval', size: 16, kind: 'interval', arrayOid: 1187 },
  timetz: { oid: 1266, name: 'timetz', size: 12, kind: 'timetz', arrayOid: 1270 },
  numeric: { oid: 1700, name: 'numeric', size: -1, kind: 'numeric', arrayOid: 1231 },
  uuid: { oid: 2950, name: 'uuid', size: 16, kind: 'uuid', arrayOid: 2951 },
};

const scalar = (s: Scalar, typmod = -1): PgType => ({ oid: s.oid, name: s.name, size: s.size, typmod, kind: s.kind });
const JSONISH: PgType = { ...scalar(PG_SCALARS.json!), kind: 'jsonish' };
export const TEXT_TYPE: PgType = scalar(PG_SCALARS.text!);

/** DuckDB base type name → PG scalar key. */
const BY_DUCKDB: Record<string, string> = {
  BOOLEAN: 'bool',
  TINYINT: 'int2', SMALLINT: 'int2', UTINYINT: 'int2',
  INTEGER: 'int4', USMALLINT: 'int4',
  BIGINT: 'int8', UINTEGER: 'int8',
  UBIGINT: 'numeric', HUGEINT: 'numeric', UHUGEINT: 'numeric', BIGNUM: 'numeric', VARINT: 'numeric',
  FLOAT: 'float4', REAL: 'float4', DOUBLE: 'float8',
  VARCHAR: 'text', BIT: 'text', '"NULL"': 'text', NULL: 'text',
  JSON: 'json', BLOB: 'bytea', UUID: 'uuid',
  DATE: 'date', TIME: 'time', 'TIME_NS': 'time', 'TIME WITH TIME ZONE': 'timetz', TIMETZ: 'timetz',
  TIMESTAMP: 'timestamp', TIMESTAMP_S: 'timestamp', TIMESTAMP_MS: 'timestamp', TIMESTAMP_NS: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz', TIMESTAMPTZ: 'timestamptz',
  INTERVAL: 'interval',
};

/** The PostgreSQL type of a DuckDB type text such as `BIGINT`, `DECIMAL(18,3)`, `INTEGER[]`, `STRUCT(a INTEGER)`. */
export function pgTypeOf(duckdbType: string): PgType {
  const t = duckdbType.trim();
  const decimal = /^(?:DECIMAL|NUMERIC)\((\d+),\s*(\d+)\)$/i.exec(t);
  if (decimal !== null) return scalar(PG_SCALARS.numeric!, ((Number(decimal[1]) << 16) | Number(decimal[2])) + 4);
  const list = /^(.*)\[\d*\]$/.exec(t);
  if (list !== null) {
    const element = pgTypeOf(list[1] ?? '');
    if (element.kind === 'array' || element.kind === 'jsonish') return JSONISH;
    const s = Object.values(PG_SCALARS).find((x) => x.oid === element.oid);
    if (s === undefined) return JSONISH;
    return { oid: s.arrayOid, name: `_${s.name}`, size: -1, typmod: -1, kind: 'array', element };
  }
  const key = BY_DUCKDB[t.toUpperCase()];
  if (key !== undefined) return scalar(PG_SCALARS[key]!);
  if (/^(STRUCT|MAP|UNION)\(/i.test(t)) return JSONISH;
  if (/^ENUM\(/i.test(t)) return TEXT_TYPE;
  return TEXT_TYPE;
}

/** The DuckDB type a PostgreSQL parameter type OID asks for (Parse's declared types), or undefined for "infer". */
export function duckdbTypeOfOid(oid: number): string | undefined {
  switch (oid) {
    case 16: return 'BOOLEAN';
    case 17: return 'BLOB';
    case 20: return 'BIGINT';
    case 21: return 'SMALLINT';
    case 23: return 'INTEGER';
    case 25: case 1043: case 19: case 1042: return 'VARCHAR';
    case 114: case 3802: return 'JSON';
    case 700: return 'FLOAT';
    case 701: return 'DOUBLE';
    case 1082: return 'DATE';
    case 1083: return 'TIME';
    case 1114: return 'TIMESTAMP';
    case 1184: return 'TIMESTAMP WITH TIME ZONE';
    case 1186: return 'INTERVAL';
    case 1700: return 'DECIMAL';
    case 2950: return 'UUID';
    default: return undefined;
  }
}

/** The PG scalar with this OID (for decoding parameters), if any. */
export function pgTypeByOid(oid: number): PgType | undefined {
  const s = Object.values(PG_SCALARS).find((x) => x.oid === oid);
  if (s !== undefined) return scalar(s);
  const arr = Object.values(PG_SCALARS).find((x) => x.arrayOid === oid);
  if (arr !== undefined) return { oid, name: `_${arr.name}`, size: -1, typmod: -1, kind: 'array', element: scalar(arr) };
  return undefined;
}
