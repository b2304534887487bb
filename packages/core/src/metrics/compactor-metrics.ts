/**
 * Compactor metrics from its tick outcomes (whichever role runs the compactor: the compactor
 * service, or the coordinator in embedded mode):
 * - k3_drain_rows_total{bucket,table}            rows merged into Delta (rate() = drain rows/s)
 * - k3_drain_records_total{bucket,table}         write-log records consumed
 * - k3_drain_rows_rejected_total{bucket,table}   acknowledged rows a drain set aside under _k3_wal/rejected/
 *     (a constraint the row breaks, a value an ALTER TABLE could not have converted): alerted on
 * - k3_drains_total{outcome}                     drained | failed (per table per tick)
 * - k3_drain_duration_seconds                    one table's drain within a tick (all its batches)
 * - k3_drain_lag_seconds{bucket,table}           age of the oldest record when the last drain started
 * - k3_wal_backlog_entries / _bytes / _oldest_age_seconds {bucket,table}
 *     the backlog as the last tick saw it; after a drain that caught up, 0. Per table: one series
 *     per keyed table, which is what an operator alerts on (docs/operations.md).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TickOutcome } from '../compaction/index.ts';

export interface CompactorMetrics {
  /** Feed one bucket's tick outcomes (CompactorService `onTick`). */
  observe(bucket: string, outcomes: readonly TickOutcome[], now?: number): void;
}

/** `tables/events/` → `events` (the table label). */
export function tableLabel(root: string): string {
  const parts = root.split('/').filter((p) => p !== '');
  return parts.at(-1) ?? root;
}

export function registerCompactorMetrics(registry: Registry): CompactorMetrics {
  const labels = ['bucket', 'table'] as const;
  const rows = new Counter({ name: 'k3_drain_rows_total', help: 'Rows merged into Delta by write-log drains.', labelNames: labels, registers: [registry] });
  const records = new Counter({ name: 'k3_drain_records_total', help: 'Write-log records consumed by drains.', labelNames: labels, registers: [registry] });
  const rejected = new Counter({ name: 'k3_drain_rows_rejected_total', help: 'Acknowledged rows drains set aside under _k3_wal/rejected/ instead of merging them.', labelNames: labels, registers: [registry] });
  const drains = new Counter({ name: 'k3_drains_total', help: 'Table drains by outcome (drained, failed).', labelNames: ['outcome'] as const, registers: [registry] });
  const duration = new Histogram({ name: 'k3_drain_duration_seconds', help: 'Time one table\'s drain took within a compactor tick.', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] });
  const lag = new Gauge({ name: 'k3_drain_lag_seconds', help: 'Age of the oldest write-log record when the last drain of the table started.', labelNames: labels, registers: [registry] });
  const entries = new Gauge({ name: 'k3_wal_backlog_entries', help: 'Un-drained write-log records of the table (as of the last compactor tick).', labelNames: labels, registers: [registry] });
  const bytes = new Gauge({ name: 'k3_wal_backlog_bytes', help: 'Bytes of un-drained write-log records of the table (as of the last compactor tick).', labelNames: labels, registers: [registry] });
  const age = new Gauge({ name: 'k3_wal_backlog_oldest_age_seconds', help: 'Age of the oldest un-drained write-log record of the table (0 when none).', labelNames: labels, registers: [registry] });
  // Drain failures must be visible as a series even before the first one (alerts use increase()).
  drains.inc({ outcome: 'drained' }, 0);
  drains.inc({ outcome: 'failed' }, 0);
  return {
    observe(bucket, outcomes, now = Date.now()) {
      for (const o of outcomes) {
        const l = { bucket, table: tableLabel(o.root) };
        if (o.status === 'failed') {
          drains.inc({ outcome: 'failed' });
          continue;
        }
        if (o.status === 'not-keyed') continue;
        const oldestAge = o.backlog.oldestLastModified === undefined ? 0 : Math.max(0, (now - o.backlog.oldestLastModified) / 1000);
        if (o.status === 'drained') {
          drains.inc({ outcome: 'drained' });
          duration.observe(o.ms / 1000);
          lag.set(l, oldestAge);
          const consumed = o.results.reduce((n, r) => n + r.walEntriesProcessed, 0);
          rows.inc(l, o.results.reduce((n, r) => n + r.rowsMerged, 0));
          records.inc(l, consumed);
          rejected.inc(l, o.results.reduce((n, r) => n + r.rowsRejected, 0));
          const caughtUp = o.results.at(-1)?.truncated === false && consumed >= o.backlog.entries;
          entries.set(l, caughtUp ? 0 : Math.max(0, o.backlog.entries - consumed));
          bytes.set(l, caughtUp ? 0 : o.backlog.bytes);
          age.set(l, caughtUp ? 0 : oldestAge);
        } else {
          entries.set(l, o.backlog.entries);
          bytes.set(l, o.backlog.bytes);
          age.set(l, oldestAge);
        }
      }
    },
  };
}
