/**
 * Statement analysis and planning cost against statement size (issue 14, "Planning time is tested
 * to grow linearly"; issue 10, "a 20,000-item IN list plans in under 1 s"). For IN lists of N/10
 * and N items (K3_BENCH_IN_ITEMS, default 20,000) over a keyed table:
 *
 *   analysis   k3's own analysis of the text (analyseStatement: tokens, placeholders, time travel,
 *              statement split, pre-pass) — pure JS, median of K3_BENCH_REPEATS runs;
 *   cold       Engine.execute of a text never seen before (a distinct trailing comment per run):
 *              analysis + DuckDB's parse (json_serialize_sql) + planning + DuckDB's prepare + run;
 *   warm       the same text again (analysis and AST from the statement cache);
 *   duckdb     DuckDB alone on the same Parquet file: prepare + run of the same statement.
 *
 * Growth ratios (N items / N/10 items) are reported for each; the deterministic guarantee (one
 * token pass, one DuckDB parse per statement) is held by test/compat/statement-analysis.test.ts.
 * Writes bench/results/statement-analysis.json; nothing fails on the numbers.
 *
 *   K3_BENCH_IN_ITEMS=2000 K3_BENCH_REPEATS=3 node bench/statement-analysis.bench.ts   # a quick check
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { Freshness } from '@k3/core/api';
import { loadConfig } from '@k3/core/config';
import { createDuckDB, FileCache } from '@k3/core/exec';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { Engine, analyseStatement } from '@k3/core/sql';

const ITEMS = Number(process.env.K3_BENCH_IN_ITEMS ?? 20_000);
const REPEATS = Number(process.env.K3_BENCH_REPEATS ?? 5);
const ROWS = 100_000;
const bucket = 'bench';

const dir = await mkdtemp(path.join(tmpdir(), 'k3-analysis-bench-'));
const dataDir = path.join(dir, 'data');
const cacheDir = path.join(dir, 'cache');
const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dataDir, K3_CACHE_DIR: cacheDir, K3_QUERY_TIMEOUT: '10m' });
const db = await createDuckDB({ threads: 2, allowedDirectories: [dataDir, cacheDir] });
const engine = new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir: cacheDir, maxBytes: 1 << 30 }), config });

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Math.round(x * 10) / 10;
const inList = (n: number, tag = ''): string => `SELECT count(*) AS n FROM pts WHERE id IN (${Array.from({ length: n }, (_, i) => i * 3).join(', ')})${tag}`;

async function timed(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

await engine.execute({ bucket, sql: 'CREATE TABLE pts (id BIGINT PRIMARY KEY, v VARCHAR)' });
await engine.execute({ bucket, sql: `INSERT INTO pts SELECT range, 'v' || range FROM range(${ROWS})` });
while ((await engine.compact(bucket, 'pts')).truncated);

// DuckDB alone, on one Parquet file of the same rows.
const ref = await DuckDBInstance.create(':memory:', { threads: '2' });
const refConn = await ref.connect();
const parquet = path.join(dir, 'pts.parquet');
await refConn.run(`COPY (SELECT range::BIGINT AS id, 'v' || range AS v FROM range(${ROWS})) TO '${parquet}'`);
await refConn.run(`CREATE VIEW pts AS SELECT * FROM read_parquet('${parquet}')`);

interface Row { items: number; analysisMs: number; coldMs: number; warmMs: number; strongColdMs: number; duckdbMs: number }
const rows: Row[] = [];
let run = 0;
for (const items of [Math.round(ITEMS / 10), ITEMS]) {
  const sql = inList(items);
  const analysis: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const strong: number[] = [];
  const duck: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    analysis.push(await timed(() => analyseStatement(sql, 0)));
    cold.push(await timed(() => engine.execute({ bucket, sql: inList(items, ` -- run ${run++}`) })));
    warm.push(await timed(() => engine.execute({ bucket, sql })));
    strong.push(await timed(() => engine.execute({ bucket, sql: inList(items, ` -- run ${run++}`), freshness: Freshness.STRONG })));
    duck.push(await timed(async () => {
      const p = await refConn.prepare(sql);
      try {
        await p.runAndReadAll();
      } finally {
        p.destroySync();
      }
    }));
  }
  const row = { items, analysisMs: round(median(analysis)), coldMs: round(median(cold)), warmMs: round(median(warm)), strongColdMs: round(median(strong)), duckdbMs: round(median(duck)) };
  process.stdout.write(`${JSON.stringify(row)}\n`);
  rows.push(row);
}

const [small, big] = rows as [Row, Row];
const ratio = (k: keyof Row): number => Math.round((big[k] / Math.max(0.01, small[k])) * 10) / 10;
const result = {
  benchmark: 'statement-analysis',
  at: new Date().toISOString(),
  machine: '2 shared cores, local disk',
  tableRows: ROWS,
  repeats: REPEATS,
  sizes: rows,
  growth: { statementSize: 10, analysis: ratio('analysisMs'), cold: ratio('coldMs'), warm: ratio('warmMs'), strongCold: ratio('strongColdMs'), duckdb: ratio('duckdbMs') },
  note: 'medians; growth = time at N items / time at N/10 items (linear = 10). cold = analysis + DuckDB parse + planning + DuckDB prepare and run of a text never seen; warm = the same text again (statement cache); duckdb = DuckDB alone, prepare + run.',
};
process.stdout.write(`${JSON.stringify(result.growth)}\n`);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'statement-analysis.json'), `${JSON.stringify(result, null, 2)}\n`);

refConn.closeSync();
ref.closeSync();
await engine.close();
db.closeSync();
await rm(dir, { recursive: true, force: true });
