/**
 * The catalog emulation's own DuckDB (in memory, no file access, configuration locked): views
 * and macros from catalog-sql.ts, and per query a fresh connection whose TEMP tables are filled
 * from the bucket's live table list — so `\dt` right after a CREATE TABLE shows it.
 *
 * Also the recogniser: `recognise(sql)` parses with DuckDB (`json_serialize_sql`) and answers the
 * rewritten SQL when the statement is a catalog query (rewrite-catalog-query.ts), else undefined.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { AppError } from '@k3/core';
import type { Table } from '@k3/core/api';
import { duckDBTypeText, encodeReader, mapDuckDBError, quoteLiteral, type EncodedColumn, type EncodedResult } from '@k3/core/exec';
import { pgTypeOf } from '../types/pg-types.ts';
import { catalogDefinitionSql, catalogMacroSql } from './catalog-sql.ts';
import { normalizePgSyntax } from './pg-syntax.ts';
import { rewriteCatalogTree } from './rewrite-catalog-query.ts';

export interface CatalogSession {
  readonly bucket: string;
  readonly user: string;
  readonly pid: number;
  readonly settings: ReadonlyMap<string, string>;
  readonly tables: readonly Table[];
}

/** Stable OID of a table (a client may cache it between queries): FNV-1a of the name, spaced by 4 (table, index, constraint, row type). */
export function relationOid(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(name.toLowerCase(), 'utf8')) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return 16384 + (h % 100_000_000) * 4;
}

const TEMP_TABLES = [
  'CREATE TEMP TABLE k3_session(bucket VARCHAR, usr VARCHAR, pid INTEGER)',
  'CREATE TEMP TABLE k3_settings(name VARCHAR, setting VARCHAR)',
  'CREATE TEMP TABLE k3_rel(oid BIGINT, relname VARCHAR, rowcount BIGINT, sizebytes BIGINT, description VARCHAR, pk_attnums SMALLINT[], pk_names VARCHAR[])',
  'CREATE TEMP TABLE k3_att(attrelid BIGINT, attnum SMALLINT, attname VARCHAR, duckdb_type VARCHAR, atttypid BIGINT, atttypmod INTEGER, attlen SMALLINT, attnotnull BOOLEAN, attdefault VARCHAR)',
];

/** DuckDB type text of a k3 column type (the eleven types). */
const DUCKDB_OF_COLUMN: Record<string, string> = {
  COLUMN_TYPE_STRING: 'VARCHAR', COLUMN_TYPE_INT: 'INTEGER', COLUMN_TYPE_LONG: 'BIGINT', COLUMN_TYPE_SHORT: 'SMALLINT',
  COLUMN_TYPE_FLOAT: 'FLOAT', COLUMN_TYPE_DOUBLE: 'DOUBLE', COLUMN_TYPE_BOOLEAN: 'BOOLEAN', COLUMN_TYPE_DATE: 'DATE',
  COLUMN_TYPE_TIMESTAMP: 'TIMESTAMP', COLUMN_TYPE_BINARY: 'BLOB', COLUMN_TYPE_JSON: 'JSON',
};

export function duckdbTypeOfColumn(columnType: string): string {
  return DUCKDB_OF_COLUMN[columnType] ?? 'VARCHAR';
}

const q = (v: string | number | boolean | null): string => (v === null ? 'NULL' : typeof v === 'string' ? quoteLiteral(v) : String(v));

function fillSql(s: CatalogSession): string[] {
  const out = [`INSERT INTO k3_session VALUES (${q(s.bucket)}, ${q(s.user)}, ${s.pid})`];
  if (s.settings.size > 0) {
    out.push(`INSERT INTO k3_settings VALUES ${[...s.settings].map(([k, v]) => `(${q(k)}, ${q(v)})`).join(', ')}`);
    // current_setting() as literals (a macro over k3_settings would be a subquery, which DuckDB refuses inside table-function arguments).
    const cases = [...s.settings].map(([k, v]) => `WHEN ${q(k)} THEN ${q(v)}`).join(' ');
    out.push(`CREATE TEMP MACRO k3pg_current_setting(setting_name) AS CASE lower(setting_name) ${cases} END, (setting_name, missing_ok) AS CASE lower(setting_name) ${cases} END`);
  }
  const rels: string[] = [];
  const atts: string[] = [];
  for (const t of s.tables) {
    const oid = relationOid(t.name);
    const pkAttnums = t.mergeKeys.map((k) => t.columns.findIndex((c) => c.name === k) + 1);
    rels.push(`(${oid}, ${q(t.name)}, ${q(Number(t.rowCount))}, ${q(Number(t.sizeBytes))}, ${q(t.description)}, [${pkAttnums.join(',')}]::SMALLINT[], [${t.mergeKeys.map(q).join(',')}]::VARCHAR[])`);
    t.columns.forEach((c, i) => {
      const duck = duckdbTypeOfColumn(c.type);
      const pg = pgTypeOf(duck);
      const notNull = !c.nullable || t.mergeKeys.includes(c.name);
      atts.push(`(${oid}, ${i + 1}, ${q(c.name)}, ${q(duck)}, ${pg.oid}, ${pg.typmod}, ${pg.size}, ${notNull}, ${c.defaultExpression === '' ? 'NULL' : q(c.defaultExpression)})`);
    });
  }
  if (rels.length > 0) out.push(`INSERT INTO k3_rel VALUES ${rels.join(', ')}`);
  if (atts.length > 0) out.push(`INSERT INTO k3_att VALUES ${atts.join(', ')}`);
  return out;
}

