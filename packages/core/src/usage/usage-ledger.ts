/**
 * Per-bucket usage totals (GET /:bucket/usage?since=&until=, and the k3_usage_* counters).
 * Each metered call is kept as one entry (time, cpuMs, memoryGbSeconds, bytes, files, rows) so a
 * [since, until) window adds up exactly the calls inside it; at most `maxEntriesPerBucket` entries
 * per bucket are kept (oldest dropped; the Prometheus counters keep counting). The ledger is per
 * coordinator process and starts empty: across coordinators and restarts, sum the k3_usage_*
 * counters in Prometheus (docs/operations.md "Usage metering").
 * Prices are optional (K3_PRICE_VCPU_HOUR, K3_PRICE_GB_RAM_HOUR); none is built in.
 */
import { Counter, type Registry } from 'prom-client';
import type { ExecuteUsage } from '../api/index.ts';

interface Entry { readonly at: number; readonly cpuMs: number; readonly memoryGbSeconds: number; readonly bytesScanned: number; readonly filesScanned: number; readonly rowsReturned: number }

export interface UsagePrices {
  /** Price of one vCPU-hour (CPU ms / 3 600 000). */
  readonly vcpuHour?: number;
  /** Price of one GB-RAM-hour (GB-seconds / 3600). */
  readonly gbRamHour?: number;
}

/** Domain values (numbers); the wire adapters encode them (GetUsage: proto UsageTotals, int64 as strings in pbjson). */
export interface UsageTotals {
  bucket: string;
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, exclusive. */
  until: number;
  calls: number;
  cpuMs: number;
  memoryGbSeconds: number;
  bytesScanned: number;
  filesScanned: number;
  rowsReturned: number;
  vcpuHours: number;
  gbRamHours: number;
  /** Present when a price is configured: cpu = vcpuHours × price, memory = gbRamHours × price. */
  cost?: { cpu: number; memory: number; total: number };
}

export class UsageLedger {
  readonly #entries = new Map<string, Entry[]>();
  readonly #max: number;
  readonly #prices: UsagePrices;
  readonly #counters: { calls: Counter<'bucket'>; cpu: Counter<'bucket'>; memory: Counter<'bucket'>; bytes: Counter<'bucket'>; rows: Counter<'bucket'> } | undefined;

  constructor(opts: { prices?: UsagePrices; registry?: Registry; maxEntriesPerBucket?: number } = {}) {
    this.#max = opts.maxEntriesPerBucket ?? 100_000;
    this.#prices = opts.prices ?? {};
    const r = opts.registry;
    this.#counters = r === undefined ? undefined : {
      calls: new Counter({ name: 'k3_usage_calls_total', help: 'Metered Execute / Query calls per bucket.', labelNames: ['bucket'] as const, registers: [r] }),
      cpu: new Counter({ name: 'k3_usage_cpu_seconds_total', help: 'Metered CPU seconds (coordinator + workers) per bucket.', labelNames: ['bucket'] as const, registers: [r] }),
      memory: new Counter({ name: 'k3_usage_memory_gigabyte_seconds_total', help: 'Metered memory GB-seconds per bucket.', labelNames: ['bucket'] as const, registers: [r] }),
      bytes: new Counter({ name: 'k3_usage_bytes_scanned_total', help: 'Metered bytes scanned per bucket.', labelNames: ['bucket'] as const, registers: [r] }),
      rows: new Counter({ name: 'k3_usage_rows_returned_total', help: 'Metered rows returned per bucket.', labelNames: ['bucket'] as const, registers: [r] }),
    };
  }

  record(bucket: string, usage: ExecuteUsage, at = Date.now()): void {
    const e: Entry = { at, cpuMs: usage.cpuMs, memoryGbSeconds: usage.memoryGbSeconds, bytesScanned: usage.bytesScanned, filesScanned: usage.filesScanned, rowsReturned: usage.rowsReturned };
    let list = this.#entries.get(bucket);
    if (list === undefined) this.#entries.set(bucket, (list = []));
    list.push(e);
    if (list.length > this.#max) list.splice(0, list.length - this.#max);
    const c = this.#counters;
    if (c !== undefined) {
      c.calls.inc({ bucket });
      c.cpu.inc({ bucket }, e.cpuMs / 1000);
      c.memory.inc({ bucket }, e.memoryGbSeconds);
      c.bytes.inc({ bucket }, e.bytesScanned);
      c.rows.inc({ bucket }, e.rowsReturned);
    }
  }

  totals(bucket: string, since = 0, until = Number.MAX_SAFE_INTEGER): UsageTotals {
    const inside = (this.#entries.get(bucket) ?? []).filter((e) => e.at >= since && e.at < until);
    const sum = (f: (e: Entry) => number): number => inside.reduce((n, e) => n + f(e), 0);
    const cpuMs = sum((e) => e.cpuMs);
    const memoryGbSeconds = sum((e) => e.memoryGbSeconds);
    const vcpuHours = cpuMs / 3_600_000;
    const gbRamHours = memoryGbSeconds / 3600;
    const out: UsageTotals = {
      bucket, since, until, calls: inside.length, cpuMs, memoryGbSeconds,
      bytesScanned: sum((e) => e.bytesScanned), filesScanned: sum((e) => e.filesScanned), rowsReturned: sum((e) => e.rowsReturned),
      vcpuHours, gbRamHours,
    };
    const { vcpuHour, gbRamHour } = this.#prices;
    if (vcpuHour !== undefined || gbRamHour !== undefined) {
      const cpu = vcpuHours * (vcpuHour ?? 0);
      const memory = gbRamHours * (gbRamHour ?? 0);
      out.cost = { cpu, memory, total: cpu + memory };
    }
    return out;
  }
}
