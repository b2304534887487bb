/**
 * Z-order data skipping: a table of K3_BENCH_ZORDER_ROWS rows (default 400,000) appended in
 * K3_BENCH_ZORDER_FILES batches (default 32) of uniformly random (a, b) is OPTIMIZEd with
 * ZORDER BY (a, b) into about the same number of files. For predicates on a, on b and on both,
 * counts the files whose [min, max] stats overlap the predicate (the files a reader must open)
 * before and after, and checks that the rows are unchanged. Writes
 * bench/results/zorder-skipping.json. Counts, not timings, are the result; nothing fails on them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSnapshot } from '@k3/core/delta';
import { optimizeTable } from '@k3/core/maintenance';
import { append, createTable, createTableEnv, field, rowsAt } from '../packages/core/test/maintenance/support/table-env.ts';
import { filesOverlapping, type Ranges } from '../packages/core/test/maintenance/support/stats-overlap.ts';

const ROWS = Number(process.env.K3_BENCH_ZORDER_ROWS ?? 400_000);
const FILES = Number(process.env.K3_BENCH_ZORDER_FILES ?? 32);
const DOMAIN = 10_000;
const root = 'tables/zorder/';

const PREDICATES: Record<string, Ranges> = {
  'a BETWEEN 1000 AND 1500 AND b BETWEEN 6000 AND 6500': { a: [1000, 1500], b: [6000, 6500] },
  'a BETWEEN 4000 AND 4100 AND b BETWEEN 200 AND 300': { a: [4000, 4100], b: [200, 300] },
  'a = 7777 AND b = 3333': { a: [7777, 7777], b: [3333, 3333] },
  'a BETWEEN 1000 AND 1500': { a: [1000, 1500] },
  'b BETWEEN 6000 AND 6500': { b: [6000, 6500] },
};

const env = await createTableEnv();
try {
  await createTable(env, root, { type: 'struct', fields: [field('id', 'long'), field('a', 'integer'), field('b', 'integer'), field('payload', 'string')] });
  const per = Math.ceil(ROWS / FILES);
  const t0 = performance.now();
  for (let i = 0; i < FILES; i++) {
    const from = i * per;
    await append(env, root, `SELECT j AS id, (hash(j, 'a') % ${DOMAIN})::INT AS a, (hash(j, 'b') % ${DOMAIN})::INT AS b, md5(j::VARCHAR) AS payload FROM range(${from}, ${Math.min(ROWS, from + per)}) t(j)`);
  }
  const loadMs = performance.now() - t0;
  const before = await loadSnapshot(env.store, root);
  const rowsBefore = await rowsAt(env, root);
  const bytes = before.files.reduce((n, f) => n + f.add.size, 0);

  const t1 = performance.now();
  const response = await optimizeTable(env.store, root, { zOrderColumns: ['a', 'b'], targetFileSizeMb: bytes / FILES / (1024 * 1024) }, env.deps);
  const optimizeMs = performance.now() - t1;
  const after = await loadSnapshot(env.store, root);
  const unchanged = JSON.stringify(await rowsAt(env, root)) === JSON.stringify(rowsBefore);

  const predicates = Object.entries(PREDICATES).map(([predicate, ranges]) => {
    const filesBefore = filesOverlapping(before, ranges);
    const filesAfter = filesOverlapping(after, ranges);
    return { predicate, filesBefore, filesAfter, totalFilesBefore: before.files.length, totalFilesAfter: after.files.length, skippedFractionAfter: Math.round((1 - filesAfter / after.files.length) * 1000) / 1000 };
  });
  const result = {
    benchmark: 'zorder-skipping',
    at: new Date().toISOString(),
    rows: ROWS,
    domain: DOMAIN,
    rowsUnchanged: unchanged,
    loadMs: Math.round(loadMs),
    optimizeMs: Math.round(optimizeMs),
    optimize: response,
    predicates,
  };
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'zorder-skipping.json'), `${JSON.stringify(result, null, 2)}\n`);
  for (const p of predicates) process.stdout.write(`${p.predicate}: ${p.filesBefore}/${p.totalFilesBefore} files → ${p.filesAfter}/${p.totalFilesAfter}\n`);
  process.stdout.write(`rows unchanged: ${unchanged}; optimize ${Math.round(optimizeMs)} ms\n`);
  if (!unchanged) process.exitCode = 1;
} finally {
  await env.close();
}
