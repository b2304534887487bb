/**
 * The wire encoder of core's results: domain values (@k3/core/api — int64 counts, versions and
 * epoch-ms instants as numbers, Dates, bigints, enums by name, absent = undefined) → the generated
 * proto messages, which every wire then serializes (pbjson for REST and Connect JSON: int64 as
 * decimal strings; protobuf binary for Connect and gRPC). Core never formats a wire value.
 * Strict: a field the proto does not know is an ERR_INTERNAL here (logged), so core and the
 * contract cannot drift apart silently — a new result field is added to
 * proto/dodil/k3/tables/v1/k3_tables.proto first.
 *
 * Domain → JSON for protobuf's decoder: bigint → decimal string, Date → epoch-ms string (every
 * instant of the contract is int64 epoch ms), `undefined` dropped. Result rows (`rows` beside
 * `columns`: a query result, RETURNING rows, a Changes page) are core's domain row values, encoded
 * here by their columns' DuckDB types into the contract's lossless JSON values (@k3/client/sdk
 * encodeRows: BIGINT as text, bytes as base64, DuckDB's date/time text …); values that already are
 * in that form pass unchanged. Legacy producers that still hand an int64 as a string are accepted
 * (protobuf's JSON reads both), and a version of `""` is absent.
 */
import { fromJson, ScalarType, type DescField, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { DiffResponseSchema, ExecuteResponseSchema, type DiffResponse, type ExecuteResponse } from '@k3/client';
import { encodeRows, rowValueEncoderFor } from '@k3/client/sdk';
import type { ExecuteResponse as EngineExecuteResponse } from '@k3/core/api';
import type { DiffResponse as EngineDiffResponse } from '@k3/core/sql';

const VERSION_KEYS = new Set(['version', 'versionBefore', 'versionAfter']);

/** Google's JSON-valued well-known types: their content is plain JSON, passed as it is. */
const JSON_WKT = new Set(['google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue']);

/** One domain value → protobuf JSON input for `field` (undefined: no field known, e.g. inside a Struct). */
function encodeValue(value: unknown, field: DescField | undefined, item = false): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return String(value.getTime());
  // A number the contract carries as text (e.g. HistoryEntry.timestamp, epoch ms as a string).
  if (typeof value === 'number' && field?.fieldKind === 'scalar' && field.scalar === ScalarType.STRING) return String(value);
  if (typeof value === 'number' && field?.fieldKind === 'list' && field.listKind === 'scalar' && field.scalar === ScalarType.STRING) return String(value);
  if (value === null || typeof value !== 'object') return value;
  const message = field?.fieldKind === 'message' ? field.message : field?.fieldKind === 'list' && field.listKind === 'message' ? field.message
    : field?.fieldKind === 'map' && field.mapKind === 'message' ? field.message : undefined;
  if (Array.isArray(value)) return field?.fieldKind === 'list' && !item ? value.map((v) => encodeValue(v, field, true)) : value;
  if (field?.fieldKind === 'map' && !item) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeValue(v, field, true)]));
  return message === undefined || JSON_WKT.has(message.typeName) ? value : encodeMessage(message, value as Record<string, unknown>);
}

/**
 * The field a domain key names, per schema: the first field whose JSON or local name it is, else
 * the first oneof member with that JSON name — resolved once per (schema, key) instead of a scan
 * of the fields per key and message (wip/write4: the request path's profile).
 */
const fieldIndex = new WeakMap<DescMessage, Map<string, DescField | undefined>>();
function fieldOf(schema: DescMessage, key: string): DescField | undefined {
  let index = fieldIndex.get(schema);
  if (index === undefined) fieldIndex.set(schema, (index = new Map()));
  if (index.has(key)) return index.get(key);
  const field = schema.fields.find((f) => f.jsonName === key || f.localName === key) ?? schema.oneofs.flatMap((o) => o.fields).find((f) => f.jsonName === key);
  index.set(key, field);
  return field;
}

/** Domain values → protobuf JSON input for `schema`, field by field (unknown keys kept: fromJson refuses them). */
function encodeMessage(schema: DescMessage, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const columns = value.columns as readonly { type: string }[] | undefined;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || (VERSION_KEYS.has(k) && v === '')) continue;
    if (k === 'rows' && Array.isArray(v) && Array.isArray(columns)) {
      out[k] = encodeRows(v as unknown[][], columns);
      continue;
    }
    out[k] = encodeValue(v, fieldOf(schema, k));
  }
  return out;
}

export function toProto<D extends DescMessage>(schema: D, engineValue: unknown): MessageShape<D> {
  return fromJson(schema, encodeMessage(schema, engineValue as Record<string, unknown>) as JsonValue);
}

export function toExecuteResponse(res: EngineExecuteResponse): ExecuteResponse {
  return toProto(ExecuteResponseSchema, res);
}

/** A Diff answer: its rows' key / before / after are domain STRUCT values, encoded by their types. */
export function toDiffResponse(diff: EngineDiffResponse): DiffResponse {
  const { rowTypes, rows, ...rest } = diff;
  const encode = (part: 'key' | 'before' | 'after', v: unknown): unknown => (v === undefined ? undefined : rowValueEncoderFor(rowTypes[part])(v));
  return toProto(DiffResponseSchema, { ...rest, rows: rows.map((r) => ({ change: r.change, key: encode('key', r.key), before: encode('before', r.before), after: encode('after', r.after) })) });
}
