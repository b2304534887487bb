/**
 * Partial results as Arrow IPC streams: the payload of a ScanResultV1.
 *
 * `encodeArrowPartial` turns a DuckDB result (column types + column-major values) into one record
 * batch; every field carries its DuckDB type text in the field metadata (`k3.duckdb_type`), so the
 * coordinator rebuilds the exact ColumnSpec the reducer needs (`DECIMAL(18,2)`, `HUGEINT`,
 * `TIMESTAMP WITH TIME ZONE`, …) without mapping Arrow types back. `decodeArrowPartial` returns
 * columns and row-major reducer values, equal to what reading the same rows from DuckDB with
 * plan/merged-relation.ts `toReduceValue` gives. (@duckdb/node-api 1.5.6 exposes no Arrow export,
 * so the vectors are built here from the DuckDB values; see arrow-partial-types.ts.)
 */
import { Field, RecordBatch, Schema, Struct, Table, makeData, tableFromIPC, tableToIPC } from 'apache-arrow';
import { DuckDBTypeId, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import type { ColumnSpec, ReduceValue } from '../reduce/index.ts';
import { codecFor } from './arrow-partial-types.ts';

/** Field metadata key holding the DuckDB type text. */
export const DUCKDB_TYPE_META = 'k3.duckdb_type';

export interface PartialColumn {
  readonly name: string;
  readonly type: DuckDBType;
}

export interface DecodedPartial {
  readonly columns: ColumnSpec[];
  readonly rows: ReduceValue[][];
}

/** One Arrow IPC stream (schema + one record batch) holding the given columns. */
export function encodeArrowPartial(columns: readonly PartialColumn[], values: readonly (readonly DuckDBValue[])[]): Uint8Array {
  const length = values[0]?.length ?? 0;
  const fields: Field[] = [];
  const children = columns.map((c, i) => {
    const codec = codecFor(c.type);
    fields.push(new Field(c.name, codec.arrow, true, new Map([[DUCKDB_TYPE_META, String(c.type)]])));
    return codec.encode(values[i] ?? []);
  });
  const schema = new Schema(fields);
  const data = makeData({ type: new Struct(fields), length, nullCount: 0, children });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, data)]), 'stream');
}

export function decodeArrowPartial(ipc: Uint8Array): DecodedPartial {
  let table: Table;
  try {
    table = tableFromIPC(ipc);
  } catch (err) {
    throw new AppError('ERR_JOB_CONTRACT', `A scan result is not a readable Arrow IPC stream (${(err as Error).message}); coordinator and workers must run the same release.`);
  }
  const fields = table.schema.fields;
  const columns: ColumnSpec[] = fields.map((f) => {
    const type = f.metadata.get(DUCKDB_TYPE_META);
    if (type === undefined) throw new AppError('ERR_JOB_CONTRACT', `Arrow field ${f.name} of a scan result has no ${DUCKDB_TYPE_META} metadata; it was not written by a k3 worker of this release.`);
    return { name: f.name, type };
  });
  const decoders = columns.map((c) => codecFor(typeFromText(c.type)));
  const rows: ReduceValue[][] = [];
  for (const batch of table.batches) {
    const children = batch.data.children;
    for (let r = 0; r < batch.numRows; r++) {
      rows.push(children.map((data, c) => (data.getValid(r) ? decoders[c]!.decode(data, r) : null)));
    }
  }
  return { columns, rows };
}

// The decoder needs the codec of a type text; the codec only looks at the type id and, for
// DECIMAL, width/scale, so those are read from the text.

const BY_TEXT: Record<string, DuckDBTypeId> = {
  BOOLEAN: DuckDBTypeId.BOOLEAN, TINYINT: DuckDBTypeId.TINYINT, SMALLINT: DuckDBTypeId.SMALLINT, INTEGER: DuckDBTypeId.INTEGER,
  BIGINT: DuckDBTypeId.BIGINT, UTINYINT: DuckDBTypeId.UTINYINT, USMALLINT: DuckDBTypeId.USMALLINT, UINTEGER: DuckDBTypeId.UINTEGER,
  UBIGINT: DuckDBTypeId.UBIGINT, FLOAT: DuckDBTypeId.FLOAT, DOUBLE: DuckDBTypeId.DOUBLE, HUGEINT: DuckDBTypeId.HUGEINT,
  VARCHAR: DuckDBTypeId.VARCHAR, UUID: DuckDBTypeId.UUID, BLOB: DuckDBTypeId.BLOB, DATE: DuckDBTypeId.DATE,
  TIMESTAMP: DuckDBTypeId.TIMESTAMP, 'TIMESTAMP WITH TIME ZONE': DuckDBTypeId.TIMESTAMP_TZ,
};

function typeFromText(text: string): DuckDBType {
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(text);
  if (dec) return { typeId: DuckDBTypeId.DECIMAL, width: Number(dec[1]), scale: Number(dec[2]), toString: () => text } as unknown as DuckDBType;
  if (text.startsWith('ENUM(')) return { typeId: DuckDBTypeId.ENUM, toString: () => text } as unknown as DuckDBType;
  const id = BY_TEXT[text];
  if (id === undefined) throw new AppError('ERR_JOB_CONTRACT', `A scan result has a column of type ${text}, which this coordinator cannot decode; run coordinator and workers of one release.`, { type: text });
  return { typeId: id, toString: () => text } as unknown as DuckDBType;
}
