/**
 * One table as a sheet. The sheet holds a window of rows; the server computes everything else:
 *
 * - rows are fetched in blocks of BLOCK rows for what is on screen (SELECT … ORDER BY … LIMIT …
 *   OFFSET … at the sheet's freshness or AS OF version), so a 10-million-row table opens at once;
 * - sort and filter are ORDER BY / WHERE on the server (values bound as parameters), and the filter
 *   summary says how many rows match;
 * - formulas over whole columns (`=SUMIFS(amount, region, "UK")`, `=SUM(D:D)`) are compiled to one
 *   SELECT (formula/compile.ts) and computed over the whole table; other formulas are Univer's;
 * - whole-column selection statistics are one aggregate query; smaller selections use the cells;
 * - in a keyed table a cell edit is an Update by primary key (a keyed write, visible at once to
 *   STRONG reads), with undo; other tables are read-only;
 * - "live": the table's version and write-log backlog are polled; a change reloads the window and
 *   recomputes the table formulas.
 */
import type { Table } from '@k3/client';
import type { FreshnessName, Row } from '@k3/client/sdk';
import { k3, loadSheetMeta, saveSheetMeta, tableDiff, type SheetMeta, type TableDiff } from '../api.ts';
import { compileFormula, quoteIdent, type SheetColumn } from '../formula/compile.ts';
import { columnIndex, columnLetters } from '../formula/parse.ts';
import { display, isNumericType, numberFormatOf, typedValue } from './cell-values.ts';
import { applyConditionalFormats, type ConditionalFormat } from './conditional-format.ts';
import { diffLines } from './diff-lines.ts';
import { SET_SELECTIONS, type UniverAPI } from './univer.ts';

export const BLOCK = 200;
/** What a table formula's cell reads while the server computes it. */
export const COMPUTING = '…';
const EXTRA_ROWS = 50;
/**
 * The sheet's rows grow in steps of ROW_STEP as the user scrolls towards the end: Univer lays out
 * every row of a sheet (its cost grows with the row count), so a 10-million-row table starts as a
 * 50,000-row sheet; the filter summary always says how many rows match.
 */
export const ROW_STEP = 50_000;

/** Rows of the sheet for `count` matching rows: all of them and the spare rows, up to `cap`. */
function sheetRows(count: number, cap: number): number {
  return Math.max(Math.min(count + EXTRA_ROWS, cap), EXTRA_ROWS);
}
const EXTRA_COLS = 6;

export type FilterOp = '=' | '<>' | '>' | '>=' | '<' | '<=' | 'contains';
export interface Filter { column: string; op: FilterOp; value: string }

export interface SelectionStats { sum: number; count: number; avg: number | undefined; min: number | undefined; max: number | undefined; numeric: number }

export interface SheetEvents {
  onState(sheet: TableSheet): void;
  onError(message: string): void;
  onStats(stats: SelectionStats | undefined): void;
}

/** What Undo reverts: a cell's Update (back to `before`), or a row's Insert (deleted by its key). */
type Edit =
  | { kind: 'update'; row: number; column: string; keys: Record<string, unknown>; before: unknown; after: unknown }
  | { kind: 'insert'; keys: Record<string, unknown> };

type Raw = unknown;

const fmt2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export function formatStat(n: number | undefined): string {
  return n === undefined ? '—' : fmt2.format(n);
}

interface QueryRows { columns: { name: string; type: string }[]; rows: Raw[][] }

type Order = { column: string; descending: boolean }[];

/** The sheet's row order: the chosen sort, then the primary key (else the first column) for a stable order. */
function sheetOrderOf(sort: Order[number] | undefined, keys: readonly string[], firstColumn: string | undefined): Order {
  const tie = keys.length > 0 ? keys : firstColumn !== undefined ? [firstColumn] : [];
  const out = sort ? [sort] : [];
  for (const k of tie) if (!out.some((o) => o.column === k)) out.push({ column: k, descending: false });
  return out;
}

function orderBySql(order: Order): string {
  return order.length === 0 ? '' : ` ORDER BY ${order.map((o) => `${quoteIdent(o.column)} ${o.descending ? 'DESC' : 'ASC'} NULLS LAST`).join(', ')}`;
}

/** One block of rows: `SELECT * … ORDER BY … LIMIT $n OFFSET $m` (every value a parameter). */
function blockSql(from: string, where: string, order: Order, params: unknown[], block: number): string {
  params.push(BLOCK, block * BLOCK);
  return `SELECT * FROM ${from}${where}${orderBySql(order)} LIMIT $${params.length - 1} OFFSET $${params.length}`;
}

async function queryRows(bucket: string, sql: string, freshness: FreshnessName | undefined, params: unknown[]): Promise<QueryRows> {
  const res = await k3.tables(bucket).query(sql, { freshness, params });
  const q = res.json.query as { rows?: Raw[][] } | undefined;
  return { columns: res.columns, rows: q?.rows ?? [] };
}

/** What opening a table asks for first: its description, its columns' DuckDB types, its sidecar. */
export interface TablePrefetch {
  bucket: string;
  table: string;
  freshness: FreshnessName;
  describe: Promise<Table>;
  head: Promise<QueryRows>;
  meta: Promise<SheetMeta>;
  /** The first block in the sheet's order (asked for once describe gives the primary key); the page's first table only. */
  window?: Promise<{ sql: string; rows: Promise<QueryRows> }>;
}

