export { Engine, SYSTEM_USER, type ExecuteOptions } from './engine.ts';
export { maintenanceAction, statementAction } from './statement-action.ts';
export type { BucketStores, EngineDeps, FileCache, K3DuckDB } from './engine-deps.ts';
export { prePass, type PrePassed, type StatementShape } from './pre-pass.ts';
export { routeWrite, type WriteRoute } from './route-write.ts';
export { MULTI_STATEMENT_REFUSAL, TRANSACTION_REFUSAL } from './classify-statement.ts';
export { tokenize, isWord, isPunct, identifierOf, type Token } from './sql-tokens.ts';
export { toSqlParams, type SqlParam } from './statement-params.ts';
export type { DescribedColumn, StatementDescription } from './describe-statement.ts';
