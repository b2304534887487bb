import { describe, expect, it } from 'vitest';
import { createScanMerger } from '../../src/reduce/index.ts';

const columns = [{ name: 'id', type: 'BIGINT' }, { name: '__k3_s0', type: 'VARCHAR' }];

describe('scan merger', () => {
  it('concatenates every row without a top-k', () => {
    const m = createScanMerger(undefined);
    m.add(columns, [[1n, 'b']]);
    m.add(columns, [[2n, 'a'], [3n, null]]);
    expect(m.finalize()).toEqual({ columns, rows: [[1n, 'b'], [2n, 'a'], [3n, null]] });
  });

  it('keeps only the first k rows under the sort keys (code-point order, NULLS LAST)', () => {
    const m = createScanMerger({ k: 3, keys: [{ column: '__k3_s0', descending: false, nullsFirst: false }, { column: 'id', descending: true, nullsFirst: false }] });
    m.add(columns, [[1n, '\u{1F600}'], [2n, null], [3n, 'a']]);
    m.add(columns, [[4n, '\uFF5E'], [5n, 'a']]);
    expect(m.finalize().rows).toEqual([[5n, 'a'], [3n, 'a'], [4n, '\uFF5E']]);
  });

  it('refuses partials that disagree on columns or lack a sort column', () => {
    const m = createScanMerger(undefined);
    m.add(columns, []);
    expect(() => m.add([{ name: 'other', type: 'BIGINT' }], [])).toThrow(/disagree/);
    const k = createScanMerger({ k: 1, keys: [{ column: 'missing', descending: false, nullsFirst: false }] });
    expect(() => k.add(columns, [])).toThrow(/no sort column "missing"/);
    expect(createScanMerger(undefined).finalize()).toEqual({ columns: [], rows: [] });
  });
});
