/**
 * `k3 delta scan | describe | history`: inspect a Delta table directly from its log, without a
 * server. Output goes to the given writer; errors propagate as AppErrors (main.ts maps them).
 */

import { loadSnapshot, readHistory, type DataType, type SnapshotAt } from '@k3/core/delta';
import { formatTable } from './format-table.ts';
import { openLocation } from './open-location.ts';
import { countRows, scanSnapshot, streamSnapshot } from './scan.ts';

export interface CommandIO {
  /** Output sink; may return a promise to apply backpressure. */
  readonly out: (text: string) => void | Promise<void>;
  /** Configuration source for s3:// locations; undefined = the process environment (via loadConfig). */
  readonly env: Record<string, string | undefined> | undefined;
}

export interface DeltaOptions {
  readonly version?: string;
  readonly timestamp?: string;
  readonly format?: string;
  readonly limit?: string;
}

export class UsageError extends Error {}

function parseNonNegativeInt(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`--${flag} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** --timestamp accepts epoch milliseconds or an ISO-8601 date-time (without zone = UTC). */
export function parseTimestampArg(raw: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const iso = /T|\s/.test(raw) && !/(Z|[+-]\d{2}:?\d{2})$/.test(raw) ? `${raw.replace(' ', 'T')}Z` : raw;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new UsageError(`--timestamp must be epoch milliseconds or an ISO-8601 time, got ${JSON.stringify(raw)}`);
  return ms;
}

function snapshotAt(opts: DeltaOptions): SnapshotAt {
  if (opts.version !== undefined && opts.timestamp !== undefined) throw new UsageError('give --version or --timestamp, not both');
  if (opts.version !== undefined) return { version: parseNonNegativeInt('version', opts.version) };
  if (opts.timestamp !== undefined) return { timestamp: parseTimestampArg(opts.timestamp) };
  return {};
}

function typeText(t: DataType): string {
  if (typeof t === 'string') return t;
  switch (t.type) {
    case 'array': return `array<${typeText(t.elementType)}>`;
    case 'map': return `map<${typeText(t.keyType)}, ${typeText(t.valueType)}>`;
    case 'struct': return `struct<${t.fields.map((f) => `${f.name}: ${typeText(f.type)}`).join(', ')}>`;
  }
}

export async function deltaScan(location: string, opts: DeltaOptions, io: CommandIO): Promise<void> {
  const format = opts.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'table') throw new UsageError(`--format must be jsonl or table, got ${JSON.stringify(format)}`);
  const at = snapshotAt(opts);
  const { store, root } = await openLocation(location, io.env);
  const snapshot = await loadSnapshot(store, root, at);
  if (format === 'table') {
    const { columns, rows } = await scanSnapshot(store, snapshot);
    await io.out(formatTable(columns.map((c) => c.name), rows));
    return;
  }
  await streamSnapshot(store, snapshot, () => {}, async (rows) => { await io.out(rows.map((row) => `${JSON.stringify(row)}\n`).join('')); });
}

export async function deltaDescribe(location: string, opts: DeltaOptions, io: CommandIO): Promise<void> {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got ${JSON.stringify(format)}`);
  const { store, root } = await openLocation(location, io.env);
  const s = await loadSnapshot(store, root, snapshotAt(opts));
  const { rows, source } = await countRows(store, s);
  const info = {
    location: `${store.url}${root}`,
    version: s.version,
    timestamp: new Date(s.timestamp).toISOString(),
    protocol: s.protocol,
    tableId: s.metadata.id,
    partitionColumns: s.partitionColumns,
    files: s.files.length,
    sizeBytes: s.files.reduce((n, f) => n + f.add.size, 0),
    rows,
    rowsFrom: source,
    schema: s.schema.fields.map((f) => ({ name: f.name, type: typeText(f.type), nullable: f.nullable })),
    configuration: s.metadata.configuration ?? {},
  };
  if (format === 'json') { await io.out(`${JSON.stringify(info, null, 2)}\n`); return; }
  const p = s.protocol;
  const features = [...(p.readerFeatures ?? []), ...(p.writerFeatures ?? [])];
  await io.out([
    `location:          ${info.location}`,
    `version:           ${info.version} (${info.timestamp})`,
    `protocol:          reader ${p.minReaderVersion}, writer ${p.minWriterVersion}${features.length > 0 ? ` [${features.join(', ')}]` : ''}`,
    `table id:          ${info.tableId}`,
    `partition columns: ${info.partitionColumns.length > 0 ? info.partitionColumns.join(', ') : '(none)'}`,
    `files:             ${info.files} (${info.sizeBytes.toLocaleString('en-US')} bytes)`,
    `rows:              ${rows.toLocaleString('en-US')} (from ${source === 'stats' ? 'file statistics' : 'Parquet footers'})`,
    'schema:',
    ...info.schema.map((f) => `  ${f.name}: ${f.type}${f.nullable ? '' : ' NOT NULL'}`),
    '',
  ].join('\n'));
}

export async function deltaHistory(location: string, opts: DeltaOptions, io: CommandIO): Promise<void> {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'jsonl') throw new UsageError(`--format must be text or jsonl, got ${JSON.stringify(format)}`);
  const limit = opts.limit === undefined ? 20 : parseNonNegativeInt('limit', opts.limit);
  if (limit < 1) throw new UsageError('--limit must be at least 1');
  const { store, root } = await openLocation(location, io.env);
  const page = await readHistory(store, root, { limit });
  if (format === 'jsonl') {
    for (const e of page.entries) await io.out(`${JSON.stringify(e)}\n`);
    return;
  }
  const rows = page.entries.map((e) => ({
    version: e.version,
    timestamp: new Date(e.timestamp).toISOString(),
    operation: e.operation ?? '',
    parameters: JSON.stringify(e.operationParameters),
    engine: e.engineInfo ?? '',
  }));
  await io.out(formatTable(['version', 'timestamp', 'operation', 'parameters', 'engine'], rows));
  if (page.hasMore) await io.out(`(older commits exist; current version ${page.currentVersion})\n`);
}

