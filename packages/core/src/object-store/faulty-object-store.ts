/**
 * FaultyObjectStore: a seeded fault-injecting decorator (docs/design/faults.md, "Fault model").
 *
 *   call ─▶ first matching rule (op, key pattern, skip/times, probability drawn from the seeded PRNG)
 *     none ........ inner call
 *     latency ..... sleep(delayMs) ─▶ inner call
 *     error ....... throw (the request never reached the store: no effect)
 *     ambiguous ... inner call ─▶ throw (the operation TOOK EFFECT, the answer was lost)
 *     timeout ..... sleep(delayMs) ─▶ inner call with probability ½ ─▶ throw (effect unknown)
 *     interleave .. await run() (another actor acts at exactly this point) ─▶ inner call
 *
 * Deterministic: every decision is drawn from one PRNG seeded by `seed`, in call order, so a run
 * whose calls happen in the same order (a sequential scenario, the simulation) replays exactly.
 * Every injected error names the seed: a failing test prints what to replay. Rules can be added
 * and removed while the store is in use (`inject`, `clear`, `pause`). For tests and simulation;
 * not wired in production.
 */
import { AppError, type ErrorCode } from '../errors/index.ts';
import { seededRandom, type Random } from '../retry/seeded-random.ts';
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from './object-store.ts';
import { putLocalFile } from './put-local-file.ts';

export const STORE_OPS = ['get', 'head', 'put', 'putIfAbsent', 'list', 'deleteMany'] as const;
export type StoreOp = (typeof STORE_OPS)[number];
/** The store calls that change state (where an ambiguous success matters). */
export const WRITE_OPS: readonly StoreOp[] = ['put', 'putIfAbsent', 'deleteMany'];

export type FaultKind = 'error' | 'ambiguous' | 'timeout' | 'latency' | 'interleave';

export interface FaultRule {
  readonly kind: FaultKind;
  /** Operations the rule applies to (default: all). */
  readonly ops?: readonly StoreOp[];
  /** Key pattern: matched against the key, the list prefix, or any key of a deleteMany. */
  readonly key?: RegExp;
  /** Chance that a matching call is hit (default 1), drawn from the seeded PRNG. */
  readonly probability?: number;
  /** Let the first `skip` matching calls through untouched (default 0). */
  readonly skip?: number;
  /** Hit at most this many calls, then retire (default: unlimited). */
  readonly times?: number;
  /** The error thrown (default ERR_STORE_UNAVAILABLE, the retryable one). */
  readonly code?: ErrorCode;
  /** Latency / timeout delay in ms (default 0 / 1000); served by the injected `sleep`. */
  readonly delayMs?: number;
  /** 'interleave': what runs before the call (a competing writer, a compactor tick). */
  readonly run?: () => Promise<void>;
}

export interface FaultEvent {
  readonly n: number;
  readonly op: StoreOp;
  readonly key: string;
  readonly kind: FaultKind;
  /** Whether the operation reached the inner store. */
  readonly applied: boolean;
}

export interface FaultyStoreOptions {
  readonly seed: number;
  readonly rules?: readonly FaultRule[];
  /** Serves latency and timeouts; default: a real timer. Simulations pass a virtual clock's sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface ActiveRule {
  readonly rule: FaultRule;
  matched: number;
  hits: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class FaultyObjectStore implements ObjectStore {
  readonly url: string;
  readonly inner: ObjectStore;
  readonly seed: number;
  /** Every call, in order: `op key`. */
  readonly calls: Array<{ readonly op: StoreOp; readonly key: string }> = [];
  /** Every injected fault, in order. */
  readonly faults: FaultEvent[] = [];
  readonly #random: Random;
  readonly #sleep: (ms: number) => Promise<void>;
  #rules: ActiveRule[] = [];
  #paused = false;

  constructor(inner: ObjectStore, options: FaultyStoreOptions) {
    this.inner = inner;
    this.url = inner.url;
    this.seed = options.seed;
    this.#random = seededRandom(options.seed);
    this.#sleep = options.sleep ?? realSleep;
    for (const rule of options.rules ?? []) this.inject(rule);
  }

