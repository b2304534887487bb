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
 * instant of the contract is int64 epoch ms), `undefined` dropped; row arrays (`rows`, already
 * encoded by core's lossless row encoding) pass unchanged. Legacy producers that still hand an
 * int64 as a string are accepted (protobuf's JSON reads both), and a version of `""` is absent.
 */
import { fromJson, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { ExecuteResponseSchema, type ExecuteResponse } from '@k3/client';
import type { ExecuteResponse as EngineExecuteResponse } from '@k3/core/api';

const VERSION_KEYS = new Set(['version', 'versionBefore', 'versionAfter']);

/** Domain values → protobuf JSON input; row arrays (plain JSON values) are passed as they are. */
function clean(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return String(value.getTime());
  if (Array.isArray(value)) return value.map(clean);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || (VERSION_KEYS.has(k) && v === '')) continue;
    out[k] = k === 'rows' ? v : clean(v);
  }
  return out;
}

export function toProto<D extends DescMessage>(schema: D, engineValue: unknown): MessageShape<D> {
  return fromJson(schema, clean(engineValue) as JsonValue);
}

export function toExecuteResponse(res: EngineExecuteResponse): ExecuteResponse {
  return toProto(ExecuteResponseSchema, res);
}
