/** UsageLedger: exact window sums, optional prices, the per-bucket bound, Prometheus counters; sumUsage is exact. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { sumUsage, UsageLedger } from '../../src/usage/index.ts';

const u = (cpuMs: number, mem: number, bytes: number, rows: number) => ({ cpuMs, memoryGbSeconds: mem, bytesScanned: bytes, filesScanned: 1, rowsReturned: rows });

describe('usage', () => {
  it('sums a [since, until) window exactly, per bucket, without cost when no price is set', () => {
    const ledger = new UsageLedger();
    ledger.record('a', u(10, 0.5, 100, 1), 1_000);
    ledger.record('a', u(20, 0.25, 200, 2), 2_000);
    ledger.record('b', u(99, 9, 999, 9), 2_000);
    ledger.record('a', u(30, 0.125, 300, 3), 3_000);
    expect(ledger.totals('a', 2_000, 3_000)).toEqual({ bucket: 'a', since: 2000, until: 3000, calls: 1, cpuMs: 20, memoryGbSeconds: 0.25, bytesScanned: 200, filesScanned: 1, rowsReturned: 2, vcpuHours: 20 / 3_600_000, gbRamHours: 0.25 / 3600 });
    expect(ledger.totals('a')).toMatchObject({ calls: 3, cpuMs: 60, memoryGbSeconds: 0.875, bytesScanned: 600, rowsReturned: 6 });
    expect(ledger.totals('a').cost).toBeUndefined();
    expect(ledger.totals('nobody')).toMatchObject({ calls: 0, cpuMs: 0 });
  });

  it('prices vCPU-hours and GB-RAM-hours with the configured rates; keeps at most N entries per bucket', async () => {
    const registry = new Registry();
    const ledger = new UsageLedger({ prices: { vcpuHour: 0.05, gbRamHour: 0.01 }, registry, maxEntriesPerBucket: 2 });
    ledger.record('a', u(3_600_000, 3600, 1, 1), 1);
    ledger.record('a', u(1_800_000, 7200, 1, 1), 2);
    ledger.record('a', u(0, 0, 1, 1), 3);
    const t = ledger.totals('a');
    expect(t).toMatchObject({ calls: 2, vcpuHours: 0.5, gbRamHours: 2 });
    expect(t.cost!.cpu).toBeCloseTo(0.025, 12);
    expect(t.cost!.memory).toBeCloseTo(0.02, 12);
    // The counters keep counting what the bounded ledger dropped.
    const calls = (await registry.getSingleMetric('k3_usage_calls_total')!.get()).values;
    expect(calls).toEqual([{ labels: { bucket: 'a' }, value: 3 }]);
    const cpu = (await registry.getSingleMetric('k3_usage_cpu_seconds_total')!.get()).values[0]!.value;
    expect(cpu).toBe(5400);
  });

  it('cpuMs = coordinator + every job, exactly', () => {
    const usage = sumUsage({ coordinatorCpuMs: 7, coordinatorMemoryGbSeconds: 0.5, jobs: [1, 2, 3].map((n) => ({ queryId: 'q', jobIndex: n, ranBy: 'w:1', cpuMs: n * 11, memoryGbSeconds: n / 4 })) }, { bytesScanned: 10, filesScanned: 3, rowsReturned: 2 });
    expect(usage).toEqual({ cpuMs: 73, memoryGbSeconds: 2, bytesScanned: 10, filesScanned: 3, rowsReturned: 2 });
  });
});
