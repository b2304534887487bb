/**
 * PipelineScanner: the timer loop of the compactor role that runs every enabled ingest rule of
 * every bucket (embedded: in the coordinator process; distributed: in services/compactor). Each
 * rule is scanned only by the holder of its lease `k3-pipeline/<bucket>/<table>` (Redis in
 * distributed mode, so one scanner per rule); the ledger makes a double scan harmless anyway.
 * Ticks never overlap; `stop()` waits for the running tick and gives the leases back.
 * No logging here: outcomes and errors go to the callbacks.
 */
import type { BucketStores } from '../catalog/catalog.ts';
import type { Lease, LeaseHandle } from '../lease/lease.ts';
import type { IngestRule } from './ingest-rule.ts';
import type { ScanOutcome } from './object-scanner.ts';
import type { Pipelines } from './pipelines.ts';
import { RuleStore } from './rule-store.ts';
import { TickLoop } from '../compaction/tick-loop.ts';

export interface PipelineScannerOptions {
  readonly pipelines: Pipelines;
  readonly stores: BucketStores;
  readonly lease: Lease;
  readonly intervalMs: number;
  readonly onScan?: (bucket: string, rule: IngestRule, outcome: ScanOutcome) => void;
  readonly onError?: (err: unknown, bucket?: string, rule?: IngestRule) => void;
}

export class PipelineScanner {
  readonly #opts: PipelineScannerOptions;
  readonly #leases = new Map<string, LeaseHandle>();
  readonly #loop: TickLoop;

  constructor(opts: PipelineScannerOptions) {
    this.#opts = opts;
    this.#loop = new TickLoop(() => this.tickOnce(), opts.intervalMs, (err) => this.#opts.onError?.(err));
  }

  async #holds(bucket: string, rule: IngestRule): Promise<boolean> {
    const name = `k3-pipeline/${bucket}/${rule.table}`;
    const held = this.#leases.get(name);
    if (held?.isHeld() === true) return true;
    const handle = await this.#opts.lease.tryAcquire(name);
    if (handle === undefined) return false;
    this.#leases.set(name, handle);
    return true;
  }

  async tickOnce(): Promise<void> {
    for (const bucket of await this.#opts.stores.list()) {
      if (this.#loop.stopped) return;
      // Lease checks are async: first which enabled rules this process holds, then scan those.
      const owned = new Set<string>();
      for (const rule of await new RuleStore(this.#opts.stores.open(bucket)).list()) {
        if (rule.enabled && (await this.#holds(bucket, rule))) owned.add(rule.table);
      }
      if (owned.size === 0) continue;
      for (const r of await this.#opts.pipelines.scanBucket(bucket, (rule) => owned.has(rule.table))) {
        if (r.outcome !== undefined) this.#opts.onScan?.(bucket, r.rule, r.outcome);
        else this.#opts.onError?.(r.error, bucket, r.rule);
      }
    }
  }

  start(): void {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    for (const handle of this.#leases.values()) await handle.release().catch(() => undefined);
    this.#leases.clear();
  }
}
