/**
 * ResultChunks → an Arrow IPC stream (REST `Accept: application/vnd.apache.arrow.stream`), one
 * record batch per row batch, memory bounded by one batch: every batch is serialized by a fresh
 * writer and its schema message and end-of-stream marker are cut off (the schema goes out once,
 * first, as a stream with a zero-row batch).
 *
 * Column types from the DuckDB type text: BOOLEAN → Bool; TINYINT…INTEGER → Int32; BIGINT →
 * Int64; FLOAT / DOUBLE → Float64; everything else → Utf8 holding the lossless JSON value (text as
 * is, nested values as JSON text) — the same values the JSON response carries.
 */
import { toJson } from '@bufbuild/protobuf';
import { ListValueSchema } from '@bufbuild/protobuf/wkt';
import { Bool, Field, Float64, Int32, Int64, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Utf8, vectorFromArray, type DataType } from 'apache-arrow';
import type { ResultChunk } from '@k3/client';

const EOS = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

function arrowTypeOf(duckdbType: string): DataType {
  const t = duckdbType.toUpperCase();
  if (t === 'BOOLEAN') return new Bool();
  if (t === 'TINYINT' || t === 'SMALLINT' || t === 'INTEGER' || t === 'UTINYINT' || t === 'USMALLINT') return new Int32();
  if (t === 'BIGINT') return new Int64();
  if (t === 'FLOAT' || t === 'DOUBLE') return new Float64();
  return new Utf8();
}

function cell(type: DataType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type instanceof Int64) return BigInt(v as string | number);
  if (type instanceof Float64) return Number(v);
  if (type instanceof Utf8) return typeof v === 'string' ? v : JSON.stringify(v);
  return v;
}

function batchOf(schema: Schema, rows: unknown[][]): RecordBatch {
  const children = schema.fields.map((f, i) => vectorFromArray(rows.map((r) => cell(f.type, r[i])), f.type).data[0]!);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

/** The stream bytes of one batch: [schema message] + batch message, without the end marker. */
function framed(schema: Schema, rows: unknown[][], withSchema: boolean): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.write(batchOf(schema, rows));
  writer.finish();
  const bytes = writer.toUint8Array(true);
  // A message is: 0xFFFFFFFF, int32 metadata length, metadata; the schema message has no body.
  const schemaLength = 8 + new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getInt32(0, true);
  return bytes.subarray(withSchema ? 0 : schemaLength, bytes.length - EOS.length);
}

export async function* arrowStream(chunks: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  let schema: Schema | undefined;
  for await (const raw of chunks) {
    const chunk = (raw as ResultChunk).chunk;
    if (chunk.case === 'header' || (chunk.case !== 'batch' && schema === undefined)) {
      const columns = chunk.case === 'header' ? chunk.value.columns : [];
      schema = new Schema(columns.map((c) => new Field(c.name, arrowTypeOf(c.type), true)));
      yield framed(schema, [], true);
    }
    if (chunk.case === 'batch' && schema !== undefined && chunk.value.rows.length > 0) {
      yield framed(schema, chunk.value.rows.map((r) => toJson(ListValueSchema, r) as unknown[]), false);
    }
  }
  yield EOS;
}
