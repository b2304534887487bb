export { createPgServer, type PgServer, type PgServerOptions } from './server.ts';
export type { PgAction, PgAuthenticator, PgEngine, PgExecuteOptions, PgPrincipal, PgStatementDescription } from './ports.ts';
export type { PgLogger } from './connection.ts';
export { deriveScramVerifier, passwordMatches, type ScramVerifier } from './auth/scram.ts';
