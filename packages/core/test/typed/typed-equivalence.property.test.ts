/**
 * Typed operations equal their SQL (issue 9 acceptance, "Typed RPCs equal their SQL"): random
 * sequences of Insert / Merge / Update / DeleteRows / Query (fast-check, fixed seeds) run through
 * the typed API on one table and, as hand-rendered SQL with LITERAL values, on a twin table.
 * After every step: the same outcome (write strategy and rowsAffected, or the same error code),
 * the same query rows, columns and strategy, and identical table contents. Two table kinds: a
 * keyed table (write log, keyed routing) and a partitioned table without keys (Delta writes,
 * federated reads).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness, type ExecuteResponse } from '../../src/api/index.ts';
import type { Predicate } from '../../src/typed/index.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';

let h: Harness;
const bucket = 'test-bucket';

type Kind = 'keyed' | 'partitioned';
type ColType = 'long' | 'string' | 'int' | 'double' | 'timestamp' | 'boolean';
const COLUMNS: Record<Kind, Record<string, ColType>> = {
  keyed: { id: 'long', name: 'string', n: 'int', x: 'double', ts: 'timestamp', flag: 'boolean' },
  partitioned: { region: 'string', id: 'long', n: 'int', x: 'double', ts: 'timestamp' },
};
const DDL: Record<Kind, (t: string) => string> = {
  keyed: (t) => `CREATE TABLE ${t} (id BIGINT PRIMARY KEY, name VARCHAR DEFAULT 'anon', n INTEGER, x DOUBLE, ts TIMESTAMP, flag BOOLEAN)`,
  partitioned: (t) => `CREATE TABLE ${t} (region VARCHAR, id BIGINT, n INTEGER DEFAULT 7, x DOUBLE, ts TIMESTAMP) PARTITIONED BY (region)`,
};

// ── values and their SQL literals ─────────────────────────────────────────────────────────
const valueOf: Record<ColType, fc.Arbitrary<unknown>> = {
  long: fc.integer({ min: 0, max: 12 }),
  string: fc.constantFrom('a', 'b', "o'k", 'EU', 'US', 'zz%'),
  int: fc.integer({ min: -3, max: 3 }),
  double: fc.constantFrom(0, 1.5, -2.25, 10),
  timestamp: fc.constantFrom(0, 1_700_000_000_000_001, 1_767_225_600_123_456),
  boolean: fc.boolean(),
};
const nullable = (t: ColType, col: string): fc.Arbitrary<unknown> => (col === 'id' ? valueOf[t] : fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: valueOf[t] }));

function literal(t: ColType, v: unknown): string {
  if (v === null) return 'NULL';
  switch (t) {
    case 'string': return `'${String(v).replaceAll("'", "''")}'`;
    case 'timestamp': return `make_timestamp(${String(v)})`;
    default: return String(v);
  }
}
const q = (name: string): string => `"${name}"`;

// ── predicates ────────────────────────────────────────────────────────────────────────────
function leaf(kind: Kind): fc.Arbitrary<Predicate> {
  const cols = Object.entries(COLUMNS[kind]);
  return fc.constantFrom(...cols).chain(([column, t]) => {
    const ops: fc.Arbitrary<Predicate>[] = [
      fc.tuple(fc.constantFrom('EQ', 'NE', 'LT', 'LE', 'GT', 'GE' as const), valueOf[t]).map(([op, value]) => ({ column, op, value })),
      fc.array(valueOf[t], { minLength: 1, maxLength: 3 }).chain((value) => fc.constantFrom('IN', 'NOT_IN' as const).map((op) => ({ column, op, value }))),
      fc.constantFrom('IS_NULL', 'IS_NOT_NULL' as const).map((op) => ({ column, op })),
      fc.tuple(valueOf[t], valueOf[t]).map((value) => ({ column, op: 'BETWEEN' as const, value })),
    ];
    if (t === 'string') ops.push(fc.tuple(fc.constantFrom('LIKE', 'ILIKE' as const), fc.constantFrom('a%', '%o%', 'E_', '%')).map(([op, value]) => ({ column, op, value })));
    return fc.oneof(...ops);
  });
}
function predicate(kind: Kind): fc.Arbitrary<Predicate> {
  const l = leaf(kind);
  const keyEq = fc.integer({ min: 0, max: 12 }).map((value): Predicate => ({ column: 'id', op: 'EQ', value }));
  const inner = fc.oneof(l, fc.array(l, { minLength: 2, maxLength: 3 }).map((or): Predicate => ({ or })), l.map((not): Predicate => ({ not })));
  return fc.oneof(
    l, keyEq,
    fc.array(inner, { minLength: 1, maxLength: 3 }).map((and): Predicate => ({ and })),
    fc.tuple(keyEq, l).map(([a, b]): Predicate => ({ and: [a, b] })),
    inner,
  );
}
function predicateSql(kind: Kind, p: Predicate, top = true): string {
  if ('and' in p) {
    const s = p.and.map((c) => predicateSql(kind, c, false)).join(' AND ');
    return top ? s : `(${s})`;
  }
  if ('or' in p) return `(${p.or.map((c) => predicateSql(kind, c, false)).join(' OR ')})`;
  if ('not' in p) return `(NOT ${predicateSql(kind, p.not, false)})`;
  const t = COLUMNS[kind][p.column]!;
  const c = q(p.column);
  const v = p.value as unknown;
  const cmp: Record<string, string> = { EQ: '=', NE: '<>', LT: '<', LE: '<=', GT: '>', GE: '>=' };
  switch (p.op) {
    case 'IS_NULL': return `${c} IS NULL`;
    case 'IS_NOT_NULL': return `${c} IS NOT NULL`;
    case 'IN': case 'NOT_IN': return `${c} ${p.op === 'IN' ? 'IN' : 'NOT IN'} (${(v as unknown[]).map((x) => literal(t, x)).join(', ')})`;
    case 'BETWEEN': return `${c} BETWEEN ${literal(t, (v as unknown[])[0])} AND ${literal(t, (v as unknown[])[1])}`;
    case 'LIKE': case 'ILIKE': return `${c} ${p.op} ${literal('string', v)}`;
    default: return `${c} ${cmp[p.op]!} ${literal(t, v)}`;
  }
}

// ── operations ────────────────────────────────────────────────────────────────────────────
type Op =
  | { op: 'insert'; rows: Record<string, unknown>[] }
  | { op: 'merge'; rows: Record<string, unknown>[] }
  | { op: 'update'; set: Record<string, unknown>; where: Predicate }
  | { op: 'delete'; where: Predicate }
  | { op: 'query'; columns?: string[]; where?: Predicate; orderBy: { column: string; descending?: boolean; nullsFirst?: boolean }[]; limit?: number; freshness: Freshness };

function row(kind: Kind, cols: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(...cols.map((c) => nullable(COLUMNS[kind][c]!, c))).map((vals) => Object.fromEntries(cols.map((c, i) => [c, vals[i]])));
}
function someColumns(kind: Kind, required: readonly string[]): fc.Arbitrary<string[]> {
  const all = Object.keys(COLUMNS[kind]);
  return fc.subarray(all.filter((c) => !required.includes(c))).map((extra) => all.filter((c) => required.includes(c) || extra.includes(c)));
}
function operation(kind: Kind): fc.Arbitrary<Op> {
  const all = Object.keys(COLUMNS[kind]);
  const required = kind === 'keyed' ? ['id'] : ['region'];
  const insert = fc.array(someColumns(kind, required).chain((cols) => row(kind, cols)), { minLength: 1, maxLength: 3 }).map((rows): Op => ({ op: 'insert', rows }));
  const merge = someColumns(kind, ['id', ...required]).chain((cols) => fc.array(row(kind, cols), { minLength: 1, maxLength: 3 })).map((rows): Op => ({ op: 'merge', rows }));
  const settable = all.filter((c) => c !== 'id' && c !== 'region');
  const update = fc.tuple(fc.subarray(settable, { minLength: 1 }).chain((cols) => row(kind, cols)), predicate(kind)).map(([set, where]): Op => ({ op: 'update', set, where }));
  const del = predicate(kind).map((where): Op => ({ op: 'delete', where }));
  const order = fc.subarray(all.filter((c) => c !== 'id'), { maxLength: 2 }).chain((cols) => fc.tuple(...cols.map((column) => fc.record({ descending: fc.boolean(), nullsFirst: fc.option(fc.boolean(), { nil: undefined }) }).map((o) => ({ column, ...o })))));
  const query = fc.record({
    columns: fc.option(fc.subarray(all, { minLength: 1 }), { nil: undefined }),
    where: fc.option(predicate(kind), { nil: undefined }),
    orderBy: order,
    limit: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    freshness: fc.constantFrom(Freshness.STRONG, Freshness.EVENTUAL),
  }).map((r): Op => ({ op: 'query', ...r, ...(r.columns === undefined ? { columns: undefined } : {}) }) as Op);
  return fc.oneof({ weight: 3, arbitrary: insert }, { weight: 2, arbitrary: merge }, { weight: 2, arbitrary: update }, { weight: 1, arbitrary: del }, { weight: 3, arbitrary: query });
}

/** Appended to every query's ORDER BY so the order is total (ids repeat in the table without keys). */
function tieBreakers(kind: Kind): { column: string }[] {
  return kind === 'keyed' ? [{ column: 'id' }] : Object.keys(COLUMNS[kind]).map((column) => ({ column }));
}

