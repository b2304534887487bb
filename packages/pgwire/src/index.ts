export { createPgServer, type PgServer, type PgServerOptions } from './server.ts';
export type { PgAuthenticator, PgEngine, PgExecuteOptions, PgPrincipal, PgStatementDescription } from './ports.ts';
export type { PgLogger } from './connection.ts';
