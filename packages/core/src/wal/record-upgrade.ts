/**
 * Record upgrade: a write-log record written under an older table definition, re-shaped to the
 * current one exactly as the ALTER TABLE that changed the definition treated the rows it found
 * (docs/design/wal-and-compaction.md, "Records older than the definition").
 *
 * A keyed write pins the definition, builds its record, then appends; an ALTER TABLE can commit in
 * between (it drains the log up to the head it saw, the write appends after). Such a record is an
 * acknowledged write of the old definition. It is applied as if it had been written just before
 * the ALTER: every definition-changing ALTER of a keyed table stores, in the Delta metadata
 * (`configuration['k3.walUpgrades']`, the last UPGRADE_STEPS_KEPT of them), one step
 *   { from, to: schema fingerprints, actions: the statement's actions, fills: added column → the
 *     text of its DEFAULT evaluated once by the ALTER, rows: whether the step changes values }.
 * A record whose fingerprint is the `from` of a stored step is replayed through the steps up to the
 * current definition in DuckDB: its rows (and tombstone keys) go into a TEMP table of the record's
 * columns, each step's actions run on it verbatim (the same DuckDB cast — or USING — the ALTER ran
 * on the Delta rows; SET NOT NULL checks them), added columns take the stored default text (so
 * every reader, and the drain, get the same value: CURRENT_TIMESTAMP is the one value the ALTER
 * evaluated; a per-row default — a UUID, a ULID — is derived per row from the record, `perRow`),
 * and the result is captured as WAL text
 * like any keyed write's. The upgraded record has the current columns and fingerprint; the folds
 * (wal/overlay.ts, compaction/drain-fold.ts) then apply it like any other record, so STRONG reads,
 * point lookups, the drain and EVENTUAL reads after it all see the same rows.
 *
 * A record the ALTER could not have converted (a value the cast refuses, a NULL under SET NOT NULL)
 * is kept as it was and marked: `incompatibility` (table-shape.ts) reports
 * `alter-conversion-failed:<DuckDB's reason>`, STRONG does not show it, and the drain sets its rows
 * aside under `_k3_wal/rejected/` with that reason (counted in DESCRIBE's lastDrainRowsRejected and
 * the drain commit's numRejectedRows). The whole record — one statement — is set aside, never part
 * of it.
 *
 * Cost on the hot path: one string comparison per record when its fingerprint is current. The
 * DuckDB work runs only for a record that raced an ALTER which changed values, in a private,
 * sandboxed, single-thread DuckDB database (created on first use; the same k3 session setup), and
 * its result is memoized per decoded record object.
 */
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Metadata } from '../delta/actions.ts';
import { createDuckDB, type K3DuckDB } from '../exec/duckdb-instance.ts';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import { appendTextRows } from './append-text-rows.ts';
import { captureSelectList } from './capture-rows.ts';
import type { SeqRecord } from './overlay.ts';
import type { WalRecord, WalValue } from './record-codec.ts';
import type { WalTableShape } from './table-shape.ts';

/** The Delta metadata configuration key holding the upgrade steps (a JSON array). */
export const WAL_UPGRADES_PROPERTY = 'k3.walUpgrades';
/** Steps kept: a racing record is at most a few ALTERs old (each data-changing ALTER drains first). */
export const UPGRADE_STEPS_KEPT = 8;

export interface WalUpgradeStep {
  /** Schema fingerprint (table-shape.ts) before and after the ALTER. */
  readonly from: string;
  readonly to: string;
  /** The ALTER TABLE statement's actions, as run on the table's rows. */
  readonly actions: readonly string[];
  /** Added column → the WAL text of its DEFAULT as the ALTER evaluated it (null: NULL). Columns added without DEFAULT are absent. */
  readonly fills: Readonly<Record<string, WalValue>>;
  /** The step changes values (a DEFAULT backfilled, a type cast): a record older than it is replayed. */
  readonly rows: boolean;
  /** Columns the ALTER made NOT NULL (SET NOT NULL): a record with a NULL there raced it. */
  readonly tightened?: readonly string[];
  /**
   * Added columns whose DEFAULT gives every row its own value (GENERATE_UUID(), ULID(), uuid()):
   * each racing row gets its own value too, derived from the record's writerId, the column and the
   * row's position (a v4-shaped UUID; a ULID with the ALTER's time part) — the same at every reader.
   */
  readonly perRow?: Readonly<Record<string, 'uuid' | 'ulid'>>;
}