/**
 * Asks for a table's first-screen metadata at once, and (`firstWindow`) its first block as soon as
 * describe gives the order. The page calls it for the table named in its URL before the session
 * check and Univer's start, so the answers are there, or on their way, when the sheet opens.
 */
export function prefetchTable(bucket: string, table: string, freshness: FreshnessName = 'eventual', firstWindow = true): TablePrefetch {
  const describe = k3.tables(bucket).describe(table);
  const p: TablePrefetch = {
    bucket, table, freshness, describe,
    head: queryRows(bucket, `SELECT * FROM ${quoteIdent(table)} LIMIT 0`, freshness, []),
    meta: loadSheetMeta(bucket, table),
    window: !firstWindow ? undefined : describe.then((info) => {
      const params: unknown[] = [];
      const sql = blockSql(quoteIdent(table), '', sheetOrderOf(undefined, info.mergeKeys, info.columns[0]?.name), params, 0);
      const rows = queryRows(bucket, sql, freshness, params);
      rows.catch(() => undefined);
      return { sql, rows };
    }),
  };
  // Not signed in, or no such table: the open that uses these reports it; nobody else waits on them.
  for (const x of [p.describe, p.head, p.meta, p.window]) x?.catch(() => undefined);
  return p;
}

/** A row addressed by its primary-key values (the typed Update / Delete RPCs' predicate). */
function keyPredicate(keys: Record<string, unknown>) {
  const where = Object.entries(keys).map(([k, v]) => ({ column: k, op: 'EQ' as const, value: v }));
  return where.length === 1 ? where[0]! : { and: where };
}

export class TableSheet {
  bucket = '';
  table = '';
  columns: SheetColumn[] = [];
  keys: string[] = [];
  info: Table | undefined;
  freshness: FreshnessName = 'eventual';
  asOfVersion: bigint | undefined;
  sort: { column: string; descending: boolean } | undefined;
  filters: Filter[] = [];
  matchCount = 0;
  totalCount = 0;
  syncedAt = 0;
  /** How many times a table was opened (tests wait for it to move). */
  opened = 0;
  meta: SheetMeta = { comments: [], names: [], formats: [] };
  readonly formulas = new Map<string, string>(); // "D8" → "=SUMIFS(…)" (table formulas, computed on the server)
  private readonly formulaRuns = new Map<string, number>(); // "D8" → how many computations of it were started
  readonly undoStack: Edit[] = [];
  private readonly rows = new Map<number, Raw[]>();
  private readonly loaded = new Set<number>();
  private readonly loading = new Map<number, Promise<void>>();
  private generation = 0;
  private liveKey = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  private applyingData = false;
  private readonly api: UniverAPI;
  private readonly events: SheetEvents;
  /** Loads Univer's plugins the first screen does not need (conditional formatting, formula editor UI). */
  private readonly extras: () => Promise<unknown>;
  private extrasLoaded = false;

  constructor(api: UniverAPI, events: SheetEvents, extras: () => Promise<unknown>) {
    this.api = api;
    this.events = events;
    this.extras = extras;
    api.addEvent(api.Event.Scroll, () => { void this.ensureVisible(); });
    api.addEvent(api.Event.SelectionChanged, (p) => { void this.selectionChanged(p.selections); });
    api.addEvent(api.Event.BeforeSheetEditStart, (p) => {
      if (this.readOnlySheets.has(p.worksheet.getSheetId())) {
        p.cancel = true;
        this.events.onError('A diff is read-only: it shows what changed between two versions.');
      }
    });
    api.addEvent(api.Event.SheetEditEnded, (p) => { if (p.isConfirm && p.worksheet.getSheetId() === 'data') void this.cellEdited(p.row, p.column); });
  }

  /** Rows the sheet holds right now (the pushdown proof: a fraction of the table). */
  get loadedRowCount(): number {
    return this.rows.size;
  }

  get editable(): boolean {
    return this.keys.length > 0 && this.asOfVersion === undefined;
  }

  private get worksheet() {
    const ws = this.api.getActiveWorkbook()?.getSheetBySheetId('data');
    if (ws === null || ws === undefined) throw new Error('the data sheet is gone');
    return ws;
  }

  private get from(): string {
    return `${quoteIdent(this.table)}${this.asOfVersion === undefined ? '' : ` AS OF VERSION ${this.asOfVersion}`}`;
  }

  private get readFreshness(): FreshnessName | undefined {
    return this.asOfVersion === undefined ? this.freshness : undefined;
  }

  /** WHERE from the filters; every value a parameter. */
  whereSql(params: unknown[]): string {
    if (this.filters.length === 0) return '';
    const parts = this.filters.map((f) => {
      const col = quoteIdent(f.column);
      const type = this.columns.find((c) => c.name === f.column)?.type ?? 'VARCHAR';
      if (f.op === 'contains') { params.push(`%${f.value}%`); return `CAST(${col} AS VARCHAR) ILIKE $${params.length}`; }
      if (isNumericType(type) && f.value.trim() !== '' && Number.isFinite(Number(f.value))) { params.push(Number(f.value)); return `${col} ${f.op} $${params.length}`; }
      params.push(f.value);
      return `CAST(${col} AS VARCHAR) ${f.op} $${params.length}`;
    });
    return ` WHERE ${parts.join(' AND ')}`;
  }

