import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataType, StructField } from '../../src/delta/schema.ts';
import { AppError } from '../../src/errors/index.ts';
import { createDuckDB, deltaToDuckDBType, deltaToDuckDBWriteType, duckDBToDeltaType, fieldToDuckDBType, storageOfDuckDBType, withConnection, type K3DuckDB } from '../../src/exec/index.ts';

const nested: DataType = {
  type: 'struct',
  fields: [
    { name: 'a b', type: { type: 'array', elementType: 'long', containsNull: true }, nullable: true, metadata: {} },
    { name: 'm', type: { type: 'map', keyType: 'string', valueType: 'decimal(10,2)', valueContainsNull: true }, nullable: true, metadata: {} },
    { name: 'Sel"ect', type: 'timestamp', nullable: true, metadata: {} },
  ],
};

describe('deltaToDuckDBType', () => {
  it.each([
    ['string', 'VARCHAR'], ['long', 'BIGINT'], ['integer', 'INTEGER'], ['short', 'SMALLINT'], ['byte', 'TINYINT'],
    ['float', 'FLOAT'], ['double', 'DOUBLE'], ['boolean', 'BOOLEAN'], ['binary', 'BLOB'], ['date', 'DATE'],
    ['timestamp', 'TIMESTAMP'], ['timestamp_ntz', 'TIMESTAMP'], ['decimal(38,18)', 'DECIMAL(38,18)'],
  ] as Array<[DataType, string]>)('%s → %s', (delta, duckdb) => {
    expect(deltaToDuckDBType(delta)).toBe(duckdb);
  });

  it('maps nested types, quoting field names exactly where DuckDB does', () => {
    expect(deltaToDuckDBType(nested)).toBe('STRUCT("a b" BIGINT[], m MAP(VARCHAR, DECIMAL(10,2)), "Sel""ect" TIMESTAMP)');
  });

  it('restores a type without a Delta twin from k3.duckdbType', () => {
    const field: StructField = { name: 'u', type: 'string', nullable: true, metadata: { 'k3.duckdbType': 'UUID' } };
    expect(fieldToDuckDBType(field)).toBe('UUID');
  });

  it('writes Delta timestamps as TIMESTAMPTZ at any depth', () => {
    expect(deltaToDuckDBWriteType(nested)).toBe('STRUCT("a b" BIGINT[], "m" MAP(VARCHAR, DECIMAL(10,2)), "Sel""ect" TIMESTAMPTZ)');
  });

  it('maps a k3 json column to JSON only through its field metadata', () => {
    const field: StructField = { name: 'payload', type: 'string', nullable: true, metadata: { 'k3.type': 'COLUMN_TYPE_JSON' } };
    expect(fieldToDuckDBType(field)).toBe('JSON');
    expect(fieldToDuckDBType({ ...field, metadata: {} })).toBe('VARCHAR');
  });

  it('refuses unknown Delta types', () => {
    expect(() => deltaToDuckDBType('variant' as DataType)).toThrow(AppError);
  });
});

describe('duckDBToDeltaType', () => {
  let db: K3DuckDB;
  beforeAll(async () => {
    db = await createDuckDB({ threads: 1 });
  });
  afterAll(() => db.closeSync());

  it('inverts deltaToDuckDBType for what DuckDB itself prints (typeof)', async () => {
    const printed = await withConnection(db, async (conn) =>
      (await conn.runAndReadAll(`SELECT typeof(NULL::${deltaToDuckDBType(nested)})`)).getRows()[0]![0] as string);
    const back = duckDBToDeltaType(printed);
    expect(back).toEqual({
      type: 'struct',
      fields: [
        { name: 'a b', type: { type: 'array', elementType: 'long', containsNull: true }, nullable: true, metadata: {} },
        { name: 'm', type: { type: 'map', keyType: 'string', valueType: 'decimal(10,2)', valueContainsNull: true }, nullable: true, metadata: {} },
        // TIMESTAMP is stored as timestamp_ntz (a Delta `timestamp` without metadata reads as TIMESTAMP too).
        { name: 'Sel"ect', type: 'timestamp_ntz', nullable: true, metadata: {} },
      ],
    });
  });

  it.each([
    ['BIGINT', 'long'], ['JSON', 'string'], ['UUID', 'string'], ['TIMESTAMP WITH TIME ZONE', 'timestamp'], ['TIMESTAMP', 'timestamp_ntz'],
    ['MAP(INTEGER, TIMESTAMP)[]', { type: 'array', elementType: { type: 'map', keyType: 'integer', valueType: 'timestamp_ntz', valueContainsNull: true }, containsNull: true }],
    ['HUGEINT', 'decimal(38,0)'], ['UBIGINT', 'decimal(20,0)'], ['DECIMAL(18,3)', 'decimal(18,3)'],
    ["ENUM('a', 'b''c')", 'string'], ['INTEGER[3]', { type: 'array', elementType: 'integer', containsNull: true }],
  ] as Array<[string, DataType]>)('%s → %j', (duckdb, delta) => {
    expect(duckDBToDeltaType(duckdb)).toEqual(delta);
  });

  it.each([
    ['INTERVAL', 'string'], ['TIME', 'string'], ['TIME WITH TIME ZONE', 'string'], ['BIT', 'string'], ['BIGNUM', 'string'],
    ['UTINYINT', 'short'], ['USMALLINT', 'integer'], ['UINTEGER', 'long'], ['UHUGEINT', 'decimal(38,0)'],
    ['TIMESTAMP_S', 'timestamp_ntz'], ['TIMESTAMP_MS', 'timestamp_ntz'],
    ['STRUCT(a INTERVAL)', { type: 'struct', fields: [{ name: 'a', type: 'string', nullable: true, metadata: {} }] }],
  ] as Array<[string, DataType]>)('stores %s as %j, restored from k3.duckdbType', (duckdb, delta) => {
    expect(storageOfDuckDBType(duckdb)).toEqual({ type: delta, restore: true });
  });

  it.each(['BIGINT', 'DECIMAL(38,10)', 'TINYINT', 'INTEGER[][]', 'MAP(VARCHAR, STRUCT(a DOUBLE, b DATE))', 'TIMESTAMP', 'BLOB'])('stores %s exactly (no restore)', (t) => {
    expect(storageOfDuckDBType(t).restore).toBe(false);
  });

  it.each([
    ['UNION(a INTEGER)', /use a STRUCT with one field per member/],
    ['STRUCT(a UNION(x INTEGER))', /UNION \(in STRUCT/],
    ['TIMESTAMP_NS', /use TIMESTAMP/],
    ['VARIANT', /use JSON/],
    ['"NULL"', /typed column/],
  ])('refuses %s with ERR_SQL_UNSUPPORTED naming what to use', (t, advice) => {
    try {
      duckDBToDeltaType(t);
      expect.unreachable();
    } catch (err) {
      expect((err as AppError).code).toBe('ERR_SQL_UNSUPPORTED');
      expect((err as AppError).message).toMatch(advice);
    }
  });
});
