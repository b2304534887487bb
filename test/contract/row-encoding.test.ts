/**
 * The adapters' row encoding (@k3/client/sdk encodeRows: core's domain values → the lossless JSON
 * values every wire carries) equals the golden wire encoding (test/support/wire-golden.ts) for every
 * type family, extremes and nesting, on values read from real DuckDB results — and leaves rows that
 * already are in that form unchanged (idempotence: an adapter never double-encodes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBResultReader } from '@duckdb/node-api';
import { encodeRows } from '@k3/client/sdk';
import { createDuckDB, domainValueConverter, duckDBTypeText, withConnection, type K3DuckDB } from '@k3/core/exec';
import { wireValueConverter } from '../support/wire-golden.ts';
import { GOLDEN } from '../../packages/core/test/exec/result-golden.ts';

/** Beyond the golden table: range ends, sub-second digits before 1970, nested temporal values. */
const EXTRA = [
  "DATE '5881580-07-10'", "DATE '5877642-06-25 (BC)'", "DATE '1969-12-31'", "DATE '0001-01-01'", "DATE '0001-12-31 (BC)'",
  "TIMESTAMP '294247-01-10 04:00:54.775806'", "TIMESTAMP '290309-12-22 (BC) 00:00:00'", "TIMESTAMP '1969-12-31 23:59:59.000001'",
  "TIMESTAMP '0001-01-01 00:00:00'", "TIMESTAMP '-infinity'", "TIMESTAMP_S 'infinity'", "TIMESTAMP_MS '-infinity'",
  "TIMESTAMP_NS '1969-12-31 23:59:59.999999999'", "TIMESTAMP_NS '1677-09-22 00:00:00.000000001'", "TIMESTAMP_NS 'infinity'",
  "TIMESTAMPTZ '0001-01-01 00:00:00+00'", "TIMESTAMPTZ '0001-12-31 (BC) 23:59:59.25+00'", "TIMESTAMPTZ 'infinity'",
  "TIMESTAMPTZ '294246-12-31 23:59:59.999999+00'",
  "[TIMESTAMP '2020-01-01 00:00:00.1', NULL]", "{'t': TIMESTAMPTZ '2020-01-01 00:00:00+00', 'f': 0.1::FLOAT, 'b': '\\x01'::BLOB}",
  "MAP {DATE '2020-02-29': [1.5::FLOAT]}", "[[0.3::FLOAT]]", "union_value(t := TIMESTAMP_NS '2020-01-01 00:00:00.5')",
  "[]::BIGINT[]", "{'x': NULL::TIMESTAMP}", "[1, 2]::BIGINT[2]", "(-1.5)::FLOAT", "1e-45::FLOAT", "'-inf'::FLOAT",
];

/** A few hundred generated values per temporal / float type, spanning both sides of the epoch. */
const GENERATED = `SELECT
  TIMESTAMP '1930-01-01' + to_microseconds(i * 7919113117123) AS ts,
  (TIMESTAMP '1930-01-01' + to_microseconds(i * 7919113117123))::TIMESTAMPTZ AS tz,
  (TIMESTAMP '1930-01-01' + to_microseconds(i * 7919113117123))::TIMESTAMP_NS + to_microseconds(i % 7) AS ns,
  (TIMESTAMP '1930-01-01' + to_microseconds(i * 7919113117123))::TIMESTAMP_MS AS ms,
  make_timestamp(-50000, 1, 1, 0, 0, 0) + to_microseconds(i * 7919113117123457) AS wide,
  (make_timestamp(-50000, 1, 1, 0, 0, 0) + to_microseconds(i * 7919113117123457))::TIMESTAMPTZ AS widetz,
  (make_timestamp(-50000, 1, 1, 0, 0, 0) + to_microseconds(i * 7919113117123457))::TIMESTAMP_S AS s,
  DATE '0100-01-01' + (i * 977)::INTEGER AS d, make_date(-60000 + i * 311, 2, 28) AS wided,
  (i * 0.37 - 90)::FLOAT AS f, (i * 1e15 + 0.1)::DOUBLE AS g, i * 12345678901234 AS big
FROM range(0, 400) t(i)`;

let db: K3DuckDB;
beforeAll(async () => {
  db = await createDuckDB({ threads: 1 });
});
afterAll(() => db.closeSync());

async function both(sql: string): Promise<{ domain: unknown[][]; wire: unknown[][]; types: string[] }> {
  return withConnection(db, async (conn) => {
    const reader: DuckDBResultReader = await conn.runAndReadAll(sql);
    const types = reader.columnNames().map((_, i) => duckDBTypeText(reader.columnType(i)));
    return { domain: reader.convertRows(domainValueConverter), wire: reader.convertRows(wireValueConverter), types };
  });
}

describe('row encoding in the adapters', () => {
  it('equals the golden wire encoding for every type family and extreme', async () => {
    const exprs = [...GOLDEN.map(([expr]) => expr), ...EXTRA];
    const { domain, wire, types } = await both(`SELECT ${exprs.map((e, i) => `${e} AS c${i}`).join(', ')}`);
    const encoded = encodeRows(domain, types.map((type) => ({ type })));
    exprs.forEach((expr, i) => expect({ expr, type: types[i], value: encoded[0]![i] }).toEqual({ expr, type: types[i], value: wire[0]![i] }));
    GOLDEN.forEach(([expr, , value], i) => expect({ expr, value: encoded[0]![i] }).toEqual({ expr, value }));
    expect(JSON.parse(JSON.stringify(encoded))).toEqual(encoded);
    // Idempotent: rows already in the encoded form (e.g. a client echoing a response) pass unchanged.
    expect(encodeRows(wire, types.map((type) => ({ type })))).toEqual(wire);
  });

  it('equals it on generated timestamps, dates and floats across the epoch', async () => {
    const { domain, wire, types } = await both(GENERATED);
    expect(domain).toHaveLength(400);
    expect(encodeRows(domain, types.map((type) => ({ type })))).toEqual(wire);
    expect(encodeRows(wire, types.map((type) => ({ type })))).toEqual(wire);
  });
});
