/**
 * Runs one SQL statement for a session and turns the answer into a wire outcome: rows with their
 * PostgreSQL types plus the CommandComplete tag, or just a tag. Catalog queries (recognised on
 * DuckDB's parse tree) go to the catalog emulation; everything else to the engine — the same
 * SqlEngine REST uses — after the principal is authorized for the statement's action. Rows arrive as
 * domain values and are first put in the contract's lossless JSON form (encodeRows, as every JSON
 * wire does), from which types/encode-value.ts prints PostgreSQL's text and binary formats.
 */
import { encodeRows } from '@k3/client/sdk';
import type { ExecuteResponse, Freshness } from '@k3/core/api';
import type { EncodedColumn } from '@k3/core/exec';
import type { CatalogDb, CatalogSession } from './catalog/catalog-db.ts';
import type { AnalysedStatement } from '@k3/core/sql';
import type { PgAuthenticator, PgEngine, PgPrincipal } from './ports.ts';
import { pgTypeOf, type PgType } from './types/pg-types.ts';

export interface OutColumn {
  readonly name: string;
  readonly type: PgType;
}

export type Outcome =
  | { kind: 'rows'; columns: OutColumn[]; rows: unknown[][]; tagPrefix: string }
  | { kind: 'command'; tag: string }
  | { kind: 'empty' };

export interface StatementContext {
  readonly engine: PgEngine;
  readonly auth: PgAuthenticator;
  readonly catalog: CatalogDb;
  readonly bucket: string;
  readonly principal: PgPrincipal;
  readonly freshness: Freshness;
  readonly signal: AbortSignal;
  catalogSession(): Promise<CatalogSession>;
}

export const outColumns = (cols: readonly EncodedColumn[]): OutColumn[] => cols.map((c) => ({ name: c.name, type: pgTypeOf(c.type) }));

const DDL_TAGS: Record<string, string> = {
  CREATE_TABLE: 'CREATE TABLE', CREATE_TABLE_AS: 'CREATE TABLE AS', ALTER_TABLE: 'ALTER TABLE', DROP_TABLE: 'DROP TABLE', RESTORE_TABLE: 'RESTORE',
};

export function writeTag(verb: string, rows: number): string {
  switch (verb) {
    case 'INSERT': return `INSERT 0 ${rows}`;
    case 'TRUNCATE': return 'TRUNCATE TABLE';
    default: return `${verb} ${rows}`;
  }
}

/** ExecuteResponse → Outcome. `verb` is the statement's first word (or DML verb of a WITH … INSERT). */
export function outcomeOf(res: ExecuteResponse, verb: string): Outcome {
  if ('query' in res) return { kind: 'rows', columns: outColumns(res.query.columns), rows: encodeRows(res.query.rows, res.query.columns), tagPrefix: 'SELECT' };
  if ('write' in res) {
    const w = res.write;
    const dmlVerb = ['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE'].includes(verb) ? verb : 'INSERT';
    if (w.returning !== undefined) return { kind: 'rows', columns: outColumns(w.returning.columns), rows: encodeRows(w.returning.rows, w.returning.columns), tagPrefix: dmlVerb === 'INSERT' ? 'INSERT 0' : dmlVerb };
    return { kind: 'command', tag: writeTag(dmlVerb, w.rowsAffected) };
  }
  const d = res.ddl;
  if (d.action === 'NOOP') return { kind: 'command', tag: verb === 'DROP' ? 'DROP TABLE' : 'CREATE TABLE' };
  return { kind: 'command', tag: DDL_TAGS[d.action] ?? d.action.replaceAll('_', ' ') };
}

/** What a prepared statement keeps between executions: the catalog recognition and the engine's analysis. */
export interface PreparedAnalysis {
  recognised?: Promise<string | undefined>;
  readonly analysed: Map<number, AnalysedStatement | undefined>;
}

/** The catalog recognition of `sql`, asked once per prepared statement (a failure is asked again next time). */
export function recognisedOnce(catalog: Pick<CatalogDb, 'recognise'>, sql: string, prepared: PreparedAnalysis | undefined): Promise<string | undefined> {
  if (prepared === undefined) return catalog.recognise(sql);
  prepared.recognised ??= catalog.recognise(sql).catch((err: unknown) => {
    prepared.recognised = undefined;
    throw err;
  });
  return prepared.recognised;
}

/**
 * Runs `sql` (one statement, not a session command). `prepared`: the statement's kept analysis —
 * recognised once, analysed once per parameter count — instead of parsing the text again.
 */
export async function runSql(ctx: StatementContext, sql: string, verb: string, params: readonly unknown[], prepared?: PreparedAnalysis): Promise<Outcome> {
  const rewritten = await recognisedOnce(ctx.catalog, sql, prepared);
  if (rewritten !== undefined) {
    const res = await ctx.catalog.query(await ctx.catalogSession(), rewritten, params, ctx.signal);
    return { kind: 'rows', columns: outColumns(res.columns), rows: encodeRows(res.rows, res.columns), tagPrefix: 'SELECT' };
  }
  // The engine classifies the statement (DuckDB's parse) and asks before it reads or writes anything.
  const res = await ctx.engine.execute({
    bucket: ctx.bucket, sql, freshness: ctx.freshness, signal: ctx.signal, principal: ctx.principal.name,
    authorize: (action) => ctx.auth.authorize(ctx.principal, ctx.bucket, action),
    ...(params.length > 0 ? { params: [...params] } : {}),
    ...analysedFor(ctx, sql, params.length, prepared),
  });
  return outcomeOf(res, verb);
}

/** The prepared statement's analysis for this many values; a text the engine refuses is left to execute (which refuses it in its usual place). */
function analysedFor(ctx: StatementContext, sql: string, paramCount: number, prepared: PreparedAnalysis | undefined): { analysed?: AnalysedStatement } {
  if (prepared === undefined || ctx.engine.analyse === undefined) return {};
  if (!prepared.analysed.has(paramCount)) {
    let analysed: AnalysedStatement | undefined;
    try {
      analysed = ctx.engine.analyse(sql, paramCount);
    } catch {
      analysed = undefined;
    }
    prepared.analysed.set(paramCount, analysed);
  }
  const analysed = prepared.analysed.get(paramCount);
  return analysed === undefined ? {} : { analysed };
}
