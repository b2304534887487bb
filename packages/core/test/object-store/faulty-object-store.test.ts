import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { FaultyObjectStore, type FaultRule } from '../../src/object-store/faulty-object-store.ts';
import { MemoryObjectStore } from '../../src/object-store/memory-object-store.ts';
import { runObjectStoreContract } from './contract.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { putLocalFile } from '../../src/object-store/put-local-file.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (isAppError(e) ? e.code : 'other'));

// Without rules the decorator is transparent.
runObjectStoreContract('faulty(memory) without rules', async () => new FaultyObjectStore(new MemoryObjectStore(), { seed: 7 }));

async function trace(seed: number, rules: FaultRule[]): Promise<string[]> {
  const store = new FaultyObjectStore(new MemoryObjectStore(), { seed, rules, sleep: async () => undefined });
  const out: string[] = [];
  for (let i = 0; i < 40; i++) out.push(`${i}:${await outcome(store.putIfAbsent(`k/${i % 7}`, bytes(String(i))))}`);
  return [...out, ...store.faults.map((f) => `${f.n}${f.kind}${f.applied}`)];
}

describe('FaultyObjectStore', () => {
  it('replays exactly from its seed, and different seeds differ', async () => {
    const rules: FaultRule[] = [{ kind: 'timeout', probability: 0.3, delayMs: 5 }, { kind: 'ambiguous', probability: 0.3 }];
    expect(await trace(11, rules)).toEqual(await trace(11, rules));
    expect(await trace(11, rules)).not.toEqual(await trace(12, rules));
  });

  it('an error has no effect; an ambiguous success takes effect and still fails; both name the seed', async () => {
    const memory = new MemoryObjectStore();
    const store = new FaultyObjectStore(memory, { seed: 42 }).fail('put', 1, 'before').fail('put', 1, 'after');
    const first = await store.put('a', bytes('1')).catch((e: unknown) => e);
    expect(await memory.get('a')).toBeUndefined();
    expect(isAppError(first, 'ERR_STORE_UNAVAILABLE') && first.message).toContain('seed 42');
    await expect(store.put('a', bytes('2'))).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', details: { injected: 'ambiguous' } });
    expect(await memory.get('a')).toEqual(bytes('2'));
    await store.put('a', bytes('3'));
    expect(store.faults.map((f) => [f.kind, f.applied])).toEqual([['error', false], ['ambiguous', true]]);
  });

  it('putLocalFile is a put for the rules: an error has no effect, an ambiguous success takes effect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k3-faulty-put-file-'));
    try {
      const file = join(dir, 'f');
      await writeFile(file, 'file bytes');
      const memory = new MemoryObjectStore();
      const store = new FaultyObjectStore(memory, { seed: 3 }).fail('put', 1, 'before').fail('put', 1, 'after');
      await expect(putLocalFile(store, 'a', file)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', details: { injected: 'error', op: 'put' } });
      expect(await memory.get('a')).toBeUndefined();
      await expect(putLocalFile(store, 'a', file)).rejects.toMatchObject({ details: { injected: 'ambiguous' } });
      expect(await memory.get('a')).toEqual(bytes('file bytes'));
      expect(store.calls.map((c) => c.op)).toEqual(['put', 'put']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('selects calls by operation, key pattern, skip and times', async () => {
    const store = new FaultyObjectStore(new MemoryObjectStore(), { seed: 1, rules: [{ kind: 'error', ops: ['putIfAbsent'], key: /_delta_log\//, skip: 1, times: 2, code: 'ERR_STORE_ACCESS_DENIED' }] });
    const results = [];
    for (let v = 0; v < 4; v++) results.push(await outcome(store.putIfAbsent(`t/_delta_log/${v}.json`, bytes('x'))));
    results.push(await outcome(store.putIfAbsent('t/_k3_wal/1.rec', bytes('x'))));
    results.push(await outcome(store.put('t/_delta_log/9.json', bytes('x'))));
    expect(results).toEqual(['ok', 'ERR_STORE_ACCESS_DENIED', 'ERR_STORE_ACCESS_DENIED', 'ok', 'ok', 'ok']);
  });

  it('matches deleteMany by any of its keys and list by its prefix', async () => {
    const store = new FaultyObjectStore(new MemoryObjectStore(), { seed: 1, rules: [{ kind: 'error', key: /^wal\// }] });
    expect(await outcome(store.deleteMany(['a', 'wal/1']))).toBe('ERR_STORE_UNAVAILABLE');
    expect(await outcome(store.list('wal/'))).toBe('ERR_STORE_UNAVAILABLE');
    expect(await outcome(store.list('data/'))).toBe('ok');
  });

  it('serves latency and timeouts through the injected sleep; paused() turns faults off', async () => {
    const slept: number[] = [];
    const store = new FaultyObjectStore(new MemoryObjectStore(), { seed: 3, sleep: async (ms) => void slept.push(ms), rules: [{ kind: 'latency', ops: ['get'], delayMs: 30 }, { kind: 'timeout', ops: ['put'], delayMs: 500 }] });
    expect(await store.get('x')).toBeUndefined();
    expect(await outcome(store.put('x', bytes('1')))).toBe('ERR_STORE_UNAVAILABLE');
    expect(slept).toEqual([30, 500]);
    await store.paused(() => store.put('y', bytes('1')));
    expect(await store.paused(() => store.get('y'))).toEqual(bytes('1'));
    expect(store.describe()).toMatch(/seed=3 calls=4 faults=2/);
  });
});
