/**
 * The Changes RPC and "what changed since" (docs/design/change-data-feed.md), both answered by
 * running SQL through the engine's own execute path, so binding, vacuumed-file checks, error codes
 * and the rows (domain values, encoded by the adapters) are exactly those of a query:
 *
 * - `tableChanges`: a page of `table_changes('t', v, w)` in a total order (version, change type,
 *   then every column). Pages cover at most CHANGES_VERSIONS_PER_PAGE versions, so a page never
 *   reads the whole history; a page may be short (even empty) and still carry a `nextPageToken`.
 *   The token is opaque (base64url JSON `{t: end version, v: version, o: offset}`); the end
 *   version is fixed on the first page, so commits landing while a client pages are not mixed in.
 * - `tableDiff`: a version against the current version (HEAD): rows added, removed and changed —
 *   joined by primary key when the table has one (a changed row shows before and after), as
 *   multisets otherwise (changed rows show as removed + added). Columns compared are those both
 *   versions have; before/after carry each side's own columns. Needs no Change Data Feed.
 */
import type { ExecuteQueryResult, ExecuteResponse, ResultColumn } from '../api/index.ts';
import { primaryKeyOf } from '../catalog/index.ts';
import { loadSnapshot, type Snapshot } from '../delta/index.ts';
import { AppError } from '../errors/index.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/index.ts';
import { parseTimestampMs, parseVersion } from '../maintenance/time-travel-target.ts';
import { resolveChangeRange } from './changes-function.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { CHANGE_TYPE_COLUMN, COMMIT_VERSION_COLUMN, changeTypeRankSql } from '../cdf/change-columns.ts';

export const CHANGES_DEFAULT_PAGE_SIZE = 1000;
export const CHANGES_MAX_PAGE_SIZE = 10_000;
export const CHANGES_VERSIONS_PER_PAGE = 100;
export const DIFF_DEFAULT_LIMIT = 100;
export const DIFF_MAX_LIMIT = 1000;

/** Requests and responses hold domain values (versions and counts as numbers); the adapters encode them. */
export interface ChangesRequest {
  fromVersion?: number;
  toVersion?: number;
  /** Instead of fromVersion: the first version committed at or after this time (ISO-8601 text / epoch ms). */
  fromTimestamp?: string | number;
  /** Instead of toVersion: the last version committed at or before this time. */
  toTimestamp?: string | number;
  pageToken?: string;
  pageSize?: number;
}

export interface ChangesResponse {
  tableName: string;
  /** The range this page belongs to. */
  fromVersion: number;
  toVersion: number;
  /** The table's columns + `_change_type`, `_commit_version`, `_commit_timestamp`. */
  columns: ResultColumn[];
  rows: unknown[][];
  /** Absent on the last page. */
  nextPageToken?: string;
}

export interface DiffRequest {
  version: number;
  /** The newer side; default the current version (HEAD). */
  toVersion?: number;
  limit?: number;
}

export type DiffChange = 'added' | 'removed' | 'changed';

