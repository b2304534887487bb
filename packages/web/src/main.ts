/**
 * The data browser: sign in with a token, pick a bucket and a table, and the table opens as a
 * sheet (sheet/table-sheet.ts). Our own chrome — table list, name box, formula bar, filter bar,
 * status bar, dialogs — is plain DOM with accessible labels; the grid is Univer's canvas.
 */
import './styles.css';
import { toJson } from '@bufbuild/protobuf';
import { TableSchema } from '@k3/client';
import { k3, session, signIn, signOut } from './api.ts';
import { columnIndex, columnLetters } from './formula/parse.ts';
import { createSheetUniver, SET_SELECTIONS, type Extras, type UniverAPI } from './sheet/univer.ts';
import type { ConditionalFormat } from './sheet/conditional-format.ts';
import { formatStat, prefetchTable, TableSheet, type Filter, type FilterOp, type SelectionStats, type TablePrefetch } from './sheet/table-sheet.ts';

const app = document.getElementById('app')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function showSignIn(message = ''): void {
  app.replaceChildren();
  const token = el('input', { type: 'password', id: 'token', 'aria-label': 'Token', autocomplete: 'off', placeholder: 'k3_…' });
  const error = el('p', { role: 'alert', class: 'error' }, message);
  const form = el('form', { class: 'signin', 'aria-label': 'Sign in' },
    el('h1', {}, 'k3-tables'),
    el('label', { for: 'token' }, 'Token'), token,
    el('button', { type: 'submit' }, 'Sign in'), error,
    el('p', { class: 'hint' }, 'The server printed an admin token at its first start; `k3 token create` makes more. The token is kept in an HttpOnly session cookie, never in this page.'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void signIn(token.value).then((r) => { if (r.ok) void start(); else error.textContent = r.message; });
  });
  app.append(form);
  token.focus();
}

interface Ui {
  sheet: TableSheet;
  api: UniverAPI;
  /** Conditional formatting's computed style of a cell of the data sheet (null until computed). */
  conditionalStyle(row: number, col: number): unknown;
}

const OPS = ['=', '<>', '>', '>=', '<', '<='] as const;

