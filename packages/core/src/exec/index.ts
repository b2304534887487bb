export { createDuckDB, withConnection, type CreateDuckDBOptions, type K3DuckDB } from './duckdb-instance.ts';
export { K3_MACROS, K3_MACROS_SQL } from './k3-macros.ts';
export { mapDuckDBError } from './map-duckdb-error.ts';
export { quoteIdentifier, quoteLiteral, quoteQualified } from './sql-quote.ts';
export { deltaToDuckDBType, duckDBToDeltaType, fieldToDuckDBType, isJsonField, JSON_COLUMN_TYPE } from './duckdb-types.ts';
export { encodeReader, encodeResult, wireValueConverter, type EncodedColumn, type EncodedResult } from './result-encoding.ts';
export { duckDBTypeText } from './duckdb-type-text.ts';
export { FileCache, type FileCacheOptions, type FileLease, type FileRequest } from './file-cache.ts';
export { createExecRuntime, type ExecRuntime } from './create-exec-runtime.ts';
export { bindSnapshot, snapshotSelectSql, type BindableSnapshot, type BindSnapshotOptions } from './bind-snapshot.ts';
export { partitionLiteral } from './partition-literal.ts';
export { bindSnapshotCached, readSnapshotRows, type ReadSnapshotRowsOptions } from './read-snapshot-rows.ts';
// ── Delta data file writer ──────────────────────────────────────────────────────────
export { writeDataFiles, writeTypeOf, type DataFileTarget } from './data-file-writer.ts';
export { collectFileStats, STRING_PREFIX_LENGTH, type CollectedStats } from './file-stats.ts';
export { encodeLogPath, escapePartitionPathName, partitionDirectory, HIVE_DEFAULT_PARTITION } from './partition-path.ts';
export { runQuery, type QueryResult, type RunQueryOptions } from './run-query.ts';
export { encodeBounded, resultTooLarge, type ResultLimits } from './bounded-result.ts';