/** The metadata configuration with `step` appended to the stored steps (the oldest dropped beyond UPGRADE_STEPS_KEPT). */
export function withUpgradeStep(configuration: Readonly<Record<string, string>> | undefined, step: WalUpgradeStep): Record<string, string> {
  const steps = [...upgradeSteps(configuration), step].slice(-UPGRADE_STEPS_KEPT);
  return { ...configuration, [WAL_UPGRADES_PROPERTY]: JSON.stringify(steps) };
}

let lastParsed: { text: string; steps: WalUpgradeStep[] } | undefined;

/** The stored steps, oldest first ([] when none or unreadable). */
export function upgradeSteps(configuration: Readonly<Record<string, string>> | undefined): WalUpgradeStep[] {
  const text = configuration?.[WAL_UPGRADES_PROPERTY];
  if (text === undefined) return [];
  if (lastParsed?.text === text) return lastParsed.steps;
  let steps: WalUpgradeStep[] = [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) steps = (parsed as WalUpgradeStep[]).filter((s) => typeof s?.from === 'string' && typeof s.to === 'string' && Array.isArray(s.actions));
  } catch {
    steps = [];
  }
  lastParsed = { text, steps };
  return steps;
}

/** The steps that lead from definition `from` to `to` (the latest stored path), or undefined. */
export function upgradePath(steps: readonly WalUpgradeStep[], from: string, to: string): WalUpgradeStep[] | undefined {
  for (let start = steps.length - 1; start >= 0; start--) {
    if (steps[start]!.from !== from) continue;
    const path: WalUpgradeStep[] = [];
    let at = from;
    for (let i = start; i < steps.length && at !== to; i++) {
      if (steps[i]!.from !== at) break;
      path.push(steps[i]!);
      at = steps[i]!.to;
    }
    if (at === to) return path;
  }
  return undefined;
}

// Records that could not be converted, per target definition, with the reason (read by
// table-shape.ts `incompatibility`). Keyed by the definition too: a later DROP NOT NULL makes a
// record set aside under SET NOT NULL applicable again at every reader, this process included.
const failures = new WeakMap<WalRecord, Map<string, string>>();

function targetKey(shape: WalTableShape): string {
  return `${shape.fingerprint}|${JSON.stringify(shape.notNull)}`;
}

function markFailed(record: WalRecord, shape: WalTableShape, reason: string): void {
  let byTarget = failures.get(record);
  if (byTarget === undefined) failures.set(record, (byTarget = new Map()));
  byTarget.set(targetKey(shape), reason);
}
// Upgrades already made: decoded record object → target fingerprint → upgraded record.
const upgraded = new WeakMap<WalRecord, Map<string, Promise<WalRecord>>>();

/** Why `record` could not be converted to the definition `shape`, or undefined. */
export function upgradeFailure(record: WalRecord, shape: WalTableShape): string | undefined {
  return failures.get(record)?.get(targetKey(shape));
}

/**
 * `records` with every record of an older definition that a stored step changes re-shaped to the
 * table's current definition (`shape`, of the snapshot whose `metadata` holds the steps). Records
 * already current, of another table, or older only by columns added without a DEFAULT are returned
 * as they are (the fold fills those columns with NULL, which is what the ALTER did). A record that
 * cannot convert is returned as it is and marked (`upgradeFailure`). Same order as `records`.
 */