  orderSql(): string {
    return orderBySql(this.sheetOrder());
  }

  sheetOrder(): { column: string; descending: boolean }[] {
    return sheetOrderOf(this.sort, this.keys, this.columns[0]?.name);
  }

  query(sql: string, params: unknown[] = []): Promise<QueryRows> {
    return queryRows(this.bucket, sql, this.readFreshness, params);
  }

  /** Opens a table; `early` is what `prefetchTable` already asked for it (the page's first table). */
  async open(bucket: string, table: string, early?: TablePrefetch): Promise<void> {
    this.stopLive();
    this.bucket = bucket;
    this.table = table;
    this.sort = undefined;
    this.filters = [];
    this.asOfVersion = undefined;
    this.formulas.clear();
    this.undoStack.length = 0;
    this.draft = undefined;
    this.timings = { start: performance.now() };
    // The first screen. Describe, the column types and
    // the sidecar are asked for at once; as soon as describe is back (the primary key gives the
    // window's order, its stats the row count) the first window is on its way, and the workbook
    // is built while the server computes it; nothing waits for a COUNT over the table (reload).
    const pre = early !== undefined && early.bucket === bucket && early.table === table && this.freshness === early.freshness ? early : undefined;
    const { describe: describeP, head: headP, meta: metaP } = pre ?? prefetchTable(bucket, table, this.freshness, false);
    const info = await describeP;
    this.earlyWindow = pre?.window === undefined ? undefined : { ...(await pre.window), freshness: pre.freshness };
    this.info = info;
    this.keys = [...info.mergeKeys];
    this.columns = info.columns.map((c) => ({ name: c.name, type: c.duckdbType })); // names now; DuckDB's own types below
    this.mark('describe');
    this.conditionalFormats.length = 0;
    const ready = Promise.all([headP, metaP]).then(async ([head, meta]) => {
      this.columns = head.columns;
      this.meta = meta;
      await this.buildWorkbook();
      this.mark('workbook');
    });
    await this.reload(ready);
    await this.loadExtras();
    await this.restoreConditionalFormats();
    this.opened++;
    this.startLive();
  }

  /** Milliseconds since open() of each step of the first screen (the bench records them). */
  timings: Record<string, number> = {};

  private mark(step: string): void {
    if (this.timings[step] === undefined) this.timings[step] = Math.round(performance.now() - (this.timings.start ?? 0));
  }