interface Serialized {
  error: boolean;
  statements?: Array<{ node: { from_table?: unknown } }>;
}

export class CatalogDb {
  private readonly instance: DuckDBInstance;
  private readonly parser: DuckDBConnection;
  private subqueryTemplate: unknown;

  private constructor(instance: DuckDBInstance, parser: DuckDBConnection) {
    this.instance = instance;
    this.parser = parser;
  }

  static async create(): Promise<CatalogDb> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await instance.connect();
    for (const sql of TEMP_TABLES) await conn.run(sql);
    // Schema, type table and pg_namespace first: macros bind against them, later views use the macros.
    const definitions = catalogDefinitionSql();
    for (const sql of [...definitions.slice(0, 4), ...catalogMacroSql(), ...definitions.slice(4)]) await conn.run(sql);
    // User SQL runs here too: no files, no extensions, no settings changes.
    await conn.run(`SET enable_external_access = false`);
    await conn.run(`SET lock_configuration = true`);
    const db = new CatalogDb(instance, conn);
    db.subqueryTemplate = (await db.serialize('SELECT * FROM (SELECT NULL AS k3pg_col) k3pg_alias'))?.statements?.[0]?.node.from_table;
    return db;
  }

  /** DuckDB's parse tree of `sql` (json_serialize_sql), or undefined when it cannot serialize it (not a SELECT, or no parse). */
  private async serialize(sql: string): Promise<Serialized | undefined> {
    try {
      const reader = await this.parser.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(sql)})::VARCHAR AS j`);
      // query_location may be 2^64-1 ("none"), which a JS number cannot carry back: positions are dropped.
      const parsed = JSON.parse(String(reader.getRows()[0]?.[0] ?? '{"error":true}').replace(/"query_location":\d+/g, '"query_location":0')) as Serialized;
      return parsed.error ? undefined : parsed;
    } catch {
      return undefined;
    }
  }

  /** The rewritten SQL when `sql` (one statement) is a catalog query; undefined otherwise (or when DuckDB cannot serialize it). */
  async recognise(sql: string): Promise<string | undefined> {
    const parsed = await this.serialize(normalizePgSyntax(sql));
    if (parsed?.statements?.length !== 1) return undefined;
    const { catalog, tree } = rewriteCatalogTree(parsed.statements[0]!.node, this.subqueryTemplate);
    if (!catalog) return undefined;
    const json = JSON.stringify({ ...parsed, statements: [{ ...parsed.statements[0], node: tree }] });
    const reader = await this.parser.runAndReadAll(`SELECT json_deserialize_sql(${quoteLiteral(json)}::JSON) AS s`);
    return String(reader.getRows()[0]?.[0]);
  }

  /** Runs a (rewritten) catalog query against `session`'s live tables, binding `params` to `$n`. */
  async query(session: CatalogSession, sql: string, params: readonly unknown[] = [], signal?: AbortSignal): Promise<EncodedResult> {
    return this.withSession(session, signal, async (conn) => {
      if (params.length === 0) return encodeReader(await conn.runAndReadAll(sql));
      const prepared = await conn.prepare(sql);
      prepared.bind(params as DuckDBValue[]);
      return encodeReader(await prepared.runAndReadAll());
    });
  }

  /** Parameter and result types of a (rewritten) catalog query, without running it. */
  async describe(session: CatalogSession, sql: string): Promise<{ parameterTypes: string[]; columns: EncodedColumn[] }> {
    return this.withSession(session, undefined, async (conn) => {
      const prepared = await conn.prepare(sql);
      const parameterTypes = Array.from({ length: prepared.parameterCount }, (_, i) => duckDBTypeText(prepared.parameterType(i + 1)));
      const columns = Array.from({ length: prepared.columnCount }, (_, i) => ({ name: prepared.columnName(i), type: duckDBTypeText(prepared.columnType(i)) }));
      return { parameterTypes, columns };
    });
  }

  private async withSession<T>(session: CatalogSession, signal: AbortSignal | undefined, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.instance.connect();
    const onAbort = (): void => conn.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const s of [...TEMP_TABLES, ...fillSql(session)]) await conn.run(s);
      return await fn(conn);
    } catch (err) {
      if (signal?.aborted === true) throw new AppError('ERR_QUERY_CANCELLED', 'canceling statement due to user request');
      throw mapDuckDBError(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      conn.closeSync();
    }
  }

  close(): void {
    this.parser.closeSync();
    this.instance.closeSync();
  }
}