function sqlOf(kind: Kind, table: string, o: Op): string {
  const types = COLUMNS[kind];
  const order = Object.keys(types);
  switch (o.op) {
    case 'insert': {
      const used = order.filter((c) => o.rows.some((r) => r[c] !== undefined));
      return `INSERT INTO ${q(table)} (${used.map(q).join(', ')}) VALUES ${o.rows.map((r) => `(${used.map((c) => (c in r ? literal(types[c]!, r[c]) : 'DEFAULT')).join(', ')})`).join(', ')}`;
    }
    case 'merge': {
      const used = order.filter((c) => c in o.rows[0]!);
      const s = q('__k3_source');
      const match = kind === 'keyed' ? ['id'] : ['id'];
      const duck: Record<ColType, string> = { long: 'BIGINT', string: 'VARCHAR', int: 'INTEGER', double: 'DOUBLE', timestamp: 'TIMESTAMP', boolean: 'BOOLEAN' };
      const tuples = o.rows.map((r) => `(${used.map((c) => `CAST(${literal(types[c]!, r[c])} AS ${duck[types[c]!]})`).join(', ')})`).join(', ');
      const rest = used.filter((c) => !match.includes(c));
      const matched = rest.length === 0 ? '' : ` WHEN MATCHED THEN UPDATE SET ${rest.map((c) => `${q(c)} = ${s}.${q(c)}`).join(', ')}`;
      return `MERGE INTO ${q(table)} USING (VALUES ${tuples}) AS ${s}(${used.map(q).join(', ')}) ON ${match.map((m) => `${q(table)}.${q(m)} = ${s}.${q(m)}`).join(' AND ')}${matched} WHEN NOT MATCHED THEN INSERT (${used.map(q).join(', ')}) VALUES (${used.map((c) => `${s}.${q(c)}`).join(', ')})`;
    }
    case 'update':
      return `UPDATE ${q(table)} SET ${Object.entries(o.set).map(([c, v]) => `${q(c)} = ${literal(types[c]!, v)}`).join(', ')} WHERE ${predicateSql(kind, o.where)}`;
    case 'delete':
      return `DELETE FROM ${q(table)} WHERE ${predicateSql(kind, o.where)}`;
    case 'query': {
      const cols = o.columns === undefined ? '*' : o.columns.map(q).join(', ');
      const orderBy = [...o.orderBy, ...tieBreakers(kind)].map((b) => `${q(b.column)}${'descending' in b && b.descending === true ? ' DESC' : ' ASC'}${'nullsFirst' in b && b.nullsFirst !== undefined ? (b.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`).join(', ');
      return `SELECT ${cols} FROM ${q(table)}${o.where === undefined ? '' : ` WHERE ${predicateSql(kind, o.where)}`} ORDER BY ${orderBy}${o.limit === undefined ? '' : ` LIMIT ${o.limit}`}`;
    }
  }
}

