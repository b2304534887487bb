/**
 * PlanCache (plan-cache.ts): plans by snapshot identity and statement text. Another snapshot object
 * — another table version, even with equal contents — never sees a plan; each snapshot keeps its
 * `maxPerSnapshot` most recently used plans.
 */
import { describe, expect, it } from 'vitest';
import { PlanCache } from '../../src/plan/plan-cache.ts';

describe('PlanCache', () => {
  it('hits only for the same snapshot object and the same text', () => {
    const cache = new PlanCache<{ version: number }, string>();
    const v1 = { version: 1 };
    cache.set(v1, 'SELECT 1', 'plan-1');
    expect(cache.get(v1, 'SELECT 1')).toBe('plan-1');
    expect(cache.get({ version: 1 }, 'SELECT 1')).toBeUndefined();
    expect(cache.get(v1, 'SELECT  1')).toBeUndefined();
    expect(cache.hits).toBe(1);
  });

  it('keeps the most recently used plans of a snapshot, up to its bound', () => {
    const cache = new PlanCache<object, number>(2);
    const s = {};
    cache.set(s, 'a', 1);
    cache.set(s, 'b', 2);
    expect(cache.get(s, 'a')).toBe(1); // a is now the most recent
    cache.set(s, 'c', 3);
    expect([cache.get(s, 'a'), cache.get(s, 'b'), cache.get(s, 'c')]).toEqual([1, undefined, 3]);
    // Another snapshot's plans do not count against this one's bound.
    const t = {};
    cache.set(t, 'a', 10);
    expect([cache.get(s, 'a'), cache.get(t, 'a')]).toEqual([1, 10]);
  });
});
