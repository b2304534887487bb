import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGroupReducer, createTopK, groupKey, rowComparator, type MergeSpec, type ReduceValue, type Row } from '../../src/reduce/index.ts';

const runs = { seed: 424242, numRuns: 150 };

const spec: MergeSpec = {
  groupColumns: ['g0', 'g1'],
  aggregates: [
    { output: 'a0', kind: 'count', inputs: ['p_count'] },
    { output: 'a1', kind: 'sum', inputs: ['p_sum'] },
    { output: 'a2', kind: 'max', inputs: ['p_max'] },
  ],
};
const columns = [
  { name: 'g0', type: 'VARCHAR' }, { name: 'g1', type: 'BIGINT' },
  { name: 'p_count', type: 'BIGINT' }, { name: 'p_sum', type: 'HUGEINT' }, { name: 'p_max', type: 'VARCHAR' },
];

describe('group reducer', () => {
  it('merges partial rows by a null-safe key of mixed types', () => {
    const r = createGroupReducer(spec);
    r.add(columns, [['eu', null, 2n, 10n, 'b'], [null, 1n, 1n, null, 'z'], ['eu', 1n, 1n, 5n, 'a']]);
    r.add(columns, [['eu', null, 3n, -4n, 'c'], [null, 1n, 4n, 7n, null]]);
    const out = r.finalize();
    expect(out.columns).toEqual([...columns.slice(0, 2), { name: 'a0', type: 'BIGINT' }, { name: 'a1', type: 'HUGEINT' }, { name: 'a2', type: 'VARCHAR' }]);
    const byKey = new Map(out.rows.map((row) => [groupKey(row.slice(0, 2)), row.slice(2)]));
    expect(byKey.get(groupKey(['eu', null]))).toEqual([5n, 6n, 'c']);
    expect(byKey.get(groupKey([null, 1n]))).toEqual([5n, 7n, 'z']);
    expect(byKey.get(groupKey(['eu', 1n]))).toEqual([1n, 5n, 'a']);
    expect(out.rows).toHaveLength(3);
  });

  it('a global aggregate yields one row even without partials', () => {
    const r = createGroupReducer({ groupColumns: [], aggregates: [{ output: 'n', kind: 'count', inputs: ['c'] }, { output: 's', kind: 'sum', inputs: ['s'] }] });
    expect(r.finalize().rows).toEqual([[0n, null]]);
  });

  it('keys never collide across types or separators', () => {
    expect(groupKey(['1'])).not.toBe(groupKey([1]));
    expect(groupKey([1])).not.toBe(groupKey([1n]));
    expect(groupKey(['a|b', 'c'])).not.toBe(groupKey(['a', 'b|c']));
    expect(groupKey([null])).not.toBe(groupKey(['n']));
    expect(groupKey([-0])).toBe(groupKey([0]));
  });

  it('merging partials computed per chunk equals partials over all rows, in any order', () => {
    const row = fc.tuple(fc.constantFrom('a', 'b', null), fc.constantFrom(1n, 2n, null), fc.bigInt({ min: -100n, max: 100n }));
    fc.assert(fc.property(fc.array(row, { maxLength: 40 }), fc.nat(), (rows, seed) => {
      const partialOf = (rs: typeof rows): ReduceValue[][] => {
        const m = new Map<string, ReduceValue[]>();
        for (const [a, b, v] of rs) {
          const k = groupKey([a, b]);
          const cur = m.get(k) ?? [a, b, 0n, null, null];
          cur[2] = (cur[2] as bigint) + 1n;
          cur[3] = cur[3] === null ? v : (cur[3] as bigint) + v;
          const prev = cur[4] ?? null;
          cur[4] = prev === null || String(v) > (prev as string) ? String(v) : prev;
          m.set(k, cur);
        }
        return [...m.values()];
      };
      const cut = rows.length === 0 ? 0 : seed % rows.length;
      const split = createGroupReducer(spec);
      split.add(columns, partialOf(rows.slice(cut)));
      split.add(columns, partialOf(rows.slice(0, cut)));
      const whole = createGroupReducer(spec);
      whole.add(columns, partialOf(rows));
      const norm = (rs: ReduceValue[][]): string[] => rs.map((r) => groupKey(r)).sort();
      expect(norm(split.finalize().rows)).toEqual(norm(whole.finalize().rows));
    }), runs);
  });
});

describe('top-k', () => {
  it('equals sort + slice under ORDER BY keys with nulls last (DuckDB default)', () => {
    const rowArb = fc.tuple(fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }), fc.option(fc.string({ maxLength: 2 }), { nil: null }), fc.integer());
    fc.assert(fc.property(fc.array(rowArb, { maxLength: 50 }), fc.nat({ max: 12 }), fc.boolean(), (rows, k, desc) => {
      const cmp = rowComparator([{ index: 0, descending: desc, nullsFirst: false }, { index: 1, descending: false, nullsFirst: true }, { index: 2, descending: false, nullsFirst: false }]);
      const top = createTopK(k, cmp);
      for (const r of rows) top.push(r);
      expect(top.result()).toEqual([...rows].sort(cmp).slice(0, k));
    }), runs);
  });

  it('places NULL after non-null values in both directions by default', () => {
    const rows: Row[] = [[null], [1], [3]];
    const asc = createTopK(3, rowComparator([{ index: 0, descending: false, nullsFirst: false }]));
    const desc = createTopK(3, rowComparator([{ index: 0, descending: true, nullsFirst: false }]));
    for (const r of rows) {
      asc.push(r);
      desc.push(r);
    }
    expect(asc.result()).toEqual([[1], [3], [null]]);
    expect(desc.result()).toEqual([[3], [1], [null]]);
  });
});
