/**
 * `-o table|json|yaml|csv` for `k3 table …`. Values are printed from the wire's pbjson form, so
 * int64 and decimals (JSON strings there) never pass through a JavaScript number: no format loses
 * precision. `table` is an aligned text table plus one summary line (rows, strategy, servedBy, time);
 * `json` and `yaml` print the whole response as the REST API returns it; `csv` is RFC 4180.
 */
import YAML from 'yaml';
import { formatTable } from '../format-table.ts';

export const FORMATS = ['table', 'json', 'yaml', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export interface JsonColumns {
  columns: { name: string; type?: string }[];
  rows: unknown[][];
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLines(columns: readonly string[], rows: readonly unknown[][], header: boolean): string {
  const lines = rows.map((r) => r.map(csvCell).join(','));
  if (header) lines.unshift(columns.map(csvCell).join(','));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Rows (arrays in column order) as an aligned table with `footer` as its last line. */
export function tableText(columns: readonly string[], rows: readonly unknown[][], footer: string): string {
  const objects = rows.map((r) => Object.fromEntries(columns.map((c, i) => [String(i), r[i]])));
  return formatTable(columns, objects, { keys: columns.map((_c, i) => String(i)), footer });
}

export function structured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : YAML.stringify(value);
}

/** Key/value records (describe, maintenance responses) as a two-column table. */
export function recordText(record: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  return `${Object.entries(record)
    .filter(([, v]) => typeof v !== 'object' || v === null)
    .map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === undefined ? 'NULL' : String(v)}`)
    .join('\n')}\n`;
}

/** Prints a list of records (tables, history entries) with the chosen columns. */
export function listText(records: readonly Record<string, unknown>[], columns: readonly string[], format: Format, footer: string): string {
  if (format === 'json' || format === 'yaml') return structured(records, format);
  const rows = records.map((r) => columns.map((c) => r[c]));
  return format === 'csv' ? csvLines(columns, rows, true) : tableText(columns, rows, footer);
}
