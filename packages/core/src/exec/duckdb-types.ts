/**
 * The one mapping between Delta schema types and DuckDB type text (see docs/design/execution.md).
 *
 * Delta → DuckDB is total. Delta `timestamp` (UTC-adjusted instant) and `timestamp_ntz` both
 * surface in SQL as DuckDB `TIMESTAMP`: every connection runs with TimeZone=UTC and k3's
 * TIMESTAMP means "microseconds since epoch, UTC wall clock". A k3 `json` column is a Delta
 * `string` with column metadata `k3.type = COLUMN_TYPE_JSON`; only `fieldToDuckDBType` sees the
 * metadata, so it is the one to use for table columns.
 *
 * DuckDB → Delta is partial: DuckDB types with no Delta equivalent either widen losslessly
 * (HUGEINT → decimal(38,0), unsigned ints → the next wider signed type, UUID/ENUM → string) or
 * are refused with ERR_SQL_UNSUPPORTED naming the cast to use.
 */
import { AppError } from '../errors/index.ts';
import { K3_COLUMN_META, type DataType, type StructField, type StructType } from '../delta/schema.ts';
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
    case 'struct': return `STRUCT(${t.fields.map((f) => `${quoteIdentifier(f.name)} ${fieldToDuckDBType(f)}`).join(', ')})`;
  }
}

export function isJsonField(field: StructField): boolean {
  return field.type === 'string' && field.metadata?.[K3_COLUMN_META.type] === JSON_COLUMN_TYPE;
}

/** DuckDB type of a table column: like `deltaToDuckDBType`, but k3 json columns become `JSON`. */
export function fieldToDuckDBType(field: StructField): string {
  return isJsonField(field) ? 'JSON' : deltaToDuckDBType(field.type);
}

const DUCKDB_TO_DELTA: Record<string, DataType> = {
  VARCHAR: 'string', JSON: 'string', UUID: 'string', BIGINT: 'long', INTEGER: 'integer',
  SMALLINT: 'short', TINYINT: 'byte', FLOAT: 'float', DOUBLE: 'double', BOOLEAN: 'boolean',
  BLOB: 'binary', DATE: 'date', TIMESTAMP: 'timestamp', 'TIMESTAMP WITH TIME ZONE': 'timestamp',
  TIMESTAMPTZ: 'timestamp', UTINYINT: 'short', USMALLINT: 'integer', UINTEGER: 'long',
  UBIGINT: 'decimal(20,0)', HUGEINT: 'decimal(38,0)',
};

/** Delta type of a DuckDB type text as DuckDB prints it (`typeof()`, DESCRIBE, result columns). */
export function duckDBToDeltaType(duckdbType: string): DataType {
  const parser = new TypeTextParser(duckdbType);
  const t = parser.parseType();
  parser.expectEnd();
  return t;
}

class TypeTextParser {
  private pos = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  parseType(): DataType {
    let t = this.parseBase();
    // `T[]` (LIST) and `T[n]` (ARRAY) both become a Delta array.
    while (this.peek('[')) {
      this.pos++;
      this.skip(/^\d*/);
      this.expect(']');
      t = { type: 'array', elementType: t, containsNull: true };
    }
    return t;
  }

  expectEnd(): void {
    this.skip(/^\s*/);
    if (this.pos !== this.text.length) throw this.refuse();
  }

  private parseBase(): DataType {
    this.skip(/^\s*/);
    const word = this.skip(/^[A-Za-z_][A-Za-z0-9_]*(?: WITH TIME ZONE)?/).toUpperCase();
    if (word === 'STRUCT') {
      this.expect('(');
      const fields: StructField[] = [];
      do {
        const name = this.parseName();
        fields.push({ name, type: this.parseType(), nullable: true, metadata: {} });
      } while (this.accept(','));
      this.expect(')');
      return { type: 'struct', fields } satisfies StructType;
    }
    if (word === 'MAP') {
      this.expect('(');
      const keyType = this.parseType();
      this.expect(',');
      const valueType = this.parseType();
      this.expect(')');
      return { type: 'map', keyType, valueType, valueContainsNull: true };
    }
    if (word === 'DECIMAL' || word === 'NUMERIC') {
      if (!this.accept('(')) return 'decimal(18,3)';
      const p = this.skip(/^\s*\d+\s*/).trim();
      const s = this.accept(',') ? this.skip(/^\s*\d+\s*/).trim() : '0';
      this.expect(')');
      return `decimal(${Number(p)},${Number(s)})`;
    }
    if (word === 'ENUM') {
      this.skip(/^\((?:'(?:[^']|'')*'|[^)'])*\)/);
      return 'string';
    }
    const mapped = DUCKDB_TO_DELTA[word];
    if (mapped === undefined) throw this.refuse(word);
    return mapped;
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
    const what = word !== undefined && word !== '' ? `DuckDB type ${word} (in ${this.text})` : `DuckDB type ${this.text}`;
    return new AppError('ERR_SQL_UNSUPPORTED', `${what} cannot be stored in a Delta table; cast it to a storable type (VARCHAR, BIGINT, DOUBLE, DECIMAL(p,s), TIMESTAMP, …).`, { duckdbType: this.text });
  }
}
