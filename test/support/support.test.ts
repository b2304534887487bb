import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareResults } from './compare-results.ts';
import { DuckDBReference, toReferenceSql } from './duckdb-reference.ts';

const cols = [{ name: 'a', type: 'BIGINT' }, { name: 'b', type: 'DOUBLE' }];

describe('compareResults', () => {
  it('ignores row order unless ordered, and reports the first differing row', () => {
    const x = { columns: cols, rows: [['1', 0.5], ['2', 1.5]] };
    const y = { columns: cols, rows: [['2', 1.5], ['1', 0.5]] };
    expect(compareResults(x, y, { ordered: false }).equal).toBe(true);
    const ordered = compareResults(x, y, { ordered: true });
    expect(ordered.equal).toBe(false);
    expect(ordered.message).toContain('row 0');
  });

  it('compares floats exactly unless a tolerance is given', () => {
    const x = { columns: cols, rows: [['1', 0.1 + 0.2]] };
    const y = { columns: cols, rows: [['1', 0.3]] };
    expect(compareResults(x, y, { ordered: false }).equal).toBe(false);
    expect(compareResults(x, y, { ordered: false, tolerance: 1e-12 }).equal).toBe(true);
  });

  it('detects different names, types, counts, and nested values; treats multisets by multiplicity', () => {
    const x = { columns: cols, rows: [['1', 1], ['1', 1]] };
    expect(compareResults(x, { columns: [cols[0]!, { name: 'c', type: 'DOUBLE' }], rows: x.rows }, { ordered: false }).message).toContain('names');
    expect(compareResults(x, { columns: [cols[0]!, { name: 'b', type: 'FLOAT' }], rows: x.rows }, { ordered: false }).message).toContain('types');
    expect(compareResults(x, { columns: cols, rows: [['1', 1]] }, { ordered: false }).message).toContain('row count');
    expect(compareResults(x, { columns: cols, rows: [['1', 1], ['2', 1]] }, { ordered: false }).equal).toBe(false);
    const s = [{ name: 's', type: 'STRUCT(x INTEGER)' }];
    expect(compareResults({ columns: s, rows: [[{ x: 1, y: [1] }]] }, { columns: s, rows: [[{ y: [1], x: 1 }]] }, { ordered: true }).equal).toBe(true);
    expect(compareResults({ columns: s, rows: [[{ x: 1 }]] }, { columns: s, rows: [[{ x: '1' }]] }, { ordered: true }).equal).toBe(false);
  });
});

describe('DuckDBReference', () => {
  let ref: DuckDBReference;
  beforeAll(async () => {
    ref = await DuckDBReference.create();
  });
  afterAll(() => ref.close());

  it('strips PARTITIONED BY and encodes results losslessly', async () => {
    expect(toReferenceSql('CREATE TABLE t (a INT, r VARCHAR) PARTITIONED BY (r);')).toBe('CREATE TABLE t (a INT, r VARCHAR)');
    await ref.run('CREATE TABLE t (id BIGINT, r VARCHAR, p JSON) PARTITIONED BY (r)');
    expect(await ref.rowsAffected(`INSERT INTO t VALUES (9007199254740993, 'UK', '{"n": 12345678901234567890}'), (1, 'EU', NULL)`)).toBe('2');
    const out = await ref.run('SELECT id, p FROM t ORDER BY id');
    expect(out.columns).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'p', type: 'JSON' }]);
    expect(out.rows).toEqual([['1', null], ['9007199254740993', '{"n": 12345678901234567890}']]);
    expect(out.isWrite).toBe(false);
  });
});
