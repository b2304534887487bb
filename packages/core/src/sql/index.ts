export { Engine, type ExecuteOptions } from './engine.ts';
export type { BucketStores, EngineDeps, FileCache, K3DuckDB } from './engine-deps.ts';
export { prePass, type PrePassed, type StatementShape } from './pre-pass.ts';
export { routeWrite, type WriteRoute } from './route-write.ts';
export { MULTI_STATEMENT_REFUSAL, TRANSACTION_REFUSAL } from './classify-statement.ts';
export { CHANGES_DEFAULT_PAGE_SIZE, CHANGES_MAX_PAGE_SIZE, CHANGES_VERSIONS_PER_PAGE, DIFF_DEFAULT_LIMIT, DIFF_MAX_LIMIT, type ChangesRequest, type ChangesResponse, type DiffRequest, type DiffResponse, type DiffRow } from './table-changes.ts';
