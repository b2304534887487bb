/** Render rows of JSON values as an aligned text table (for humans; JSONL is the lossless form). */
function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export interface FormatTableOptions {
  /** Property of each row per column (default: the column names). */
  keys?: readonly string[];
  /** Last line (default `(N rows)`). */
  footer?: string;
}

export function formatTable(columns: readonly string[], rows: readonly Record<string, unknown>[], opts: FormatTableOptions = {}): string {
  const keys = opts.keys ?? columns;
  const cells = rows.map((r) => keys.map((c) => cell(r[c]).replace(/\n/g, '\\n')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (vals: readonly string[]): string => vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ').trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)];
  out.push(opts.footer ?? `(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}
