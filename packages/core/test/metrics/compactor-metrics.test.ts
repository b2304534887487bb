/** Compactor metrics from tick outcomes: rows, records, lag, backlog per table (caught up → 0), failures. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerCompactorMetrics, tableLabel } from '../../src/metrics/index.ts';
import type { DrainResult } from '../../src/compaction/index.ts';

const drain = (records: number, rows: number, truncated: boolean, rowsRejected = 0): DrainResult => ({ walEntriesProcessed: records, walUniqueKeys: rows, rowsMerged: rows, rowsRejected, tombstonesSeen: 0, truncated, lastDrainTargetVersion: 1, drainedThrough: records, filesAdded: 1, filesRemoved: 0, recordsQuarantined: 0, filesScanned: 0 });

async function value(r: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = await r.getSingleMetric(name)!.get();
  return m.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('compactor metrics', () => {
  it('turn tick outcomes into drain and backlog series', async () => {
    const r = new Registry();
    const m = registerCompactorMetrics(r);
    const now = 100_000;
    m.observe('b', [
      { root: 'tables/t1/', status: 'drained', reason: 'size', results: [drain(3, 5, false)], backlog: { entries: 3, bytes: 900, oldestLastModified: now - 4_000, watermark: 0 }, ms: 250 },
      { root: 'tables/t2/', status: 'idle', backlog: { entries: 2, bytes: 40, oldestLastModified: now - 1_000, watermark: 7 } },
      { root: 'tables/t3/', status: 'drained', reason: 'age', results: [drain(10, 10, true, 3)], backlog: { entries: 25, bytes: 5000, oldestLastModified: now - 9_000, watermark: 0 }, ms: 100 },
      { root: 'tables/t4/', status: 'failed', error: new Error('boom') },
      { root: 'tables/t5/', status: 'not-keyed' },
    ], now);
    expect(await value(r, 'k3_drain_rows_total', { table: 't1' })).toBe(5);
    expect(await value(r, 'k3_drain_records_total', { table: 't1' })).toBe(3);
    expect(await value(r, 'k3_drain_rows_rejected_total', { table: 't1' })).toBe(0);
    expect(await value(r, 'k3_drain_rows_rejected_total', { table: 't3' })).toBe(3);
    expect(await value(r, 'k3_drain_lag_seconds', { table: 't1' })).toBe(4);
    expect(await value(r, 'k3_wal_backlog_entries', { table: 't1' })).toBe(0);
    expect(await value(r, 'k3_wal_backlog_oldest_age_seconds', { table: 't1' })).toBe(0);
    expect(await value(r, 'k3_wal_backlog_entries', { table: 't2' })).toBe(2);
    expect(await value(r, 'k3_wal_backlog_bytes', { table: 't2' })).toBe(40);
    expect(await value(r, 'k3_wal_backlog_oldest_age_seconds', { table: 't2' })).toBe(1);
    expect(await value(r, 'k3_wal_backlog_entries', { table: 't3' })).toBe(15);
    expect(await value(r, 'k3_drains_total', { outcome: 'drained' })).toBe(2);
    expect(await value(r, 'k3_drains_total', { outcome: 'failed' })).toBe(1);
    expect(await value(r, 'k3_wal_backlog_entries', { table: 't5' })).toBeUndefined();
    expect(tableLabel('tables/events/')).toBe('events');
  });
});
