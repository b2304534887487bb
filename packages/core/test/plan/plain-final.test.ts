/**
 * A FINAL that only picks and sorts relation columns, answered without DuckDB (plain-final.ts).
 *
 * Detection: only a bare projection of relation columns with ORDER BY names and integer LIMIT /
 * OFFSET is plain. The answer: property — for random relations (NULLs, NaN, ±Infinity, -0, bigints
 * past 2^53, strings across the Unicode planes) and random ORDER BY / LIMIT / OFFSET, the answer
 * equals DuckDB running the same FINAL over the same rows inlined as typed literals
 * (withRelationCte, what the fan-out ran before) — names, types, values and order. Types whose
 * value or order JavaScript does not give exactly, values that are not their type's, and large
 * relations are left to DuckDB (undefined).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBounded } from '../../src/exec/index.ts';
import { answerPlainFinal, MAX_PLAIN_ROWS, plainFinalOf, withRelationCte, type PlainFinal } from '../../src/plan/index.ts';
import { serializeSelect } from '../../src/plan/select-ast.ts';
import type { ColumnSpec, ReduceValue } from '../../src/reduce/index.ts';
import { useDuckDB } from './support/duckdb.ts';

const db = useDuckDB();
const R = '__k3_merged';

async function plainOf(sql: string): Promise<PlainFinal | undefined> {
  const [statement] = await serializeSelect(db.conn, sql);
  return plainFinalOf(statement!, R);
}

describe('plainFinalOf: which FINAL statements only pick and sort columns', () => {
  it('a projection of relation columns with ORDER BY names and integer LIMIT / OFFSET is plain', async () => {
    expect(await plainOf(`SELECT __k3_g0 AS region, __k3_a0 AS cnt FROM ${R} ORDER BY cnt DESC NULLS FIRST, __k3_g0 LIMIT 3 OFFSET 1`)).toEqual({
      columns: [{ name: 'region', source: '__k3_g0' }, { name: 'cnt', source: '__k3_a0' }],
      orders: [{ source: '__k3_a0', descending: true, nullsFirst: true }, { source: '__k3_g0', descending: false, nullsFirst: false }],
      limit: 3,
      offset: 1,
    });
    expect(await plainOf(`SELECT __k3_g0 FROM ${R}`)).toEqual({ columns: [{ name: '__k3_g0', source: '__k3_g0' }], orders: [], limit: undefined, offset: 0 });
  });

  it('anything more is left to DuckDB', async () => {
    for (const sql of [
      `SELECT __k3_a0 * 2 AS x FROM ${R}`, // an expression
      `SELECT __k3_g0 AS g FROM ${R} WHERE __k3_a0 > 1`, // HAVING
      `SELECT DISTINCT __k3_g0 AS g FROM ${R}`,
      `SELECT __k3_g0 AS g FROM ${R} ORDER BY g COLLATE nocase`,
      `SELECT __k3_g0 AS g FROM ${R} ORDER BY 1`, // an ordinal
      `SELECT __k3_g0 AS g FROM ${R} ORDER BY __k3_a0 + 1`,
      `SELECT __k3_g0 AS g FROM ${R} LIMIT 1 + 1`,
      `SELECT __k3_g0 AS g FROM ${R} LIMIT 10%`,
      `SELECT m.__k3_g0 AS g FROM ${R} AS m`, // qualified
      `SELECT __k3_g0 AS g FROM other`,
      `SELECT * FROM ${R}`,
      `SELECT __k3_g0 AS x, __k3_a0 AS X FROM ${R} ORDER BY x`, // a name two outputs share (DuckDB takes the last)
    ]) expect(await plainOf(sql), sql).toBeUndefined();
  });
});

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'BIGINT' }, { name: 's', type: 'VARCHAR' }, { name: 'i', type: 'INTEGER' }, { name: 'b', type: 'HUGEINT' },
  { name: 'd', type: 'DOUBLE' }, { name: 't', type: 'BOOLEAN' }, { name: 'u', type: 'UBIGINT' }, { name: 'n', type: 'SMALLINT' },
];
const STRINGS = ['', 'a', 'B', 'b', 'é', 'e\u0301', '\u{1F600}', '\uFFFD', '\uE000', 'zz', "it's", 'a\0b'];
const DOUBLES = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1.5, -2.25, 1e-300, 0.1 + 0.2, 2 ** 60];
const orNull = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: a });
const rowArb = fc.tuple(
  orNull(fc.constantFrom(...STRINGS)),
  orNull(fc.integer({ min: -3, max: 3 })),
  orNull(fc.constantFrom(-(2n ** 100n), -1n, 0n, 2n ** 53n + 1n, 2n ** 53n, 7n)),
  orNull(fc.constantFrom(...DOUBLES)),
  orNull(fc.boolean()),
  orNull(fc.constantFrom(0n, 1n, 2n ** 64n - 1n)),
  orNull(fc.integer({ min: -2, max: 2 })),
);
const orderArb = fc.tuple(
  fc.constantFrom('s', 'i', 'b', 'd', 't', 'u', 'n'),
  fc.boolean(), // by the output name, or by the relation column
  fc.constantFrom('', ' ASC', ' DESC'),
  fc.constantFrom('', ' NULLS FIRST', ' NULLS LAST'),
);
const caseArb = fc.record({
  rows: fc.array(rowArb, { maxLength: 25 }),
  orders: fc.array(orderArb, { maxLength: 3 }),
  limit: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  offset: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
});

describe('answerPlainFinal equals DuckDB running the FINAL', () => {
  it('property: random relations, ORDER BY keys, directions, NULL orders, LIMIT and OFFSET', async () => {
    let compared = 0;
    await fc.assert(fc.asyncProperty(caseArb, async ({ rows, orders, limit, offset }) => {
      // Relation columns are __k3_<name>; outputs are named <name>_out. The unique id sorts last, so the
      // order is total and both answers must agree row by row (ties are DuckDB's to order as it likes).
      const relation: ColumnSpec[] = COLUMNS.map((c) => ({ name: `__k3_${c.name}`, type: c.type }));
      const values: ReduceValue[][] = rows.map((r, k) => [BigInt(k), ...r]);
      const keys = [...orders.map(([c, byName, dir, nulls]) => `${byName ? `${c}_out` : `__k3_${c}`}${dir}${nulls}`), 'id_out'];
      const sql = `SELECT ${COLUMNS.map((c) => `__k3_${c.name} AS ${c.name}_out`).join(', ')} FROM ${R} ORDER BY ${keys.join(', ')}`
        + (limit !== undefined ? ` LIMIT ${limit}` : '') + (offset !== undefined ? ` OFFSET ${offset}` : '');
      const plain = await plainOf(sql);
      expect(plain, sql).toBeDefined();
      const ours = answerPlainFinal(plain!, relation, values);
      expect(ours, sql).toBeDefined();
      const inlined = withRelationCte(sql, R, relation, values)!;
      const theirs = await encodeBounded(await db.conn.stream(inlined), undefined);
      expect(ours, sql).toEqual(theirs);
      compared++;
    }), { numRuns: 150, seed: 20_2012 });
    expect(compared).toBe(150);
  });

  it('leaves to DuckDB what JavaScript does not answer exactly: other types, values not of their type, large relations', async () => {
    const plain = (await plainOf(`SELECT __k3_x AS x FROM ${R} ORDER BY x`))!;
    for (const type of ['DECIMAL(18,2)', 'DATE', 'TIMESTAMP', 'FLOAT', 'BLOB', 'UUID', 'NULL', 'VARCHAR[]']) {
      expect(answerPlainFinal(plain, [{ name: '__k3_x', type }], [[1n]]), type).toBeUndefined();
    }
    expect(answerPlainFinal(plain, [{ name: '__k3_x', type: 'VARCHAR' }], [['a'], [1]])).toBeUndefined();
    expect(answerPlainFinal(plain, [{ name: '__k3_x', type: 'INTEGER' }], [[1.5], [2n ** 60n]])).toBeUndefined();
    expect(answerPlainFinal(plain, [{ name: '__k3_x', type: 'BIGINT' }], [[0.5]])).toBeUndefined();
    // A sort key that is not returned is still checked.
    const byHidden = (await plainOf(`SELECT __k3_x AS x FROM ${R} ORDER BY __k3_k`))!;
    expect(answerPlainFinal(byHidden, [{ name: '__k3_x', type: 'BIGINT' }, { name: '__k3_k', type: 'DATE' }], [[1n, 3]])).toBeUndefined();
    expect(answerPlainFinal(byHidden, [{ name: '__k3_x', type: 'BIGINT' }, { name: '__k3_k', type: 'INTEGER' }], [[1n, 3], [2n, 1]])?.rows).toEqual([[2n], [1n]]);
    const many = Array.from({ length: MAX_PLAIN_ROWS + 1 }, (_, k) => [BigInt(k)]);
    expect(answerPlainFinal(plain, [{ name: '__k3_x', type: 'BIGINT' }], many)).toBeUndefined();
    expect(answerPlainFinal(plain, [{ name: '__k3_x', type: 'BIGINT' }], many.slice(1))?.rows).toHaveLength(MAX_PLAIN_ROWS);
  });
});
