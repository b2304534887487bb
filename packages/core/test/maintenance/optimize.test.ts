/**
 * OPTIMIZE on real tables: bin-packing per partition (results identical at every version, fewer
 * files, dataChange=false actions, no-op without commit), partition filters, files of two schema
 * versions, Z-order (tighter min/max stats), and concurrency with appends and deletes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCommitActions } from '../../src/delta/commit.ts';
import { latestVersion, loadSnapshot } from '../../src/delta/snapshot.ts';
import { Transaction } from '../../src/delta/transaction.ts';
import { optimizeTable } from '../../src/maintenance/optimize.ts';
import { FaultyObjectStore, type ObjectStore } from '../../src/object-store/index.ts';
import { filesOverlapping } from './support/stats-overlap.ts';
import { addColumn, append, createTable, createTableEnv, field, rowsAt, type TableEnv } from './support/table-env.ts';

let env: TableEnv;
beforeAll(async () => {
  env = await createTableEnv();
});
afterAll(async () => env.close());

const schema = { type: 'struct' as const, fields: [field('id', 'long'), field('a', 'integer'), field('k', 'string')] };

async function versionsRows(root: string, upTo: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let v = 0; v <= upTo; v++) out.push(await rowsAt(env, root, { version: v }));
  return out;
}

describe('optimizeTable (compact)', () => {
  it('bin-packs small files per partition without changing any version', async () => {
    const root = 'tables/compact/';
    await createTable(env, root, schema, ['k']);
    for (let i = 0; i < 5; i++) await append(env, root, `SELECT j AS id, (j % 7)::INT AS a, CASE WHEN j % 2 = 0 THEN 'x' ELSE 'y' END AS k FROM range(${i * 100}, ${i * 100 + 100}) t(j)`);
    const last = await append(env, root, "SELECT 9999 AS id, 1 AS a, 'z' AS k"); // a lone small file: skipped
    const before = await versionsRows(root, last);
    const filesBefore = (await loadSnapshot(env.store, root)).files.length;
    expect(filesBefore).toBe(11);

    const res = await optimizeTable(env.store, root, {}, env.deps);
    expect(res).toMatchObject({ version: Number(last + 1), optimizeType: 'compact', filesAdded: 2, filesRemoved: 10, partitionsOptimized: 2, totalConsideredFiles: 11, totalFilesSkipped: 1, numBatches: 2 });
    expect(Number(res.bytesRemoved)).toBeGreaterThan(0);
    expect(Number(res.bytesAdded)).toBeGreaterThan(0);

    const after = await loadSnapshot(env.store, root);
    expect(after.files.length).toBe(3);
    expect(await rowsAt(env, root)).toEqual(before[last]);
    expect(await versionsRows(root, last)).toEqual(before);

    const actions = (await readCommitActions(env.store, root, last + 1))!;
    const info = actions.find((a) => 'commitInfo' in a);
    expect(info && 'commitInfo' in info ? info.commitInfo : undefined).toMatchObject({
      operation: 'OPTIMIZE', isBlindAppend: false, isolationLevel: 'SnapshotIsolation',
      operationParameters: { predicate: '[]', targetSize: String(128 * 1024 * 1024), zOrderBy: '[]', auto: 'false' },
      operationMetrics: { numAddedFiles: '2', numRemovedFiles: '10', numAddedBytes: String(res.bytesAdded), numRemovedBytes: String(res.bytesRemoved) },
    });
    for (const a of actions) {
      if ('add' in a) expect(a.add.dataChange).toBe(false);
      if ('remove' in a) expect(a.remove.dataChange).toBe(false);
    }

    const again = await optimizeTable(env.store, root, {}, env.deps);
    expect(again).toMatchObject({ version: Number(last + 1), partitionsOptimized: 0, filesAdded: 0, filesRemoved: 0, numBatches: 0 });
    expect(await latestVersion(env.store, root)).toBe(last + 1);
  });

  it('honours partition filters and merges files written before and after a schema change', async () => {
    const root = 'tables/filtered/';
    await createTable(env, root, schema, ['k']);
    await append(env, root, "SELECT 1 AS id, 1 AS a, 'x' AS k UNION ALL SELECT 2, 2, 'y'");
    await addColumn(env, root, 'note', 'string');
    const last = await append(env, root, "SELECT 3 AS id, 3 AS a, 'x' AS k, 'n3' AS note UNION ALL SELECT 4, 4, 'y', 'n4'");
    const before = await rowsAt(env, root);
    const res = await optimizeTable(env.store, root, { partitionFilters: [{ column: 'k', op: '=', value: 'x' }] }, env.deps);
    expect(res).toMatchObject({ version: Number(last + 1), partitionsOptimized: 1, filesRemoved: 2, filesAdded: 1, totalConsideredFiles: 2, totalFilesSkipped: 0 });
    expect(await rowsAt(env, root)).toEqual(before);
    expect(before.some((r) => r.includes('"note":null'))).toBe(true);
    const snap = await loadSnapshot(env.store, root);
    expect(snap.files.filter((f) => f.add.partitionValues.k === 'y')).toHaveLength(2);
    await expect(optimizeTable(env.store, root, { partitionFilters: [{ column: 'a', op: '=', value: '1' }] }, env.deps)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
  });

  it('refuses bad requests', async () => {
    const root = 'tables/compact/';
    await expect(optimizeTable(env.store, root, { targetFileSizeMb: 0 }, env.deps)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(optimizeTable(env.store, root, { zOrderColumns: ['nope'] }, env.deps)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(optimizeTable(env.store, root, { zOrderColumns: ['k'] }, env.deps)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(optimizeTable(env.store, root, { zOrderColumns: ['a', 'A'] }, env.deps)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(optimizeTable(env.store, 'tables/none/', {}, env.deps)).rejects.toMatchObject({ code: 'ERR_TABLE_NOT_FOUND' });
  });
});

describe('optimizeTable (zorder)', () => {
  it('clusters rows so a selective predicate on both columns overlaps fewer files', async () => {
    const root = 'tables/zorder/';
    await createTable(env, root, { type: 'struct', fields: [field('id', 'long'), field('a', 'integer'), field('b', 'integer')] });
    for (let i = 0; i < 16; i++) {
      await append(env, root, `SELECT j AS id, (hash(j, 'a') % 1000)::INT AS a, (hash(j, 'b') % 1000)::INT AS b FROM range(${i * 2000}, ${(i + 1) * 2000}) t(j)`);
    }
    const before = await loadSnapshot(env.store, root);
    const rowsBefore = await rowsAt(env, root);
    const ranges = { a: [100, 160], b: [300, 360] } as const;
    const overlapBefore = filesOverlapping(before, ranges);
    expect(overlapBefore).toBe(16);
    const bytes = before.files.reduce((n, f) => n + f.add.size, 0);
    // Aim for ~16 output files so only the clustering, not the file count, changes.
    const res = await optimizeTable(env.store, root, { zOrderColumns: ['a', 'b'], targetFileSizeMb: bytes / 16 / (1024 * 1024) }, env.deps);
    expect(res.optimizeType).toBe('zorder');
    const after = await loadSnapshot(env.store, root);
    expect(after.files.length).toBeGreaterThanOrEqual(4);
    expect(await rowsAt(env, root)).toEqual(rowsBefore);
    const overlapAfter = filesOverlapping(after, ranges);
    expect(overlapAfter).toBeLessThan(overlapBefore / 2);
    const [entry] = (await import('../../src/delta/history.ts').then((m) => m.readHistory(env.store, root, { limit: 1 }))).entries;
    expect(entry?.operationParameters).toMatchObject({ zOrderBy: '["a","b"]' });
  });
});

/** A competing writer runs just before the first commit PUT (a seeded 'interleave' fault). */
const beforeNextCommit = (store: ObjectStore, run: () => Promise<void>): FaultyObjectStore =>
  new FaultyObjectStore(store, { seed: 1, rules: [{ kind: 'interleave', ops: ['putIfAbsent'], key: /_delta_log\/\d{20}\.json$/, times: 1, run }] });

