import { describe, expect, it } from 'vitest';
import { PrincipalLimiter } from '../src/principal-limiter.ts';

/** A statement that runs until `finish()` is called. */
function gate(): { promise: Promise<void>; finish: () => void } {
  let finish!: () => void;
  const promise = new Promise<void>((r) => (finish = r));
  return { promise, finish };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('PrincipalLimiter', () => {
  it('alone, a principal runs up to maxRunning, queues up to maxQueued, then gets 429', async () => {
    const limiter = new PrincipalLimiter({ maxRunning: 2, maxQueued: 1, slots: 2 });
    const g = gate();
    const runs = [limiter.run('a', () => g.promise), limiter.run('a', () => g.promise), limiter.run('a', () => g.promise)];
    await tick();
    expect(limiter.laneOf('a')).toEqual({ running: 2, queued: 1 });
    await expect(limiter.run('a', async () => undefined)).rejects.toMatchObject({ code: 'ERR_TOO_MANY_REQUESTS', details: { retryAfterSeconds: 1 } });
    g.finish();
    await Promise.all(runs);
    expect(limiter.laneOf('a')).toEqual({ running: 0, queued: 0 });
  });

  it('a flooding principal drops to its fair share while another is active, and the other runs at once', async () => {
    let now = 0;
    const limiter = new PrincipalLimiter({ maxRunning: 4, maxQueued: 100, slots: 2, activeWindowMs: 1000, clock: () => now });
    const heavy = Array.from({ length: 20 }, () => gate());
    const started: number[] = [];
    const floods = heavy.map((g, i) => limiter.run('heavy', async () => {
      started.push(i);
      await g.promise;
    }));
    await tick();
    expect(limiter.laneOf('heavy')).toEqual({ running: 4, queued: 16 });
    // The light principal is not queued behind the flood.
    let lightRan = false;
    await limiter.run('light', async () => {
      lightRan = true;
    });
    expect(lightRan).toBe(true);
    // While light counts as active (its window), heavy gets no new slot until it is under its share (2 / 2 = 1).
    expect(limiter.share()).toBe(1);
    for (const i of [0, 1, 2]) heavy[i]!.finish();
    await tick();
    expect(limiter.laneOf('heavy').running).toBe(1);
    heavy[3]!.finish();
    await tick();
    expect(limiter.laneOf('heavy')).toEqual({ running: 1, queued: 15 });
    // Past light's window heavy is alone again: the next release refills up to maxRunning.
    now += 1001;
    heavy[4]!.finish();
    await tick();
    expect(limiter.laneOf('heavy')).toEqual({ running: 4, queued: 11 });
    for (const g of heavy) g.finish();
    await Promise.all(floods);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i)); // FIFO within a lane
  });

  it('freed slots go round-robin to lanes with waiters', async () => {
    const limiter = new PrincipalLimiter({ maxRunning: 1, maxQueued: 10, slots: 3 });
    const order: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const submit = (p: string, k: number): Promise<void> => limiter.run(p, async () => {
      order.push(`${p}${k}`);
      const g = gate();
      gates.set(`${p}${k}`, g);
      await g.promise;
    });
    const all = [submit('a', 1), submit('a', 2), submit('a', 3), submit('b', 1), submit('b', 2), submit('c', 1)];
    await tick();
    expect(order).toEqual(['a1', 'b1', 'c1']);
    gates.get('a1')!.finish();
    await tick();
    gates.get('b1')!.finish();
    await tick();
    gates.get('a2')!.finish();
    await tick();
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    for (const g of gates.values()) g.finish();
    await tick();
    for (const g of gates.values()) g.finish();
    await Promise.all(all);
  });

  it('a waiter whose client went away leaves the queue', async () => {
    const limiter = new PrincipalLimiter({ maxRunning: 1, maxQueued: 5 });
    const g = gate();
    const first = limiter.run('a', () => g.promise);
    const ac = new AbortController();
    const waiting = limiter.run('a', async () => 'ran', ac.signal);
    await tick();
    expect(limiter.laneOf('a').queued).toBe(1);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_QUERY_CANCELLED' });
    expect(limiter.laneOf('a').queued).toBe(0);
    g.finish();
    await first;
  });
});
