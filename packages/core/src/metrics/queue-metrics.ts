/**
 * Scan queue metrics on the coordinator, read at scrape time from the executor's backlog
 * (scan-backlog.ts):
 * - k3_scan_backlog_jobs        waiting + prioritized + due delayed + active + coordinator: what
 *                               autoscaling follows (KEDA prometheus scaler, or metrics-api on
 *                               GET /internal/scan-backlog)
 * - k3_scan_queue_jobs{state}   waiting | prioritized | delayed | delayed_due | active | coordinator
 * A scrape while Redis is unreachable keeps the last values (the HTTP metrics and alerts show the outage).
 */
import { Gauge, type Registry } from 'prom-client';
import type { ScanBacklog } from '../dispatch/index.ts';

export function registerQueueMetrics(registry: Registry, backlog: () => Promise<ScanBacklog>): void {
  let last: Promise<ScanBacklog | undefined> | undefined;
  // One read per scrape, shared by both gauges.
  const read = (): Promise<ScanBacklog | undefined> => {
    last ??= backlog().catch(() => undefined).finally(() => setImmediate(() => (last = undefined)));
    return last;
  };
  new Gauge({
    name: 'k3_scan_backlog_jobs',
    help: 'Scan jobs waiting, prioritized, delayed and due, running, or run by the coordinator for want of a worker (last minute): the autoscaling signal.',
    registers: [registry],
    async collect() {
      const b = await read();
      if (b !== undefined) this.set(b.total);
    },
  });
  new Gauge({
    name: 'k3_scan_queue_jobs',
    help: 'Scan jobs by state (BullMQ waiting, prioritized, delayed, delayed_due, active; coordinator = run on the coordinator in the last minute).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const b = await read();
      if (b === undefined) return;
      this.set({ state: 'waiting' }, b.waiting);
      this.set({ state: 'prioritized' }, b.prioritized);
      this.set({ state: 'delayed' }, b.delayed);
      this.set({ state: 'delayed_due' }, b.delayedDue);
      this.set({ state: 'active' }, b.active);
      this.set({ state: 'coordinator' }, b.coordinator);
    },
  });
}
