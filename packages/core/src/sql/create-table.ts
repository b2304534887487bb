/**
 * CREATE TABLE in its three forms — SQL column list, SQL CTAS, structured CreateTable request —
 * funnelled into one TableSpec, one validation and one commit (docs/design/sql-engine.md, "DDL").
 *
 * SQL forms are understood by DuckDB: the column list runs as a TEMP TABLE on the request's
 * scratch connection and is read back (types, NOT NULL, DEFAULT, inline and composite PRIMARY
 * KEY); the CTAS query runs into a TEMP TABLE (bucket tables bound on demand) whose column types
 * give the inferred k3 types. Version 0 is created with put-if-absent, so two racing creators
 * cannot both win; CTAS writes its rows in the same commit.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ExecuteDdlResult, Table } from '../api/index.ts';
import {
  columnSpecOf, ctasColumnType, describeSnapshot, metadataOf, schemaOf, specFromProperties, validateTableSpec,
  assertValidTableName, type Catalog, type TableSpec,
} from '../catalog/index.ts';
import { protocolFor, recordedRequest, requestTxnAppId, Transaction, type CheckConstraint, type Snapshot, type TransactionOptions } from '../delta/index.ts';
import type { AddFile } from '../delta/actions.ts';
import { AppError, isAppError } from '../errors/index.ts';
import { mapDuckDBError, quoteIdentifier as q, writeDataFiles } from '../exec/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { RewriteDeps } from '../maintenance/maintenance-deps.ts';
import type { PrePassed, StatementShape } from './pre-pass.ts';
import type { RequestTables } from './request-tables.ts';
import { isPunct, isWord } from './sql-tokens.ts';
import { introspectTempTable, toColumnSpecs, validateDefault, type IntrospectedTable } from './table-introspection.ts';
import { targetTableDdl } from './write-target.ts';

export interface DdlContext {
  readonly conn: DuckDBConnection;
  readonly catalog: Catalog;
  readonly tables: RequestTables;
  readonly bucket: string;
  readonly store: ObjectStore;
  readonly txOptions: TransactionOptions;
  readonly tmpDir: string;
  readonly clock: () => number;
  /** Recorded in the DDL commit (txn k3-request:<key>); a retry with a recorded key answers the recorded outcome. */
  readonly idempotencyKey?: string | undefined;
  /** What a drain needs (an ALTER that rewrites a keyed table drains its write log first); absent: no drain. */
  readonly drainDeps?: (() => Promise<RewriteDeps>) | undefined;
}

type CreateShape = Extract<StatementShape, { kind: 'create-table' }>;

const CTAS_TEMP = '__k3_ctas';