async function typed(table: string, o: Op, kind: Kind): Promise<ExecuteResponse> {
  switch (o.op) {
    case 'insert': return { write: await h.engine.insertRows({ bucket, tableName: table, rows: o.rows }) };
    case 'merge': return { write: await h.engine.mergeRows({ bucket, tableName: table, rows: o.rows, ...(kind === 'partitioned' ? { matchColumns: ['id'] } : {}) }) };
    case 'update': return { write: await h.engine.updateRows({ bucket, tableName: table, set: o.set, where: o.where }) };
    case 'delete': return { write: await h.engine.deleteRows({ bucket, tableName: table, where: o.where }) };
    case 'query': return { query: await h.engine.queryRows({ bucket, tableName: table, ...(o.columns !== undefined ? { columns: o.columns } : {}), ...(o.where !== undefined ? { where: o.where } : {}), orderBy: [...o.orderBy, ...tieBreakers(kind)], ...(o.limit !== undefined ? { limit: o.limit } : {}), freshness: o.freshness }) };
  }
}

type Outcome = { error: string } | { write: { strategy: string; rowsAffected: number } } | { query: { strategy: string; servedBy: string; columns: unknown; rows: unknown; partitionsPruned: number } };
async function outcome(p: Promise<ExecuteResponse>): Promise<Outcome> {
  try {
    const r = await p;
    if ('write' in r) return { write: { strategy: r.write.strategy, rowsAffected: r.write.rowsAffected } };
    if ('query' in r) return { query: { strategy: r.query.strategy, servedBy: r.query.servedBy, columns: r.query.columns, rows: r.query.rows, partitionsPruned: r.query.partitionsPruned } };
    return { error: 'ddl' };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  }
}

