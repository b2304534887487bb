/**
 * Deterministic simulation (FoundationDB / slatedb style; docs/design/faults.md, "Simulation").
 *
 * One seed decides everything: the sequence of steps (keyed upserts / increments / deletes, plain
 * appends, STRONG reads, drains, OPTIMIZE, VACUUM, clock jumps), their arguments, and every store
 * fault (errors, ambiguous successes, timeouts, latency — FaultyObjectStore under a short retry
 * budget). Time is virtual: the engine's clock and every injected delay advance it, never a real
 * timer. Clients behave like well-written clients: each write carries an idempotency key and is
 * retried on retryable errors; when the budget is spent the outcome is resolved by one more retry
 * with faults paused (same key), so every write ends acknowledged and the model stays exact.
 *
 * Checked after every STRONG read and at the end of the run: the keyed table equals the model, the
 * append-only table holds every acknowledged append exactly once, and (at the end, after draining)
 * the Delta logs pass the validator with every live file present. A failure throws with the seed
 * and the step; the same seed replays the same steps and faults.
 */
import { isAppError } from '../../src/errors/index.ts';
import { randomInt, seededRandom, type Random } from '../../src/retry/index.ts';
import type { FaultRule } from '../../src/object-store/index.ts';
import { tableRoot } from '../../src/object-store/paths.ts';
import { createFaultyEngine } from '../support/faulty-engine.ts';
import { checkDeltaLog } from '../support/log-check.ts';

export interface SimOptions {
  readonly steps?: number;
  /** Fault intensity: chance per storage call of an error / an ambiguous success (default 0.03 each). */
  readonly faultRate?: number;
  /** Store-level attempts per call (default 1: every fault reaches the engine). */
  readonly storeAttempts?: number;
}

export interface SimReport {
  readonly seed: number;
  readonly steps: number;
  /** One line per step and outcome: identical for identical seeds (the replay check). */
  readonly trace: string[];
  readonly faults: number;
  readonly resolvedWithoutFaults: number;
}

