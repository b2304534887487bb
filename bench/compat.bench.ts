/**
 * The DuckDB-compatibility measurement: every case of the compatibility corpus (test/compat/
 * cases.ts + cases-types.ts, built from DuckDB's documented SQL) runs through the in-process
 * engine (the server's createEngine) and through plain DuckDB on the same fixtures, exactly as
 * test/compat/compat.test.ts does. The figure the issue asks for is the share of statements
 * DuckDB passes that also pass through Execute with identical results (rows, types, rowsAffected,
 * RETURNING, table contents after a write); statements DuckDB refuses are counted separately (k3
 * must refuse them with the case's code and change nothing). Known gaps count as failures.
 * Writes bench/results/compat.json (totals, per area = the id's first word, every failing id).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAppError, loadConfig } from '@k3/core';
import { createEngine } from '../services/coordinator/src/create-engine.ts';
import { DuckDBReference } from '../test/support/duckdb-reference.ts';
import { ALL_CASES } from '../test/compat/cases.ts';
import { FIXTURE_SQL, FIXTURE_TABLES } from '../test/compat/fixtures.ts';
import { runCase, type Execute } from '../test/compat/run-case.ts';

const BUCKET = 'compat';
const dir = mkdtempSync(path.join(tmpdir(), 'k3-compat-bench-'));
const created = await createEngine(loadConfig({ K3_DATA_DIR: path.join(dir, 'data'), K3_CACHE_DIR: path.join(dir, 'cache'), K3_LOG_LEVEL: 'silent' }));
const ref = await DuckDBReference.create();
const exec: Execute = async (sql) => {
  try {
    return { ok: true, res: await created.engine.execute({ bucket: BUCKET, sql, freshness: 'FRESHNESS_STRONG' }) };
  } catch (err) {
    if (isAppError(err)) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
};

interface Tally { cases: number; passed: number; failed: string[] }
const newTally = (): Tally => ({ cases: 0, passed: 0, failed: [] });
const duckdbPasses = newTally();
const duckdbRefuses = newTally();
const byArea: Record<string, Tally> = {};
const started = Date.now();
try {
  for (const sql of FIXTURE_SQL) {
    await ref.run(sql);
    const out = await exec(sql);
    if (!out.ok) throw new Error(`fixture failed on k3: ${out.code} ${out.message}`);
  }
  for (const t of FIXTURE_TABLES) await created.engine.compact(BUCKET, t);
  for (const c of ALL_CASES) {
    let equal: boolean;
    try {
      equal = (await runCase(c, exec, ref)).equal;
    } catch {
      equal = false; // the case itself broke (e.g. a setup statement): a failure, not a crash
    }
    const area = c.id.split('-')[0] ?? c.id;
    for (const t of [c.refusedWith === undefined ? duckdbPasses : duckdbRefuses, (byArea[area] ??= newTally())]) {
      t.cases++;
      if (equal) t.passed++;
      else t.failed.push(c.id);
    }
  }
} finally {
  ref.close();
  await created.close();
  rmSync(dir, { recursive: true, force: true });
}

const pct = (t: Tally): number => (t.cases === 0 ? 100 : Math.round((t.passed / t.cases) * 1000) / 10);
const result = {
  benchmark: 'compat',
  at: new Date().toISOString(),
  corpus: 'test/compat/cases.ts + cases-types.ts (DuckDB-documented statements)',
  totalCases: ALL_CASES.length,
  duckdbPasses: { ...duckdbPasses, passRatePercent: pct(duckdbPasses) },
  duckdbRefuses: { ...duckdbRefuses, refusedAlikePercent: pct(duckdbRefuses) },
  byArea: Object.fromEntries(Object.entries(byArea).map(([k, t]) => [k, { cases: t.cases, passed: t.passed, passRatePercent: pct(t) }])),
  elapsedMs: Date.now() - started,
};
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'compat.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`compat: of ${duckdbPasses.cases} statements DuckDB passes, ${duckdbPasses.passed} pass through Execute (${pct(duckdbPasses)} %); `
  + `${duckdbRefuses.passed} of ${duckdbRefuses.cases} DuckDB refusals refused alike. Failing: ${[...duckdbPasses.failed, ...duckdbRefuses.failed].join(', ') || 'none'}\n`);
