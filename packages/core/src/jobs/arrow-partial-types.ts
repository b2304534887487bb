/**
 * One codec per DuckDB type that a partial result may carry: its Arrow type, how DuckDB values
 * become an Arrow Data, and how an Arrow cell becomes the reducer's value (reduce/value.ts).
 *
 * Invariants: exact both ways. 64-bit integers stay BigInt64/BigUint64; HUGEINT and DECIMAL(p,s)
 * travel as 128-bit Arrow Decimal words (two's complement), never through a JS number; timestamps
 * as microseconds; DATE as days. The reducer's representation of a decoded cell equals
 * plan/merged-relation.ts `toReduceValue` of the original DuckDB value. Types the reducer does not
 * carry are refused with ERR_SQL_UNSUPPORTED (the same refusal `toReduceValue` makes).
 */
import {
  Binary, Bool, DateDay, Decimal, Float32, Float64, Int16, Int32, Int64, Int8, makeData, TimestampMicrosecond,
  Uint16, Uint32, Uint64, Uint8, Utf8, type Data, type DataType,
} from 'apache-arrow';
import { DuckDBTypeId, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import type { ReduceValue } from '../reduce/index.ts';

export interface CellCodec {
  readonly arrow: DataType;
  /** Arrow Data holding `values` (null = SQL NULL). */
  encode(values: readonly DuckDBValue[]): Data;
  /** The reducer value of row `i` of `data` (valid rows only; the caller checks nulls). */
  decode(data: Data, i: number): ReduceValue;
}

type Typed = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

function validity(values: readonly DuckDBValue[]): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { bitmap, nulls };
}

function fixed<T extends DataType>(arrow: T, make: (n: number) => Typed, put: (out: Typed, i: number, v: Exclude<DuckDBValue, null>) => void, get: (values: Typed, i: number) => ReduceValue): CellCodec {
  return {
    arrow,
    encode(values) {
      const out = make(values.length);
      values.forEach((v, i) => { if (v !== null) put(out, i, v); });
      const { bitmap, nulls } = validity(values);
      return makeData({ type: arrow as DataType, length: values.length, nullCount: nulls, nullBitmap: bitmap, data: out } as never);
    },
    decode: (data, i) => get(data.values as Typed, data.offset + i),
  };
}

const num = <T extends DataType>(arrow: T, Ctor: new (n: number) => Typed): CellCodec =>
  fixed(arrow, (n) => new Ctor(n), (out, i, v) => { (out as Int32Array)[i] = Number(v); }, (values, i) => (values as Int32Array)[i]!);

const big = <T extends DataType>(arrow: T, Ctor: new (n: number) => BigInt64Array | BigUint64Array): CellCodec =>
  fixed(arrow, (n) => new Ctor(n), (out, i, v) => { (out as BigInt64Array)[i] = BigInt(v as bigint); }, (values, i) => (values as BigInt64Array)[i]!);

const MASK32 = 0xffffffffn;

/** 128-bit two's complement in four little-endian 32-bit words (Arrow Decimal128 layout). */
function decimal128(precision: number, scale: number, unscaled: (v: Exclude<DuckDBValue, null>) => bigint): CellCodec {
  return fixed(
    new Decimal(scale, precision, 128),
    (n) => new Uint32Array(n * 4),
    (out, i, v) => {
      const x = BigInt.asUintN(128, unscaled(v));
      for (let w = 0; w < 4; w++) (out as Uint32Array)[i * 4 + w] = Number((x >> BigInt(32 * w)) & MASK32);
    },
    (values, i) => {
      let x = 0n;
      for (let w = 3; w >= 0; w--) x = (x << 32n) | BigInt((values as Uint32Array)[i * 4 + w]!);
      return BigInt.asIntN(128, x);
    },
  );
}

