/**
 * PlanCache (plan-cache.ts): plans by snapshot identity and statement text. Another snapshot object
 * — another table version, even with equal contents — never sees a plan; the cache keeps its most
 * recently used plans within a count and a total weight.
 */
import { describe, expect, it } from 'vitest';
import { PlanCache } from '../../src/plan/plan-cache.ts';

describe('PlanCache', () => {
  it('hits only for the same snapshot object and the same text', () => {
    const cache = new PlanCache<{ version: number }, string>(() => 1);
    const v1 = { version: 1 };
    cache.set(v1, 'SELECT 1', 'plan-1');
    expect(cache.get(v1, 'SELECT 1')).toBe('plan-1');
    expect(cache.get({ version: 1 }, 'SELECT 1')).toBeUndefined();
    expect(cache.get(v1, 'SELECT  1')).toBeUndefined();
    expect(cache.hits).toBe(1);
    // A second snapshot's plan of the same text is its own.
    const v2 = { version: 2 };
    cache.set(v2, 'SELECT 1', 'plan-2');
    expect([cache.get(v1, 'SELECT 1'), cache.get(v2, 'SELECT 1')]).toEqual(['plan-1', 'plan-2']);
  });

  it('keeps the most recently used plans within its count', () => {
    const cache = new PlanCache<object, number>(() => 1, 2);
    const s = {};
    cache.set(s, 'a', 1);
    cache.set(s, 'b', 2);
    expect(cache.get(s, 'a')).toBe(1); // a is now the most recent
    cache.set({}, 'c', 3);
    expect([cache.get(s, 'a'), cache.get(s, 'b')]).toEqual([1, undefined]);
    expect(cache.size).toBe(2);
  });

  it('keeps plans within a total weight, and never one heavier than it', () => {
    const cache = new PlanCache<object, number>((n) => n, 100, 10);
    const s = {};
    cache.set(s, 'six', 6);
    cache.set(s, 'four', 4);
    expect([cache.get(s, 'six'), cache.get(s, 'four')]).toEqual([6, 4]);
    cache.set(s, 'three', 3); // 13 > 10: the least recently used (six) goes
    expect([cache.get(s, 'six'), cache.get(s, 'four'), cache.get(s, 'three')]).toEqual([undefined, 4, 3]);
    cache.set(s, 'eleven', 11);
    expect(cache.get(s, 'eleven')).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});
