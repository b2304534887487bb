/**
 * Z-order in DuckDB SQL: rows sorted along a Morton (interleaved-bits) curve of several columns,
 * so that each file written from a contiguous run of the sort holds a small box of the column
 * space and its min/max stats prune well for predicates on any subset of the columns.
 *
 *   rank_i  = dense_rank() OVER (ORDER BY c_i NULLS LAST)          any orderable type, NULLs last
 *   norm_i  = ((rank_i - 1) << B) // max(rank_i)                    spread over [0, 2^B): every
 *                                                                   column weighs the same whatever
 *                                                                   its cardinality (Delta does the
 *                                                                   same with range_partition_id)
 *   key     = OR over bits b < B, columns i < k of bit b of norm_i << (b·k + k-1-i)   (UBIGINT)
 *
 * B = min(32, floor(64 / k)) so the key fits 64 bits (UBIGINT arithmetic is several times faster
 * than UHUGEINT; 2^(64/k) ranges per column is far finer than Delta's 1000); the first column
 * owns the most significant bit of each group, as in Delta's interleave_bits. The ranked rows are
 * a MATERIALIZED CTE (read twice: for the maxima and the keys; inlined it ranks twice, 2.4× slower). The rows are then cut into `chunks` runs of
 * equal row count along the key (ntile), one output file each: DuckDB's FILE_SIZE_BYTES only
 * rotates files at row-group boundaries (122,880 rows), too coarse to bound the boxes. Pure.
 */
import { AppError } from '../errors/index.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';

export const ZORDER_MAX_COLUMNS = 16;
export const ZORDER_KEY_COLUMN = '__k3_zorder_key';
export const ZORDER_CHUNK_COLUMN = '__k3_zorder_chunk';
const KEY = ZORDER_KEY_COLUMN;

export function zorderBits(columns: number): number {
  return Math.min(32, Math.floor(64 / columns));
}

/**
 * `SELECT <all source columns>, <morton key> AS __k3_zorder_key, ntile(chunks) AS __k3_zorder_chunk`
 * (unordered: callers ORDER BY the key when writing each chunk).
 */
export function zorderSql(sourceSql: string, columns: readonly string[], chunks = 1): string {
  const k = columns.length;
  if (k === 0 || k > ZORDER_MAX_COLUMNS) {
    throw new AppError('ERR_BAD_REQUEST', `Z-order takes 1 to ${ZORDER_MAX_COLUMNS} columns, got ${k}.`, { columns: k });
  }
  const bits = zorderBits(k);
  const ranks = columns.map((c, i) => `dense_rank() OVER (ORDER BY ${q(c)} NULLS LAST) AS __k3_r${i}`).join(', ');
  const maxima = columns.map((_, i) => `max(__k3_r${i}) AS __k3_m${i}`).join(', ');
  // (rank - 1) < 2^32 rows and bits ≤ 32, so the shifted value fits UBIGINT.
  const norms = columns.map((_, i) => `(((__k3_r${i} - 1)::UBIGINT << ${bits}) // __k3_m${i}::UBIGINT) AS __k3_n${i}`).join(', ');
  const terms: string[] = [];
  for (let b = 0; b < bits; b++) {
    for (let i = 0; i < k; i++) terms.push(`(((__k3_n${i} >> ${b}) & 1) << ${b * k + (k - 1 - i)})`);
  }
  const helpers = columns.flatMap((_, i) => [`__k3_r${i}`, `__k3_m${i}`, `__k3_n${i}`]).join(', ');
  return [
    `WITH __k3_ranked AS MATERIALIZED (SELECT *, ${ranks} FROM (${sourceSql}) AS __k3_src),`,
    `  __k3_maxima AS (SELECT ${maxima} FROM __k3_ranked),`,
    `  __k3_normalized AS (SELECT *, ${norms} FROM __k3_ranked CROSS JOIN __k3_maxima),`,
    `  __k3_keyed AS (SELECT * EXCLUDE (${helpers}), (${terms.join(' | ')}) AS ${KEY} FROM __k3_normalized)`,
    `SELECT *, ntile(${Math.max(1, Math.floor(chunks))}) OVER (ORDER BY ${KEY}) AS ${ZORDER_CHUNK_COLUMN} FROM __k3_keyed`,
  ].join('\n');
}
