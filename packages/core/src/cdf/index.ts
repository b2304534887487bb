/**
 * Change Data Feed (design note: docs/design/change-data-feed.md): writing `_change_data/` files
 * for commits that remove data (the Transaction's change-data port), and reading a version range's
 * changes as one DuckDB relation.
 */
export { CHANGE_DATA_DIR, CHANGE_TYPE_COLUMN, COMMIT_TIMESTAMP_COLUMN, COMMIT_VERSION_COLUMN, CHANGE_TYPES, changeDataSchema, type ChangeType } from './change-columns.ts';
export { createChangeDataStager, stageChangeData, changesSql, netChangesSql, writeChangeFiles, type ChangeDataDeps, type ChangeFileTarget } from './stage-change-data.ts';
export { planChanges, planFiles, type ChangePlan, type ChangeRange, type VersionChanges } from './change-plan.ts';
export { changesSelectSql, changesOrderBy } from './changes-sql.ts';