const BUCKET = 'sim';
const KEYS = 6;
const CLIENT_RETRIES = 4;
/** Key classes a seed's hot spot may pick: the log, checkpoints, write-log records, drained markers, data files. */
const HOT_KEYS: readonly RegExp[] = [/_delta_log\/\d{20}\.json$/, /checkpoint/, /_k3_wal\/\d+\.rec$/, /_k3_wal\/_drained\//, /\.parquet$/, /_k3_wal\/rejected\//];

export class SimulationFailure extends Error {}

export async function runSimulation(seed: number, opts: SimOptions = {}): Promise<SimReport> {
  let now = 1_750_000_000_000;
  const rng: Random = seededRandom(seed ^ 0x5eed);
  const fx = await createFaultyEngine({ seed, retryAttempts: opts.storeAttempts ?? 1, clock: () => now, sleep: async (ms) => void (now += ms) });
  const bucket = BUCKET;
  const trace: string[] = [];
  const model = new Map<number, number>();
  const appended: number[] = [];
  let resolvedWithoutFaults = 0;
  const fail = (step: number, what: string): never => {
    throw new SimulationFailure(`simulation seed ${seed} failed at step ${step}: ${what}\nreplay: npm run sim -- --seed ${seed}${opts.steps !== undefined ? ` --steps ${opts.steps}` : ''}`);
  };
  try {
    await fx.stores.create(bucket);
    const store = fx.faults(bucket);
    const exec = (sql: string, extra: { key?: string; strong?: boolean } = {}) =>
      fx.engine.execute({ bucket, sql, ...(extra.key !== undefined ? { idempotencyKey: extra.key } : {}), ...(extra.strong ? { freshness: 'FRESHNESS_STRONG' as const } : {}) });
    await store.paused(async () => {
      await exec('CREATE TABLE k (id INTEGER PRIMARY KEY, v INTEGER)');
      await exec('CREATE TABLE log (n INTEGER)');
    });
    const rate = opts.faultRate ?? 0.03;
    const faulty = store;
    // Swarm testing: each seed also gets one or two hot spots — a kind of key hit hard — so rare
    // interleavings (a fault at exactly the call after a write landed) come up in few seeds.
    const rules: FaultRule[] = [];
    const hotSpots = 1 + randomInt(rng, 2);
    for (let i = 0; i < hotSpots; i++) {
      const kind = (['error', 'ambiguous', 'ambiguous', 'timeout'] as const)[randomInt(rng, 4)]!;
      const key = HOT_KEYS[randomInt(rng, HOT_KEYS.length)]!;
      rules.push({ kind, key, probability: 0.15 + rng() * 0.35, delayMs: 2000 });
      trace.push(`hot spot: ${kind} on ${String(key)}`);
    }
    rules.push(
      { kind: 'latency', probability: 0.05, delayMs: 40 },
      { kind: 'timeout', probability: rate / 3, delayMs: 2000 },
      { kind: 'error', probability: rate },
      { kind: 'ambiguous', probability: rate },
    );

    /** A client call: retried with the same key; resolved with faults paused when the budget is spent. */
    const client = async <T>(step: number, label: string, op: () => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await op();
          trace.push(`${step} ${label} ok${attempt > 1 ? ` after ${attempt}` : ''}`);
          return r;
        } catch (err) {
          if (!isAppError(err) || !err.retryable) fail(step, `${label} answered a non-retryable ${isAppError(err) ? err.code : 'error'}: ${String(err)}`);
          trace.push(`${step} ${label} ${(err as { code: string }).code}`);
          now += 100 * attempt;
          // The background compactor may tick while the client backs off (its failures only delay it).
          if (rng() < 0.3) trace.push(`${step} compactor tick ${await fx.engine.compact(bucket, 'k').then(() => 'ok', (e: unknown) => (isAppError(e) ? e.code : 'error'))}`);
          if (attempt >= CLIENT_RETRIES) {
            resolvedWithoutFaults++;
            const r = await faulty.paused(op).catch((e: unknown) => fail(step, `${label} failed even without faults: ${String(e)}`));
            trace.push(`${step} ${label} resolved`);
            return r;
          }
        }
      }
    };

    const readK = async (step: number): Promise<void> => {
      const r = await client(step, 'strong-read', () => exec('SELECT id, v FROM k ORDER BY id', { strong: true }));
      const got = 'query' in r ? r.query.rows.map((row) => `${String(row[0])}=${String(row[1])}`).join(',') : 'not a query';
      const want = [...model.entries()].sort((a, b) => a[0] - b[0]).map(([id, v]) => `${id}=${v}`).join(',');
      if (got !== want) fail(step, `STRONG read of k differs from the model:\n  got  ${got}\n  want ${want}`);
    };
    const readLog = async (step: number, freshness: 'strong' | 'eventual'): Promise<void> => {
      const r = await client(step, 'read-log', () => exec('SELECT n FROM log ORDER BY n', { strong: freshness === 'strong' }));
      const got = 'query' in r ? r.query.rows.map((row) => Number(row[0])) : [];
      const want = [...appended].sort((a, b) => a - b);
      if (got.join(',') !== want.join(',')) fail(step, `log holds ${got.length} rows, expected every acknowledged append exactly once (${want.length}):\n  got  ${got.join(',')}\n  want ${want.join(',')}`);
    };

    // Concurrency, deterministically: at some create-if-absent calls (a commit, a write-log record)
    // another client acts first — an append, an upsert of ANOTHER key, or a compactor drain.
    // (Keyed writes of the same key race by design — last record wins — so they are not modelled.)
    let currentStep = 0;
    let currentId = 0;
    let nesting = false;
    let nestedN = 100_000;
    const interleave = async (): Promise<void> => {
      if (nesting) return;
      nesting = true;
      try {
        const r = rng();
        if (r < 0.4) {
          const n = ++nestedN;
          await client(currentStep, `  concurrent append ${n}`, () => exec(`INSERT INTO log VALUES (${n})`, { key: `n${seed}-${n}` }));
          appended.push(n);
        } else if (r < 0.75) {
          const other = 1 + ((currentId + randomInt(rng, KEYS - 1)) % KEYS);
          const v = randomInt(rng, 1000);
          await client(currentStep, `  concurrent upsert ${other}=${v}`, () => exec(`INSERT OR REPLACE INTO k VALUES (${other}, ${v})`, { key: `n${seed}-${++nestedN}` }));
          model.set(other, v);
        } else {
          await client(currentStep, '  concurrent drain', () => fx.engine.compact(bucket, 'k'));
        }
      } finally {
        nesting = false;
      }
    };
    faulty.inject({ kind: 'interleave', ops: ['putIfAbsent'], probability: 0.1, run: interleave });
    for (const rule of rules) faulty.inject(rule);

    const steps = opts.steps ?? 30;
    for (let step = 1; step <= steps; step++) {
      now += 500 + randomInt(rng, 1500);
      const roll = rng();
      const id = 1 + randomInt(rng, KEYS);
      currentStep = step;
      currentId = roll < 0.42 ? id : 0;
      const key = `s${seed}-${step}`;
      if (roll < 0.2) {
        const v = randomInt(rng, 1000);
        await client(step, `upsert ${id}=${v}`, () => exec(`INSERT OR REPLACE INTO k VALUES (${id}, ${v})`, { key }));
        model.set(id, v);
      } else if (roll < 0.35) {
        const d = 1 + randomInt(rng, 9);
        await client(step, `increment ${id}+${d}`, () => exec(`UPDATE k SET v = v + ${d} WHERE id = ${id}`, { key }));
        if (model.has(id)) model.set(id, model.get(id)! + d);
      } else if (roll < 0.42) {
        await client(step, `delete ${id}`, () => exec(`DELETE FROM k WHERE id = ${id}`, { key }));
        model.delete(id);
      } else if (roll < 0.57) {
        await client(step, `append ${step}`, () => exec(`INSERT INTO log VALUES (${step})`, { key }));
        appended.push(step);
      } else if (roll < 0.72) {
        await readK(step);
      } else if (roll < 0.8) {
        await readLog(step, 'strong');
      } else if (roll < 0.9) {
        await client(step, 'drain', () => fx.engine.compact(bucket, 'k'));
      } else if (roll < 0.95) {
        const table = rng() < 0.5 ? 'k' : 'log';
        await client(step, `optimize ${table}`, () => fx.engine.optimizeTable(bucket, table, {}));
      } else {
        const table = rng() < 0.5 ? 'k' : 'log';
        await client(step, `vacuum ${table}`, () => fx.engine.vacuumTable(bucket, table, { retentionHours: 0, disableRetentionCheck: true }));
      }
    }

    // End of run: faults off, drain everything, then every check.
    faulty.clear();
    for (let i = 0; i < 100 && (await fx.engine.compact(bucket, 'k')).walEntriesProcessed !== 0; i++);
    await readK(steps + 1);
    await readLog(steps + 1, 'eventual');
    const eventual = await exec('SELECT id, v FROM k ORDER BY id');
    const rows = 'query' in eventual ? eventual.query.rows.map((r) => `${String(r[0])}=${String(r[1])}`).join(',') : '';
    const want = [...model.entries()].sort((a, b) => a[0] - b[0]).map(([i, v]) => `${i}=${v}`).join(',');
    if (rows !== want) fail(steps + 1, `after the final drain the Delta table k differs from the model:\n  got  ${rows}\n  want ${want}`);
    for (const table of ['k', 'log']) {
      const issues = await checkDeltaLog(fx.stores.open(bucket), tableRoot('tables/', table));
      if (issues.length > 0) fail(steps + 1, `the Delta log of ${table} fails validation: ${issues.join('; ')}`);
    }
    return { seed, steps, trace, faults: faulty.faults.length, resolvedWithoutFaults };
  } finally {
    await fx.close();
  }
}
