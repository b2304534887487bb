/**
 * REST decoding with protobuf's JSON rules (rest/pbjson-body.ts): the pbjson alternatives are
 * accepted, and every refusal is ERR_BAD_REQUEST naming the field by its JSON path.
 */
import { describe, expect, it } from 'vitest';
import { CompactRequestSchema, CreateTableRequestSchema, DropTableRequestSchema, ExecuteRequestSchema, HistoryRequestSchema, UpdateRequestSchema } from '@k3/client';
import { decodeBody, decodeQuery } from '../src/rest/pbjson-body.ts';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string; details: { field: string } };
  }
  throw new Error('expected a refusal');
};

describe('decodeBody', () => {
  it('accepts int64 as string or number, enums by name or number, proto or JSON field names', () => {
    expect(decodeBody(CompactRequestSchema, { batchSize: '10000' }, { bucket: 'kb-prod', table: 'events' })).toMatchObject({ bucket: 'kb-prod', tableName: 'events', batchSize: 10000n });
    expect(decodeBody(CompactRequestSchema, { batch_size: 5, table_name: 'events' }, { bucket: 'kb-prod', table: 'events' }).batchSize).toBe(5n);
    expect(decodeBody(ExecuteRequestSchema, { sql: 'SELECT 1', freshness: 2 }, { bucket: 'b12' }).freshness).toBe(2);
    expect(decodeBody(ExecuteRequestSchema, { sql: 'SELECT 1', freshness: 'FRESHNESS_STRONG' }, { bucket: 'b12' }).freshness).toBe(2);
    expect(decodeBody(ExecuteRequestSchema, undefined, { bucket: 'b12' }).bucket).toBe('b12');
  });

  it('names the field of every refusal by its JSON path', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => decodeBody(ExecuteRequestSchema, { sql: 'x', freshnes: 1 }, { bucket: 'b12' }), 'body.freshnes'],
      [() => decodeBody(ExecuteRequestSchema, { sql: 42 }, { bucket: 'b12' }), 'body.sql'],
      [() => decodeBody(CompactRequestSchema, { batchSize: 'many' }, { bucket: 'b12', table: 't' }), 'body.batchSize'],
      [() => decodeBody(CreateTableRequestSchema, { name: 't', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT' }, { name: 'b', type: 'COLUMN_TYPE_UUID' }] }, { bucket: 'b12' }), 'body.columns.1.type'],
      [() => decodeBody(CreateTableRequestSchema, { name: 't', columns: [{ name: 'a', nulable: true }] }, { bucket: 'b12' }), 'body.columns.0.nulable'],
      [() => decodeBody(CreateTableRequestSchema, { name: 't', columns: [{ name: 'a', defaultExpression: '1', default_expression: '2' }] }, { bucket: 'b12' }), 'body.columns.0.defaultExpression'],
      [() => decodeBody(UpdateRequestSchema, { where: { and: [{ column: 'a', op: 'ALMOST' }] } }, { bucket: 'b12', table: 't' }), 'body.where.and.0.op'],
      [() => decodeBody(ExecuteRequestSchema, [1], { bucket: 'b12' }), 'body'],
      [() => decodeBody(ExecuteRequestSchema, { sql: 'x', bucket: 'other' }, { bucket: 'b12' }), 'body.bucket'],
      [() => decodeBody(CompactRequestSchema, { table_name: 'other' }, { bucket: 'b12', table: 't' }), 'body.tableName'],
      [() => decodeQuery(HistoryRequestSchema, { limit: 'ten' }, { bucket: 'b12', table: 't' }), 'querystring.limit'],
      [() => decodeQuery(DropTableRequestSchema, { ifExists: 'maybe' }, { bucket: 'b12', table: 't' }), 'querystring.ifExists'],
    ];
    for (const [fn, field] of cases) {
      const err = refusal(fn);
      expect(err.code, field).toBe('ERR_BAD_REQUEST');
      expect(err.details.field).toBe(field);
      expect(err.message.includes(field) || err.message.includes('the path names'), err.message).toBe(true);
    }
  });

  it('reads booleans and the proto name of a field from the querystring', () => {
    expect(decodeQuery(DropTableRequestSchema, { ifExists: 'true' }, { bucket: 'b12', table: 't' }).ifExists).toBe(true);
    expect(decodeQuery(HistoryRequestSchema, { limit: '50', before_version: '20' }, { bucket: 'b12', table: 't' })).toMatchObject({ limit: 50, beforeVersion: 20n });
  });
});
