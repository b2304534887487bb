/**
 * The one mapping between Delta schema types and DuckDB type text (see docs/design/execution.md).
 *
 * Delta → DuckDB is total. Delta `timestamp_ntz` is DuckDB `TIMESTAMP`; so is a Delta `timestamp`
 * without column metadata (tables written by earlier k3 versions and other engines' instants keep
 * reading as before: every connection runs with TimeZone=UTC, so the instant's UTC wall clock is
 * the value). k3 writes TIMESTAMPTZ as Delta `timestamp` with `k3.duckdbType`. A k3 `json` column is a Delta
 * `string` with column metadata `k3.type = COLUMN_TYPE_JSON`; only `fieldToDuckDBType` sees the
 * metadata, so it is the one to use for table columns.
 *
 * DuckDB → Delta (`storageOfDuckDBType`) is partial. Types with a Delta twin map to it exactly;
 * types without one are stored as a lossless Delta type and restored on read from column metadata
 * `k3.duckdbType` (the exact DuckDB type text): TIMESTAMPTZ → timestamp, TIMESTAMP_S/_MS →
 * timestamp_ntz (TIMESTAMP itself is exact: timestamp_ntz, with the timestampNtz table feature), unsigned
 * integers → the next wider signed type (UBIGINT → decimal(20,0)), HUGEINT/UHUGEINT →
 * decimal(38,0) (values beyond ±(10^38−1) are refused by the cast at write time), UUID, ENUM,
 * TIME, TIMETZ, INTERVAL, BIT, BIGNUM → string (their text, which casts back exactly), `T[n]` →
 * array, nested JSON → string. UNION, TIMESTAMP_NS, VARIANT, GEOMETRY and anything unknown are
 * refused with ERR_SQL_UNSUPPORTED naming what to use instead. docs/api.md has the full table.
 */
import { AppError } from '../errors/index.ts';
import { K3_COLUMN_META, type DataType, type StructField, type StructType } from '../delta/schema.ts';
import { fieldName } from './duckdb-type-text.ts';
import { quoteIdentifier } from './sql-quote.ts';

export const JSON_COLUMN_TYPE = 'COLUMN_TYPE_JSON';

const DELTA_TO_DUCKDB: Record<string, string> = {
  string: 'VARCHAR', long: 'BIGINT', integer: 'INTEGER', short: 'SMALLINT', byte: 'TINYINT',
  float: 'FLOAT', double: 'DOUBLE', boolean: 'BOOLEAN', binary: 'BLOB', date: 'DATE',
  timestamp: 'TIMESTAMP', timestamp_ntz: 'TIMESTAMP',
};

export function deltaToDuckDBType(t: DataType): string {
  if (typeof t === 'string') {
    const simple = DELTA_TO_DUCKDB[t];
    if (simple !== undefined) return simple;
    const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
    if (dec) return `DECIMAL(${dec[1]},${dec[2]})`;
    throw new AppError('ERR_DELTA_UNSUPPORTED_FEATURE', `Delta type "${t}" is not supported; the table needs a reader that implements it.`, { type: t });
  }
  switch (t.type) {
    case 'array': return `${deltaToDuckDBType(t.elementType)}[]`;
    case 'map': return `MAP(${deltaToDuckDBType(t.keyType)}, ${deltaToDuckDBType(t.valueType)})`;
    case 'struct': return `STRUCT(${t.fields.map((f) => `${fieldName(f.name)} ${fieldToDuckDBType(f)}`).join(', ')})`;
  }
}

export function isJsonField(field: StructField): boolean {
  return field.type === 'string' && field.metadata?.[K3_COLUMN_META.type] === JSON_COLUMN_TYPE;
}

/**
 * DuckDB type of a table column: the restored type of column metadata `k3.duckdbType` when present
 * (UUID, HUGEINT, TIMESTAMPTZ, ENUM, … stored as their Delta twin), `JSON` for k3 json columns,
 * else `deltaToDuckDBType`.
 */