export async function upgradeRecords(records: readonly SeqRecord[], metadata: Pick<Metadata, 'configuration'>, shape: WalTableShape): Promise<readonly SeqRecord[]> {
  if (metadata.configuration?.[WAL_UPGRADES_PROPERTY] === undefined) return records;
  const steps = upgradeSteps(metadata.configuration);
  const tightened = tightenedColumns(steps, shape);
  if (tightened.length > 0) for (const r of records) markNullsUnderSetNotNull(r.record, tightened, shape);
  if (records.every((r) => r.record.schemaFingerprint === shape.fingerprint || r.record.tableId !== shape.tableId)) return records;
  const out: SeqRecord[] = [];
  for (const r of records) {
    const { record } = r;
    const path = record.schemaFingerprint === shape.fingerprint || record.tableId !== shape.tableId || upgradeFailure(record, shape) !== undefined ? undefined : upgradePath(steps, record.schemaFingerprint, shape.fingerprint);
    if (path === undefined || !path.some((s) => s.rows)) {
      out.push(r);
      continue;
    }
    let byTarget = upgraded.get(record);
    if (byTarget === undefined) upgraded.set(record, (byTarget = new Map()));
    let next = byTarget.get(shape.fingerprint);
    if (next === undefined) {
      const memo = byTarget, target = shape.fingerprint;
      next = replay(record, path, shape);
      memo.set(target, next);
      next.catch(() => memo.delete(target)); // not a conversion failure (DuckDB unavailable…): the next read tries again
    }
    out.push({ seq: r.seq, record: await next });
  }
  return out;
}

/** Columns a stored step made NOT NULL that still are. */
function tightenedColumns(steps: readonly WalUpgradeStep[], shape: WalTableShape): string[] {
  const out = new Set<string>();
  for (const s of steps) for (const c of s.tightened ?? []) if (shape.notNull.includes(c)) out.add(c);
  return [...out];
}

/**
 * A writer checks NOT NULL against the definition it pinned, so a record holding a NULL in a column
 * that is NOT NULL now raced the SET NOT NULL (which would have failed on that row): the whole
 * statement is set aside — at every reader, not only at the drain.
 */
function markNullsUnderSetNotNull(record: WalRecord, tightened: readonly string[], shape: WalTableShape): void {
  if (record.tableId !== shape.tableId || upgradeFailure(record, shape) !== undefined) return;
  for (const name of tightened) {
    const at = record.columns.findIndex((c) => c.name === name);
    if (at < 0) continue;
    if (record.upserts.some((row) => row[at] === null || row[at] === undefined)) {
      markFailed(record, shape, `alter-conversion-failed: NOT NULL constraint failed: column "${name}" is NULL (SET NOT NULL committed while the statement was pinned)`);
      return;
    }
  }
}

let upgradeDb: Promise<K3DuckDB> | undefined;

/** A conversion the ALTER would have refused (a DuckDB error while replaying its actions). */
class ConversionFailed extends Error {}

async function replay(record: WalRecord, path: readonly WalUpgradeStep[], shape: WalTableShape): Promise<WalRecord> {
  upgradeDb ??= createDuckDB({ threads: 1, allowedDirectories: [] });
  const conn = await (await upgradeDb).connect();
  try {
    return await replayOn(conn, record, path, shape);
  } catch (err) {
    if (!(err instanceof ConversionFailed)) throw mapDuckDBError(err);
    markFailed(record, shape, `alter-conversion-failed: ${err.message}`);
    return record;
  } finally {
    conn.closeSync();
  }
}

const ORD = '__k3_upgrade_ord';

async function replayOn(conn: DuckDBConnection, record: WalRecord, path: readonly WalUpgradeStep[], shape: WalTableShape): Promise<WalRecord> {
  const raw = '__k3_upgrade_raw', rows = '__k3_upgrade_rows';
  await loadTyped(conn, raw, rows, record.upserts, record.columns);
  try {
    for (const step of path) {
      for (const action of step.actions) await conn.run(`ALTER TABLE ${q(rows)} ${action}`);
      for (const [column, value] of Object.entries(step.fills)) {
        const kind = step.perRow?.[column];
        if (kind !== undefined && value !== null) await fillPerRow(conn, rows, column, record, kind, value);
        else await conn.run(`UPDATE ${q(rows)} SET ${q(column)} = ${value === null ? 'NULL' : quoteLiteral(value)}`);
      }
    }
  } catch (err) {
    throw new ConversionFailed(err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err));
  }
  const upserts = await captured(conn, rows, shape.columns);
  return {
    ...record,
    schemaFingerprint: shape.fingerprint,
    columns: shape.columns.map((c) => ({ name: c.name, type: c.type })),
    primaryKey: [...shape.primaryKey],
    upserts,
    deletes: await upgradedKeys(conn, record, shape),
  };
}

