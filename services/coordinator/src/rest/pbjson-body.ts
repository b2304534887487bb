/**
 * REST input → request message, with protobuf's own JSON decoder (pbjson fidelity): int64 as a
 * string or a number, enums by name or number, proto field names and JSON names (`table_name`,
 * `tableName`); unknown fields are refused naming the field. The path's `bucket` / `table` fill
 * the message; a body (or query) value that contradicts them is refused on every route.
 * Every refusal is ERR_BAD_REQUEST with the JSON name of the field.
 */
import { fromJson, ScalarType, type DescField, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { AppError } from '@k3/core';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^cannot decode (field|message|enum) [\w.]+ from JSON: /, '').replace(/^cannot decode (field|message|enum) [\w.]+ from JSON /, 'got ');
}

function allowedOf(field: DescField): string {
  const e = field.fieldKind === 'enum' ? field.enum : field.fieldKind === 'list' && field.listKind === 'enum' ? field.enum : undefined;
  return e ? ` (allowed: ${e.values.map((v) => v.name).join(', ')})` : '';
}

/**
 * The first field of `json` that does not decode, as `where.path.to.field` with a message: found by
 * decoding field by field and descending into nested messages and lists of messages.
 */
function locate(schema: DescMessage, json: unknown, where: string): { field: string; problem: string } {
  if (!isObject(json)) return { field: where, problem: `must be a JSON object (${schema.name})` };
  const seen = new Map<number, string>();
  for (const [key, value] of Object.entries(json)) {
    const field = fieldOf(schema, key);
    if (field === undefined) return { field: `${where}.${key}`, problem: `is not a field of ${schema.name}; remove it or fix its name` };
    const path = `${where}.${field.jsonName}`;
    const other = seen.get(field.number);
    if (other !== undefined) return { field: path, problem: `is given twice (as ${other} and ${key}); send it once` };
    seen.set(field.number, key);
    const nested = field.fieldKind === 'message' ? field.message : field.fieldKind === 'list' && field.listKind === 'message' ? field.message : undefined;
    if (nested !== undefined && !nested.typeName.startsWith('google.protobuf.') && value !== null) {
      const items = field.fieldKind === 'list' ? (Array.isArray(value) ? value.map((v, i) => [`${path}.${i}`, v] as const) : []) : [[path, value] as const];
      if (field.fieldKind === 'list' && !Array.isArray(value)) return { field: path, problem: 'must be a JSON array' };
      for (const [p, v] of items) {
        try {
          fromJson(nested, v as JsonValue);
        } catch {
          return locate(nested, v, p);
        }
      }
      continue;
    }
    try {
      fromJson(schema, { [key]: value } as JsonValue);
    } catch (err) {
      return { field: path, problem: `is not valid: ${describeError(err)}${allowedOf(field)}` };
    }
  }
  return { field: where, problem: `does not decode as ${schema.name}` };
}

/** A decode failure as ERR_BAD_REQUEST naming the field (JSON name and path) and what to do. */
export function toBadRequest(err: unknown, schema: DescMessage, json: unknown, where: string): AppError {
  const found = locate(schema, json, where);
  const problem = found.field === where ? `${found.problem} (${err instanceof Error ? err.message : String(err)})` : found.problem;
  return new AppError('ERR_BAD_REQUEST', `Invalid request: ${found.field} ${problem}; fix the request and retry.`, { field: found.field });
}

/** Path values a body may repeat: bucket, and the table as `tableName` / `table_name`. */
export interface PathFields {
  bucket: string;
  table?: string;
  /** A token's name (DELETE /_auth/tokens/:name). */
  name?: string;
}

function fieldOf(schema: DescMessage, key: string): DescField | undefined {
  return schema.fields.find((f) => f.jsonName === key || f.name === key);
}

function takeEcho(body: Record<string, unknown>, schema: DescMessage, fieldName: string, pathValue: string, where: string): void {
  const field = schema.fields.find((f) => f.name === fieldName);
  if (field === undefined) return;
  for (const key of new Set([field.jsonName, field.name])) {
    if (!(key in body)) continue;
    const v = body[key];
    if (v !== '' && v !== null && v !== pathValue) {
      const what = fieldName === 'table_name' ? 'table' : fieldName;
      throw new AppError('ERR_BAD_REQUEST', `The ${where} names ${what} ${JSON.stringify(v)} but the path names "${pathValue}"; send one ${what} or make them equal.`, { field: `${where}.${field.jsonName}` });
    }
    delete body[key];
  }
  body[field.jsonName] = pathValue;
}

/** A JSON body (absent = `{}`) plus the path → the request message. */
export function decodeBody<D extends DescMessage>(schema: D, body: unknown, path: PathFields, where = 'body'): MessageShape<D> {
  if (body !== undefined && body !== null && !isObject(body)) {
    throw new AppError('ERR_BAD_REQUEST', `Invalid request: the ${where} must be a JSON object (${schema.name}).`, { field: where });
  }
  const json: Record<string, unknown> = { ...(body ?? {}) };
  takeEcho(json, schema, 'bucket', path.bucket, where);
  if (path.table !== undefined) takeEcho(json, schema, 'table_name', path.table, where);
  if (path.name !== undefined) takeEcho(json, schema, 'name', path.name, where);
  try {
    return fromJson(schema, json as JsonValue);
  } catch (err) {
    throw toBadRequest(err, schema, json, where);
  }
}

/** Query-string values are text: booleans and numbers are turned into JSON before decoding. */
export function decodeQuery<D extends DescMessage>(schema: D, query: unknown, path: PathFields): MessageShape<D> {
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(isObject(query) ? query : {})) {
    const field = fieldOf(schema, key);
    const scalar = field?.fieldKind === 'scalar' ? field.scalar : undefined;
    json[key] = scalar === ScalarType.BOOL ? (value === 'true' ? true : value === 'false' ? false : value) : value;
  }
  return decodeBody(schema, json, path, 'querystring');
}