function variable(arrow: Utf8 | Binary, bytesOf: (v: Exclude<DuckDBValue, null>) => Uint8Array, read: (bytes: Uint8Array) => ReduceValue): CellCodec {
  return {
    arrow,
    encode(values) {
      const parts = values.map((v) => (v === null ? new Uint8Array(0) : bytesOf(v)));
      const offsets = new Int32Array(values.length + 1);
      parts.forEach((p, i) => { offsets[i + 1] = offsets[i]! + p.byteLength; });
      const data = new Uint8Array(offsets[values.length]!);
      parts.forEach((p, i) => data.set(p, offsets[i]!));
      const { bitmap, nulls } = validity(values);
      return makeData({ type: arrow, length: values.length, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, data } as never);
    },
    decode(data, i) {
      const offsets = data.valueOffsets as Int32Array;
      const at = data.offset + i;
      return read((data.values as Uint8Array).subarray(offsets[at]!, offsets[at + 1]!));
    },
  };
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });
const text = variable(new Utf8(), (v) => utf8.encode(String(v)), (b) => fromUtf8.decode(b));
const blob = variable(new Binary(), (v) => (v as { bytes: Uint8Array }).bytes, (b) => b.slice());

const bool: CellCodec = {
  arrow: new Bool(),
  encode(values) {
    const bits = new Uint8Array(Math.ceil(values.length / 8));
    values.forEach((v, i) => { if (v === true) bits[i >> 3]! |= 1 << (i & 7); });
    const { bitmap, nulls } = validity(values);
    return makeData({ type: new Bool(), length: values.length, nullCount: nulls, nullBitmap: bitmap, data: bits });
  },
  decode(data, i) {
    const at = data.offset + i;
    return (((data.values as Uint8Array)[at >> 3]! >> (at & 7)) & 1) === 1;
  },
};

/** The codec for a DuckDB column type; ERR_SQL_UNSUPPORTED for types the reducer does not carry. */
export function codecFor(type: DuckDBType): CellCodec {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: return bool;
    case DuckDBTypeId.TINYINT: return num(new Int8(), Int8Array);
    case DuckDBTypeId.SMALLINT: return num(new Int16(), Int16Array);
    case DuckDBTypeId.INTEGER: return num(new Int32(), Int32Array);
    case DuckDBTypeId.UTINYINT: return num(new Uint8(), Uint8Array);
    case DuckDBTypeId.USMALLINT: return num(new Uint16(), Uint16Array);
    case DuckDBTypeId.UINTEGER: return num(new Uint32(), Uint32Array);
    case DuckDBTypeId.BIGINT: return big(new Int64(), BigInt64Array);
    case DuckDBTypeId.UBIGINT: return big(new Uint64(), BigUint64Array);
    case DuckDBTypeId.FLOAT: return num(new Float32(), Float32Array);
    case DuckDBTypeId.DOUBLE: return num(new Float64(), Float64Array);
    case DuckDBTypeId.HUGEINT: return decimal128(38, 0, (v) => v as bigint);
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as unknown as { width: number; scale: number };
      return decimal128(width, scale, (v) => (v as { value: bigint }).value);
    }
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.UUID: return text;
    case DuckDBTypeId.BLOB: return blob;
    case DuckDBTypeId.DATE: return fixed(new DateDay(), (n) => new Int32Array(n), (out, i, v) => { (out as Int32Array)[i] = (v as { days: number }).days; }, (values, i) => (values as Int32Array)[i]!);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const arrow = new TimestampMicrosecond(type.typeId === DuckDBTypeId.TIMESTAMP_TZ ? 'UTC' : null);
      return fixed(arrow, (n) => new BigInt64Array(n), (out, i, v) => { (out as BigInt64Array)[i] = (v as { micros: bigint }).micros; }, (values, i) => (values as BigInt64Array)[i]!);
    }
    default:
      throw new AppError('ERR_SQL_UNSUPPORTED', `A federated partial result holds a ${String(type)} column, which scan jobs do not carry; the query must run on a single node.`, { type: String(type) });
  }
}