export function fieldToDuckDBType(field: StructField): string {
  const restored = field.metadata?.[K3_COLUMN_META.duckdbType];
  if (typeof restored === 'string' && restored !== '') return restored;
  return isJsonField(field) ? 'JSON' : deltaToDuckDBType(field.type);
}

/**
 * The DuckDB type a Delta type is written to Parquet as: like `deltaToDuckDBType`, except that
 * Delta `timestamp` (an instant) is TIMESTAMPTZ at any depth, so Parquet says isAdjustedToUTC=true.
 */
export function deltaToDuckDBWriteType(t: DataType): string {
  if (t === 'timestamp') return 'TIMESTAMPTZ';
  if (typeof t === 'string') return deltaToDuckDBType(t);
  switch (t.type) {
    case 'array': return `${deltaToDuckDBWriteType(t.elementType)}[]`;
    case 'map': return `MAP(${deltaToDuckDBWriteType(t.keyType)}, ${deltaToDuckDBWriteType(t.valueType)})`;
    case 'struct': return `STRUCT(${t.fields.map((f) => `${quoteIdentifier(f.name)} ${deltaToDuckDBWriteType(f.type)}`).join(', ')})`;
  }
}

/** Where a DuckDB column type lives in Delta. */
export interface DeltaStorage {
  readonly type: DataType;
  /** True when reading `type` back does not give the DuckDB type: store `k3.duckdbType`. */
  readonly restore: boolean;
}

interface Mapped {
  readonly type: DataType;
  readonly exact: boolean;
}

const EXACT: Record<string, DataType> = {
  VARCHAR: 'string', BIGINT: 'long', INTEGER: 'integer', SMALLINT: 'short', TINYINT: 'byte',
  FLOAT: 'float', DOUBLE: 'double', BOOLEAN: 'boolean', BLOB: 'binary', DATE: 'date', TIMESTAMP: 'timestamp_ntz',
};

/** Types stored as a wider or textual Delta type; `k3.duckdbType` restores them. */
const RESTORED: Record<string, DataType> = {
  JSON: 'string', UUID: 'string', TIME: 'string', 'TIME WITH TIME ZONE': 'string', TIMETZ: 'string',
  INTERVAL: 'string', BIT: 'string', BITSTRING: 'string', BIGNUM: 'string', VARINT: 'string',
  'TIMESTAMP WITH TIME ZONE': 'timestamp', TIMESTAMPTZ: 'timestamp', TIMESTAMP_S: 'timestamp_ntz', TIMESTAMP_MS: 'timestamp_ntz',
  UTINYINT: 'short', USMALLINT: 'integer', UINTEGER: 'long', UBIGINT: 'decimal(20,0)',
  HUGEINT: 'decimal(38,0)', UHUGEINT: 'decimal(38,0)',
};

/** Refused types and what to use instead. */
const REFUSED: Record<string, string> = {
  UNION: 'a STRUCT with one field per member (or JSON)',
  TIMESTAMP_NS: 'TIMESTAMP (microseconds; Delta timestamps have no nanoseconds) or BIGINT nanoseconds (epoch_ns)',
  VARIANT: 'JSON',
  GEOMETRY: 'BLOB (WKB) or VARCHAR (WKT)',
  NULL: 'a typed column (CAST(NULL AS <type>))',
  '"NULL"': 'a typed column (CAST(NULL AS <type>))',
};

/** The Delta storage of a DuckDB type text as DuckDB prints it (`typeof()`, DESCRIBE, duckdb_columns). */
export function storageOfDuckDBType(duckdbType: string): DeltaStorage {
  const parser = new TypeTextParser(duckdbType);
  const t = parser.parseType();
  parser.expectEnd();
  return { type: t.type, restore: !t.exact };
}

/** Delta type of a DuckDB type text (see `storageOfDuckDBType`). */
export function duckDBToDeltaType(duckdbType: string): DataType {
  return storageOfDuckDBType(duckdbType).type;
}

