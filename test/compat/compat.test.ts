/**
 * The DuckDB-compatibility suite (cases.ts) through the in-process engine — the same Engine the
 * server runs, built by the coordinator's createEngine over a temp data directory — compared with
 * plain DuckDB. A sample also runs over HTTP (compat-http.test.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError, loadConfig } from '@k3/core';
import { createEngine, type CreatedEngine } from '../../services/coordinator/src/create-engine.ts';
import { DuckDBReference } from '../support/duckdb-reference.ts';
import { ALL_CASES } from './cases.ts';
import { FIXTURE_SQL, FIXTURE_TABLES } from './fixtures.ts';
import { KNOWN_GAPS } from './known-gaps.ts';
import { runCase, type Execute } from './run-case.ts';

const BUCKET = 'compat';
let dir: string;
let created: CreatedEngine;
let ref: DuckDBReference;
let exec: Execute;
const tally = { passed: 0, failed: [] as string[], gaps: 0 };
/** Statements DuckDB passes (cases without refusedWith): how many also pass through Execute. */
const duckdbPasses = { cases: ALL_CASES.filter((c) => c.refusedWith === undefined).length, passed: 0 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k3-compat-'));
  const config = loadConfig({ K3_DATA_DIR: path.join(dir, 'data'), K3_CACHE_DIR: path.join(dir, 'cache'), K3_LOG_LEVEL: 'silent' });
  created = await createEngine(config);
  ref = await DuckDBReference.create();
  exec = async (sql) => {
    try {
      // STRONG: read-your-writes (keyed writes on PRIMARY KEY tables land in the write log first).
      return { ok: true, res: await created.engine.execute({ bucket: BUCKET, sql, freshness: 'FRESHNESS_STRONG' }) };
    } catch (err) {
      if (isAppError(err)) return { ok: false, code: err.code, message: err.message };
      throw err;
    }
  };
  for (const sql of FIXTURE_SQL) {
    await ref.run(sql);
    const out = await exec(sql);
    if (!out.ok) throw new Error(`fixture failed on k3: ${out.code} ${out.message}\n${sql}`);
  }
  // Keyed fixture rows sit in the write log; drain them so every statement (also the SELECT side
  // of a write, which reads Delta) sees the fixtures exactly as DuckDB does.
  for (const t of FIXTURE_TABLES) await created.engine.compact(BUCKET, t);
});

afterAll(async () => {
  process.stdout.write(
    `\ncompat: ${ALL_CASES.length} cases, ${tally.passed} passed, ${tally.gaps} known gaps, ${tally.failed.length} failed${tally.failed.length ? `: ${tally.failed.join(', ')}` : ''}\n`
    + `compat: of ${duckdbPasses.cases} statements DuckDB passes, ${duckdbPasses.passed} pass through Execute (${((duckdbPasses.passed / duckdbPasses.cases) * 100).toFixed(1)} %; bench/compat.bench.ts writes bench/results/compat.json)\n`,
  );
  ref?.close();
  await created?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('DuckDB compatibility (in-process engine)', () => {
  for (const c of ALL_CASES) {
    const gap = KNOWN_GAPS[c.id];
    if (gap === undefined) {
      it(c.id, async () => {
        const out = await runCase(c, exec, ref);
        if (out.equal) tally.passed++;
        else tally.failed.push(c.id);
        if (out.equal && c.refusedWith === undefined) duckdbPasses.passed++;
        expect(out.equal, `${c.sql}\n${out.message}`).toBe(true);
      });
    } else {
      it(`known gap: ${c.id}`, async () => {
        const out = await runCase(c, exec, ref);
        tally.gaps++;
        expect(out.equal, `${c.id} now passes: remove it from KNOWN_GAPS and update README "Compatibility"`).toBe(false);
        if ('code' in gap) expect(out.k3Code, out.message).toBe(gap.code);
        else expect(out.k3Code, out.message).toBeUndefined();
      });
    }
  }
});
