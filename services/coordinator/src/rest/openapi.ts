/**
 * The OpenAPI 3 document, derived from the proto (message and enum descriptors) and the REST route
 * table — no hand-kept copy of any shape. Components are named after the proto messages
 * (`ExecuteResponse`, `Table`, ...), plus `ErrorBody` (= ErrorInfo, the body of every error).
 *
 * Mapping (pbjson as REST answers it): int64 → decimal string (requests also accept numbers);
 * enums → value names; repeated → array; map → object; google.protobuf.Struct → object, Value →
 * any JSON, ListValue → array; bytes → base64 string. Proto3 fields have no "required": every
 * non-optional scalar is always present in responses (default values are emitted).
 */
import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { ErrorInfoSchema, TableService } from '@k3/client';
import { ERROR_CODES } from '@k3/core';
import { methodOf, REST_ROUTES } from './rest-routes.ts';

type Schema = Record<string, unknown>;

const INT64 = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const WKT: Readonly<Record<string, Schema>> = {
  'google.protobuf.Struct': { type: 'object', additionalProperties: true },
  'google.protobuf.Value': { description: 'any JSON value' },
  'google.protobuf.ListValue': { type: 'array', items: {} },
};

function scalarSchema(t: ScalarType): Schema {
  if (INT64.has(t)) return { type: 'string', pattern: '^-?[0-9]+$', description: 'int64 as a decimal string (requests also accept a JSON number)' };
  if (t === ScalarType.BOOL) return { type: 'boolean' };
  if (t === ScalarType.STRING) return { type: 'string' };
  if (t === ScalarType.BYTES) return { type: 'string', format: 'byte' };
  if (t === ScalarType.DOUBLE || t === ScalarType.FLOAT) return { type: 'number' };
  return { type: 'integer' };
}

const enumSchema = (e: DescEnum): Schema => ({ type: 'string', enum: e.values.map((v) => v.name), description: `${e.name} (requests also accept the number)` });
const ref = (m: DescMessage): Schema => WKT[m.typeName] ?? { $ref: `#/components/schemas/${m.name}` };

function fieldSchema(f: DescField, collect: (m: DescMessage) => void): Schema {
  const single = (): Schema => {
    if (f.fieldKind === 'scalar' || (f.fieldKind === 'list' && f.listKind === 'scalar')) return scalarSchema(f.scalar!);
    if (f.fieldKind === 'enum' || (f.fieldKind === 'list' && f.listKind === 'enum')) return enumSchema(f.enum!);
    const m = f.message!;
    collect(m);
    return ref(m);
  };
  if (f.fieldKind === 'map') {
    const value = f.mapKind === 'scalar' ? scalarSchema(f.scalar) : f.mapKind === 'enum' ? enumSchema(f.enum) : (collect(f.message), ref(f.message));
    return { type: 'object', additionalProperties: value };
  }
  if (f.fieldKind === 'list') return { type: 'array', items: single() };
  return single();
}

function messageSchema(m: DescMessage, collect: (m: DescMessage) => void): Schema {
  const properties: Record<string, Schema> = {};
  for (const f of m.fields) {
    properties[f.jsonName] = fieldSchema(f, collect);
  }
  return { type: 'object', additionalProperties: false, properties };
}

export function buildOpenApi(): Schema {
  const components: Record<string, Schema> = {};
  const collect = (m: DescMessage): void => {
    if (m.typeName in WKT || m.name in components) return;
    components[m.name] = {};
    components[m.name] = messageSchema(m, collect);
  };
  for (const method of TableService.methods) {
    collect(method.input);
    collect(method.output);
  }
  collect(ErrorInfoSchema);
  const errorBody = structuredClone(components[ErrorInfoSchema.name]!) as { properties: Record<string, Schema> };
  errorBody.properties.code = { type: 'string', enum: Object.keys(ERROR_CODES), description: 'Stable error code (docs/errors.md).' };
  components.ErrorBody = { ...errorBody, description: 'The body of every error response (ErrorInfo).', required: ['code', 'message', 'retryable'] };

  const errors = { '4XX': { description: 'Client error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } }, '5XX': { description: 'Server error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } } };
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of REST_ROUTES) {
    const method = methodOf(route.rpc);
    const openApiPath = route.url.replace(/:(\w+)/g, '{$1}');
    const parameters = [...route.url.matchAll(/:(\w+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const op: Schema = {
      summary: route.summary,
      operationId: method.name,
      tags: ['tables'],
      parameters: route.method === 'POST' ? parameters : [...parameters, ...method.input.fields.filter((f) => f.name !== 'bucket' && f.name !== 'table_name' && !route.url.includes(`:${f.name}`)).map((f) => ({ name: f.name, in: 'query', required: false, schema: fieldSchema(f, collect) }))],
      responses: { [String(route.status ?? 200)]: { description: method.output.name, content: { 'application/json': { schema: ref(method.output) } } }, ...errors },
    };
    if (route.method === 'POST') op.requestBody = { required: false, content: { 'application/json': { schema: ref(method.input) } } };
    for (const [short, long] of Object.entries(route.queryAliases ?? {})) {
      (op.parameters as Schema[]).push({ name: short, in: 'query', required: false, description: `Short for ${long}.`, schema: { type: 'string' } });
    }
    (paths[openApiPath] ??= {})[route.method.toLowerCase()] = op;
  }
  const ops = (summary: string) => ({ get: { summary, tags: ['ops'], responses: { 200: { description: 'OK' } } } });
  paths['/healthz'] = ops('Liveness: the process is up.');
  paths['/readyz'] = ops('Readiness: the engine is ready; 503 ERR_NOT_READY while starting or shutting down.');
  paths['/metrics'] = ops('Prometheus metrics (text exposition format).');
  paths['/openapi.json'] = ops('This OpenAPI 3 document.');
  return {
    openapi: '3.0.3',
    info: { title: 'k3-tables', version: '0.1.0', description: `REST/pbjson wire of ${TableService.typeName} (proto/dodil/k3/tables/v1/k3_tables.proto). See docs/api.md.` },
    tags: [{ name: 'tables', description: 'Tables and SQL' }, { name: 'ops', description: 'Health, metrics, this document' }],
    paths,
    components: { schemas: components },
  };
}
