/**
 * The data browser in a real headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core; no downloaded browser) against a started server: sign-in, the seeds' contracts
 * sheet and its `=SUMIFS(amount, region, "UK")` in D8, the status bar of a selection, server-side
 * sort / filter / pivot equal to DuckDB's ORDER BY / WHERE / GROUP BY, a formula over a
 * 1,000,000-row table computed on the server while the grid holds under 1 % of the rows, comments
 * and named ranges surviving a restart, and a keyed cell edit seen by a STRONG read, then undone.
 * Screenshots of the main screens go to $K3_SCREENSHOT_DIR (default: a temp directory).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../scripts/build-web.ts';
import { drainTable, execute, startServer, type StartedServer } from '../support/server.ts';

// Auth off (K3_AUTH=off on loopback) still needs a sign-in click; any token is accepted then.

const BUCKET = 'sheets';
let server: StartedServer;
let browser: Browser;
let page: Page;
let shots: string;

async function sql(q: string, extra: Record<string, unknown> = {}): Promise<unknown[][]> {
  const res = await execute(server.url, BUCKET, q, extra);
  if (res.status !== 200) throw new Error(`${q}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.query?.rows ?? []) as unknown[][];
}

/** Opens /ui; signs in unless the session cookie is still good (after a reload it is). */
async function signIn(p: Page): Promise<void> {
  await p.goto(`${server.url}/ui/`);
  const form = p.getByLabel('Token');
  await Promise.race([form.waitFor({ timeout: 30_000 }), p.getByLabel('Bucket').waitFor({ timeout: 30_000 })]);
  if (await form.count()) {
    await form.fill(server.token ?? 'auth-off');
    await p.getByRole('button', { name: 'Sign in' }).click();
  }
  await p.getByLabel('Bucket').fill(BUCKET);
  await p.getByLabel('Bucket').dispatchEvent('change');
}

async function openTable(p: Page, table: string): Promise<void> {
  const before = await p.evaluate(() => (globalThis as never as { k3ui?: { sheet: { opened: number } } }).k3ui?.sheet.opened ?? 0);
  await p.locator(`button.open-table[data-table="${table}"]`).click();
  await p.waitForFunction(([t, n]) => {
    const s = (globalThis as never as { k3ui?: { sheet: { table: string; opened: number; loadedRowCount: number } } }).k3ui?.sheet;
    return s !== undefined && s.table === t && s.opened > (n as number) && s.loadedRowCount > 0;
  }, [table, before] as const, { timeout: 60_000 });
}

/** Display text of a cell (Univer draws on a canvas: read it through its API). */
function cellText(p: Page, ref: string): Promise<string> {
  return p.evaluate((r) => (globalThis as never as { k3ui: { api: { getActiveWorkbook(): { getSheetBySheetId(id: string): { getRange(a1: string): { getDisplayValue(): string } } } } } }).k3ui.api.getActiveWorkbook().getSheetBySheetId('data').getRange(r).getDisplayValue(), ref);
}

async function typeFormula(p: Page, ref: string, text: string): Promise<void> {
  await p.getByLabel('Name box').fill(ref);
  await p.getByLabel('Name box').press('Enter');
  await p.getByLabel('Formula bar').fill(text);
  await p.getByLabel('Formula bar').press('Enter');
}

