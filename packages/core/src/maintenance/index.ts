export { parseTimestampMs, parseVersion, timeTravelTarget, type TimeTravelTarget } from './time-travel-target.ts';
export { mapLimit, type MaintenanceDeps, type RewriteDeps } from './maintenance-deps.ts';
export { restoreTable, type RestoreDeps, type RestoreRequest, type RestoreResponse } from './restore.ts';
export { tableHistory, toWireHistoryEntry, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, type HistoryEntry, type HistoryRequest, type HistoryResponse } from './history.ts';
export { optimizeTable, DEFAULT_TARGET_FILE_SIZE_MB, type OptimizeRequest, type OptimizeResponse } from './optimize.ts';
export { planOptimize, PARTITION_FILTER_OPS, type OptimizeBin, type OptimizePlan, type PartitionFilter, type PartitionFilterOp } from './optimize-plan.ts';
export { zorderSql, zorderBits, ZORDER_MAX_COLUMNS } from './zorder-sql.ts';
export { vacuumTable, planVacuum, DEFAULT_VACUUM_RETENTION_HOURS, type VacuumPlan, type VacuumRequest, type VacuumResponse } from './vacuum.ts';
export { extractAsOf, type AsOfPin, type AsOfResult } from './as-of.ts';