/** Sets `column` of each row to its own value, derived from (writerId, column, row position). */
async function fillPerRow(conn: DuckDBConnection, table: string, column: string, record: WalRecord, kind: 'uuid' | 'ulid', sample: string): Promise<void> {
  const fills = '__k3_upgrade_fills';
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(fills)} (o VARCHAR, v VARCHAR)`);
  await appendTextRows(conn, fills, [record.upserts.map((_, i) => [String(i), perRowValue(kind, sample, `${record.writerId}\u0000${column}\u0000${i}`)])], 2);
  await conn.run(`UPDATE ${q(table)} SET ${q(column)} = f.v FROM ${q(fills)} AS f WHERE ${q(table)}.${q(ORD)} = CAST(f.o AS BIGINT);
DROP TABLE ${q(fills)}`);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A UUID (version 4, RFC 4122 variant) or a ULID (the sample's time part) from SHA-256 of `seed`. */
function perRowValue(kind: 'uuid' | 'ulid', sample: string, seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  if (kind === 'ulid') return sample.slice(0, 10) + Array.from(h.subarray(0, 16), (b) => CROCKFORD[b & 31]).join('');
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * Tombstone keys in the current key types. A key column keeps its type unless the ALTER retyped
 * it, which DuckDB does with the plain cast (a USING over other columns cannot apply to a key
 * alone): the same cast here.
 */
async function upgradedKeys(conn: DuckDBConnection, record: WalRecord, shape: WalTableShape): Promise<WalValue[][]> {
  const typeOf = (columns: readonly { name: string; type: string }[], name: string): string => columns.find((c) => c.name === name)?.type ?? 'VARCHAR';
  const old = record.primaryKey.map((k) => ({ name: k, type: typeOf(record.columns, k) }));
  const now = shape.primaryKey.map((k) => ({ name: k, type: typeOf(shape.columns, k) }));
  if (record.deletes.length === 0 || old.every((c, i) => c.type === now[i]!.type)) return record.deletes.map((k) => [...k]);
  await loadTyped(conn, '__k3_upgrade_kraw', '__k3_upgrade_keys', record.deletes, old);
  try {
    return await captured(conn, '__k3_upgrade_keys', now);
  } catch (err) {
    throw new ConversionFailed(err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err));
  }
}

/** `rows` (WAL text) as TEMP table `typed` with `columns` in their types, plus their order. */
async function loadTyped(conn: DuckDBConnection, raw: string, typed: string, rows: readonly (readonly WalValue[])[], columns: readonly { name: string; type: string }[]): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(raw)} (${columns.map((_, i) => `c${i} VARCHAR`).join(', ')})`);
  await appendTextRows(conn, raw, [rows], columns.length);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(typed)} AS SELECT ${columns.map((c, i) => `CAST(c${i} AS ${c.type}) AS ${q(c.name)}`).join(', ')}, rowid AS ${q(ORD)} FROM ${q(raw)};
DROP TABLE ${q(raw)}`);
}

/** The rows of `table` as WAL text of `columns` (captured as a keyed write captures them), in order. */
async function captured(conn: DuckDBConnection, table: string, columns: readonly { name: string; type: string }[]): Promise<WalValue[][]> {
  const reader = await conn.runAndReadAll(`SELECT ${captureSelectList(columns)} FROM ${q(table)} AS src ORDER BY src.${q(ORD)}`);
  await conn.run(`DROP TABLE ${q(table)}`);
  return reader.getRows().map((r) => r.map((v) => (v === null ? null : String(v))));
}
