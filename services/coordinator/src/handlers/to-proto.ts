/**
 * Engine results (core's pbjson-shaped values: int64 as decimal strings, enums as names) → the
 * generated proto messages, with protobuf's own JSON decoder. Strict: a field the proto does not
 * know is an ERR_INTERNAL here (logged), so core and the contract cannot drift apart silently —
 * a new result field is added to proto/dodil/k3/tables/v1/k3_tables.proto first.
 *
 * Two engine habits are translated: `undefined` properties are dropped, and a version of `""`
 * ("no Delta version") becomes an absent `optional int64`.
 */
import { fromJson, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { ExecuteResponseSchema, type ExecuteResponse } from '@k3/client';
import type { ExecuteResponse as EngineExecuteResponse } from '@k3/core/api';

const VERSION_KEYS = new Set(['version', 'versionBefore', 'versionAfter']);

/** Drops undefined values and "" versions; row arrays (plain JSON values) are passed as they are. */
function clean(value: unknown): unknown {
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