beforeAll(async () => {
  h = await createHarness({ K3_FEDERATE_MIN_PARTITIONS: '1', K3_FEDERATE_MIN_BYTES: '0' }, { drainLogWrites: false });
}, 60_000);

afterAll(async () => h?.close());

describe('typed operations equal their SQL', () => {
  const cases: Array<[Kind, number]> = [['keyed', 1], ['keyed', 2], ['keyed', 3], ['keyed', 6], ['partitioned', 4], ['partitioned', 5], ['partitioned', 7]];
  for (const [kind, seed] of cases) {
    const ops = fc.sample(operation(kind), { seed, numRuns: 24 });
    it(`${kind} table, seed ${seed}: ${ops.length} random operations, identical outcomes and contents after each`, async () => {
      const a = `typed_${kind}_${seed}`;
      const b = `sql_${kind}_${seed}`;
      await h.ddl(DDL[kind](a));
      await h.ddl(DDL[kind](b));
      const kinds = new Set<string>();
      for (const [i, o] of ops.entries()) {
        const sql = sqlOf(kind, b, o);
        const viaTyped = await outcome(typed(a, o, kind));
        const viaSql = await outcome(h.engine.execute({ bucket, sql, ...(o.op === 'query' ? { freshness: o.freshness } : {}) }));
        expect(viaTyped, `step ${i}: ${JSON.stringify(o)}\nSQL: ${sql}`).toEqual(viaSql);
        kinds.add('error' in viaTyped ? `error ${viaTyped.error}` : 'write' in viaTyped ? viaTyped.write.strategy : viaTyped.query.strategy);
        const contents = async (t: string) => (await h.engine.execute({ bucket, sql: `SELECT * FROM ${t} ORDER BY ALL`, freshness: Freshness.STRONG }) as { query: { rows: unknown[][] } }).query.rows;
        expect(await contents(a), `contents after step ${i}: ${sql}`).toEqual(await contents(b));
      }
      // The sample exercised more than one path (strategies / outcomes), so the comparison has teeth.
      expect(kinds.size).toBeGreaterThan(2);
    }, 120_000);
  }
});