/** A modal dialog of our own chrome (real DOM, labelled); resolves with its form's values, or undefined on Cancel. */
function dialog(title: string, fields: HTMLElement[], submit: string): Promise<Record<string, string> | undefined> {
  const form = el('form', { method: 'dialog' }, el('h2', {}, title), ...fields,
    el('div', { class: 'actions' }, el('button', { type: 'submit', value: 'ok' }, submit), el('button', { type: 'submit', value: 'cancel', formnovalidate: '' }, 'Cancel')));
  const d = el('dialog', { 'aria-label': title }, form);
  document.body.append(d);
  return new Promise((resolve) => {
    d.addEventListener('close', () => {
      const values = Object.fromEntries([...form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')].map((i) => [i.name, i.value]));
      d.remove();
      resolve(d.returnValue === 'ok' ? values : undefined);
    });
    d.showModal();
  });
}

function field(label: string, control: HTMLInputElement | HTMLSelectElement): HTMLElement {
  return el('label', { class: 'field' }, el('span', {}, label), control);
}

function statsText(s: SelectionStats | undefined): string {
  if (s === undefined) return '';
  return `Sum ${formatStat(s.sum)}  Count ${s.count}  Avg ${formatStat(s.avg)}  Min ${formatStat(s.min)}  Max ${formatStat(s.max)}`;
}

async function start(): Promise<void> {
  performance.mark('k3:app'); // the bundle is loaded and running (bench/web-first-screen.bench.ts)
  const url = new URLSearchParams(location.search);
  const initial = url.get('table');
  // The table named in the URL: its describe, column types and sidecar are asked for now, beside
  // the session check and Univer's start (the first screen).
  const early = initial && url.get('bucket') ? prefetchTable(url.get('bucket')!, initial) : undefined;
  const who = await session();
  if (who === undefined) { showSignIn(); return; }
  app.replaceChildren();

  // ── layout ──
  const bucketInput = el('input', { id: 'bucket', 'aria-label': 'Bucket', value: new URLSearchParams(location.search).get('bucket') ?? (who.buckets === '*' ? '' : who.buckets[0] ?? '') });
  const header = el('header', {},
    el('strong', {}, 'k3-tables'),
    el('label', { for: 'bucket' }, 'Bucket'), bucketInput,
    el('span', { class: 'who' }, `signed in as ${who.principal}`),
    el('button', { type: 'button', id: 'signout' }, 'Sign out'));
  const tableList = el('ul', { id: 'tables', 'aria-label': 'Tables' });
  const createSql = el('textarea', { id: 'create-sql', 'aria-label': 'CREATE TABLE statement', rows: '3', placeholder: 'CREATE TABLE t (id BIGINT PRIMARY KEY, …)' });
  const querySql = el('textarea', { id: 'query-sql', 'aria-label': 'SQL query', rows: '4', placeholder: 'SELECT …' });
  const aside = el('aside', {},
    el('h2', {}, 'Tables'), tableList,
    el('details', {}, el('summary', {}, 'Create table'), createSql, el('button', { type: 'button', id: 'create' }, 'Create')),
    el('h2', {}, 'Query'), querySql, el('button', { type: 'button', id: 'run-query' }, 'Run'),
    el('h2', {}, 'Comments'), el('ul', { id: 'comments', 'aria-label': 'Comments' }),
    el('h2', {}, 'Named ranges'), el('ul', { id: 'names', 'aria-label': 'Named ranges' }));

  const nameBox = el('input', { id: 'name-box', 'aria-label': 'Name box', value: 'A1', size: '6' });
  const formulaBar = el('input', { id: 'formula-bar', 'aria-label': 'Formula bar', size: '80' });
  const fresh = el('select', { id: 'freshness', 'aria-label': 'Freshness' }, el('option', { value: 'eventual' }, 'EVENTUAL'), el('option', { value: 'strong' }, 'STRONG'));
  const versions = el('select', { id: 'version', 'aria-label': 'Version' }, el('option', { value: '' }, 'HEAD (live)'));
  const filterCol = el('select', { id: 'filter-column', 'aria-label': 'Filter column' });
  const filterOp = el('select', { id: 'filter-op', 'aria-label': 'Filter operator' }, ...['=', '<>', '>', '>=', '<', '<=', 'contains'].map((o) => el('option', { value: o }, o)));
  const filterValue = el('input', { id: 'filter-value', 'aria-label': 'Filter value', size: '12' });
  const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Table tools' },
    fresh, versions,
    el('button', { type: 'button', id: 'sort-asc', title: 'Sort the selected column A→Z (on the server)' }, 'Sort A→Z'),
    el('button', { type: 'button', id: 'sort-desc', title: 'Sort the selected column Z→A' }, 'Sort Z→A'),
    filterCol, filterOp, filterValue,
    el('button', { type: 'button', id: 'filter-apply' }, 'Filter'),
    el('button', { type: 'button', id: 'filter-clear' }, 'Clear filter'),
    el('button', { type: 'button', id: 'pivot' }, 'Pivot…'),
    el('button', { type: 'button', id: 'comment' }, 'Comment…'),
    el('button', { type: 'button', id: 'name-range' }, 'Name range…'),
    el('button', { type: 'button', id: 'undo' }, 'Undo edit'),
    el('button', { type: 'button', id: 'add-row', title: 'Insert a new row (keyed tables)' }, 'Add row…'),
    el('button', { type: 'button', id: 'cond-format', title: 'Colour the cells of a column by a value rule or a colour scale' }, 'Conditional format…'),
    el('button', { type: 'button', id: 'diff', title: 'Rows added, removed and changed since the picked version' }, 'Δ HEAD'),
    el('span', { id: 'live', 'aria-live': 'polite' }, ''));
  const formulaRow = el('div', { class: 'formula-row' }, nameBox, el('span', { class: 'fx' }, 'fx'), formulaBar);
  const summary = el('div', { id: 'filter-summary', 'aria-live': 'polite' });
  const diffSummary = el('div', { id: 'diff-summary', 'aria-live': 'polite', 'aria-label': 'Δ HEAD summary' });
  const note = el('div', { id: 'note', role: 'note' });
  const error = el('div', { id: 'error', role: 'alert' });
  const grid = el('div', { id: 'grid' });
  const status = el('footer', { id: 'status', role: 'status', 'aria-label': 'Selection statistics' });
  const main = el('main', {}, toolbar, formulaRow, summary, diffSummary, note, error, grid, status);
  app.append(header, el('div', { class: 'body' }, aside, main));

  const { univer, api, extras } = createSheetUniver(grid);
  let extrasModule: Extras | undefined; // after the first screen (sheet/univer-extras.ts)
  const sheet = new TableSheet(api, {
    onState: (s) => renderState(s),
    onError: (m) => { error.textContent = m; },
    onStats: (s) => { status.textContent = statsText(s); },
  }, () => extras().then((m) => { extrasModule = m; }));
  const ui: Ui = {
    sheet, api,
    conditionalStyle: (row, col) => {
      const wb = api.getActiveWorkbook();
      return wb === null || extrasModule === undefined ? null : extrasModule.conditionalStyleOf(univer, wb.getId(), 'data', row, col);
    },
  };
  (window as unknown as { k3ui: Ui }).k3ui = ui; // for the browser tests (page.evaluate)

  function renderState(s: TableSheet): void {
    summary.textContent = s.table === '' ? '' : `${s.table} · ${s.filterSummary()}`;
    const secs = Math.max(0, Math.round((Date.now() - s.syncedAt) / 1000));
    live.textContent = s.asOfVersion !== undefined ? `version ${s.asOfVersion} · read-only` : `live · synced ${secs}s ago`;
    note.textContent = s.table === '' ? '' : s.editable ? 'Edits update the table by primary key.' : s.asOfVersion !== undefined ? 'An old version: read-only.' : 'This table has no primary key: read-only in the grid (rows cannot be addressed one by one).';
    const comments = document.getElementById('comments')!;
    comments.replaceChildren(...s.meta.comments.map((c) => el('li', {}, `${c.cell}: ${c.text}`)));
    const names = document.getElementById('names')!;
    names.replaceChildren(...s.meta.names.map((n) => el('li', {}, `${n.name} = ${n.ref}`)));
  }
  const live = document.getElementById('live')!;
  setInterval(() => { if (sheet.table !== '') renderState(sheet); }, 1000);

  const guard = (fn: () => Promise<unknown>) => () => { error.textContent = ''; void fn().catch((e: unknown) => { error.textContent = (e as Error).message; }); };

  let listed = '';
  /** The bucket's tables. A `change` that does not change the bucket (a blur) keeps the list as it is. */
  async function refreshTables(force = false): Promise<void> {
    const bucket = bucketInput.value.trim();
    if (!force && bucket === listed) return;
    listed = bucket;
    if (bucket === '') { tableList.replaceChildren(); return; }
    const tables = await k3.tables(bucket).list();
    tableList.replaceChildren();
    for (const t of tables) {
      const j = toJson(TableSchema, t) as Record<string, string>;
      const open = el('button', { type: 'button', class: 'open-table', 'data-table': t.name }, t.name);
      const drop = el('button', { type: 'button', class: 'drop-table', 'aria-label': `Drop ${t.name}` }, '×');
      open.addEventListener('click', guard(() => openTable(t.name)));
      drop.addEventListener('click', guard(async () => {
        if (!confirm(`Drop table ${t.name}? Its Delta log and files are deleted.`)) return;
        await k3.tables(bucket).drop(t.name);
        await refreshTables(true);
      }));
      tableList.append(el('li', {}, open, drop, el('small', {}, ` ${j.rowCount ?? '0'} rows · ${j.sizeBytes ?? '0'} B · v${j.deltaVersion ?? '0'} · backlog ${j.walBacklogEntries ?? '0'}${j.lastDrainAt && j.lastDrainAt !== '0' ? ` · drained ${new Date(Number(j.lastDrainAt)).toISOString().replace('T', ' ').slice(0, 19)}` : ''}`)));
    }
  }

  async function openTable(name: string, prefetched?: TablePrefetch): Promise<void> {
    diffSummary.textContent = '';
    await sheet.open(bucketInput.value.trim(), name, prefetched);
    filterCol.replaceChildren(...sheet.columns.map((c) => el('option', { value: c.name }, c.name)));
    const h = await k3.tables(sheet.bucket).history(name, { limit: 50 });
    versions.replaceChildren(el('option', { value: '' }, 'HEAD (live)'), ...h.entries.map((e) => el('option', { value: e.version.toString() }, `v${e.version} · ${e.operation}`)));
    renderState(sheet);
  }

  function selectedCell(): { row: number; col: number } {
    const m = /^([A-Z]{1,3})(\d+)$/i.exec(nameBox.value.trim());
    return m ? { row: Number(m[2]) - 1, col: columnIndex(m[1]!) } : { row: 0, col: 0 };
  }

  function selectedColumn(): string | undefined {
    const r = api.getActiveWorkbook()?.getActiveSheet().getActiveRange();
    const col = r?.getColumn() ?? selectedCell().col;
    return sheet.columns[col]?.name;
  }

  // The name box and formula bar follow the selection as it is now, not as an event says: a
  // click's event can arrive after a selection made since (keyboard, name box, API), and the name
  // box must not go back to it. Univer's SelectionChanged event is bound to one workbook's render
  // unit and is not always bound again to the workbook that replaces it when another table opens;
  // every selection runs the set-selections operation through the one command service.
  api.addEvent(api.Event.CommandExecuted, (c) => {
    if (c.id !== SET_SELECTIONS || sheet.table === '') return;
    const active = api.getActiveWorkbook()?.getActiveSheet().getActiveRange();
    if (!active) return;
    nameBox.value = `${columnLetters(active.getColumn())}${active.getRow() + 1}`;
    formulaBar.value = sheet.formulaOf(active.getRow(), active.getColumn());
  });

  nameBox.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    const named = sheet.meta.names.find((n) => n.name.toLowerCase() === nameBox.value.trim().toLowerCase());
    const range = /^([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)$/i.exec(nameBox.value.trim());
    if (!named && range) {
      // A range (Excel's name box): select it and show its statistics in the status bar.
      const sel = { startRow: Number(range[2]) - 1, startColumn: columnIndex(range[1]!), endRow: Number(range[4]) - 1, endColumn: columnIndex(range[3]!) };
      const ws = api.getActiveWorkbook()!.getActiveSheet();
      ws.setActiveRange(ws.getRange(sel.startRow, sel.startColumn, sel.endRow - sel.startRow + 1, sel.endColumn - sel.startColumn + 1));
      guard(async () => { status.textContent = statsText(await sheet.statsOf(sel)); })();
      return;
    }
    const target = named ? named.ref.replace(/^.*!/, '').replace(/\$/g, '').split(':')[0]! : nameBox.value.trim();
    const m = /^([A-Z]{1,3})(\d+)$/i.exec(target);
    if (!m) { error.textContent = `"${nameBox.value}" is not a cell (like D8) or a named range`; return; }
    const ws = api.getActiveWorkbook()!.getActiveSheet();
    ws.setActiveRange(ws.getRange(Number(m[2]) - 1, columnIndex(m[1]!)));
    nameBox.value = target.toUpperCase();
    formulaBar.value = sheet.formulaOf(Number(m[2]) - 1, columnIndex(m[1]!));
    formulaBar.focus();
  });
  formulaBar.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    guard(() => sheet.enter(nameBox.value, formulaBar.value))();
  });

  bucketInput.addEventListener('change', guard(() => refreshTables()));
  document.getElementById('signout')!.addEventListener('click', guard(async () => { sheet.stopLive(); await signOut(); showSignIn(); }));
  document.getElementById('create')!.addEventListener('click', guard(async () => { await k3.tables(bucketInput.value.trim()).execute(createSql.value); createSql.value = ''; await refreshTables(true); }));
  document.getElementById('run-query')!.addEventListener('click', guard(async () => {
    const res = await k3.tables(bucketInput.value.trim()).execute(querySql.value, { freshness: fresh.value as 'eventual' | 'strong' });
    if (res.kind !== 'query') { await refreshTables(true); error.textContent = `${res.kind === 'write' ? `${res.write.rowsAffected} rows affected` : 'done'}`; return; }
    const wb = api.getActiveWorkbook();
    if (wb === null) throw new Error('open a table first: query results open as a sheet next to it');
    const q = res.query.json.query as { columns: { name: string }[]; rows?: unknown[][] };
    const ws = wb.insertSheet(`Query ${wb.getSheets().length}`);
    ws.getRange(0, 0, 1, q.columns.length).setValues([q.columns.map((c) => c.name)]);
    const rows = (q.rows ?? []).map((r) => r.map((v): string | number => (v === null ? '' : typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v))));
    if (rows.length > 0) ws.getRange(1, 0, rows.length, q.columns.length).setValues(rows);
  }));
  fresh.addEventListener('change', guard(() => sheet.setFreshness(fresh.value as 'eventual' | 'strong')));
  versions.addEventListener('change', guard(() => sheet.setVersion(versions.value === '' ? undefined : BigInt(versions.value))));
  document.getElementById('sort-asc')!.addEventListener('click', guard(() => sheet.setSort(selectedColumn(), false)));
  document.getElementById('sort-desc')!.addEventListener('click', guard(() => sheet.setSort(selectedColumn(), true)));
  document.getElementById('filter-apply')!.addEventListener('click', guard(() => sheet.setFilters([...sheet.filters, { column: filterCol.value, op: filterOp.value as FilterOp, value: filterValue.value } satisfies Filter])));
  document.getElementById('filter-clear')!.addEventListener('click', guard(() => sheet.setFilters([])));
  document.getElementById('undo')!.addEventListener('click', guard(async () => { if (!(await sheet.undo())) error.textContent = 'nothing to undo'; }));
  document.getElementById('pivot')!.addEventListener('click', guard(async () => {
    const rowsCol = prompt('Pivot: rows by column', sheet.columns[1]?.name ?? '');
    const valueCol = rowsCol ? prompt('Pivot: values of column', sheet.columns.at(-1)?.name ?? '') : null;
    const agg = valueCol ? prompt('Pivot: SUM, COUNT, AVG, MIN or MAX', 'SUM') : null;
    if (rowsCol && valueCol && agg) await sheet.pivot(rowsCol, valueCol, agg.toUpperCase() as 'SUM');
  }));
  document.getElementById('comment')!.addEventListener('click', guard(async () => {
    const text = prompt(`Comment on ${nameBox.value}`);
    if (text) { await sheet.addComment(nameBox.value.toUpperCase(), text); renderState(sheet); }
  }));
  document.getElementById('name-range')!.addEventListener('click', guard(async () => {
    const name = prompt(`Name for ${nameBox.value}`);
    if (name) { await sheet.addName(name, `'${sheet.table}'!$${nameBox.value.replace(/(\d+)$/, '$$$1')}`); renderState(sheet); }
  }));

  document.getElementById('add-row')!.addEventListener('click', guard(async () => {
    if (sheet.table === '') throw new Error('open a table first');
    if (!sheet.editable) throw new Error(note.textContent || 'This table is read-only in the grid.');
    const values = await dialog(`New row in ${sheet.table}`, sheet.columns.map((c) => field(`${c.name}${sheet.keys.includes(c.name) ? ' (key)' : ''}`, el('input', { name: c.name, 'aria-label': c.name, placeholder: c.type, ...(sheet.keys.includes(c.name) ? { required: '' } : {}) }))), 'Insert');
    if (values) await sheet.insertRow(values);
  }));
  document.getElementById('cond-format')!.addEventListener('click', guard(async () => {
    if (sheet.table === '') throw new Error('open a table first');
    const columns = () => el('select', { name: 'column', 'aria-label': 'Column' }, ...sheet.columns.map((c) => el('option', { value: c.name, ...(c.name === selectedColumn() ? { selected: '' } : {}) }, c.name)));
    const values = await dialog('Conditional format', [
      field('Column', columns()),
      field('Kind', el('select', { name: 'kind', 'aria-label': 'Kind' }, el('option', { value: 'value' }, 'Value rule'), el('option', { value: 'scale' }, 'Colour scale'), el('option', { value: 'clear' }, 'Clear all rules'))),
      field('Operator', el('select', { name: 'op', 'aria-label': 'Operator' }, ...[...OPS, 'contains'].map((o) => el('option', { value: o }, o)))),
      field('Value', el('input', { name: 'value', 'aria-label': 'Value' })),
      field('Colour', el('input', { name: 'color', type: 'color', value: '#f4b183', 'aria-label': 'Colour' })),
      field('Scale from (min)', el('input', { name: 'minColor', type: 'color', value: '#ffffff', 'aria-label': 'Scale min colour' })),
      field('Scale to (max)', el('input', { name: 'maxColor', type: 'color', value: '#2e7d32', 'aria-label': 'Scale max colour' })),
    ], 'Apply');
    if (values === undefined) return;
    if (values.kind === 'clear') { await sheet.clearConditionalFormats(); return; }
    const f: ConditionalFormat = values.kind === 'scale'
      ? { kind: 'scale', column: values.column!, minColor: values.minColor!, maxColor: values.maxColor! }
      : { kind: 'value', column: values.column!, op: values.op as FilterOp, value: values.value ?? '', color: values.color! };
    await sheet.addConditionalFormat(f);
  }));
  document.getElementById('diff')!.addEventListener('click', guard(async () => {
    if (versions.value === '') throw new Error('pick a version first: Δ HEAD shows what changed since it');
    const { diff } = await sheet.diffSheet(BigInt(versions.value));
    diffSummary.textContent = `Δ HEAD since v${diff.fromVersion}: ${diff.added} added · ${diff.removed} removed · ${diff.changed} changed (HEAD v${diff.toVersion})`;
  }));

  // A table named in the URL opens first (the first screen); the bucket's list (stats of every
  // table) follows, so it does not compete with the first window for the server.
  if (initial) await openTable(initial, early).catch((e: unknown) => { error.textContent = (e as Error).message; });
  await refreshTables();
}

void start();
