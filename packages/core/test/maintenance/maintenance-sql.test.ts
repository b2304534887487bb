/** parseMaintenanceSql: the SQL forms of RESTORE / OPTIMIZE / VACUUM / DESCRIBE HISTORY. */
import { describe, expect, it } from 'vitest';
import { parseMaintenanceSql } from '../../src/maintenance/maintenance-sql.ts';

const code = (c: string) => expect.objectContaining({ code: c });

describe('parseMaintenanceSql', () => {
  it('RESTORE by version and timestamp, k3 and Delta spellings', () => {
    expect(parseMaintenanceSql('RESTORE TABLE t TO VERSION 3')).toEqual({ kind: 'restore', table: 't', at: { version: 3 } });
    expect(parseMaintenanceSql('restore table main."My T" to version as of 12;')).toEqual({ kind: 'restore', table: 'My T', at: { version: 12 } });
    expect(parseMaintenanceSql("RESTORE t TO TIMESTAMP '2026-05-27T08:00:00Z'")).toEqual({ kind: 'restore', table: 't', at: { timestamp: Date.UTC(2026, 4, 27, 8) } });
    expect(parseMaintenanceSql("RESTORE TABLE t TO TIMESTAMP AS OF '2026-05-27 08:00:00' -- comment")).toEqual({ kind: 'restore', table: 't', at: { timestamp: Date.UTC(2026, 4, 27, 8) } });
    expect(() => parseMaintenanceSql('RESTORE TABLE t')).toThrow(code('ERR_SQL_PARSE'));
    expect(() => parseMaintenanceSql('RESTORE TABLE t TO VERSION 3 extra')).toThrow(code('ERR_SQL_PARSE'));
    expect(() => parseMaintenanceSql("RESTORE TABLE t TO TIMESTAMP 'soon'")).toThrow(code('ERR_BAD_REQUEST'));
    expect(() => parseMaintenanceSql('RESTORE TABLE other.t TO VERSION 1')).toThrow(code('ERR_SQL_UNSUPPORTED'));
  });

  it('OPTIMIZE with partition predicates and ZORDER BY', () => {
    expect(parseMaintenanceSql('OPTIMIZE events')).toEqual({ kind: 'optimize', table: 'events', zOrderColumns: [], partitionFilters: [] });
    expect(parseMaintenanceSql('OPTIMIZE events ZORDER BY (event_type, "User Id")')).toEqual({ kind: 'optimize', table: 'events', zOrderColumns: ['event_type', 'User Id'], partitionFilters: [] });
    expect(parseMaintenanceSql("OPTIMIZE events WHERE day = '2026-01-01' AND region IN ('eu', 'us') ZORDER BY a, b")).toEqual({
      kind: 'optimize', table: 'events', zOrderColumns: ['a', 'b'],
      partitionFilters: [{ column: 'day', op: '=', value: '2026-01-01' }, { column: 'region', op: 'in', value: ['eu', 'us'] }],
    });
    expect(() => parseMaintenanceSql('OPTIMIZE events ZORDER (a)')).toThrow(code('ERR_SQL_PARSE'));
    expect(() => parseMaintenanceSql('OPTIMIZE events WHERE a > 1')).toThrow(code('ERR_SQL_PARSE'));
  });

  it('VACUUM: ours with options or for k3 tables, DuckDB forms left alone', () => {
    expect(parseMaintenanceSql('VACUUM t')).toEqual({ kind: 'vacuum', table: 't', retentionHours: undefined, dryRun: false });
    expect(parseMaintenanceSql('VACUUM t RETAIN 200 HOURS DRY RUN')).toEqual({ kind: 'vacuum', table: 't', retentionHours: 200, dryRun: true });
    expect(parseMaintenanceSql('vacuum t dry run')).toEqual({ kind: 'vacuum', table: 't', retentionHours: undefined, dryRun: true });
    const notK3 = { isTable: () => false };
    expect(parseMaintenanceSql('VACUUM t', notK3)).toBeUndefined();
    expect(parseMaintenanceSql('VACUUM t RETAIN 0 HOURS', notK3)).toEqual({ kind: 'vacuum', table: 't', retentionHours: 0, dryRun: false });
    expect(parseMaintenanceSql('VACUUM')).toBeUndefined();
    expect(parseMaintenanceSql('VACUUM ANALYZE t')).toBeUndefined();
    expect(parseMaintenanceSql('VACUUM t(a)')).toBeUndefined();
    expect(() => parseMaintenanceSql('VACUUM t RETAIN 5 DAYS')).toThrow(code('ERR_SQL_PARSE'));
  });

  it('DESCRIBE HISTORY and statements that are not ours', () => {
    expect(parseMaintenanceSql('DESCRIBE HISTORY t LIMIT 5')).toEqual({ kind: 'history', table: 't', limit: 5 });
    expect(parseMaintenanceSql('DESCRIBE history')).toBeUndefined();
    expect(parseMaintenanceSql('SELECT * FROM t')).toBeUndefined();
    expect(parseMaintenanceSql("SELECT 'OPTIMIZE t'")).toBeUndefined();
    expect(parseMaintenanceSql('/* RESTORE */ SELECT 1')).toBeUndefined();
  });
});
