/** to-proto: core's domain values → proto messages → pbjson (the wire encoding at the edge). */
import { toJson } from '@bufbuild/protobuf';
import { DiffResponseSchema, EngineSchema, ExecuteResponseSchema, HistoryResponseSchema, UsageTotalsSchema } from '@k3/client';
import { describe, expect, it } from 'vitest';
import { toDiffResponse, toProto } from '../src/handlers/to-proto.ts';

const pbjson = (schema: Parameters<typeof toJson>[0], msg: Parameters<typeof toJson>[1]) => toJson(schema, msg, { alwaysEmitImplicit: true }) as Record<string, unknown>;

describe('toProto', () => {
  it('encodes numbers, bigints and Dates as int64 strings (int32 stays a number); a number for a string field as its text', () => {
    const created = new Date(1_716_840_000_000);
    const engine = toProto(EngineSchema, { engineId: 'eng_x', bucket: 'b', status: 'ENGINE_STATUS_ACTIVE', settings: '{}', tableCount: 3, createdAt: created, updatedAt: created });
    expect(pbjson(EngineSchema, engine)).toMatchObject({ tableCount: 3, createdAt: '1716840000000', updatedAt: '1716840000000' });

    const history = toProto(HistoryResponseSchema, {
      currentVersion: 9007199254740993n, hasMore: false, oldestReturnedVersion: 1,
      entries: [{ version: 1, timestamp: 1_716_843_600_000, operation: 'WRITE', parameters: { mode: 'Append' }, operationMetrics: { numFiles: '1' }, readVersion: 0 }],
    });
    const json = pbjson(HistoryResponseSchema, history);
    expect(json).toMatchObject({ currentVersion: '9007199254740993', oldestReturnedVersion: '1' });
    expect((json.entries as Record<string, unknown>[])[0]).toMatchObject({ version: '1', timestamp: '1716843600000', readVersion: '0', parameters: { mode: 'Append' } });
  });

  it('drops undefined and absent versions; passes rows through unchanged', () => {
    const res = toProto(ExecuteResponseSchema, {
      write: { tableName: 't', strategy: 'WRITE_STRATEGY_KEYED_INSERT_SINGLE', rowsAffected: 1, version: undefined },
    });
    expect(pbjson(ExecuteResponseSchema, res)).toEqual({ write: { tableName: 't', strategy: 'WRITE_STRATEGY_KEYED_INSERT_SINGLE', rowsAffected: '1' } });
    const q = toProto(ExecuteResponseSchema, {
      query: {
        columns: [{ name: 'n', type: 'BIGINT', duckdbType: 'BIGINT', columnType: 'COLUMN_TYPE_LONG' }], rows: [['9007199254740993'], [null]], rowCount: 2,
        strategy: 'QUERY_STRATEGY_UNARY_WAREHOUSE', servedBy: 'SERVED_BY_WAREHOUSE', strategyReason: '', versions: { t: 4 },
        partitionsScanned: 0, partitionsPruned: 0, filesScanned: 1, rowsScanned: 2, bytesScanned: 10, timings: { planMs: 1, queueMs: 0, scanMs: 1, mergeMs: 0, totalMs: 2 },
      },
    });
    const out = pbjson(ExecuteResponseSchema, q).query as Record<string, unknown>;
    expect(out).toMatchObject({ rows: [['9007199254740993'], [null]], rowCount: '2', versions: { t: '4' }, filesScanned: '1' });
    expect(out.version).toBeUndefined();
  });

  it('encodes domain row values by their columns\' DuckDB types (query rows, RETURNING, Diff structs)', () => {
    const columns = [
      { name: 'n', type: 'BIGINT', duckdbType: 'BIGINT', columnType: 'COLUMN_TYPE_LONG' },
      { name: 'b', type: 'BLOB', duckdbType: 'BLOB', columnType: 'COLUMN_TYPE_BINARY' },
      { name: 't', type: 'TIMESTAMP', duckdbType: 'TIMESTAMP', columnType: 'COLUMN_TYPE_TIMESTAMP' },
      { name: 'f', type: 'FLOAT', duckdbType: 'FLOAT', columnType: 'COLUMN_TYPE_FLOAT' },
      { name: 's', type: 'STRUCT(d DATE, u UBIGINT[])', duckdbType: 'STRUCT(d DATE, u UBIGINT[])', columnType: 'COLUMN_TYPE_JSON' },
    ];
    const row = [9007199254740993n, Uint8Array.of(1, 2, 255), 1_767_225_600_000_001n, Math.fround(0.1), { d: new Date(Date.UTC(2026, 0, 2)), u: [18446744073709551615n] }];
    const expected = ['9007199254740993', 'AQL/', '2026-01-01 00:00:00.000001', 0.1, { d: '2026-01-02', u: ['18446744073709551615'] }];
    const write = toProto(ExecuteResponseSchema, { write: { tableName: 't', strategy: 'WRITE_STRATEGY_NON_KEYED_INSERT', rowsAffected: 1, returning: { columns, rows: [row] } } });
    expect((pbjson(ExecuteResponseSchema, write).write as { returning: { rows: unknown[] } }).returning.rows).toEqual([expected]);
    const diff = toDiffResponse({
      tableName: 't', fromVersion: 1, toVersion: 2, keyColumns: ['id'], added: 0, removed: 0, changed: 1, truncated: false,
      rows: [{ change: 'changed', key: { id: 5n }, before: { id: 5n, at: 0n }, after: { id: 5n, at: -1n } }],
      rowTypes: { key: 'STRUCT(id BIGINT)', before: 'STRUCT(id BIGINT, "at" TIMESTAMP WITH TIME ZONE)', after: 'STRUCT(id BIGINT, "at" TIMESTAMP WITH TIME ZONE)' },
    });
    expect(pbjson(DiffResponseSchema, diff)).toMatchObject({
      fromVersion: '1', changed: '1',
      rows: [{ change: 'changed', key: { id: '5' }, before: { id: '5', at: '1970-01-01T00:00:00Z' }, after: { id: '5', at: '1969-12-31T23:59:59.999999Z' } }],
    });
  });

  it('refuses a field the proto does not know (core and contract cannot drift silently)', () => {
    expect(() => toProto(UsageTotalsSchema, { bucket: 'b', calls: 1, surprise: true })).toThrow(/surprise/);
  });
});