describe('optimizeTable under concurrency', () => {
  it('keeps a concurrent append and commits after it', async () => {
    const root = 'tables/concurrent-append/';
    await createTable(env, root, schema, ['k']);
    for (let i = 0; i < 3; i++) await append(env, root, `SELECT ${i} AS id, ${i} AS a, 'x' AS k`);
    const hooked = beforeNextCommit(env.store, async () => {
      await append(env, root, "SELECT 100 AS id, 100 AS a, 'x' AS k");
    });
    const res = await optimizeTable(hooked, root, {}, env.deps);
    expect(res.version).toBe(5); // 4 was taken by the append
    const rows = await rowsAt(env, root);
    expect(rows).toHaveLength(4);
    expect(rows.some((r) => r.includes('"id":"100"') || r.includes('"id":100'))).toBe(true);
    expect((await loadSnapshot(env.store, root)).files).toHaveLength(2);
  });

  it('fails with a retryable conflict when a rewritten file is deleted concurrently', async () => {
    const root = 'tables/concurrent-delete/';
    await createTable(env, root, schema, ['k']);
    for (let i = 0; i < 3; i++) await append(env, root, `SELECT ${i} AS id, ${i} AS a, 'x' AS k`);
    const hooked = beforeNextCommit(env.store, async () => {
      const snap = await loadSnapshot(env.store, root);
      const victim = snap.files[0]!;
      await Transaction.forSnapshot(env.store, snap, env.transaction).readFiles([victim]).removeFiles([victim]).commit({ operation: 'DELETE' });
    });
    const err = await optimizeTable(hooked, root, {}, env.deps).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DELTA_CONCURRENT_DELETE_DELETE', retryable: true });
    expect(await latestVersion(env.store, root)).toBe(4);
  });
});

describe('optimizeTable over a faulty store (ambiguous successes)', () => {
  it('ends with the data unchanged and a valid log whichever storage call loses its answer', async () => {
    const root = 'tables/faulty-optimize/';
    await createTable(env, root, schema, ['k']);
    for (let i = 0; i < 3; i++) await append(env, root, `SELECT ${i} AS id, ${i} AS a, 'x' AS k`);
    // One run per storage call of OPTIMIZE, the answer of that call lost (once optimized, later runs are no-ops).
    const before = (await rowsAt(env, root)).sort();
    for (let i = 0; ; i++) {
      const faulty = new FaultyObjectStore(env.store, { seed: 11, rules: [{ kind: 'ambiguous', skip: i, times: 1 }] });
      const err = await optimizeTable(faulty, root, {}, env.deps).then(() => undefined, (e: unknown) => e);
      if (faulty.faults.length === 0) break; // past the last call: optimized without a fault
      if (err !== undefined) expect(err, faulty.describe()).toMatchObject({ retryable: true });
      expect((await rowsAt(env, root)).sort(), faulty.describe()).toEqual(before);
    }
    expect((await loadSnapshot(env.store, root)).files).toHaveLength(1);
  });
});