class TypeTextParser {
  private pos = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  parseType(): Mapped {
    let t = this.parseBase();
    // `T[]` (LIST) is a Delta array; `T[n]` (ARRAY) too, its size restored from metadata.
    while (this.peek('[')) {
      this.pos++;
      const size = this.skip(/^\d*/);
      this.expect(']');
      t = { type: { type: 'array', elementType: t.type, containsNull: true }, exact: t.exact && size === '' };
    }
    return t;
  }

  expectEnd(): void {
    this.skip(/^\s*/);
    if (this.pos !== this.text.length) throw this.refuse();
  }

  private parseBase(): Mapped {
    this.skip(/^\s*/);
    const word = this.skip(/^(?:"NULL"|[A-Za-z_][A-Za-z0-9_]*(?: WITH TIME ZONE)?)/).toUpperCase();
    if (word === 'STRUCT') {
      this.expect('(');
      const fields: StructField[] = [];
      let exact = true;
      do {
        const name = this.parseName();
        const t = this.parseType();
        exact &&= t.exact;
        fields.push({ name, type: t.type, nullable: true, metadata: {} });
      } while (this.accept(','));
      this.expect(')');
      return { type: { type: 'struct', fields } satisfies StructType, exact };
    }
    if (word === 'MAP') {
      this.expect('(');
      const keyType = this.parseType();
      this.expect(',');
      const valueType = this.parseType();
      this.expect(')');
      return { type: { type: 'map', keyType: keyType.type, valueType: valueType.type, valueContainsNull: true }, exact: keyType.exact && valueType.exact };
    }
    if (word === 'DECIMAL' || word === 'NUMERIC') {
      if (!this.accept('(')) return { type: 'decimal(18,3)', exact: true };
      const p = Number(this.skip(/^\s*\d+\s*/).trim());
      const s = this.accept(',') ? Number(this.skip(/^\s*\d+\s*/).trim()) : 0;
      this.expect(')');
      return { type: `decimal(${p},${s})`, exact: true };
    }
    if (word === 'ENUM') {
      this.skip(/^\s*\((?:'(?:[^']|'')*'|[^)'])*\)/);
      return { type: 'string', exact: false };
    }
    if (word === 'UNION') throw this.refuse(word);
    const exact = EXACT[word];
    if (exact !== undefined) return { type: exact, exact: true };
    const restored = RESTORED[word];
    if (restored !== undefined) return { type: restored, exact: false };
    throw this.refuse(word);
  }

  private parseName(): string {
    this.skip(/^\s*/);
    if (this.peek('"')) {
      const quoted = this.skip(/^"(?:[^"]|"")*"/);
      return quoted.slice(1, -1).replaceAll('""', '"');
    }
    const bare = this.skip(/^[^\s"(),[\]]+/);
    if (bare === '') throw this.refuse();
    return bare;
  }

  private peek(ch: string): boolean {
    return this.text.startsWith(ch, this.pos);
  }
  private accept(ch: string): boolean {
    this.skip(/^\s*/);
    if (!this.peek(ch)) return false;
    this.pos += ch.length;
    return true;
  }
  private expect(ch: string): void {
    if (!this.accept(ch)) throw this.refuse();
  }
  private skip(re: RegExp): string {
    const m = re.exec(this.text.slice(this.pos));
    const s = m?.[0] ?? '';
    this.pos += s.length;
    return s;
  }
  private refuse(word?: string): AppError {
    const instead = word === undefined ? undefined : REFUSED[word];
    const what = word !== undefined && word !== '' && word !== this.text ? `DuckDB type ${word} (in ${this.text})` : `DuckDB type ${this.text}`;
    const advice = instead !== undefined ? `use ${instead} instead` : 'cast it to a storable type (VARCHAR, BIGINT, DOUBLE, DECIMAL(p,s), TIMESTAMP, a LIST, STRUCT or MAP of those, …)';
    return new AppError('ERR_SQL_UNSUPPORTED', `${what} cannot be stored in a Delta table; ${advice}. docs/api.md lists every DuckDB type and how k3 stores it.`, { duckdbType: this.text, ...(word !== undefined && word !== '' ? { type: word } : {}) });
  }
}
