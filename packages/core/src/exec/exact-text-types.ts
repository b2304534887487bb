/**
 * Column types whose DuckDB text form always reads back as the same value (wip/bulk7): a VARCHAR
 * is its own text; an integer prints as plain decimal and parses back exactly; a BOOLEAN prints
 * 'true' / 'false'. For them `CAST(CAST(x AS VARCHAR) AS t) IS DISTINCT FROM x` is false for every
 * x (NULL included), so the write path's text round-trip check (storable.ts textRoundTripDiffers)
 * leaves them out and keeps it for every other type (DOUBLE, DECIMAL, temporal, nested, …), where
 * it can fail. test/exec/exact-text-types.test.ts checks the premise in DuckDB at each type's extremes.
 */
export const EXACT_TEXT_TYPES: ReadonlySet<string> = new Set([
  'VARCHAR', 'BOOLEAN',
  'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT',
]);
