/**
 * What the Postgres wire needs from the rest of k3, as ports (the coordinator adapts its
 * SqlEngine and token store to them). The wire only translates: every statement runs through the
 * same engine, limits and auth as REST.
 */
import type { ExecuteResponse, Freshness, ResultColumn, Table } from '@k3/core/api';
import type { ScramVerifier } from '@k3/core/auth';
import type { AnalysedStatement } from '@k3/core/sql';

export interface PgExecuteOptions {
  bucket: string;
  sql: string;
  /** Positional values for `$1…$n` (decision 2: bound through DuckDB prepared statements). */
  params?: unknown[];
  freshness?: Freshness;
  signal?: AbortSignal;
  /** The authenticated principal's name (commitInfo userName, audit). */
  principal?: string;
  /** Called by the engine with the statement's action once it classified it, before it reads or writes (throws to refuse). */
  authorize?: (action: string) => void;
  /** The statement as analysed at Parse (a prepared statement's, reused by every execution). */
  analysed?: AnalysedStatement;
}

export interface PgStatementDescription {
  /** DuckDB type text per parameter, in `$n` order ('UNKNOWN' when DuckDB cannot infer it). */
  parameterTypes: string[];
  /** Result columns (empty for statements that return no rows; undefined when they depend on a parameter's value). */
  columns: ResultColumn[] | undefined;
}

export interface PgEngine {
  execute(opts: PgExecuteOptions): Promise<ExecuteResponse>;
  /** The bucket's tables as DescribeTable returns them (the catalog emulation is built from these). */
  listTables(bucket: string): Promise<Table[]>;
  /** Parameter and result types without executing (undefined when the engine cannot describe yet). */
  describeStatement?(opts: { bucket: string; sql: string }): Promise<PgStatementDescription>;
  /** The engine's one analysis of a statement text for `paramCount` values (optional: fakes omit it); throws what execute would. */
  analyse?(sql: string, paramCount: number): AnalysedStatement;
}

/** Who a token is, as far as the wire cares (decision 3's principal). */
export interface PgPrincipal {
  readonly name: string;
}

export interface PgAuthenticator {
  /** `trust` (auth off, loopback only): any user name is accepted without a password, as `trustedPrincipal`. */
  readonly method: 'scram-sha-256' | 'trust';
  /** The SCRAM verifier and principal of the token named `user`; undefined when there is none (or it is revoked/expired). */
  scramVerifier(user: string): Promise<{ verifier: ScramVerifier; principal: PgPrincipal } | undefined>;
  /** The principal of a `trust` session. */
  trustedPrincipal?(user: string): PgPrincipal;
  /** The principal as the token store knows it now; undefined once the token is revoked or expired (checked before every statement). */
  refresh(principal: PgPrincipal): Promise<PgPrincipal | undefined>;
  /** Throws an AppError (ERR_FORBIDDEN) when `principal` may not do `action` (an auth Action: select, dml, ddl, list, …) on `bucket`. */
  authorize(principal: PgPrincipal, bucket: string, action: string): void;
}
