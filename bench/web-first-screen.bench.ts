/**
 * Data browser first screen: a K3_BENCH_WEB_ROWS-row table (default 10,000,000; CTAS from
 * range()) opened at /ui in headless Chromium. Measures, per run, the time from navigation to the
 * first rows drawn in the sheet (the app's `loadedRowCount > 0`), the time for a whole-table
 * formula (`=SUMIFS(v, k, "a")`) to land in its cell, and how many rows the grid holds then. The
 * server and the browser run on this same machine; the page is cached after the first (cold) run.
 * Writes bench/results/web-first-screen.json. Nothing fails on timings.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ensureWebBuilt } from '../scripts/build-web.ts';
import { execute, startServer } from '../test/support/server.ts';

const ROWS = Number(process.env.K3_BENCH_WEB_ROWS ?? 10_000_000);
const RUNS = Number(process.env.K3_BENCH_WEB_RUNS ?? 5);
const BUCKET = 'bench';

await ensureWebBuilt();
const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
const server = await startServer();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const t0 = performance.now();
  const created = await execute(server.url, BUCKET, `CREATE TABLE big AS SELECT range AS id, CASE WHEN range % 3 = 0 THEN 'a' ELSE 'b' END AS k, (range % 1000)::DOUBLE AS v FROM range(${ROWS})`);
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  const loadMs = performance.now() - t0;
  const truth = await execute(server.url, BUCKET, "SELECT SUM(v) FROM big WHERE k = 'a'");
  const expected = Number((truth.body.query?.rows as unknown[][])[0]![0]);

  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/ui/`);
  await page.getByLabel('Token').fill(server.token ?? 'auth-off');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Bucket').waitFor();

  const runs: { run: number; firstScreenMs: number; formulaMs: number; formulaCorrect: boolean; loadedRows: number; steps: Record<string, number | undefined> }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await page.goto(`${server.url}/ui/?bucket=${BUCKET}&table=big`);
    await page.waitForFunction(() => ((globalThis as never as { k3ui?: { sheet: { loadedRowCount: number } } }).k3ui?.sheet.loadedRowCount ?? 0) > 0, undefined, { timeout: 120_000 });
    const firstScreenMs = performance.now() - started;
    // Where the first screen's time went, from the page's own clock (ms since navigation start).
    const steps = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation' as never)[0] as unknown as { responseEnd: number; domContentLoadedEventEnd: number } | undefined;
      const app = performance.getEntriesByName('k3:app')[0]?.startTime;
      const t = (globalThis as never as { k3ui: { sheet: { timings: Record<string, number> } } }).k3ui.sheet.timings;
      const open = t.start ?? 0;
      const r = (n: number | undefined) => (n === undefined ? undefined : Math.round(n));
      return {
        html: r(nav?.responseEnd), domContentLoaded: r(nav?.domContentLoadedEventEnd), appStarted: r(app), tableOpenStarted: r(open),
        describeDone: r(open + (t.describe ?? NaN)), workbookBuilt: r(open + (t.workbook ?? NaN)), countsDone: r(open + (t.counts ?? NaN)), rowCountSet: r(open + (t.rowCount ?? NaN)), windowFetched: r(open + (t.windowFetched ?? NaN)), firstWindowDrawn: r(open + (t.firstWindow ?? NaN)),
      };
    });
    const f0 = performance.now();
    await page.getByLabel('Name box').fill('F1');
    await page.getByLabel('Name box').press('Enter');
    await page.getByLabel('Formula bar').fill('=SUMIFS(v, k, "a")');
    await page.getByLabel('Formula bar').press('Enter');
    const text = await page.waitForFunction(() => {
      const v = (globalThis as never as { k3ui: { api: { getActiveWorkbook(): { getSheetBySheetId(id: string): { getRange(a1: string): { getValue(): unknown } } } } } }).k3ui.api.getActiveWorkbook().getSheetBySheetId('data').getRange('F1').getValue();
      return v === null || v === undefined || v === '' ? false : String(v);
    }, undefined, { timeout: 120_000 });
    const formulaMs = performance.now() - f0;
    const loadedRows = await page.evaluate(() => (globalThis as never as { k3ui: { sheet: { loadedRowCount: number } } }).k3ui.sheet.loadedRowCount);
    runs.push({ run, firstScreenMs: Math.round(firstScreenMs), formulaMs: Math.round(formulaMs), formulaCorrect: Number(await text.jsonValue()) === expected, loadedRows, steps });
    process.stdout.write(`run ${run}: first screen ${Math.round(firstScreenMs)} ms, formula ${Math.round(formulaMs)} ms, ${loadedRows} rows in the grid ${JSON.stringify(steps)}\n`);
  }
  const warm = runs.slice(1).map((r) => r.firstScreenMs).sort((a, b) => a - b);
  const median = warm.length > 0 ? warm[Math.floor(warm.length / 2)]! : runs[0]!.firstScreenMs;
  const out = {
    benchmark: 'web-first-screen',
    rows: ROWS,
    tableLoadMs: Math.round(loadMs),
    coldFirstScreenMs: runs[0]!.firstScreenMs,
    warmFirstScreenMedianMs: median,
    goalMs: 1500,
    machine: { cpus: os.cpus().length, loadavg1m5m15mAtStart: loadAtStart, loadavg1m5m15mAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100), note: 'the 2-core machine is shared with other work while this runs: a load average above 2 means the server and the browser waited for a core' },
    runs,
    note: 'Navigation to the first rows drawn (page load, sign-in cookie, DescribeTable, counts, first 200-row window) on one 2-core machine running both the server and Chromium. steps: ms since navigation start when each part of the first screen was done (page clock). formulaMs: =SUMIFS over all rows computed by DuckDB on the server.',
  };
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'web-first-screen.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ coldFirstScreenMs: out.coldFirstScreenMs, warmFirstScreenMedianMs: median })}\n`);
} finally {
  await browser.close();
  await server.stop();
}
