import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { MemoryObjectStore } from '../../src/object-store/memory-object-store.ts';
import { RetryingObjectStore } from '../../src/object-store/retrying-object-store.ts';
import { runObjectStoreContract } from './contract.ts';
import { FaultyObjectStore } from '../../src/object-store/faulty-object-store.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function setup(options: { maxAttempts?: number; random?: () => number } = {}) {
  const memory = new MemoryObjectStore();
  const flaky = new FaultyObjectStore(memory, { seed: 1 });
  const sleeps: number[] = [];
  const store = new RetryingObjectStore(flaky, {
    maxAttempts: options.maxAttempts ?? 5,
    baseDelayMs: 50,
    maxDelayMs: 300,
    random: options.random ?? (() => 0.5),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { memory, flaky, store, sleeps };
}

// The decorator must not change the contract of a healthy store.
runObjectStoreContract('retrying(memory)', async () => new RetryingObjectStore(new MemoryObjectStore(), { sleep: async () => undefined }));

describe('RetryingObjectStore', () => {
  it('retries transient failures with capped exponential backoff and full jitter', async () => {
    const { memory, flaky, store, sleeps } = setup();
    await memory.put('k', bytes('v'));
    flaky.fail('get', 4);
    expect(await store.get('k')).toEqual(bytes('v'));
    expect(flaky.calls.map((c) => c.op)).toEqual(['get', 'get', 'get', 'get', 'get']);
    // 0.5 × min(300, 50 × 2^(n-1)) for n = 1..4
    expect(sleeps).toEqual([25, 50, 100, 150]);
  });

  it('draws each delay uniformly below the cap (full jitter)', () => {
    const { store } = setup({ random: () => 0.999 });
    expect(store.delayMs(1)).toBe(49);
    expect(store.delayMs(10)).toBe(299);
    const { store: low } = setup({ random: () => 0 });
    expect(low.delayMs(3)).toBe(0);
  });

  it('gives up after maxAttempts and rethrows the last error', async () => {
    const { flaky, store, sleeps } = setup({ maxAttempts: 3 });
    flaky.fail('list', 5);
    const err = await store.list('').then(() => undefined, (e: unknown) => e);
    expect(isAppError(err, 'ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(flaky.calls.map((c) => c.op)).toEqual(['list', 'list', 'list']);
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry permanent errors', async () => {
    const { flaky, store, sleeps } = setup();
    flaky.fail('put', 1, 'before', 'ERR_STORE_ACCESS_DENIED');
    const err = await store.put('k', bytes('v')).then(() => undefined, (e: unknown) => e);
    expect(isAppError(err, 'ERR_STORE_ACCESS_DENIED')).toBe(true);
    expect(flaky.calls.map((c) => c.op)).toEqual(['put']);
    expect(sleeps).toEqual([]);
  });

  it('does not retry errors that are not AppErrors', async () => {
    const memory = new MemoryObjectStore();
    let calls = 0;
    const broken = Object.assign(Object.create(memory) as MemoryObjectStore, {
      url: memory.url,
      get: async () => {
        calls++;
        throw new TypeError('bug');
      },
    });
    const store = new RetryingObjectStore(broken, { sleep: async () => undefined });
    await expect(store.get('k')).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
  });

  it('retries every operation of the port', async () => {
    const { flaky, store } = setup();
    for (const op of ['get', 'head', 'put', 'putIfAbsent', 'list', 'deleteMany'] as const) flaky.fail(op, 1);
    await store.put('a', bytes('1'));
    expect(await store.putIfAbsent('b', bytes('2'))).toBe(true);
    expect(await store.get('a')).toEqual(bytes('1'));
    expect((await store.head('b'))?.size).toBe(1);
    expect((await store.list('')).objects.map((o) => o.key)).toEqual(['a', 'b']);
    await store.deleteMany(['a', 'b']);
    expect((await store.list('')).objects).toEqual([]);
  });

  describe('ambiguous putIfAbsent', () => {
    it('reports true when an earlier attempt landed but its answer was lost', async () => {
      const { memory, flaky, store } = setup();
      flaky.fail('putIfAbsent', 1, 'after');
      expect(await store.putIfAbsent('c/0.json', bytes('mine'))).toBe(true);
      expect(await memory.get('c/0.json')).toEqual(bytes('mine'));
    });

    it('still reports false when a different object won the race', async () => {
      const { memory, flaky, store } = setup();
      flaky.fail('putIfAbsent', 1, 'before');
      await memory.put('c/0.json', bytes('theirs'));
      expect(await store.putIfAbsent('c/0.json', bytes('mine'))).toBe(false);
      expect(await memory.get('c/0.json')).toEqual(bytes('theirs'));
    });

    it('reports false without reading back when the first attempt answered', async () => {
      const { memory, flaky, store } = setup();
      await memory.put('c/0.json', bytes('mine'));
      expect(await store.putIfAbsent('c/0.json', bytes('mine'))).toBe(false);
      expect(flaky.calls.map((c) => c.op)).toEqual(['putIfAbsent']);
    });

    it('retries the read-back itself', async () => {
      const { flaky, store } = setup();
      flaky.fail('putIfAbsent', 2, 'after').fail('get', 2);
      expect(await store.putIfAbsent('c/1.json', bytes('mine'))).toBe(true);
      expect(flaky.calls.map((c) => c.op)).toEqual(['putIfAbsent', 'putIfAbsent', 'putIfAbsent', 'get', 'get', 'get']);
    });
  });
});