  /** Adds a rule; the first matching rule decides a call. */
  inject(rule: FaultRule): this {
    this.#rules.push({ rule, matched: 0, hits: 0 });
    return this;
  }

  /** Scripted faults: the next `times` calls of `op` fail 'before' (no effect) or 'after' (ambiguous success). */
  fail(op: StoreOp, times: number, when: 'before' | 'after' = 'before', code: ErrorCode = 'ERR_STORE_UNAVAILABLE'): this {
    return this.inject({ kind: when === 'after' ? 'ambiguous' : 'error', ops: [op], times, code });
  }

  /** Removes every rule. */
  clear(): this {
    this.#rules = [];
    return this;
  }

  /** Runs `fn` with faults off (checking invariants, setting up fixtures); calls are still recorded. */
  async paused<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.#paused;
    this.#paused = true;
    try {
      return await fn();
    } finally {
      this.#paused = before;
    }
  }

  /** `seed=… faults=…`: what a failing test prints so the run can be replayed. */
  describe(): string {
    return `FaultyObjectStore seed=${this.seed} calls=${this.calls.length} faults=${this.faults.length}`;
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    return this.#call('get', [key], () => this.inner.get(key, range));
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    return this.#call('head', [key], () => this.inner.head(key));
  }
  put(key: string, body: Uint8Array): Promise<void> {
    return this.#call('put', [key], () => this.inner.put(key, body));
  }
  /** A `put` for the fault rules: the same op, the same faults. */
  putFile(key: string, file: string): Promise<number> {
    return this.#call('put', [key], () => putLocalFile(this.inner, key, file));
  }
  backgroundWork(): () => void {
    return this.inner.backgroundWork?.() ?? (() => undefined);
  }

  get listScansDirectory(): boolean | undefined {
    return this.inner.listScansDirectory;
  }

  putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    return this.#call('putIfAbsent', [key], () => this.inner.putIfAbsent(key, body));
  }
  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.#call('list', [prefix], () => this.inner.list(prefix, options));
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.#call('deleteMany', keys, () => this.inner.deleteMany(keys));
  }

  async #call<T>(op: StoreOp, keys: readonly string[], run: () => Promise<T>): Promise<T> {
    const key = keys[0] ?? '';
    this.calls.push({ op, key });
    const rule = this.#paused ? undefined : this.#pick(op, keys);
    if (rule === undefined) return run();
    const delay = rule.delayMs ?? (rule.kind === 'timeout' ? 1000 : 0);
    if (delay > 0 && (rule.kind === 'latency' || rule.kind === 'timeout')) await this.#sleep(delay);
    if (rule.kind === 'latency' || rule.kind === 'interleave') {
      this.faults.push({ n: this.calls.length, op, key, kind: rule.kind, applied: true });
      if (rule.kind === 'interleave') await rule.run?.();
      return run();
    }
    const applied = rule.kind === 'ambiguous' || (rule.kind === 'timeout' && this.#random() < 0.5);
    this.faults.push({ n: this.calls.length, op, key, kind: rule.kind, applied });
    if (applied) await run();
    const code = rule.code ?? 'ERR_STORE_UNAVAILABLE';
    const what = rule.kind === 'ambiguous' ? 'the operation took effect, the answer was lost' : rule.kind === 'timeout' ? `timed out after ${delay} ms` : 'the request failed';
    throw new AppError(code, `Injected ${rule.kind} fault on ${op} ${key} (${what}); replay with fault seed ${this.seed}.`, { injected: rule.kind, op, key, seed: this.seed });
  }

  #pick(op: StoreOp, keys: readonly string[]): FaultRule | undefined {
    for (const active of this.#rules) {
      const { rule } = active;
      if (rule.ops !== undefined && !rule.ops.includes(op)) continue;
      if (rule.key !== undefined && !keys.some((k) => rule.key!.test(k))) continue;
      if (rule.times !== undefined && active.hits >= rule.times) continue;
      active.matched++;
      if (active.matched <= (rule.skip ?? 0)) continue;
      // Draw for every matching call, hit or not, so the sequence depends only on the call order.
      if (this.#random() >= (rule.probability ?? 1)) continue;
      active.hits++;
      return rule;
    }
    return undefined;
  }
}