export interface DiffRow {
  change: DiffChange;
  /** Primary-key values (keyed tables only). */
  key?: Record<string, unknown>;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

export interface DiffResponse {
  tableName: string;
  fromVersion: number;
  toVersion: number;
  keyColumns: string[];
  added: number;
  removed: number;
  changed: number;
  rows: DiffRow[];
  /** More differing rows than `limit` exist. */
  truncated: boolean;
  /** The DuckDB STRUCT types of the rows' key / before / after (how an adapter encodes their values). */
  rowTypes: { key: string; before: string; after: string };
}

/** What the functions need from the engine: its execute path and the table's location. */
export interface ChangesContext {
  readonly execute: (sql: string) => Promise<ExecuteResponse>;
  readonly tableName: string;
  readonly store: ObjectStore;
  readonly root: string;
  readonly current: Snapshot;
}

interface PageToken {
  readonly t: number;
  readonly v: number;
  readonly o: number;
}

function encodeToken(t: PageToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeToken(token: string): PageToken {
  try {
    const p = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PageToken>;
    if ([p.t, p.v, p.o].every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) return p as PageToken;
  } catch {
    // fall through
  }
  throw new AppError('ERR_BAD_REQUEST', 'The page token is not one this server issued; start again from fromVersion without a token.', { field: 'pageToken' });
}

function boundedInt(input: number | undefined, what: string, dflt: number, max: number): number {
  if (input === undefined) return dflt;
  const n = parseVersion(input, what);
  if (n < 1 || n > max) throw new AppError('ERR_BAD_REQUEST', `The ${what} must be between 1 and ${max} (got ${String(input)}).`, { [what]: input });
  return n;
}

async function query(ctx: ChangesContext, sql: string): Promise<ExecuteQueryResult> {
  const r = await ctx.execute(sql);
  if (!('query' in r)) throw new AppError('ERR_INTERNAL', 'The change query did not answer rows.');
  return r.query;
}

const given = <T>(v: T | undefined | ''): v is T => v !== undefined && v !== '';

function bothGiven(a: string, b: string): never {
  throw new AppError('ERR_BAD_REQUEST', `Give ${a} or ${b}, not both.`, { field: b });
}

/** The first page's range: versions, or timestamps resolved against the commit log (table_changes' rules). */
async function rangeOf(ctx: ChangesContext, req: ChangesRequest): Promise<{ from: number; to: number }> {
  if (given(req.fromVersion) && given(req.fromTimestamp)) bothGiven('fromVersion', 'fromTimestamp');
  if (given(req.toVersion) && given(req.toTimestamp)) bothGiven('toVersion', 'toTimestamp');
  if (!given(req.fromVersion) && !given(req.fromTimestamp)) {
    throw new AppError('ERR_BAD_REQUEST', 'Give fromVersion (or fromTimestamp), the first version whose changes you want (e.g. ?from=0).', { field: 'fromVersion' });
  }
  const bound = (v: number | undefined, ts: string | number | undefined, what: string): { timestamp: number } | { version: number } =>
    given(ts) ? { timestamp: parseTimestampMs(ts) } : { version: parseVersion(v!, what) };
  const resolved = await resolveChangeRange(ctx.store, ctx.root, {
    from: bound(req.fromVersion, req.fromTimestamp, 'fromVersion'),
    to: given(req.toVersion) || given(req.toTimestamp) ? bound(req.toVersion, req.toTimestamp, 'toVersion') : undefined,
  });
  return { from: resolved.fromVersion, to: resolved.toVersion ?? ctx.current.version };
}

export async function tableChanges(ctx: ChangesContext, req: ChangesRequest): Promise<ChangesResponse> {
  const pageSize = boundedInt(req.pageSize, 'pageSize', CHANGES_DEFAULT_PAGE_SIZE, CHANGES_MAX_PAGE_SIZE);
  let page: PageToken;
  let from: number;
  if (req.pageToken !== undefined && req.pageToken !== '') {
    page = decodeToken(req.pageToken);
    from = given(req.fromVersion) ? parseVersion(req.fromVersion, 'fromVersion') : page.v;
  } else {
    const range = await rangeOf(ctx, req);
    from = range.from;
    page = { t: range.to, v: from, o: 0 };
  }
  const windowEnd = Math.min(page.t, page.v + CHANGES_VERSIONS_PER_PAGE - 1);
  const name = quoteLiteral(ctx.tableName);
  // Polling at the head (from = latest + 1): an empty page, not an error.
  if (page.v > page.t) {
    const empty = await query(ctx, `SELECT * FROM table_changes(${name}, ${page.v}) LIMIT 0`);
    return { tableName: ctx.tableName, fromVersion: from, toVersion: page.t, columns: empty.columns, rows: [] };
  }
  const ordered = `SELECT ${q(COMMIT_VERSION_COLUMN)} AS __k3_v, ${changeTypeRankSql(q(CHANGE_TYPE_COLUMN))} AS __k3_r, * FROM table_changes(${name}, ${page.v}, ${windowEnd}) ORDER BY ALL LIMIT ${pageSize + 1} OFFSET ${page.o}`;
  const result = await query(ctx, `SELECT * EXCLUDE (__k3_v, __k3_r) FROM (${ordered})`);
  const more = result.rows.length > pageSize;
  const rows = more ? result.rows.slice(0, pageSize) : result.rows;
  const out: ChangesResponse = { tableName: ctx.tableName, fromVersion: from, toVersion: page.t, columns: result.columns, rows };
  if (more) {
    const vi = result.columns.findIndex((c) => c.name === COMMIT_VERSION_COLUMN);
    const last = Number(rows[rows.length - 1]![vi]);
    const sameVersion = rows.filter((r) => Number(r[vi]) === last).length;
    out.nextPageToken = encodeToken({ t: page.t, v: last, o: last === page.v ? page.o + sameVersion : sameVersion });
  } else if (windowEnd < page.t) {
    out.nextPageToken = encodeToken({ t: page.t, v: windowEnd + 1, o: 0 });
  }
  return out;
}

export async function tableDiff(ctx: ChangesContext, req: DiffRequest): Promise<DiffResponse> {
  const version = parseVersion(req.version, 'version');
  const limit = boundedInt(req.limit, 'limit', DIFF_DEFAULT_LIMIT, DIFF_MAX_LIMIT);
  const toVersion = given(req.toVersion) ? parseVersion(req.toVersion, 'toVersion') : undefined;
  if (toVersion !== undefined && toVersion < version) {
    throw new AppError('ERR_BAD_REQUEST', `toVersion ${toVersion} is older than version ${version}; give the older version as version and the newer as toVersion.`, { field: 'toVersion' });
  }
  const head = toVersion !== undefined ? await loadSnapshot(ctx.store, ctx.root, { version: toVersion }) : ctx.current;
  const then = await loadSnapshot(ctx.store, ctx.root, { version });
  const key = primaryKeyOf(head.metadata);
  const oldCols = new Set(then.schema.fields.map((f) => f.name));
  const common = head.schema.fields.map((f) => f.name).filter((c) => oldCols.has(c));
  const t = q(ctx.tableName);
  const cols = (alias: string, names: readonly string[]): string => names.map((c) => `${alias}.${q(c)}`).join(', ');
  const struct = (alias: string, names: readonly string[]): string => `struct_pack(${names.map((c) => `${q(c)} := ${alias}.${q(c)}`).join(', ')})`;
  const oldNames = then.schema.fields.map((f) => f.name);
  const newNames = head.schema.fields.map((f) => f.name);
  let diffSql: string;
  const keyed = key.length > 0 && key.every((k) => oldCols.has(k));
  if (keyed) {
    const on = key.map((k) => `o.${q(k)} = n.${q(k)}`).join(' AND ');
    const missing = (alias: string): string => `${alias}.${q(key[0]!)} IS NULL`;
    diffSql = `SELECT CASE WHEN ${missing('o')} THEN 'added' WHEN ${missing('n')} THEN 'removed' ELSE 'changed' END AS change,
  CASE WHEN ${missing('o')} THEN ${struct('n', key)} ELSE ${struct('o', key)} END AS key,
  CASE WHEN ${missing('o')} THEN NULL ELSE ${struct('o', oldNames)} END AS before,
  CASE WHEN ${missing('n')} THEN NULL ELSE ${struct('n', newNames)} END AS after
FROM (SELECT * FROM ${t} AS OF VERSION ${version}) o FULL OUTER JOIN (SELECT * FROM ${t} AS OF VERSION ${head.version}) n ON ${on}
WHERE ${missing('o')} OR ${missing('n')} OR ROW(${cols('o', common)}) IS DISTINCT FROM ROW(${cols('n', common)})`;
  } else {
    const list = common.map(q).join(', ');
    diffSql = `SELECT 'removed' AS change, NULL AS key, ${struct('o', common)} AS before, NULL AS after FROM (SELECT ${list} FROM ${t} AS OF VERSION ${version} EXCEPT ALL SELECT ${list} FROM ${t} AS OF VERSION ${head.version}) o
UNION ALL
SELECT 'added', NULL, NULL, ${struct('n', common)} FROM (SELECT ${list} FROM ${t} AS OF VERSION ${head.version} EXCEPT ALL SELECT ${list} FROM ${t} AS OF VERSION ${version}) n`;
  }
  const counts = await query(ctx, `SELECT change, count(*) FROM (${diffSql}) GROUP BY change`);
  const n = (c: DiffChange): number => Number(counts.rows.find((r) => r[0] === c)?.[1] ?? 0);
  const page = await query(ctx, `SELECT * FROM (${diffSql}) ORDER BY ALL LIMIT ${limit + 1}`);
  const rows = page.rows.slice(0, limit).map(([change, k, before, after]): DiffRow => {
    const row: DiffRow = { change: change as DiffChange };
    if (k !== null && k !== undefined) row.key = k as Record<string, unknown>;
    if (before !== null && before !== undefined) row.before = before as Record<string, unknown>;
    if (after !== null && after !== undefined) row.after = after as Record<string, unknown>;
    return row;
  });
  return {
    tableName: ctx.tableName, fromVersion: version, toVersion: head.version, keyColumns: keyed ? key : [],
    added: n('added'), removed: n('removed'), changed: n('changed'), rows, truncated: page.rows.length > limit,
    rowTypes: { key: page.columns[1]!.type, before: page.columns[2]!.type, after: page.columns[3]!.type },
  };
}
