import { describe, expect, it } from 'vitest';
import type { PartitionValue } from '../../src/delta/partition-values.ts';
import type { StructType } from '../../src/delta/schema.ts';
import type { ActiveFile } from '../../src/delta/snapshot.ts';
import type { FileStats } from '../../src/delta/stats.ts';
import { pruneFiles, statLiteral } from '../../src/plan/prune.ts';
import { readShape } from '../../src/plan/query-shape.ts';
import { serializeSelect } from '../../src/plan/select-ast.ts';
import { useDuckDB } from './support/duckdb.ts';

const db = useDuckDB();

const schema: StructType = {
  type: 'struct',
  fields: [
    { name: 'region', type: 'string', nullable: true, metadata: {} },
    { name: 'day', type: 'date', nullable: true, metadata: {} },
    { name: 'amount', type: 'long', nullable: true, metadata: {} },
    { name: 'name', type: 'string', nullable: true, metadata: {} },
    { name: 'ts', type: 'timestamp', nullable: true, metadata: {} },
  ],
};

let n = 0;
function file(partitionValues: Record<string, PartitionValue>, stats?: FileStats): ActiveFile {
  const path = `part-${n++}.parquet`;
  return { add: { path, partitionValues: {}, size: 100, modificationTime: 0, dataChange: true }, key: path, stats, partitionValues };
}
const st = (numRecords: number, min: Record<string, unknown>, max: Record<string, unknown>, nullCount: Record<string, unknown> = {}): FileStats => ({ numRecords, minValues: min, maxValues: max, nullCount });

const files = [
  file({ region: 'EU', day: '2024-01-01' }, st(10, { amount: 1, name: 'a', ts: '2024-01-01T00:00:00.000Z' }, { amount: 50, name: 'm', ts: '2024-01-01T10:00:00.123Z' }, { amount: 0 })),
  file({ region: 'EU', day: '2024-01-02' }, st(10, { amount: 60, name: 'n' }, { amount: 90, name: 'z' }, { amount: 2 })),
  file({ region: 'US', day: '2024-01-01' }, st(5, { amount: 100 }, { amount: 200 }, { amount: 0 })),
  file({ region: 'US', day: '2024-01-01' }),
  file({ region: null, day: '2024-01-03' }, st(3, {}, {}, { amount: 3 })),
  file({ region: 'APAC', day: null }, st(0, {}, {})),
];
const snapshot = { schema, partitionColumns: ['region', 'day'], files };

async function prune(where: string): Promise<{ kept: string[]; partitions: number; skipped: number }> {
  const [stmt] = await serializeSelect(db.conn, `SELECT * FROM t WHERE ${where}`);
  const shape = readShape(stmt!);
  if ('reason' in shape) throw new Error(shape.reason);
  const r = await pruneFiles(db.conn, shape.node.where_clause, snapshot);
  return { kept: r.files.map((f) => f.key), partitions: r.partitions.kept, skipped: r.filesSkipped };
}
const keys = (...i: number[]): string[] => i.map((x) => files[x]!.key);

describe('pruneFiles: partitions (evaluated by DuckDB over a VALUES table)', () => {
  it('keeps only matching partitions, with SQL semantics for NULL keys', async () => {
    expect((await prune("region = 'EU'")).kept).toEqual(keys(0, 1));
    expect((await prune("t.region IN ('US', 'APAC') AND day = DATE '2024-01-01'")).kept).toEqual(keys(2, 3));
    expect((await prune('region IS NULL')).kept).toEqual(keys(4));
    expect((await prune("region <> 'EU'")).kept).toEqual(keys(2, 3));
    expect((await prune("lower(region) LIKE 'e%' OR day > '2024-01-02'")).kept).toEqual(keys(0, 1, 4));
    expect((await prune("day BETWEEN '2024-01-02' AND '2024-01-31'")).partitions).toBe(2);
  });

  it('uses only partition-only conjuncts and never volatile or failing ones', async () => {
    expect((await prune("region = 'EU' OR amount > 5")).kept).toEqual(keys(0, 1, 2, 3, 4));
    expect((await prune("day < current_date AND region = 'US'")).kept).toEqual(keys(2, 3));
    // The cast fails for 'EU': nothing is pruned and the real query reports the error.
    expect((await prune('CAST(region AS INTEGER) = 1')).kept).toEqual(keys(0, 1, 2, 3, 4));
  });
});

