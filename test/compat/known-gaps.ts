/**
 * Compatibility cases k3 does not pass yet, each with how it fails today: `code` = the k3 error
 * code it is refused with, or `mismatch` = it answers but differently from DuckDB. The suite
 * asserts each of these still fails exactly so; the day one passes its test fails and tells you
 * to move it out of here (and fix the count in README "Compatibility").
 */
export type GapFailure = { code: string } | { mismatch: true };

export const KNOWN_GAPS: Readonly<Record<string, GapFailure>> = {
  // PIVOT without an IN list is two statements inside DuckDB (an ENUM is created first); k3 runs
  // one statement per call and asks for the IN list.
  'pivot-basic': { code: 'ERR_SQL_UNSUPPORTED' },
  // k3 tables are views over Parquet: DESCRIBE of a query loses NOT NULL / PRIMARY KEY.
  'explain-free-describe-query': { mismatch: true },
  // Writes answer rowsAffected + version; RETURNING rows are not returned.
  'ins-returning': { code: 'ERR_SQL_UNSUPPORTED' },
  'upd-returning': { code: 'ERR_SQL_UNSUPPORTED' },
  'del-returning': { code: 'ERR_SQL_UNSUPPORTED' },
  'merge-returning': { code: 'ERR_SQL_UNSUPPORTED' },
};
