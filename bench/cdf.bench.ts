/**
 * Change Data Feed write cost: the same write statements on two identical tables, one with
 * `delta.enableChangeDataFeed` off and one with it on, through the real Engine on a local store
 * (2 shared cores). A table of K3_BENCH_CDF_ROWS rows (default 1,000,000) in K3_BENCH_CDF_FILES
 * files (default 8); each shape runs K3_BENCH_CDF_ITERS times (default 10) per table, alternating
 * off/on so drift hits both; p50 / p90 wall ms and the bytes of `_change_data/` files written per
 * statement. Shapes: a 1-row INSERT (appends write no change files), a 1-row UPDATE and DELETE
 * (rewrite one file), an UPDATE of ~1% of the rows, a 100-row MERGE, and for a keyed table the
 * drain of 100 keyed upserts (the compactor's commit). Writes bench/results/cdf-write-cost.json;
 * timing never fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHarness } from '../packages/core/test/sql/engine-harness.ts';

const ROWS = Number(process.env.K3_BENCH_CDF_ROWS ?? 1_000_000);
const FILES = Number(process.env.K3_BENCH_CDF_FILES ?? 8);
const ITERS = Number(process.env.K3_BENCH_CDF_ITERS ?? 10);

const h = await createHarness({}, { drainLogWrites: false });

async function changeBytes(table: string): Promise<number> {
  const dir = path.join(h.dir, 'data', h.bucket, 'tables', table, '_change_data');
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else total += (await stat(p)).size;
    }
  };
  await walk(dir);
  return total;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};

try {
  const per = Math.ceil(ROWS / FILES);
  for (const [name, on, keyed] of [['feed_off', false, false], ['feed_on', true, false], ['keyed_off', false, true], ['keyed_on', true, true]] as const) {
    await h.ddl(`CREATE TABLE ${name} (id BIGINT${keyed ? ' PRIMARY KEY' : ''}, grp INTEGER, v DOUBLE, note VARCHAR)${on ? " WITH ('delta.enableChangeDataFeed' = true)" : ''}`);
    if (keyed) continue;
    for (let f = 0; f < FILES; f++) {
      await h.exec(`INSERT INTO ${name} SELECT i, (i % 100)::INT, i * 0.5, md5(i::VARCHAR) FROM range(${f * per}, ${Math.min(ROWS, (f + 1) * per)}) t(i)`);
    }
  }
  // Keyed tables: loaded through the log and drained (so the drain rewrites real files later).
  for (const name of ['keyed_off', 'keyed_on']) {
    for (let f = 0; f < FILES; f++) {
      await h.exec(`INSERT INTO ${name} SELECT i, (i % 100)::INT, i * 0.5, md5(i::VARCHAR) FROM range(${f * per}, ${Math.min(ROWS, (f + 1) * per)}) t(i)`);
      while ((await h.engine.compact(h.bucket, name, 1_000_000)).truncated);
    }
  }

  let n = 0;
  const id = (): number => Math.floor((n++ * 7919) % ROWS);
  const shapes: Array<{ shape: string; tables: [string, string]; run: (t: string, i: number) => Promise<void> }> = [
    { shape: 'INSERT 1 row', tables: ['feed_off', 'feed_on'], run: async (t, i) => { await h.exec(`INSERT INTO ${t} VALUES (${ROWS + i}, 1, 1.0, 'new')`); } },
    { shape: 'UPDATE 1 row', tables: ['feed_off', 'feed_on'], run: async (t) => { await h.exec(`UPDATE ${t} SET v = v + 1 WHERE id = ${id()}`); } },
    { shape: 'DELETE 1 row', tables: ['feed_off', 'feed_on'], run: async (t) => { await h.exec(`DELETE FROM ${t} WHERE id = ${id()}`); } },
    { shape: 'UPDATE ~1% of rows', tables: ['feed_off', 'feed_on'], run: async (t, i) => { await h.exec(`UPDATE ${t} SET v = v + 1 WHERE grp = ${i % 100}`); } },
    {
      shape: 'MERGE 100 rows', tables: ['feed_off', 'feed_on'],
      run: async (t) => { const s = id(); await h.exec(`MERGE INTO ${t} USING (SELECT i AS id, 5 AS grp, 2.0 AS v, 'm' AS note FROM range(${s}, ${s + 100}) r(i)) s ON ${t}.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.grp, s.v, s.note)`); },
    },
    {
      shape: 'drain of 100 keyed upserts (compactor)', tables: ['keyed_off', 'keyed_on'],
      run: async (t) => {
        const s = id();
        await h.exec(`INSERT OR REPLACE INTO ${t} SELECT i, 7, 3.0, 'k' FROM range(${s}, ${s + 100}) r(i)`);
        // Only the drain is timed: the caller measures this whole function, so time it here.
        const t0 = performance.now();
        await h.engine.compact(h.bucket, t);
        drainMs.push(performance.now() - t0);
      },
    },
  ];
  const drainMs: number[] = [];
  const results = [];
  for (const s of shapes) {
    const ms: Record<string, number[]> = { [s.tables[0]]: [], [s.tables[1]]: [] };
    const bytes: Record<string, number> = {};
    for (const t of s.tables) bytes[t] = await changeBytes(t);
    for (let i = 0; i < ITERS; i++) {
      for (const t of s.tables) {
        drainMs.length = 0;
        const t0 = performance.now();
        await s.run(t, i);
        ms[t]!.push(drainMs[0] ?? performance.now() - t0);
      }
    }
    const [off, on] = s.tables;
    const changeBytesOn = (await changeBytes(on)) - bytes[on]!;
    const row = {
      shape: s.shape,
      offP50Ms: pct(ms[off]!, 50), onP50Ms: pct(ms[on]!, 50), offP90Ms: pct(ms[off]!, 90), onP90Ms: pct(ms[on]!, 90),
      overheadP50Pct: Math.round(((pct(ms[on]!, 50) - pct(ms[off]!, 50)) / pct(ms[off]!, 50)) * 1000) / 10,
      changeDataBytesPerStatement: Math.round(changeBytesOn / ITERS),
    };
    results.push(row);
    process.stdout.write(`${row.shape}: off p50 ${row.offP50Ms} ms, on p50 ${row.onP50Ms} ms (${row.overheadP50Pct}%), change data ${row.changeDataBytesPerStatement} B/statement\n`);
  }
  const result = { benchmark: 'cdf-write-cost', at: new Date().toISOString(), rows: ROWS, files: FILES, iterations: ITERS, store: 'local directory', results };
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cdf-write-cost.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await h.close();
}
