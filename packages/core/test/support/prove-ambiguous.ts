/**
 * The ambiguous-success proof shared by the fault suites (docs/design/faults.md): a dry run lists
 * the storage calls an action makes; then, for each of them, a fresh context runs the action with
 * an AMBIGUOUS SUCCESS injected at exactly that call (the operation takes effect, the caller sees
 * ERR_STORE_UNAVAILABLE). Then:
 *   - success  ⇒ `check` gets the answer and asserts the true outcome;
 *   - an error ⇒ it must be a retryable AppError, and retrying the same request (same idempotency
 *                key) must succeed; `check` gets the retry's answer.
 * A failure names the action, the call and the store's fault description (its seed).
 */
import { expect } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import type { FaultyObjectStore, StoreOp } from '../../src/object-store/index.ts';

export interface AmbiguousTrial<C> {
  readonly name: string;
  /** A fresh context, set up without faults, and the faulty store its action goes through. */
  fresh(): Promise<{ ctx: C; store: FaultyObjectStore }>;
  act(ctx: C): Promise<unknown>;
  /** Asserts the true outcome, given the answer of the call that succeeded. */
  check(ctx: C, answer: unknown): Promise<void>;
  /** Which of the action's storage calls get the fault (default: every one). */
  readonly inject?: (call: { readonly op: StoreOp; readonly key: string }) => boolean;
  /** Runs after each point's check (e.g. the Delta log validator); `where` names the point. */
  after?(ctx: C, where: string): Promise<void>;
}

/** Runs `trial` once per storage call of its action; answers how many calls and how many errors. */
export async function proveAmbiguous<C>(trial: AmbiguousTrial<C>): Promise<{ calls: number; errors: number }> {
  const dry = await trial.fresh();
  const before = dry.store.calls.length;
  await trial.act(dry.ctx);
  const points = dry.store.calls.slice(before).map((c, i) => ({ ...c, i })).filter((c) => trial.inject?.(c) ?? true);
  expect(points.length, `${trial.name}: no storage calls`).toBeGreaterThan(0);
  let errors = 0;
  for (const point of points) {
    const { ctx, store } = await trial.fresh();
    const at = `${trial.name}: ambiguous success at call #${point.i + 1} (${point.op} ${point.key})`;
    store.inject({ kind: 'ambiguous', skip: point.i, times: 1 });
    let answer = await trial.act(ctx).then((a) => ({ a }), (e: unknown) => ({ e }));
    store.clear();
    const where = `${at}; ${store.describe()}`;
    if ('e' in answer) {
      errors++;
      expect(isAppError(answer.e) && answer.e.retryable, `${where}: answered a non-retryable ${String(answer.e)}`).toBe(true);
      answer = await trial.act(ctx).then((a) => ({ a }), (e: unknown) => {
        throw new Error(`${where}: the retry failed: ${String(e)}`);
      });
    }
    await trial.check(ctx, answer.a).catch((e: unknown) => {
      throw new Error(`${where}: ${String(e)}`);
    });
    await trial.after?.(ctx, where);
  }
  return { calls: points.length, errors };
}