  private async buildWorkbook(): Promise<void> {
    const existing = this.api.getActiveWorkbook();
    if (existing) this.api.disposeUnit(existing.getId());
    const id = `k3-${this.bucket}-${this.table}-${Date.now()}`;
    // The sheet selects its top-left cell when it first renders, which a loaded page does after
    // the workbook is built: open() waits for it, or a cell chosen right after open() (name box,
    // click) would be moved back to A1 under the user.
    const firstSelection = this.selectionOf(id);
    const wb = this.api.createWorkbook({ id, name: this.table, sheetOrder: ['data'], sheets: { data: { id: 'data', name: this.table, rowCount: EXTRA_ROWS, columnCount: this.columns.length + EXTRA_COLS } } });
    const ws = wb.getSheetBySheetId('data')!;
    // The sheet's render unit is created asynchronously after the workbook: wait for it.
    const headers = { columnsCfg: Object.fromEntries(this.columns.map((c, i) => [i, `${columnLetters(i)} · ${c.name}`])) };
    for (let i = 0; ; i++) {
      try {
        ws.customizeColumnHeader(headers);
        break;
      } catch (e) {
        if (i >= 150) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    ws.setColumnWidths(0, this.columns.length, 130);
    for (const n of this.meta.names) {
      try { wb.insertDefinedName(n.name, n.ref); } catch { /* a name that no longer fits the sheet stays in the list */ }
    }
    await firstSelection;
  }

  /** Resolves on the first selection of workbook `unitId` (or after 10 s, so a page never hangs on it). */
  private selectionOf(unitId: string): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(timer); listener.dispose(); resolve(); };
      const listener = this.api.addEvent(this.api.Event.CommandExecuted, (c) => {
        if (c.id === SET_SELECTIONS && (c.params as { unitId?: string } | undefined)?.unitId === unitId) done();
      });
      const timer = setTimeout(done, 10_000);
    });
  }

  /**
   * Counts, the window on screen and every table formula, again (after a sort, filter, version or
   * table change). The counts and the first window are asked for at once; `ready` (the workbook
   * being built, on open) is awaited only before anything is written into the sheet.
   */
  async reload(ready: Promise<void> = Promise.resolve()): Promise<void> {
    const gen = ++this.generation;
    const shown = this.rows.size === 0 ? 0 : Math.max(...this.rows.keys()) + 1; // rows holding table data now
    this.rows.clear();
    this.loaded.clear();
    this.loading.clear();
    this.ready = ready;
    const params: unknown[] = [];
    const where = this.whereSql(params);
    const countSql = where === '' ? `SELECT count(*) AS n, count(*) AS total FROM ${this.from}` : `SELECT count(*) AS n, (SELECT count(*) FROM ${this.from}) AS total FROM ${this.from}${where}`;
    // Unfiltered at HEAD the row count comes free with DescribeTable (the snapshot's stats): the
    // first screen does not wait for a COUNT over the table. The exact count follows the first
    // window (it also sees the write log at STRONG, and files without stats) and corrects it.
    const provisional = where === '' && this.asOfVersion === undefined && this.info !== undefined ? Number(this.info.rowCount) : undefined;
    if (provisional !== undefined) this.matchCount = provisional; // the blocks the first window asks for
    const countsP = provisional === undefined ? this.query(countSql, params) : undefined;
    const windowP = this.ensureVisible(); // the window's queries start now; they write once `ready`
    await ready;
    const counts = countsP === undefined ? undefined : await countsP;
    if (gen !== this.generation) return;
    this.applyCounts(counts === undefined ? provisional! : Number(counts.rows[0]?.[0] ?? 0), counts === undefined ? provisional! : Number(counts.rows[0]?.[1] ?? 0), shown);
    this.mark('counts');
    this.mark('rowCount');
    await windowP;
    if (provisional !== undefined) {
      const exact = await this.query(countSql, params);
      if (gen !== this.generation) return;
      const n = Number(exact.rows[0]?.[0] ?? 0);
      if (n !== this.matchCount) this.applyCounts(n, Number(exact.rows[0]?.[1] ?? 0), Math.min(this.matchCount, this.worksheet.getMaxRows()));
      this.mark('exactCount');
    }
    await this.ensureVisible(); // blocks beyond the first that the count now shows are on screen
    this.restateConditionalFormats();
    await this.recomputeFormulas();
    this.syncedAt = Date.now();
    this.events.onState(this);
  }

  /** The match and total counts, and the sheet's rows for them; `shown` rows held table data. */
  private applyCounts(match: number, total: number, shown: number): void {
    this.matchCount = match;
    this.totalCount = total;
    this.applyingData = true;
    try {
      // Rows the new window overwrites are left as they are until it lands (no blank flash);
      // table rows that no longer match are cleared.
      const ws = this.worksheet;
      const from = Math.min(this.matchCount, ws.getMaxRows());
      if (shown > from) ws.getRange(from, 0, Math.min(shown, ws.getMaxRows()) - from, this.columns.length).clearContent();
      ws.setRowCount(sheetRows(this.matchCount, Math.max(ROW_STEP, ws.getMaxRows()))); // rows grown by scrolling stay
    } finally {
      this.applyingData = false;
    }
  }

  /** Resolves when the workbook exists (blocks fetched before it wait for it). */
  private ready: Promise<void> = Promise.resolve();

  async ensureVisible(): Promise<void> {
    if (this.table === '') return;
    let first = 0;
    let last = BLOCK - 1;
    try {
      const r = this.worksheet.getVisibleRange();
      if (r !== null) {
        first = r.startRow;
        last = r.endRow;
      }
    } catch { /* not rendered yet: the first block */ }
    if (this.loaded.size > 0 && last >= this.worksheet.getMaxRows() - BLOCK * 5 && this.worksheet.getMaxRows() < this.matchCount + EXTRA_ROWS) {
      // Near the end of the rows the sheet has: the next step of rows.
      this.applyingData = true;
      try { this.worksheet.setRowCount(sheetRows(this.matchCount, this.worksheet.getMaxRows() + ROW_STEP)); } finally { this.applyingData = false; }
      this.restateConditionalFormats();
    }
    const blocks: number[] = [];
    // Before the count is known (generation just started) the first window is fetched anyway.
    const known = this.loaded.size > 0 || this.matchCount > 0 ? this.matchCount : Number.POSITIVE_INFINITY;
    for (let b = Math.floor(first / BLOCK); b <= Math.floor(last / BLOCK) + 1; b++) if (b * BLOCK < known) blocks.push(b);
    await Promise.all(blocks.map((b) => this.loadBlock(b)));
  }

  private loadBlock(b: number): Promise<void> {
    if (this.loaded.has(b)) return Promise.resolve();
    const pending = this.loading.get(b);
    if (pending) return pending;
    const gen = this.generation;
    const p = (async () => {
      const params: unknown[] = [];
      const sql = blockSql(this.from, this.whereSql(params), this.sheetOrder(), params, b);
      // The page's first table: its first block was asked for at app start (prefetchTable).
      const early = b === 0 && this.earlyWindow?.sql === sql && this.earlyWindow.freshness === this.readFreshness ? this.earlyWindow.rows : undefined;
      this.earlyWindow = undefined;
      if (early !== undefined) this.mark('windowPrefetched');
      const res = await (early ?? this.query(sql, params));
      if (b === 0) this.mark('windowFetched');
      await this.ready;
      if (gen !== this.generation) return;
      res.rows.forEach((r, i) => this.rows.set(b * BLOCK + i, r));
      this.loaded.add(b);
      if (res.rows.length === 0) return;
      const values = res.rows.map((r) => r.map((v, i) => display(v, this.columns[i]?.type ?? '')));
      this.applyingData = true;
      try {
        const ws = this.worksheet;
        if (ws.getMaxRows() < b * BLOCK + values.length + EXTRA_ROWS) ws.setRowCount(b * BLOCK + values.length + EXTRA_ROWS);
        ws.getRange(b * BLOCK, 0, values.length, this.columns.length).setValues(values);
        // Number formats per loaded block only: styling a whole 10M-row column would cost more than the data.
        this.columns.forEach((c, i) => {
          const f = numberFormatOf(c.type);
          if (f !== undefined) ws.getRange(b * BLOCK, i, values.length, 1).setNumberFormat(f);
        });
        this.renderFormulasIn(b * BLOCK, b * BLOCK + values.length - 1);
      } finally {
        this.applyingData = false;
      }
      if (b === 0) this.mark('firstWindow');
    })().catch((e: unknown) => { this.events.onError((e as Error).message); }).finally(() => this.loading.delete(b));
    this.loading.set(b, p);
    return p;
  }

  /** Value of a sheet cell (table formulas may reference cells such as `A2`). */
  cellValue(row: number, col: number): unknown {
    if (col < this.columns.length) {
      const r = this.rows.get(row);
      if (r !== undefined) return display(r[col], this.columns[col]!.type);
    }
    return this.worksheet.getRange(row, col).getValue();
  }

  private formulaContext() {
    return {
      table: this.table,
      columns: this.columns,
      order: this.sheetOrder(),
      cellValue: (row: number, col: number) => this.cellValue(row, col),
      ...(this.asOfVersion !== undefined ? { asOfVersion: this.asOfVersion } : {}),
    };
  }

  /**
   * The formula bar's Enter. A table formula is computed on the server and kept per cell (it is
   * recomputed when the table changes); anything else goes to the cell (Univer's own engine, or
   * an edit of the table when the cell holds table data).
   */
  async enter(cellRef: string, text: string): Promise<void> {
    const m = /^([A-Z]{1,3})(\d+)$/i.exec(cellRef.trim());
    if (!m) throw new Error(`"${cellRef}" is not a cell reference like D8`);
    const col = columnIndex(m[1]!);
    const row = Number(m[2]) - 1;
    const ref = `${m[1]!.toUpperCase()}${m[2]}`;
    if (compileFormula(text, this.formulaContext()) !== undefined) {
      this.formulas.set(ref, text);
      await this.computeFormula(ref);
      return;
    }
    this.formulas.delete(ref);
    this.worksheet.getRange(row, col).setValue(text);
    if (!text.startsWith('=')) await this.cellEdited(row, col);
  }

  private async computeFormula(ref: string): Promise<void> {
    const text = this.formulas.get(ref);
    if (text === undefined) return;
    const m = /^([A-Z]{1,3})(\d+)$/.exec(ref)!;
    const col = columnIndex(m[1]!);
    const row = Number(m[2]) - 1;
    const compiled = compileFormula(text, this.formulaContext());
    if (compiled === undefined) return;
    const run = (this.formulaRuns.get(ref) ?? 0) + 1;
    this.formulaRuns.set(ref, run);
    const res = await this.query(compiled.sql, compiled.params);
    // Results can arrive out of order (a formula retyped, a reload, a block loaded): the cell's
    // latest computation of its current formula wins; an older answer is dropped.
    if (this.formulaRuns.get(ref) !== run || this.formulas.get(ref) !== text) return;
    const type = compiled.formatColumn ? this.columns.find((c) => c.name === compiled.formatColumn)?.type ?? '' : res.columns[0]?.type ?? '';
    const values: (string | number)[][] = compiled.spills ? res.rows.map((r) => [display(r[0], type)]) : [[display(res.rows[0]?.[0] ?? null, type)]];
    this.applyingData = true;
    try {
      const ws = this.worksheet;
      if (row + values.length > ws.getMaxRows()) ws.setRowCount(row + values.length + EXTRA_ROWS);
      const range = ws.getRange(row, col, values.length, 1);
      range.setValues(values);
      const f = numberFormatOf(type);
      if (f !== undefined) range.setNumberFormat(f);
      else if (typeof values[0]?.[0] === 'number' && !Number.isInteger(values[0][0])) range.setNumberFormat('#,##0.00');
    } finally {
      this.applyingData = false;
    }
  }

  private renderFormulasIn(firstRow: number, lastRow: number): void {
    for (const ref of this.formulas.keys()) {
      const row = Number(/\d+$/.exec(ref)![0]) - 1;
      if (row >= firstRow && row <= lastRow) void this.computeFormula(ref).catch((e: unknown) => this.events.onError((e as Error).message));
    }
  }

  async recomputeFormulas(): Promise<void> {
    await Promise.all([...this.formulas.keys()].map((ref) => this.computeFormula(ref).catch((e: unknown) => this.events.onError(`${ref}: ${(e as Error).message}`))));
  }

  /** The formula a cell shows in the formula bar: a table formula, Univer's formula, or its value. */
  formulaOf(row: number, col: number): string {
    const ref = `${columnLetters(col)}${row + 1}`;
    const own = this.formulas.get(ref);
    if (own !== undefined) return own;
    const range = this.worksheet.getRange(row, col);
    const f = range.getFormula();
    if (f) return f;
    const v = range.getValue();
    return v === null || v === undefined ? '' : String(v);
  }

  // ── selection statistics ───────────────────────────────────────────────────
  private async selectionChanged(selections: { startRow: number; endRow: number; startColumn: number; endColumn: number }[]): Promise<void> {
    const sel = selections[0];
    if (sel === undefined) { this.events.onStats(undefined); return; }
    try {
      this.events.onStats(await this.statsOf(sel));
    } catch (e) {
      this.events.onError((e as Error).message);
    }
  }

  async statsOf(sel: { startRow: number; endRow: number; startColumn: number; endColumn: number }): Promise<SelectionStats | undefined> {
    const ws = this.worksheet;
    const wholeColumns = sel.startRow === 0 && sel.endRow >= ws.getMaxRows() - 1;
    if (wholeColumns && sel.startColumn === sel.endColumn && sel.startColumn < this.columns.length) {
      const col = quoteIdent(this.columns[sel.startColumn]!.name);
      const params: unknown[] = [];
      const where = this.whereSql(params);
      const numeric = isNumericType(this.columns[sel.startColumn]!.type);
      const res = await this.query(numeric
        ? `SELECT SUM(${col})::DOUBLE, COUNT(${col}), AVG(${col})::DOUBLE, MIN(${col})::DOUBLE, MAX(${col})::DOUBLE FROM ${this.from}${where}`
        : `SELECT 0::DOUBLE, COUNT(${col}), NULL, NULL, NULL FROM ${this.from}${where}`, params);
      const [sum, count, avg, min, max] = res.rows[0] ?? [];
      const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
      return { sum: num(sum) ?? 0, count: Number(count ?? 0), avg: num(avg), min: num(min), max: num(max), numeric: numeric ? Number(count ?? 0) : 0 };
    }
    const rows = Math.min(sel.endRow, ws.getMaxRows() - 1) - sel.startRow + 1;
    const values = ws.getRange(sel.startRow, sel.startColumn, Math.min(rows, 100_000), sel.endColumn - sel.startColumn + 1).getValues().flat();
    const nonEmpty = values.filter((v) => v !== null && v !== undefined && v !== '');
    // Numeric cells (the grid may hand back a formatted number as its text).
    const nums = nonEmpty.map((v) => (typeof v === 'number' ? v : typeof v === 'string' && /^-?[\d,]*\.?\d+$/.test(v.trim()) ? Number(v.trim().replaceAll(',', '')) : undefined)).filter((v): v is number => v !== undefined);
    if (nonEmpty.length === 0) return undefined;
    const sum = nums.reduce((a, b) => a + b, 0);
    return { sum, count: nonEmpty.length, avg: nums.length ? sum / nums.length : undefined, min: nums.length ? Math.min(...nums) : undefined, max: nums.length ? Math.max(...nums) : undefined, numeric: nums.length };
  }

  // ── sort, filter, freshness, versions ──────────────────────────────────────
  async setSort(column: string | undefined, descending = false): Promise<void> {
    this.sort = column === undefined ? undefined : { column, descending };
    await this.reload();
  }

  async setFilters(filters: Filter[]): Promise<void> {
    this.filters = filters;
    await this.reload();
  }

  async setFreshness(f: FreshnessName): Promise<void> {
    this.freshness = f;
    await this.reload();
  }

  async setVersion(v: bigint | undefined): Promise<void> {
    this.asOfVersion = v;
    await this.reload();
  }

  filterSummary(): string {
    const what = this.filters.map((f) => `${f.column} ${f.op === 'contains' ? 'contains' : f.op} “${f.value}”`).join(' and ');
    return this.filters.length === 0 ? `${this.matchCount} rows` : `${what} · ${this.matchCount} of ${this.totalCount} rows match`;
  }

  // ── editing (keyed tables) ────────────────────────────────────────────────
  private keysOf(row: number): Record<string, unknown> | undefined {
    const r = this.rows.get(row);
    if (r === undefined) return undefined;
    return Object.fromEntries(this.keys.map((k) => [k, r[this.columns.findIndex((c) => c.name === k)]]));
  }

  private async cellEdited(row: number, col: number): Promise<void> {
    if (this.applyingData) return;
    // A formula typed in Univer's own cell editor: a table formula is taken over by the server
    // (the same compiler as the formula bar); Univer's result for it is replaced.
    const typed = this.worksheet.getRange(row, col).getFormula();
    if (typed && compileFormula(typed, this.formulaContext()) !== undefined) {
      const ref = `${columnLetters(col)}${row + 1}`;
      this.formulas.set(ref, typed);
      // Univer's own formula goes at once (its engine would compute it over the loaded window,
      // possibly after the server's answer has landed, and overwrite it): the cell reads "…"
      // until the server's answer is there.
      this.applyingData = true;
      try { this.worksheet.getRange(row, col).setValue(COMPUTING); } finally { this.applyingData = false; }
      try { await this.computeFormula(ref); } catch (e) { this.events.onError(`${ref}: ${(e as Error).message}`); }
      return;
    }
    if (!typed) this.formulas.delete(`${columnLetters(col)}${row + 1}`);
    if (!typed && col < this.columns.length && row === this.matchCount && this.editable && this.filters.length === 0) {
      await this.newRowCell(row, col);
      return;
    }
    if (col >= this.columns.length || !this.rows.has(row)) return;
    const column = this.columns[col]!;
    const before = this.rows.get(row)![col];
    const after = this.worksheet.getRange(row, col).getValue();
    if (!this.editable) {
      this.applyingData = true;
      try { this.worksheet.getRange(row, col).setValue(display(before, column.type)); } finally { this.applyingData = false; }
      this.events.onError(this.asOfVersion !== undefined ? 'This is an old version of the table: it is read-only.' : 'This table has no primary key, so its rows cannot be addressed one by one: it is read-only here (use SQL in the query panel).');
      return;
    }
    const keys = this.keysOf(row)!;
    try {
      await this.writeCell(keys, column.name, after);
      this.undoStack.push({ kind: 'update', row, column: column.name, keys, before, after });
      await this.reload();
    } catch (e) {
      this.events.onError((e as Error).message);
      await this.reload();
    }
  }

  private async writeCell(keys: Record<string, unknown>, column: string, value: unknown): Promise<void> {
    await k3.tables(this.bucket).update(this.table, { [column]: value }, keyPredicate(keys));
  }

  /** The first block prefetchTable asked for (used once, by the first block's load if its SQL is the same). */
  private earlyWindow: { sql: string; freshness: FreshnessName | undefined; rows: Promise<QueryRows> } | undefined;

  /** Values typed into the empty row under the last row, until its primary key is complete. */
  private draft: { row: number; values: Row } | undefined;

  /**
   * A value typed into the empty row right under the table's rows (keyed table, unfiltered,
   * HEAD): the row's values are gathered; once every primary-key column has one, the row is one
   * Insert RPC (undo deletes it by its key). Formulas there stay the user's own cells.
   */
  private async newRowCell(row: number, col: number): Promise<void> {
    const column = this.columns[col]!;
    const v = this.worksheet.getRange(row, col).getValue();
    const text = v === null || v === undefined ? '' : String(v).trim();
    if (this.draft?.row !== row) this.draft = { row, values: {} };
    const draft = this.draft;
    if (text === '') delete draft.values[column.name];
    else draft.values[column.name] = typedValue(text, column.type);
    const missing = this.keys.filter((k) => draft.values[k] === undefined);
    if (missing.length > 0) {
      this.events.onError(`A new row: type its ${missing.join(', ')} (the primary key) in this row and it is inserted.`);
      return;
    }
    this.draft = undefined;
    const keys = Object.fromEntries(this.keys.map((k) => [k, draft.values[k]]));
    try {
      await k3.tables(this.bucket).insert(this.table, [draft.values]);
      this.undoStack.push({ kind: 'insert', keys });
    } catch (e) {
      this.events.onError((e as Error).message);
    }
    await this.reload();
  }

  async undo(): Promise<boolean> {
    const edit = this.undoStack.pop();
    if (edit === undefined) return false;
    if (edit.kind === 'insert') await k3.tables(this.bucket).deleteRows(this.table, keyPredicate(edit.keys));
    else await this.writeCell(edit.keys, edit.column, edit.before);
    await this.reload();
    return true;
  }

  /**
   * A new row (the "Add row" dialog): one Insert RPC with the typed values; empty fields are
   * NULL. Keyed tables only (the key says which row it is, and a keyed write is visible at once
   * to STRONG reads).
   */
  async insertRow(values: Record<string, string>): Promise<void> {
    if (!this.editable) throw new Error(this.asOfVersion !== undefined ? 'This is an old version of the table: it is read-only.' : 'This table has no primary key: add rows with SQL in the query panel.');
    const row: Row = {};
    for (const c of this.columns) {
      const text = (values[c.name] ?? '').trim();
      if (text === '') continue;
      row[c.name] = typedValue(text, c.type);
    }
    const missing = this.keys.filter((k) => row[k] === undefined);
    if (missing.length > 0) throw new Error(`A new row needs its primary key: fill in ${missing.join(', ')}.`);
    await k3.tables(this.bucket).insert(this.table, [row]);
    await this.reload();
  }

  // ── conditional formatting (Univer's rules over the loaded window, bounds from the whole table) ──
  readonly conditionalFormats: ConditionalFormat[] = [];

  /**
   * Adds a rule over a whole column and keeps it in the sidecar (it survives a reload and a server
   * restart). A colour scale's ends are the column's MIN and MAX over the whole (filtered) table,
   * asked from the server, so a cell's colour does not depend on which window is loaded.
   */
  async addConditionalFormat(f: ConditionalFormat): Promise<void> {
    await this.loadExtras();
    if (!this.columns.some((c) => c.name === f.column)) throw new Error(`no column "${f.column}" in ${this.table}`);
    this.conditionalFormats.push(await this.withBounds(f));
    this.restateConditionalFormats();
    await this.saveConditionalFormats();
  }

  private async withBounds(f: ConditionalFormat): Promise<ConditionalFormat> {
    if (f.kind !== 'scale') return f;
    const params: unknown[] = [];
    const where = this.whereSql(params);
    const res = await this.query(`SELECT MIN(${quoteIdent(f.column)})::DOUBLE, MAX(${quoteIdent(f.column)})::DOUBLE FROM ${this.from}${where}`, params);
    return { ...f, min: Number(res.rows[0]?.[0] ?? 0), max: Number(res.rows[0]?.[1] ?? 0) };
  }

  /** The sidecar's rules (on open): a scale's ends are asked from the table as it is now. */
  private async restoreConditionalFormats(): Promise<void> {
    const kept = this.meta.formats.filter((f) => this.columns.some((c) => c.name === f.column)); // a dropped column's rule stays in the sidecar
    if (kept.length === 0) return;
    const formats = await Promise.all(kept.map((f) => this.withBounds(f)));
    this.conditionalFormats.splice(0, this.conditionalFormats.length, ...formats);
    this.restateConditionalFormats();
  }

  private async saveConditionalFormats(): Promise<void> {
    this.meta.formats = this.conditionalFormats.map((f) => (f.kind === 'scale' ? { kind: 'scale', column: f.column, minColor: f.minColor, maxColor: f.maxColor } : { ...f }));
    await saveSheetMeta(this.bucket, this.table, this.meta);
  }

  /** After the first screen: conditional formatting exists from then on. */
  private async loadExtras(): Promise<void> {
    await this.extras();
    this.extrasLoaded = true;
  }

  /** Rules over the data rows the sheet has now (none before the plugins are there: none can exist yet). */
  private restateConditionalFormats(): void {
    if (!this.extrasLoaded) return;
    applyConditionalFormats(this.worksheet, this.columns, Math.min(this.matchCount, this.worksheet.getMaxRows()), this.conditionalFormats);
  }

  async clearConditionalFormats(): Promise<void> {
    this.conditionalFormats.length = 0;
    this.restateConditionalFormats();
    await this.saveConditionalFormats();
  }

  // ── what changed since a version (the version picker's Δ HEAD) ────────────
  /**
   * Rows added, removed and changed between `version` and HEAD (the server's diff), into a new
   * read-only sheet: one line per row with its change, then the row's columns; a changed cell
   * reads `before → after`.
   */
  async diffSheet(version: bigint, limit = 1000): Promise<{ name: string; diff: TableDiff }> {
    const diff = await tableDiff(this.bucket, this.table, version, limit);
    const wb = this.api.getActiveWorkbook()!;
    const name = `Δ v${diff.fromVersion}→v${diff.toVersion}`;
    const ws = wb.insertSheet(name);
    const columns = this.columns.map((c) => c.name);
    const lines = diffLines(columns, diff);
    const width = columns.length + 1;
    ws.setRowCount(Math.max(lines.length + EXTRA_ROWS, 100));
    ws.setColumnCount(Math.max(width + 2, 10));
    ws.getRange(0, 0, lines.length, width).setValues(lines);
    ws.setColumnWidths(1, columns.length, 140);
    // Read-only: a Univer worksheet protection would be a Pro feature; edits are undone instead.
    this.readOnlySheets.add(ws.getSheetId());
    return { name, diff };
  }

  /** Sheets (diff results) whose cells cannot be edited. */
  readonly readOnlySheets = new Set<string>();

  // ── pivot (computed by DuckDB into a new sheet) ────────────────────────────
  async pivot(rowsColumn: string, valueColumn: string, agg: 'SUM' | 'COUNT' | 'AVG' | 'MIN' | 'MAX'): Promise<{ name: string; rows: Raw[][] }> {
    const params: unknown[] = [];
    const where = this.whereSql(params);
    const r = quoteIdent(rowsColumn);
    const res = await this.query(`SELECT ${r}, ${agg}(${quoteIdent(valueColumn)}) AS ${quoteIdent(`${agg.toLowerCase()}_${valueColumn}`)} FROM ${this.from}${where} GROUP BY ${r} ORDER BY ${r} NULLS LAST`, params);
    const wb = this.api.getActiveWorkbook()!;
    const name = `Pivot ${wb.getSheets().length}`;
    const ws = wb.insertSheet(name);
    ws.getRange(0, 0, 1, 2).setValues([[rowsColumn, `${agg}(${valueColumn})`]]);
    if (res.rows.length > 0) ws.getRange(1, 0, res.rows.length, 2).setValues(res.rows.map((row) => row.map((v, i) => display(v, res.columns[i]?.type ?? ''))));
    return { name, rows: res.rows };
  }

  // ── comments and named ranges (sidecar in the bucket) ──────────────────────
  async addComment(cell: string, text: string): Promise<void> {
    this.meta.comments.push({ cell, text, at: new Date().toISOString() });
    await saveSheetMeta(this.bucket, this.table, this.meta);
  }

  async addName(name: string, ref: string): Promise<void> {
    const wb = this.api.getActiveWorkbook()!;
    wb.insertDefinedName(name, ref);
    this.meta.names = [...this.meta.names.filter((n) => n.name !== name), { name, ref }];
    await saveSheetMeta(this.bucket, this.table, this.meta);
  }

  // ── live ───────────────────────────────────────────────────────────────────
  private startLive(): void {
    this.timer = setInterval(() => { void this.poll(); }, 2000);
  }

  stopLive(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.liveKey = '';
  }

  private async poll(): Promise<void> {
    if (this.asOfVersion !== undefined) { this.events.onState(this); return; }
    try {
      const table = this.table;
      const t = await k3.tables(this.bucket).describe(table);
      if (table !== this.table) return; // another table was opened meanwhile
      const key = `${t.deltaVersion}/${t.walBacklogEntries}`;
      this.info = t;
      if (this.liveKey !== '' && key !== this.liveKey) await this.reload();
      this.liveKey = key;
      this.syncedAt = Date.now();
      this.events.onState(this);
      await this.ensureVisible(); // the window on screen, also when a scroll event was missed
    } catch (e) {
      this.events.onError((e as Error).message);
    }
  }
}
