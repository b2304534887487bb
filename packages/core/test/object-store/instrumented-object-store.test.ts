import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { InstrumentedObjectStore, objectStoreMetrics } from '../../src/object-store/instrumented-object-store.ts';
import { MemoryObjectStore } from '../../src/object-store/memory-object-store.ts';
import { runObjectStoreContract } from './contract.ts';
import { FaultyObjectStore } from '../../src/object-store/faulty-object-store.ts';

runObjectStoreContract('instrumented(memory)', async () => new InstrumentedObjectStore(new MemoryObjectStore()));

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe('InstrumentedObjectStore', () => {
  it('counts operations by outcome, bytes and latency on its own registry', async () => {
    const store = new InstrumentedObjectStore(new MemoryObjectStore());
    await store.put('a', new Uint8Array(10));
    expect(await store.putIfAbsent('a', new Uint8Array(3))).toBe(false);
    expect(await store.putIfAbsent('b', new Uint8Array(4))).toBe(true);
    await store.get('a');
    await store.get('missing');
    await store.head('missing');
    await store.list('');

    const r = store.registry;
    expect(await counter(r, 'k3_store_requests_total', { op: 'put', outcome: 'ok' })).toBe(1);
    expect(await counter(r, 'k3_store_requests_total', { op: 'putIfAbsent', outcome: 'exists' })).toBe(1);
    expect(await counter(r, 'k3_store_requests_total', { op: 'putIfAbsent', outcome: 'ok' })).toBe(1);
    expect(await counter(r, 'k3_store_requests_total', { op: 'get', outcome: 'ok' })).toBe(1);
    expect(await counter(r, 'k3_store_requests_total', { op: 'get', outcome: 'not_found' })).toBe(1);
    expect(await counter(r, 'k3_store_requests_total', { op: 'head', outcome: 'not_found' })).toBe(1);
    expect(await counter(r, 'k3_store_bytes_total', { op: 'put' })).toBe(10);
    expect(await counter(r, 'k3_store_bytes_total', { op: 'putIfAbsent' })).toBe(4);
    expect(await counter(r, 'k3_store_bytes_total', { op: 'get' })).toBe(10);
    const text = await r.metrics();
    expect(text).toContain('k3_store_request_duration_seconds_count{op="list"} 1');
  });

  it('labels failures with the error code and rethrows them', async () => {
    const flaky = new FaultyObjectStore(new MemoryObjectStore(), { seed: 1 }).fail('get', 1).fail('put', 1, 'before', 'ERR_STORE_ACCESS_DENIED');
    const store = new InstrumentedObjectStore(flaky);
    expect(isAppError(await store.get('k').catch((e: unknown) => e), 'ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(isAppError(await store.put('k', new Uint8Array(1)).catch((e: unknown) => e), 'ERR_STORE_ACCESS_DENIED')).toBe(true);
    expect(await counter(store.registry, 'k3_store_requests_total', { op: 'get', outcome: 'store_unavailable' })).toBe(1);
    expect(await counter(store.registry, 'k3_store_requests_total', { op: 'put', outcome: 'store_access_denied' })).toBe(1);
  });

  it('shares metrics between stores on one registry and never touches the global one', async () => {
    const registry = new Registry();
    const a = new InstrumentedObjectStore(new MemoryObjectStore(), registry);
    const b = new InstrumentedObjectStore(new MemoryObjectStore(), registry);
    await a.put('x', new Uint8Array(1));
    await b.put('x', new Uint8Array(1));
    expect(await counter(registry, 'k3_store_requests_total', { op: 'put', outcome: 'ok' })).toBe(2);
    const c = new InstrumentedObjectStore(new MemoryObjectStore(), objectStoreMetrics(registry));
    expect(c.registry).toBe(registry);
    await c.get('x');
    expect(await counter(registry, 'k3_store_requests_total', { op: 'get', outcome: 'not_found' })).toBe(1);
    const { register } = await import('prom-client');
    expect(register.getSingleMetric('k3_store_requests_total')).toBeUndefined();
  });
});