describe('data browser in headless Chromium', () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer();
    shots = process.env.K3_SCREENSHOT_DIR ?? (await mkdtemp(path.join(tmpdir(), 'k3-shots-')));
    await sql('CREATE TABLE contracts (id BIGINT PRIMARY KEY, region VARCHAR, signed_at DATE, amount DECIMAL(18,2), channel VARCHAR)');
    await sql(`INSERT INTO contracts VALUES (9912001, 'UK', '2026-04-01', 58200, 'web'), (9912002, 'EU', '2026-04-02', 42100, 'partner'),
      (9912003, 'UK', '2026-04-04', 91400, 'web'), (9912004, 'US', '2026-04-05', 24800, 'web'), (9912005, 'UK', '2026-04-07', 67300, 'api'),
      (9912006, 'EU', '2026-04-10', 33750, 'partner'), (9912007, 'UK', '2026-04-12', 78900, 'web')`);
    await drainTable(server.url, BUCKET, 'contracts');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signIn(page);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('contracts: =SUMIFS(amount, region, "UK") in D8 reads 295,800.00; the filtered selection matches the seeds\' status bar', async () => {
    await openTable(page, 'contracts');
    expect(await cellText(page, 'D1')).toBe('58,200.00');
    await typeFormula(page, 'D8', '=SUMIFS(amount, region, "UK")');
    await expect.poll(() => cellText(page, 'D8'), { timeout: 20_000 }).toBe('295,800.00');
    await page.screenshot({ path: path.join(shots, 'contracts-sumifs.png') });

    await page.getByLabel('Filter column').selectOption('region');
    await page.getByLabel('Filter operator').selectOption('=');
    await page.getByLabel('Filter value').fill('UK');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect.poll(() => page.locator('#filter-summary').textContent(), { timeout: 20_000 }).toBe('contracts · region = “UK” · 4 of 7 rows match');
    expect(await cellText(page, 'D8')).toBe('295,800.00'); // the formula is over the whole table, not the filter
    await page.getByLabel('Name box').fill('D1:D4');
    await page.getByLabel('Name box').press('Enter');
    await expect.poll(() => page.getByRole('status', { name: 'Selection statistics' }).textContent(), { timeout: 10_000 })
      .toBe('Sum 295,800.00  Count 4  Avg 73,950.00  Min 58,200.00  Max 91,400.00');
    await page.screenshot({ path: path.join(shots, 'contracts-filter-status.png') });
    await page.getByRole('button', { name: 'Clear filter' }).click();
  });

  it('sort and filter show what ORDER BY / WHERE give; a pivot equals GROUP BY', async () => {
    await page.evaluate(() => { const w = (globalThis as never as { k3ui: { api: { getActiveWorkbook(): { getActiveSheet(): { getRange(a1: string): unknown; setActiveRange(r: unknown): void } } } } }).k3ui; const ws = w.api.getActiveWorkbook().getActiveSheet(); ws.setActiveRange(ws.getRange('D1')); });
    await page.getByRole('button', { name: 'Sort Z→A' }).click();
    const expected = (await sql('SELECT id FROM contracts ORDER BY amount DESC')).map((r) => Number(r[0]));
    await expect.poll(async () => Promise.all(expected.map((_v, i) => cellText(page, `A${i + 1}`).then(Number))), { timeout: 20_000 }).toEqual(expected);
    await page.getByLabel('Filter column').selectOption('amount');
    await page.getByLabel('Filter operator').selectOption('>=');
    await page.getByLabel('Filter value').fill('42100');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const filtered = (await sql('SELECT id FROM contracts WHERE amount >= 42100 ORDER BY amount DESC')).map((r) => Number(r[0]));
    await expect.poll(() => page.locator('#filter-summary').textContent(), { timeout: 20_000 }).toContain(`${filtered.length} of 7 rows match`);
    expect(await Promise.all(filtered.map((_v, i) => cellText(page, `A${i + 1}`).then(Number)))).toEqual(filtered);
    expect(await cellText(page, `A${filtered.length + 1}`)).toBe('');
    await page.getByRole('button', { name: 'Clear filter' }).click();

    const pivot = await page.evaluate(() => (globalThis as never as { k3ui: { sheet: { pivot(r: string, v: string, a: string): Promise<{ rows: unknown[][] }> } } }).k3ui.sheet.pivot('region', 'amount', 'SUM'));
    const groupBy = await sql('SELECT region, SUM(amount) FROM contracts GROUP BY region ORDER BY region');
    expect(pivot.rows).toEqual(groupBy);
  });

  it('a formula over a 1,000,000-row table equals DuckDB while the grid holds under 1 % of the rows', async () => {
    await sql("CREATE TABLE big AS SELECT range AS id, CASE WHEN range % 3 = 0 THEN 'a' ELSE 'b' END AS k, (range % 1000)::DOUBLE AS v FROM range(1000000)");
    await page.reload();
    await signIn(page);
    await openTable(page, 'big');
    await typeFormula(page, 'F1', '=SUMIFS(v, k, "a")');
    const truth = (await sql("SELECT SUM(v) FROM big WHERE k = 'a'"))[0]?.[0];
    await expect.poll(async () => Number((await cellText(page, 'F1')).replaceAll(',', '')), { timeout: 30_000 }).toBe(Number(truth));
    const loaded = await page.evaluate(() => (globalThis as never as { k3ui: { sheet: { loadedRowCount: number } } }).k3ui.sheet.loadedRowCount);
    expect(loaded).toBeGreaterThan(0);
    expect(loaded).toBeLessThan(10_000);
    await page.screenshot({ path: path.join(shots, 'big-table.png') });
  });

  it('a comment and a named range survive a server restart', async () => {
    await openTable(page, 'contracts');
    await page.getByLabel('Name box').fill('B3');
    await page.getByLabel('Name box').press('Enter');
    page.once('dialog', (d) => void d.accept('check this deal'));
    await page.getByRole('button', { name: 'Comment…' }).click();
    await expect.poll(() => page.getByLabel('Comments').textContent()).toContain('B3: check this deal');
    page.once('dialog', (d) => void d.accept('big_deal'));
    await page.getByRole('button', { name: 'Name range…' }).click();
    await expect.poll(() => page.getByLabel('Named ranges').textContent()).toContain('big_deal');

    const dataDir = server.dataDir;
    await server.stop({ keepData: true });
    server = await startServer({}, { dataDir });
    await signIn(page);
    await openTable(page, 'contracts');
    expect(await page.getByLabel('Comments').textContent()).toContain('B3: check this deal');
    expect(await page.getByLabel('Named ranges').textContent()).toContain('big_deal');
  });

  it('a keyed cell edit is an Update seen by a STRONG read; undo reverts it', async () => {
    await typeFormula(page, 'B2', 'APAC'); // row 2 = id 9912002, region
    await expect.poll(async () => (await sql('SELECT region FROM contracts WHERE id = 9912002', { freshness: 'FRESHNESS_STRONG' }))[0]?.[0], { timeout: 20_000 }).toBe('APAC');
    await page.getByRole('button', { name: 'Undo edit' }).click();
    await expect.poll(async () => (await sql('SELECT region FROM contracts WHERE id = 9912002', { freshness: 'FRESHNESS_STRONG' }))[0]?.[0], { timeout: 20_000 }).toBe('EU');
  });

  it('a table without a primary key is read-only in the grid, and says why', async () => {
    await openTable(page, 'big');
    await expect.poll(() => page.getByRole('note').textContent()).toMatch(/no primary key: read-only/);
    await typeFormula(page, 'B1', 'zzz');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/read-only/);
    expect((await sql('SELECT k FROM big WHERE id = 0'))[0]?.[0]).toBe('a');
  });
});