describe('pruneFiles: data skipping by stats', () => {
  it('skips files whose min/max cannot match and keeps files without stats', async () => {
    expect((await prune('amount > 95')).kept).toEqual(keys(2, 3, 4));
    expect((await prune('55 < amount AND amount <= 60')).kept).toEqual(keys(1, 3, 4));
    expect((await prune('amount BETWEEN 51 AND 59')).kept).toEqual(keys(3, 4));
    expect((await prune('amount IN (5, 150)')).kept).toEqual(keys(0, 2, 3, 4));
    expect((await prune("name >= 'o'")).kept).toEqual(keys(1, 2, 3, 4));
  });

  it('uses null counts for IS [NOT] NULL and drops files stats say are empty', async () => {
    expect((await prune('amount IS NULL')).kept).toEqual(keys(1, 3, 4));
    expect((await prune('amount IS NOT NULL')).kept).toEqual(keys(0, 1, 2, 3));
    const r = await prune('amount IS NOT NULL');
    expect(r.skipped).toBe(2);
  });

  it('widens millisecond-truncated timestamp maxima', async () => {
    expect((await prune("ts > TIMESTAMP '2024-01-01 10:00:00.123500'")).kept).toContain(files[0]!.key);
    expect((await prune("ts > TIMESTAMP '2024-01-01 10:00:00.124'")).kept).not.toContain(files[0]!.key);
  });

  it('refuses untrustworthy stats as bounds', () => {
    expect(statLiteral(2 ** 60, 'long', 'min')).toBe('NULL::BIGINT');
    expect(statLiteral('x'.repeat(40), 'string', 'max')).toBe('NULL::VARCHAR');
    expect(statLiteral('x'.repeat(40), 'string', 'min')).toContain('xxxx');
    expect(statLiteral(1.5e20, 'decimal(38,2)', 'min')).toBe('NULL::DECIMAL(38,2)');
    expect(statLiteral(12.5, 'decimal(10,2)', 'max')).toBe("CAST('12.5' AS DECIMAL(10,2))");
  });
});

describe('pruneFiles: typed partition columns', () => {
  const typed: StructType = {
    type: 'struct',
    fields: [
      { name: 'n', type: 'long', nullable: true, metadata: {} },
      { name: 'ok', type: 'boolean', nullable: true, metadata: {} },
      { name: 'signed', type: 'timestamp', nullable: true, metadata: {} },
      { name: 'price', type: 'decimal(10,2)', nullable: true, metadata: {} },
      { name: 'ratio', type: 'double', nullable: true, metadata: {} },
      { name: 'v', type: 'string', nullable: true, metadata: {} },
    ],
  };
  const parts = [
    file({ n: 9007199254740993n, ok: true, signed: 1704067200000000n, price: '1.50', ratio: 0.5 }),
    file({ n: -1n, ok: false, signed: 1704153600000001n, price: '-2.25', ratio: Number.NaN }),
    file({ n: null, ok: null, signed: null, price: null, ratio: null }),
  ];
  const typedSnapshot = { schema: typed, partitionColumns: ['n', 'ok', 'signed', 'price', 'ratio'], files: parts };
  const keep = async (where: string): Promise<number[]> => {
    const [stmt] = await serializeSelect(db.conn, `SELECT * FROM t WHERE ${where}`);
    const shape = readShape(stmt!);
    if ('reason' in shape) throw new Error(shape.reason);
    const r = await pruneFiles(db.conn, shape.node.where_clause, typedSnapshot);
    return r.files.map((f) => parts.indexOf(f));
  };

  it('compares with the partition values typed as the schema says', async () => {
    expect(await keep('n = 9007199254740993')).toEqual([0]);
    expect(await keep('n < 0')).toEqual([1]);
    expect(await keep('ok')).toEqual([0]);
    expect(await keep('NOT ok')).toEqual([1]);
    expect(await keep("signed > TIMESTAMP '2024-01-02 00:00:00'")).toEqual([1]);
    expect(await keep('price BETWEEN 1 AND 2')).toEqual([0]);
    expect(await keep('ratio > 1e300')).toEqual([1]);
    expect(await keep('price IS NULL AND ratio IS NULL')).toEqual([2]);
    expect(await keep('n > 0 OR ok IS NULL')).toEqual([0, 2]);
  });
});


describe('pruneFiles: repeated pruning queries', () => {
  it('asks DuckDB once per query text; other files or another predicate ask again', async () => {
    const calls: string[] = [];
    const conn = new Proxy(db.conn, {
      get(target, prop, receiver) {
        // Pruning queries only (expressions printed for them have their own cache: printed-sql-cache.ts).
        if (prop === 'runAndReadAll') return (sql: string, values?: never) => { if (!sql.includes('json_deserialize_sql')) calls.push(sql); return target.runAndReadAll(sql, values); };
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const where = async (text: string) => {
      const [stmt] = await serializeSelect(db.conn, `SELECT * FROM t WHERE ${text}`);
      const shape = readShape(stmt!);
      if ('reason' in shape) throw new Error(shape.reason);
      return shape.node.where_clause;
    };
    const w = await where("region = 'US' AND amount > 150 AND amount < 1234567");
    const first = await pruneFiles(conn, w, snapshot);
    expect(first.files.map((f) => f.key)).toEqual(keys(2, 3));
    const asked = calls.length;
    expect(asked).toBeGreaterThan(0);
    const again = await pruneFiles(conn, w, snapshot);
    expect(again.files.map((f) => f.key)).toEqual(keys(2, 3));
    expect(again.filesSkipped).toBe(first.filesSkipped);
    expect(calls.length).toBe(asked);
    // Another file set is another question: the new file's statistics are in the text.
    const extra = file({ region: 'US', day: '2024-01-05' }, st(4, { amount: 1 }, { amount: 2 }, { amount: 0 }));
    const more = await pruneFiles(conn, w, { ...snapshot, files: [...files, extra] });
    expect(more.files.map((f) => f.key)).toEqual(keys(2, 3)); // the new file skipped by its statistics
    expect(calls.length).toBeGreaterThan(asked);
  });
});