async function run(conn: DuckDBConnection, sql: string): Promise<void> {
  try {
    await conn.run(sql);
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

export async function createTableFromSql(ctx: DdlContext, statement: PrePassed, shape: CreateShape): Promise<ExecuteDdlResult> {
  assertValidTableName(shape.table);
  const opts = { ifNotExists: shape.ifNotExists, orReplace: shape.orReplace };
  if (shape.asQuery !== undefined) {
    const prepared = await ctx.tables.prepare(ctx.conn, `CREATE TEMP TABLE ${q(CTAS_TEMP)} AS ${shape.asQuery}`);
    try {
      await prepared.run();
    } catch (err) {
      throw mapDuckDBError(err);
    } finally {
      prepared.destroySync();
    }
    const t = await introspectTempTable(ctx.conn, CTAS_TEMP);
    if (t === undefined) throw new AppError('ERR_INTERNAL', 'CREATE TABLE AS SELECT produced no result table.');
    // The query's own column types, as DuckDB's CTAS keeps them (nested types stay nested).
    const columns = t.columns.map((c) => columnSpecOf(c.name, ctasColumnType(c.duckdbType), true, ''));
    const select = t.columns.map((c) => q(c.name)).join(', ');
    const spec: TableSpec = { name: shape.table, description: '', columns, partitionColumns: shape.partitionedBy, primaryKey: [], ...specFromProperties(shape.properties) };
    return createFromSpec(ctx, spec, { ...opts, rowsSql: `SELECT ${select} FROM ${q(CTAS_TEMP)}` });
  }
  refuseGeneratedColumns(statement);
  // Before DuckDB binds the definition: REFERENCES names a table the scratch connection lacks.
  if (statement.tokens.some((tok) => tok.depth >= 1 && isWord(tok, 'REFERENCES'))) refuseConstraints(['FOREIGN KEY']);
  await run(ctx.conn, shape.scratchSql);
  const t = await introspectTempTable(ctx.conn, shape.table);
  await run(ctx.conn, `DROP TABLE IF EXISTS temp.main.${q(shape.table)}`);
  if (t === undefined) throw new AppError('ERR_INTERNAL', `CREATE TABLE ${shape.table} did not produce a table definition.`);
  refuseConstraints(t.otherConstraints);
  const checks = namedChecks(statement, t.checks);
  const spec: TableSpec = { name: shape.table, description: '', columns: toColumnSpecs(t.columns), partitionColumns: shape.partitionedBy, primaryKey: t.primaryKey, checks, ...specFromProperties(shape.properties) };
  return createFromSpec(ctx, spec, opts);
}

/** UNIQUE and FOREIGN KEY are refused with what to do instead (CHECK and PRIMARY KEY are kept). */
function refuseConstraints(kinds: readonly string[]): void {
  if (kinds.includes('FOREIGN KEY')) {
    throw new AppError('ERR_SQL_UNSUPPORTED', 'FOREIGN KEY constraints are not supported: Delta tables have no cross-table constraints, so k3 cannot enforce references. Remove the REFERENCES clause and check references with a query (e.g. an anti-join).', { constraints: [...kinds] });
  }
  if (kinds.length > 0) {
    throw new AppError('ERR_SQL_UNSUPPORTED', `${[...new Set(kinds)].join(', ')} constraints are not enforced by k3: declare the column(s) as the PRIMARY KEY instead (k3 enforces the primary key, the table's merge key; one per table), or remove UNIQUE. CHECK, NOT NULL and DEFAULT are supported.`, { constraints: [...kinds] });
  }
}

/**
 * CHECK constraints with the names the statement gave them (`CONSTRAINT name CHECK (…)`), else
 * DuckDB's generated name; DuckDB lists them in definition order, as they appear in the text.
 */
function namedChecks(statement: PrePassed, checks: IntrospectedTable['checks']): CheckConstraint[] {
  const t = statement.tokens;
  const given: Array<string | undefined> = [];
  t.forEach((tok, i) => {
    if (tok.depth < 1 || !isWord(tok, 'CHECK')) return;
    const name = t[i - 1];
    given.push(isWord(t[i - 2], 'CONSTRAINT') && name !== undefined ? identifierText(name.text) : undefined);
  });
  const out = checks.map((c, i) => ({ name: (given.length === checks.length ? given[i] : undefined) ?? c.name, expression: c.expression }));
  const names = out.map((c) => c.name.toLowerCase());
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new AppError('ERR_BAD_REQUEST', `Two CHECK constraints are named "${dup}" (Delta constraint names are case-insensitive); give each a unique name.`, { constraint: dup });
  return out.map((c) => ({ name: c.name.toLowerCase(), expression: c.expression }));
}

function identifierText(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text;
}

/** Generated columns would be stored as defaults by mistake; k3 does not compute columns. */
function refuseGeneratedColumns(statement: PrePassed): void {
  const t = statement.tokens;
  const generated = t.some((tok, i) => tok.depth === 1 && (isWord(tok, 'GENERATED') || (isWord(tok, 'AS') && isPunct(t[i + 1], '('))));
  if (generated) {
    throw new AppError('ERR_SQL_UNSUPPORTED', 'Generated (computed) columns are not supported; compute the value in your INSERT or in a SELECT instead.');
  }
}

export interface CreateOptions {
  ifNotExists: boolean;
  orReplace: boolean;
  /** CTAS: the rows to write in the create commit, column names = spec column names. */
  rowsSql?: string;
}

export async function createFromSpec(ctx: DdlContext, input: TableSpec, opts: CreateOptions): Promise<ExecuteDdlResult> {
  const spec = validateTableSpec(input);
  for (const c of spec.columns) await validateDefault(ctx.conn, c.name, c.defaultExpression, c.duckdbType);
  const schema = schemaOf(spec);
  // DuckDB must accept the definition as a table (e.g. defaults without column references).
  const checkName = '__k3_check';
  await run(ctx.conn, targetTableDdl(checkName, schema));
  // Every CHECK must bind against the columns (DuckDB already checked the SQL form's).
  const checks = spec.checks ?? [];
  if (checks.length > 0) await run(ctx.conn, `SELECT ${checks.map((c) => `(${c.expression})`).join(', ')} FROM temp.main.${q(checkName)}`);
  await run(ctx.conn, `DROP TABLE temp.main.${q(checkName)}`);

  const handle = ctx.catalog.handle(ctx.bucket, ctx.store, spec.name);
  const existingName = await ctx.catalog.resolveName(ctx.store, spec.name);
  const existing = existingName === undefined ? undefined : await ctx.catalog.trySnapshot(ctx.catalog.handle(ctx.bucket, ctx.store, existingName));
  if (existing !== undefined && existingName !== undefined) {
    if (recordedRequest(existing.txns, ctx.idempotencyKey) !== undefined) return replayedCreate(ctx, existingName, existing, opts.rowsSql !== undefined);
    if (opts.ifNotExists) return noop(existingName, describeSnapshot(ctx.bucket, existingName, existing), existing.version);
    if (!opts.orReplace || existingName !== spec.name) {
      throw new AppError('ERR_TABLE_EXISTS', `Table ${existingName} already exists in bucket ${ctx.bucket}. Use CREATE TABLE IF NOT EXISTS, CREATE OR REPLACE TABLE, or DROP TABLE first.`, { table: existingName });
    }
  }

  const adds: AddFile[] = opts.rowsSql === undefined ? [] : await writeDataFiles(ctx.conn, { sql: opts.rowsSql }, {
    store: ctx.store, root: handle.root, schema, partitionColumns: spec.partitionColumns, tmpDir: ctx.tmpDir, clock: ctx.clock, checks,
  });
  const metadata = metadataOf(spec, ctx.clock());
  const ctas = opts.rowsSql !== undefined;
  const operationParameters = {
    isManaged: 'false',
    description: spec.description === '' ? null : spec.description,
    partitionBy: JSON.stringify(spec.partitionColumns),
    properties: JSON.stringify(metadata.configuration),
  };
  const operationMetrics: Record<string, number> = ctas ? { numFiles: adds.length, numOutputRows: countRows(adds), numOutputBytes: adds.reduce((s, a) => s + a.size, 0) } : {};
  let version: number;
  try {
    if (existing !== undefined) {
      const tx = Transaction.forSnapshot(ctx.store, existing, ctx.txOptions)
        .updateMetadata({ ...metadata, id: existing.metadata.id })
        .upgradeProtocol(protocolFor(metadata))
        .readWholeTable()
        .removeFiles(existing.files)
        .addFiles(adds);
      if (ctx.idempotencyKey !== undefined) tx.setTxn(requestTxnAppId(ctx.idempotencyKey), 0);
      version = (await tx.commit({ operation: ctas ? 'CREATE OR REPLACE TABLE AS SELECT' : 'CREATE OR REPLACE TABLE', operationParameters, operationMetrics })).version;
    } else {
      const tx = Transaction.forCreate(ctx.store, handle.root, { metadata, protocol: protocolFor(metadata) }, ctx.txOptions).addFiles(adds);
      if (ctx.idempotencyKey !== undefined) tx.setTxn(requestTxnAppId(ctx.idempotencyKey), 0);
      version = (await tx.commit({ operation: ctas ? 'CREATE TABLE AS SELECT' : 'CREATE TABLE', operationParameters, operationMetrics })).version;
    }
  } catch (err) {
    if (isAppError(err, 'ERR_TABLE_EXISTS') && (opts.ifNotExists || ctx.idempotencyKey !== undefined)) {
      const winner = await ctx.catalog.snapshot(handle);
      if (recordedRequest(winner.txns, ctx.idempotencyKey) !== undefined) return replayedCreate(ctx, spec.name, winner, ctas);
      if (!opts.ifNotExists) throw err;
      return noop(spec.name, describeSnapshot(ctx.bucket, spec.name, winner), winner.version);
    }
    throw err;
  }
  const snapshot = await ctx.catalog.snapshot(handle);
  return { action: ctas ? 'CREATE_TABLE_AS' : 'CREATE_TABLE', tableName: spec.name, table: describeSnapshot(ctx.bucket, spec.name, snapshot), version: Number(version) };
}

/** The answer to a retried CREATE whose first attempt committed (its idempotency key is recorded). */
function replayedCreate(ctx: DdlContext, name: string, snapshot: Snapshot, ctas: boolean): ExecuteDdlResult {
  return { action: ctas ? 'CREATE_TABLE_AS' : 'CREATE_TABLE', tableName: name, table: describeSnapshot(ctx.bucket, name, snapshot), version: Number(snapshot.version) };
}

function noop(name: string, table: Table, version: number): ExecuteDdlResult {
  return { action: 'NOOP', tableName: name, table, version: Number(version) };
}

function countRows(adds: readonly AddFile[]): number {
  let n = 0;
  for (const a of adds) {
    try {
      n += Number((JSON.parse(a.stats ?? '{}') as { numRecords?: number }).numRecords ?? 0);
    } catch {
      // stats are written by k3 itself; unparsable stats just do not count
    }
  }
  return n;
}
