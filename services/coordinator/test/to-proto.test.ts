/** to-proto: core's domain values → proto messages → pbjson (the wire encoding at the edge). */
import { toJson } from '@bufbuild/protobuf';
import { EngineSchema, ExecuteResponseSchema, HistoryResponseSchema, UsageTotalsSchema } from '@k3/client';
import { describe, expect, it } from 'vitest';
import { toProto } from '../src/handlers/to-proto.ts';

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

  it('refuses a field the proto does not know (core and contract cannot drift silently)', () => {
    expect(() => toProto(UsageTotalsSchema, { bucket: 'b', calls: 1, surprise: true })).toThrow(/surprise/);
  });
});
