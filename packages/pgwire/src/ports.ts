/**
 * What the Postgres wire needs from the rest of k3, as ports (the coordinator adapts its
 * SqlEngine and token store to them). The wire only translates: every statement runs through the
 * same engine, limits and auth as REST.
 */
import type { ExecuteResponse, Freshness, ResultColumn, Table } from '@k3/core/api';
import type { ScramVerifier } from './auth/scram.ts';

export type PgAction = 'read' | 'write' | 'admin';

export interface PgExecuteOptions {
  bucket: string;
  sql: string;
  /** Positional values for `$1…$n` (decision 2: bound through DuckDB prepared statements). */
  params?: unknown[];
  freshness?: Freshness;
  signal?: AbortSignal;
  /** The authenticated principal's name (commitInfo userName, audit). */
  principal?: string;
}

export interface PgStatementDescription {
  /** DuckDB type text per parameter, in `$n` order ('' or 'UNKNOWN' when DuckDB cannot infer it). */
  parameterTypes: string[];
  /** Result columns (empty for statements that return no rows). */
  columns: ResultColumn[];
}

export interface PgEngine {
  execute(opts: PgExecuteOptions): Promise<ExecuteResponse>;
  /** The bucket's tables as DescribeTable returns them (the catalog emulation is built from these). */
  listTables(bucket: string): Promise<Table[]>;
  /** Parameter and result types without executing (undefined when the engine cannot describe yet). */
  describeStatement?(opts: { bucket: string; sql: string }): Promise<PgStatementDescription>;
}

/** Who a token is, as far as the wire cares (decision 3's principal). */
export interface PgPrincipal {
  readonly name: string;
}

export interface PgAuthenticator<P extends PgPrincipal = PgPrincipal> {
  /** The SCRAM verifier and principal of the token named `user`; undefined when there is none (or it is revoked/expired). */
  scramVerifier(user: string): Promise<{ verifier: ScramVerifier; principal: P } | undefined>;
  /** Throws an AppError (ERR_FORBIDDEN or similar) when `principal` may not do `action` on `bucket`. */
  authorize(principal: P, bucket: string, action: PgAction): Promise<void>;
}
