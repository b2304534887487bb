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
import { drainTable, execute, k3fetch, startServer, type StartedServer } from '../support/server.ts';

// Auth off (K3_AUTH=off on loopback) still needs a sign-in click; any token is accepted then.

const BUCKET = 'sheets';
/** Every wait is for an event (a cell's text, a status line), never a sleep; generous, as the suite
 * may run beside heavy ones on a loaded 2-core machine (timing never fails a test). */
const WAIT = 90_000;
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
  await Promise.race([form.waitFor({ timeout: WAIT }), p.getByLabel('Bucket').waitFor({ timeout: WAIT })]);
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
  }, [table, before] as const, { timeout: WAIT });
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

describe('data browser in headless Chromium', { timeout: 300_000 }, () => {
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
    await expect.poll(() => cellText(page, 'D8'), { timeout: WAIT }).toBe('295,800.00');
    await page.screenshot({ path: path.join(shots, 'contracts-sumifs.png') });

    await page.getByLabel('Filter column').selectOption('region');
    await page.getByLabel('Filter operator').selectOption('=');
    await page.getByLabel('Filter value').fill('UK');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect.poll(() => page.locator('#filter-summary').textContent(), { timeout: WAIT }).toBe('contracts · region = “UK” · 4 of 7 rows match');
    await expect.poll(() => cellText(page, 'D8'), { timeout: WAIT }).toBe('295,800.00'); // the formula is over the whole table, not the filter
    await page.getByLabel('Name box').fill('D1:D4');
    await page.getByLabel('Name box').press('Enter');
    await expect.poll(() => page.getByRole('status', { name: 'Selection statistics' }).textContent(), { timeout: WAIT })
      .toBe('Sum 295,800.00  Count 4  Avg 73,950.00  Min 58,200.00  Max 91,400.00');
    await page.screenshot({ path: path.join(shots, 'contracts-filter-status.png') });
    await page.getByRole('button', { name: 'Clear filter' }).click();
  });

  it('sort and filter show what ORDER BY / WHERE give; a pivot equals GROUP BY', async () => {
    await page.evaluate(() => { const w = (globalThis as never as { k3ui: { api: { getActiveWorkbook(): { getActiveSheet(): { getRange(a1: string): unknown; setActiveRange(r: unknown): void } } } } }).k3ui; const ws = w.api.getActiveWorkbook().getActiveSheet(); ws.setActiveRange(ws.getRange('D1')); });
    await page.getByRole('button', { name: 'Sort Z→A' }).click();
    const expected = (await sql('SELECT id FROM contracts ORDER BY amount DESC')).map((r) => Number(r[0]));
    await expect.poll(async () => Promise.all(expected.map((_v, i) => cellText(page, `A${i + 1}`).then(Number))), { timeout: WAIT }).toEqual(expected);
    await page.getByLabel('Filter column').selectOption('amount');
    await page.getByLabel('Filter operator').selectOption('>=');
    await page.getByLabel('Filter value').fill('42100');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const filtered = (await sql('SELECT id FROM contracts WHERE amount >= 42100 ORDER BY amount DESC')).map((r) => Number(r[0]));
    await expect.poll(() => page.locator('#filter-summary').textContent(), { timeout: WAIT }).toContain(`${filtered.length} of 7 rows match`);
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
    await expect.poll(async () => Number((await cellText(page, 'F1')).replaceAll(',', '')), { timeout: WAIT }).toBe(Number(truth));
    const loaded = await page.evaluate(() => (globalThis as never as { k3ui: { sheet: { loadedRowCount: number } } }).k3ui.sheet.loadedRowCount);
    expect(loaded).toBeGreaterThan(0);
    expect(loaded).toBeLessThan(10_000);
    await page.screenshot({ path: path.join(shots, 'big-table.png') });

    // The sheet starts with 50,000 rows and grows as the user scrolls to its end; the rows there
    // are the table's rows at that position (ORDER BY id: row n holds id n-1).
    type Ws = { getMaxRows(): number; scrollToCell(r: number, c: number): void };
    const maxRows = () => page.evaluate(() => (globalThis as never as { k3ui: { api: { getActiveWorkbook(): { getSheetBySheetId(id: string): Ws } } } }).k3ui.api.getActiveWorkbook().getSheetBySheetId('data').getMaxRows());
    expect(await maxRows()).toBe(50_000);
    await page.evaluate(() => { (globalThis as never as { k3ui: { api: { getActiveWorkbook(): { getSheetBySheetId(id: string): Ws } } } }).k3ui.api.getActiveWorkbook().getSheetBySheetId('data').scrollToCell(49_990, 0); });
    await expect.poll(maxRows, { timeout: WAIT }).toBeGreaterThan(50_000);
    await expect.poll(() => cellText(page, 'A49991'), { timeout: WAIT }).toBe('49990');
    expect(await page.evaluate(() => (globalThis as never as { k3ui: { sheet: { loadedRowCount: number } } }).k3ui.sheet.loadedRowCount)).toBeLessThan(10_000);
  });

  it('a comment and a named range survive a server restart', async () => {
    await openTable(page, 'contracts');
    await page.getByLabel('Name box').fill('B3');
    await page.getByLabel('Name box').press('Enter');
    page.once('dialog', (d) => void d.accept('check this deal'));
    await page.getByRole('button', { name: 'Comment…' }).click();
    await expect.poll(() => page.getByLabel('Comments').textContent(), { timeout: WAIT }).toContain('B3: check this deal');
    page.once('dialog', (d) => void d.accept('big_deal'));
    await page.getByRole('button', { name: 'Name range…' }).click();
    await expect.poll(() => page.getByLabel('Named ranges').textContent(), { timeout: WAIT }).toContain('big_deal');

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
    await expect.poll(async () => (await sql('SELECT region FROM contracts WHERE id = 9912002', { freshness: 'FRESHNESS_STRONG' }))[0]?.[0], { timeout: WAIT }).toBe('APAC');
    await page.getByRole('button', { name: 'Undo edit' }).click();
    await expect.poll(async () => (await sql('SELECT region FROM contracts WHERE id = 9912002', { freshness: 'FRESHNESS_STRONG' }))[0]?.[0], { timeout: WAIT }).toBe('EU');
  });

  it('a table without a primary key is read-only in the grid, and says why', async () => {
    await openTable(page, 'big');
    await expect.poll(() => page.getByRole('note').textContent(), { timeout: WAIT }).toMatch(/no primary key: read-only/);
    await typeFormula(page, 'B1', 'zzz');
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: WAIT }).toMatch(/read-only/);
    expect((await sql('SELECT k FROM big WHERE id = 0'))[0]?.[0]).toBe('a');
  });

  it('a formula typed in Univer\'s own cell editor over a whole column is computed on the server', async () => {
    await openTable(page, 'big');
    type Wb = { getActiveSheet(): { getActiveRange(): { getA1Notation(): string } | null } };
    type Api = { getActiveWorkbook(): Wb & { getSheetBySheetId(id: string): { getRange(a1: string): unknown; setActiveRange(x: unknown): void }; isCellEditing(): boolean }; addEvent(e: string, cb: (p: { value?: { toPlainText(): string } }) => void): void; Event: Record<string, string> };
    // What Univer's cell editor holds (its own SheetEditChanging event), for the waits below.
    await page.evaluate(() => {
      const w = globalThis as never as { k3ui: { api: Api }; k3editorText?: string };
      w.k3editorText = '';
      w.k3ui.api.addEvent(w.k3ui.api.Event.SheetEditChanging!, (p) => { w.k3editorText = p.value?.toPlainText() ?? ''; });
    });
    /**
     * Focus the grid (Univer's canvas), select the cell and type into Univer's own editor, key by
     * key. Each step waits for its condition (a loaded page lags behind the keyboard): the cell is
     * the active one, the editor is open, the editor holds the whole text; then Enter.
     */
    const typeInGrid = async (ref: string, text: string) => {
      const grid = (await page.locator('#grid').boundingBox())!;
      await page.mouse.click(grid.x + 300, grid.y + 200);
      // Let the click's own selection land first (a loaded page handles it late).
      const activeA1 = () => page.evaluate(() => (globalThis as never as { k3ui: { api: Api } }).k3ui.api.getActiveWorkbook().getActiveSheet().getActiveRange()?.getA1Notation());
      await expect.poll(async () => (await page.getByLabel('Name box').inputValue()) === (await activeA1()), { timeout: WAIT }).toBe(true);
      await page.evaluate((r) => { const ws = (globalThis as never as { k3ui: { api: Api } }).k3ui.api.getActiveWorkbook().getSheetBySheetId('data'); ws.setActiveRange(ws.getRange(r)); }, ref);
      await expect.poll(() => page.evaluate(() => (globalThis as never as { k3ui: { api: Api } }).k3ui.api.getActiveWorkbook().getActiveSheet().getActiveRange()?.getA1Notation()), { timeout: WAIT }).toBe(ref);
      await expect.poll(() => page.getByLabel('Name box').inputValue(), { timeout: WAIT }).toBe(ref);
      await page.keyboard.type(text.slice(0, 1));
      await expect.poll(() => page.evaluate(() => (globalThis as never as { k3ui: { api: Api } }).k3ui.api.getActiveWorkbook().isCellEditing()), { timeout: WAIT }).toBe(true);
      await page.keyboard.type(text.slice(1), { delay: 40 });
      await expect.poll(() => page.evaluate(() => (globalThis as never as { k3editorText: string }).k3editorText.trim()), { timeout: WAIT }).toBe(text);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.evaluate(() => (globalThis as never as { k3ui: { api: Api } }).k3ui.api.getActiveWorkbook().isCellEditing()), { timeout: WAIT }).toBe(false);
    };
    // Univer's engine alone would sum only the loaded window; the server sums the whole table.
    await typeInGrid('E1', '=SUM(C:C)');
    const truth = Number((await sql('SELECT SUM(v) FROM big'))[0]?.[0]);
    await expect.poll(async () => Number((await cellText(page, 'E1')).replaceAll(',', '')), { timeout: WAIT }).toBe(truth);
    expect(await page.evaluate(() => (globalThis as never as { k3ui: { sheet: { formulaOf(r: number, c: number): string } } }).k3ui.sheet.formulaOf(0, 4))).toBe('=SUM(C:C)');
    expect(await page.evaluate(() => (globalThis as never as { k3ui: { sheet: { loadedRowCount: number } } }).k3ui.sheet.loadedRowCount)).toBeLessThan(10_000);
    // COUNTIFS over whole columns, typed the same way (Univer alone would count the window only),
    // on a page slowed down as on a loaded machine (CPU ×4, 200 ms more per request): it once
    // read 0 under full-suite load.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 200, downloadThroughput: -1, uploadThroughput: -1 });
    try {
      await typeInGrid('E3', '=COUNTIFS(B:B, "a")');
      const count = Number((await sql("SELECT COUNT(*) FROM big WHERE k = 'a'"))[0]?.[0]);
      // The cell's raw data rides along, so a failure says what the cell held.
      const raw = () => page.evaluate(() => JSON.stringify((globalThis as never as { k3ui: { api: { getActiveWorkbook(): { getSheetBySheetId(id: string): { getRange(a1: string): { getCellData(): unknown } } } } } }).k3ui.api.getActiveWorkbook().getSheetBySheetId('data').getRange('E3').getCellData()));
      await expect.poll(async () => `${(await cellText(page, 'E3')).replaceAll(',', '')} ${await raw()}`, { timeout: WAIT }).toBe(`${count} {"v":${count},"t":2}`);
      expect(await page.evaluate(() => (globalThis as never as { k3ui: { sheet: { formulaOf(r: number, c: number): string } } }).k3ui.sheet.formulaOf(2, 4))).toBe('=COUNTIFS(B:B, "a")');
    } finally {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
  });

  it('a new row from the grid\'s "Add row" dialog is an Insert seen by a STRONG read', async () => {
    await openTable(page, 'contracts');
    await page.getByRole('button', { name: 'Add row…' }).click();
    const d = page.getByRole('dialog', { name: 'New row in contracts' });
    await d.getByLabel('id').fill('9912008');
    await d.getByLabel('region').fill('APAC');
    await d.getByLabel('signed_at').fill('2026-04-15');
    await d.getByLabel('amount').fill('12000.5');
    await d.getByLabel('channel').fill('web');
    await page.screenshot({ path: path.join(shots, 'add-row.png') });
    await d.getByRole('button', { name: 'Insert' }).click();
    await expect.poll(async () => sql('SELECT id, region, signed_at, amount, channel FROM contracts WHERE id = 9912008', { freshness: 'FRESHNESS_STRONG' }), { timeout: WAIT })
      .toEqual([['9912008', 'APAC', '2026-04-15', '12000.50', 'web']]);
    await page.getByLabel('Freshness').selectOption('strong');
    await expect.poll(() => cellText(page, 'A8'), { timeout: WAIT }).toBe('9912008');
    expect(await cellText(page, 'D8')).toBe('12,000.50');
    // A row without its key is refused in the dialog's own validation; nothing is written.
    await page.getByRole('button', { name: 'Add row…' }).click();
    await d.getByLabel('region').fill('nokey');
    await d.getByRole('button', { name: 'Insert' }).click();
    expect(await d.isVisible()).toBe(true);
    await d.getByRole('button', { name: 'Cancel' }).click();
    expect(await sql("SELECT count(*) FROM contracts WHERE region = 'nokey'", { freshness: 'FRESHNESS_STRONG' })).toEqual([['0']]);
    await page.getByLabel('Freshness').selectOption('eventual');
  });

  it('typing into the empty row under the last row of a keyed table inserts a row once its key is there; undo deletes it', async () => {
    await openTable(page, 'contracts');
    await page.getByLabel('Freshness').selectOption('strong'); // a keyed write shows at once at STRONG
    const n = Number((await sql('SELECT count(*) FROM contracts', { freshness: 'FRESHNESS_STRONG' }))[0]?.[0]);
    await expect.poll(() => page.evaluate(() => (globalThis as never as { k3ui: { sheet: { matchCount: number; freshness: string } } }).k3ui.sheet.matchCount), { timeout: WAIT }).toBe(n);
    const row = n + 1; // the sheet row under the last table row
    // A value without the key: nothing is written yet, the sheet says what is missing.
    await typeFormula(page, `B${row}`, 'LATAM');
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: WAIT }).toMatch(/type its id \(the primary key\)/);
    expect(await sql("SELECT count(*) FROM contracts WHERE region = 'LATAM'", { freshness: 'FRESHNESS_STRONG' })).toEqual([['0']]);
    // The key completes the row: one Insert with both values, seen by a STRONG read and in the sheet.
    await typeFormula(page, `A${row}`, '9912100');
    await expect.poll(async () => sql('SELECT id, region, amount FROM contracts WHERE id = 9912100', { freshness: 'FRESHNESS_STRONG' }), { timeout: WAIT }).toEqual([['9912100', 'LATAM', null]]);
    await expect.poll(() => page.evaluate(() => (globalThis as never as { k3ui: { sheet: { matchCount: number } } }).k3ui.sheet.matchCount), { timeout: WAIT }).toBe(n + 1);
    expect(await cellText(page, `A${row}`)).toBe('9912100');
    expect(await cellText(page, `B${row}`)).toBe('LATAM');
    await page.getByRole('button', { name: 'Undo edit' }).click();
    await expect.poll(async () => sql('SELECT count(*) FROM contracts WHERE id = 9912100', { freshness: 'FRESHNESS_STRONG' }), { timeout: WAIT }).toEqual([['0']]);
    await expect.poll(() => page.evaluate(() => (globalThis as never as { k3ui: { sheet: { matchCount: number } } }).k3ui.sheet.matchCount), { timeout: WAIT }).toBe(n);
    await page.getByLabel('Freshness').selectOption('eventual');
  });

  it('conditional formatting: a value rule and a colour scale over a column colour the right cells', async () => {
    await drainTable(server.url, BUCKET, 'contracts'); // the sheet (EVENTUAL) and this test see the same rows
    await openTable(page, 'contracts');
    const amounts = (await sql('SELECT amount::DOUBLE FROM contracts ORDER BY id')).map((r) => Number(r[0]));
    expect(amounts.length).toBeGreaterThan(5);
    /** Opens the "Conditional format…" dialog, sets its fields (a select or an input, by label) and applies. */
    const applyFormat = async (fields: [string, string][]) => {
      await page.getByRole('button', { name: 'Conditional format…' }).click();
      const d = page.getByRole('dialog', { name: 'Conditional format' });
      for (const [label, value] of fields) {
        const control = d.getByLabel(label, { exact: true });
        if (await control.evaluate((e) => e.tagName === 'SELECT')) await control.selectOption(value);
        else await control.fill(value);
      }
      await d.getByRole('button', { name: 'Apply' }).click();
    };
    await applyFormat([['Column', 'amount'], ['Kind', 'value'], ['Operator', '>'], ['Value', '60000'], ['Colour', '#ff0000']]);
    /** A CSS colour (`#rrggbb` or `rgb(r,g,b)`) as [r, g, b]; [] for none. */
    const rgb = (c: string): number[] => {
      const hex = /^#([0-9a-f]{6})$/i.exec(c);
      if (hex) return [0, 2, 4].map((i) => parseInt(hex[1]!.slice(i, i + 2), 16));
      return (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    };
    const bgOf = (row: number, col: number) => page.evaluate(([r, c]) => {
      const s = (globalThis as never as { k3ui: { conditionalStyle(r: number, c: number): { style?: { bg?: { rgb?: string } } } | null } }).k3ui.conditionalStyle(r as number, c as number);
      return s?.style?.bg?.rgb ?? 'none';
    }, [row, col] as const);
    const expected = amounts.map((a) => (a > 60000 ? [255, 0, 0] : []));
    await expect.poll(async () => Promise.all(amounts.map(async (_a, i) => rgb(await bgOf(i, 3)))), { timeout: WAIT }).toEqual(expected);
    expect(await bgOf(0, 1)).toBe('none'); // another column: untouched
    await page.screenshot({ path: path.join(shots, 'conditional-format.png') });

    // A colour scale from white (MIN over the table) to green (MAX): the ends get the end colours.
    await applyFormat([['Kind', 'clear']]);
    await applyFormat([['Column', 'amount'], ['Kind', 'scale'], ['Scale min colour', '#ffffff'], ['Scale max colour', '#00ff00']]);
    const hi = amounts.indexOf(Math.max(...amounts));
    const lo = amounts.indexOf(Math.min(...amounts));
    await expect.poll(async () => [rgb(await bgOf(hi, 3)), rgb(await bgOf(lo, 3))], { timeout: WAIT }).toEqual([[0, 255, 0], [255, 255, 255]]);
    const mid = amounts.findIndex((a, i) => i !== hi && i !== lo);
    const m = rgb(await bgOf(mid, 3));
    expect(m[0]).toBeGreaterThan(0); // in between: neither end
    expect(m[0]).toBeLessThan(255);

    // The rules are kept in the table's sidecar: a value rule next to the scale, then a reload
    // and a server restart; both colour the same cells again (the scale's ends asked anew).
    await applyFormat([['Column', 'region'], ['Kind', 'value'], ['Operator', '='], ['Value', 'UK'], ['Colour', '#0000ff']]);
    const regions = (await sql('SELECT region FROM contracts ORDER BY id')).map((r) => String(r[0]));
    const coloured = async () => ({
      scale: [rgb(await bgOf(hi, 3)), rgb(await bgOf(lo, 3))],
      region: await Promise.all(regions.map(async (_r, i) => rgb(await bgOf(i, 1)))),
    });
    const want = { scale: [[0, 255, 0], [255, 255, 255]], region: regions.map((r) => (r === 'UK' ? [0, 0, 255] : [])) };
    await expect.poll(coloured, { timeout: WAIT }).toEqual(want);
    await page.reload();
    await signIn(page);
    await openTable(page, 'contracts');
    await expect.poll(coloured, { timeout: WAIT }).toEqual(want);
    const dataDir = server.dataDir;
    await server.stop({ keepData: true });
    server = await startServer({}, { dataDir });
    await signIn(page);
    await openTable(page, 'contracts');
    await expect.poll(coloured, { timeout: WAIT }).toEqual(want);
    // "Clear all rules" clears the sidecar too.
    await applyFormat([['Kind', 'clear']]);
    const sidecar = () => page.evaluate(async (u) => ((await (await fetch(u)).json()) as { formats: unknown[] }).formats, `/ui/api/${BUCKET}/sheets/contracts`);
    await expect.poll(sidecar, { timeout: WAIT }).toEqual([]);
  });

  it('a table named in the URL is the first screen: its first window (asked for at app start) holds the rows in key order', async () => {
    await page.goto(`${server.url}/ui/?bucket=${BUCKET}&table=contracts`);
    await page.waitForFunction(() => {
      const s = (globalThis as never as { k3ui?: { sheet: { table: string; opened: number; loadedRowCount: number } } }).k3ui?.sheet;
      return s !== undefined && s.table === 'contracts' && s.opened > 0 && s.loadedRowCount > 0;
    }, undefined, { timeout: WAIT });
    const ids = (await sql('SELECT id FROM contracts ORDER BY id')).map((r) => String(r[0]));
    expect(await Promise.all(ids.map((_id, i) => cellText(page, `A${i + 1}`)))).toEqual(ids);
    expect(await cellText(page, `A${ids.length + 1}`)).toBe('');
    const timings = await page.evaluate(() => (globalThis as never as { k3ui: { sheet: { timings: Record<string, number> } } }).k3ui.sheet.timings);
    expect(Object.keys(timings)).toEqual(expect.arrayContaining(['describe', 'workbook', 'windowPrefetched', 'windowFetched', 'firstWindow']));
    await expect.poll(() => page.locator('#filter-summary').textContent(), { timeout: WAIT }).toBe(`contracts · ${ids.length} rows`);
  });

  it('diff view: a version from the picker against HEAD lists the rows added, removed and changed', async () => {
    await sql('CREATE TABLE orders (id BIGINT PRIMARY KEY, status VARCHAR, qty INTEGER)');
    await sql("INSERT INTO orders VALUES (1, 'new', 5), (2, 'new', 7), (3, 'new', 9)");
    await drainTable(server.url, BUCKET, 'orders');
    const describe = async () => ((await (await k3fetch(`${server.url}/${BUCKET}/tables/orders`)).json()) as { deltaVersion: string }).deltaVersion;
    const then = await describe();
    await sql("UPDATE orders SET status = 'shipped' WHERE id = 2");
    await sql('DELETE FROM orders WHERE id = 3');
    await sql("INSERT INTO orders VALUES (4, 'new', 1)");
    await drainTable(server.url, BUCKET, 'orders');
    expect(await describe()).not.toBe(then);
    await page.reload();
    await signIn(page);
    await openTable(page, 'orders');
    await page.getByLabel('Version').selectOption(then);
    await page.getByRole('button', { name: 'Δ HEAD' }).click();
    await expect.poll(() => page.getByLabel('Δ HEAD summary').textContent(), { timeout: WAIT }).toMatch(new RegExp(`^Δ HEAD since v${then}: 1 added · 1 removed · 1 changed`));
    const diffCells = () => page.evaluate(() => {
      const wb = (globalThis as never as { k3ui: { api: { getActiveWorkbook(): { getSheets(): { getSheetName(): string; getRange(r: number, c: number, h: number, w: number): { getValues(): unknown[][] } }[] } } } }).k3ui.api.getActiveWorkbook();
      const ws = wb.getSheets().find((s) => s.getSheetName().startsWith('Δ'));
      return ws ? ws.getRange(0, 0, 5, 4).getValues() : [];
    });
    const cells = await diffCells();
    expect(cells[0]?.[0]).toBe('1 added · 1 removed · 1 changed');
    expect(cells[1]).toEqual(['change', 'id', 'status', 'qty']);
    const lines = cells.slice(2).map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v))));
    expect(lines).toEqual(expect.arrayContaining([
      ['added', '4', 'new', '1'],
      ['removed', '3', 'new', '9'],
      ['changed', '2', 'new → shipped', '7'],
    ]));
    expect(lines).toHaveLength(3);
    await page.screenshot({ path: path.join(shots, 'diff.png') });
  });
});
