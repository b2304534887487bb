/**
 * Z-order in DuckDB SQL: rows sorted along a Morton (interleaved-bits) curve of several columns,
 * so that each file written from a contiguous run of the sort holds a small box of the column
 * space and its min/max stats prune well for predicates on any subset of the columns.
 *
 *   rank_i  = dense_rank() OVER (ORDER BY c_i NULLS LAST)          any orderable type, NULLs last
 *   norm_i  = ((rank_i - 1) << B) // max(rank_i) OVER ()            spread over [0, 2^B): every
 *                                                                   column weighs the same whatever
 *                                                                   its cardinality (Delta does the
 *                                                                   same with range_partition_id)
 *   key     = OR over bits b < B, columns i < k of bit b of norm_i << (b·k + k-1-i)   (UHUGEINT)
 *
 * B = min(32, floor(128 / k)) so the key fits 128 bits; the first column owns the most significant
 * bit of each group, as in Delta's interleave_bits. The rows are then cut into `chunks` runs of
 * equal row count along the key (ntile), one output file each: DuckDB's FILE_SIZE_BYTES only
 * rotates files at row-group boundaries (122,880 rows), too coarse to bound the boxes. Pure.
 */
import { AppError } from '../errors/index.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';

export const ZORDER_MAX_COLUMNS = 32;
export const ZORDER_KEY_COLUMN = '__k3_zorder_key';
export const ZORDER_CHUNK_COLUMN = '__k3_zorder_chunk';
const KEY = ZORDER_KEY_COLUMN;

export function zorderBits(columns: number): number {
  return Math.min(32, Math.floor(128 / columns));
}

/**
 * `SELECT <all source columns>, <morton key> AS __k3_zorder_key, ntile(chunks) AS __k3_zorder_chunk`
 * ordered by the key.
 */
export function zorderSql(sourceSql: string, columns: readonly string[], chunks = 1): string {
  const k = columns.length;
  if (k === 0 || k > ZORDER_MAX_COLUMNS) {
    throw new AppError('ERR_BAD_REQUEST', `Z-order takes 1 to ${ZORDER_MAX_COLUMNS} columns, got ${k}.`, { columns: k });
  }
  const bits = zorderBits(k);
  const ranks = columns.map((c, i) => `dense_rank() OVER (ORDER BY ${q(c)} NULLS LAST) AS __k3_r${i}`).join(', ');
  const norms = columns.map((_, i) => `CAST(((__k3_r${i} - 1)::HUGEINT << ${bits}) // (max(__k3_r${i}) OVER ()) AS UBIGINT) AS __k3_n${i}`).join(', ');
  const terms: string[] = [];
  for (let b = 0; b < bits; b++) {
    for (let i = 0; i < k; i++) terms.push(`(((__k3_n${i} >> ${b}) & 1)::UHUGEINT << ${b * k + (k - 1 - i)})`);
  }
  const helpers = [...columns.map((_, i) => `__k3_r${i}`), ...columns.map((_, i) => `__k3_n${i}`)].join(', ');
  return [
    `SELECT * EXCLUDE (${helpers}), ntile(${Math.max(1, Math.floor(chunks))}) OVER (ORDER BY ${KEY}) AS ${ZORDER_CHUNK_COLUMN} FROM (`,
    `  SELECT *, (${terms.join(' | ')}) AS ${KEY} FROM (`,
    `    SELECT *, ${norms} FROM (SELECT *, ${ranks} FROM (${sourceSql}) AS __k3_src) AS __k3_ranked`,
    `  ) AS __k3_normalized`,
    `) AS __k3_keyed ORDER BY ${KEY}`,
  ].join('\n');
}
