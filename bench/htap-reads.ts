/**
 * The read half shared by bench/htap.bench.ts (in-process) and bench/htap-http.bench.ts (over
 * HTTP): grow the write log to each backlog by upserting existing keys (the table's size stays the
 * same), then time STRONG and EVENTUAL aggregates and primary-key point lookups at that backlog.
 * Also the measurement helpers those benches and bench/ingest.bench.ts share: percentiles, summaries,
 * the write warm-up (WARMUP, pgWarm).
 */
import type { Postgres } from './htap-postgres.ts';

export type ReadFreshness = 'STRONG' | 'EVENTUAL';

/**
 * The p-th percentile by nearest rank: the ⌈p/100 · n⌉-th smallest (round 13; before, the
 * ⌊p/100 · n⌋ + 1-th, one rank high, which made the p99 of 100 samples their maximum). `summary`
 * reports the maximum as well.
 */
export const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN).toFixed(3));
};

export const summary = (xs: readonly number[]) => ({ n: xs.length, p50Ms: pct(xs, 50), p95Ms: pct(xs, 95), p99Ms: pct(xs, 99), maxMs: pct(xs, 100), meanMs: Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3)) });

/**
 * Untimed writes of each kind before a timed series (K3_BENCH_WARMUP, default 200): a process's first
 * statements of a shape pay first-call costs that are not the shape's latency — and V8 compiles a
 * path's JS only after ≈ 100 runs of it: over HTTP, a single-row INSERT's p50 fell from 3.3–4.5 ms
 * after 10 warm-ups to 2.6–3.1 after 300 (docs/design/hot-path.md "Round 18"; was 5 until then).
 */
export const WARMUP = Number(process.env.K3_BENCH_WARMUP ?? 200);

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export interface ReadsByBacklogOptions {
  /** Runs one statement on table `kv (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)` at a freshness. */
  readonly run: (sql: string, freshness: ReadFreshness) => Promise<unknown>;
  readonly backlogs: readonly number[];
  /** Timed reads of each kind per backlog. */
  readonly reads: number;
  /** Rows of the table (keys 0 … base − 1). */
  readonly base: number;
  /** Also time EVENTUAL point lookups. */
  readonly eventualPointLookups?: boolean;
}

export async function readsByBacklog(opts: ReadsByBacklogOptions): Promise<Record<string, unknown>[]> {
  const { run, base } = opts;
  const reads: Record<string, unknown>[] = [];
  let pending = 0;
  for (const target of opts.backlogs) {
    while (pending < target) {
      const n = Math.min(10_000, target - pending);
      await run(`INSERT OR REPLACE INTO kv SELECT i, -i, 'log' FROM range(${pending}, ${pending + n}) t(i)`, 'STRONG');
      pending += n;
    }
    const strong: number[] = [];
    const eventual: number[] = [];
    const point: number[] = [];
    const pointEventual: number[] = [];
    for (let r = 0; r < opts.reads; r++) {
      strong.push(await timed(() => run('SELECT count(*), sum(v) FROM kv', 'STRONG')));
      eventual.push(await timed(() => run('SELECT count(*), sum(v) FROM kv', 'EVENTUAL')));
      // The two lookups swap places every read: whichever runs right after the EVENTUAL aggregate
      // pays ≈0.5 ms of its after-effects (docs/design/hot-path.md, "Round 7"), so a fixed order
      // charged it all to STRONG.
      const strongPoint = async (): Promise<void> => void point.push(await timed(() => run(`SELECT * FROM kv WHERE id = ${(r * 104_729) % base}`, 'STRONG')));
      const eventualPoint = async (): Promise<void> => {
        if (opts.eventualPointLookups) pointEventual.push(await timed(() => run(`SELECT * FROM kv WHERE id = ${(r * 7_919 + 13) % base}`, 'EVENTUAL')));
      };
      if (r % 2 === 0) {
        await strongPoint();
        await eventualPoint();
      } else {
        await eventualPoint();
        await strongPoint();
      }
    }
    reads.push({
      undrainedRows: target, strongAggregate: summary(strong), eventualAggregate: summary(eventual), strongPointLookup: summary(point),
      ...(opts.eventualPointLookups ? { eventualPointLookup: summary(pointEventual) } : {}),
      strongOverEventualP50: Number((pct(strong, 50) / pct(eventual, 50)).toFixed(2)),
    });
    process.stdout.write(`  backlog ${target}: STRONG p50 ${pct(strong, 50)} ms, EVENTUAL p50 ${pct(eventual, 50)} ms, point p50 ${pct(point, 50)} ms${opts.eventualPointLookups ? ` (EVENTUAL ${pct(pointEventual, 50)} ms)` : ''}\n`);
  }
  return reads;
}

/** A timed pgbench series after WARMUP untimed transactions on the same connection (the first ones dropped from its log). */
export function pgWarm(pg: Postgres, script: string, transactions: number): number[] {
  return pg.pgbench(script, WARMUP + transactions).slice(WARMUP);
}
