/**
 * Name rules. A table name becomes a key segment of the table root and is used unquoted in SQL, so
 * it is an SQL identifier: a letter or `_`, then letters, digits, `_`; at most 128 characters;
 * not starting with `__k3_` (the engine's own TEMP relations use that prefix).
 * Column names are whatever DuckDB accepts (CTAS of `SELECT count(*)` yields a column named
 * `count_star()`, and k3 must store what DuckDB would), minus control characters; they must not
 * start with `__k3_`, k3's prefix for internal names. (Spark without column mapping refuses
 * ` ,;{}()=` in names; such tables still read fine in DuckDB, delta-rs and Spark with mapping.)
 */
import { AppError } from '../errors/index.ts';

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
// eslint-disable-next-line no-control-regex
const BAD_COLUMN_CHARS = /[\u0000-\u001f\u007f]/;

export function isValidTableName(name: string): boolean {
  return TABLE_NAME.test(name) && !name.toLowerCase().startsWith('__k3_');
}

export function assertValidTableName(name: string): void {
  if (!isValidTableName(name)) {
    throw new AppError(
      'ERR_INVALID_NAME',
      `Table name ${JSON.stringify(name)} is not valid: use 1–128 characters, letters, digits and '_', starting with a letter or '_' (but not "__k3_", reserved).`,
      { table: name },
    );
  }
}

export function assertValidColumnName(name: string): void {
  if (name === '' || name.length > 255 || BAD_COLUMN_CHARS.test(name) || name.toLowerCase().startsWith('__k3_')) {
    throw new AppError(
      'ERR_INVALID_NAME',
      `Column name ${JSON.stringify(name)} is not valid: use 1–255 characters without control characters, not starting with "__k3_".`,
      { column: name },
    );
  }
}
