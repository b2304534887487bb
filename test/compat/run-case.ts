/**
 * Runs one compatibility case on k3 (through any `Execute` function: the in-process engine or
 * HTTP) and on the DuckDB reference, and says whether they agree. Reads compare rows; writes
 * compare rowsAffected (or RETURNING rows) and then the scratch table's contents via `verify`.
 */
import type { ExecuteResponse } from '@k3/core/api';
import { compareResults } from '../support/compare-results.ts';
import type { DuckDBReference } from '../support/duckdb-reference.ts';
import type { CompatCase } from './cases.ts';

/** k3's answer to one statement: a response, or the error code it refused with. */
export type K3Outcome = { ok: true; res: ExecuteResponse } | { ok: false; code: string; message: string };
export type Execute = (sql: string) => Promise<K3Outcome>;

export interface CaseOutcome {
  equal: boolean;
  /** Set when k3 refused a statement of the case. */
  k3Code?: string;
  message: string;
}

const RETURNING = /\bRETURNING\b/i;

async function k3OrThrow(exec: Execute, sql: string): Promise<ExecuteResponse | CaseOutcome> {
  const out = await exec(sql);
  if (!out.ok) return { equal: false, k3Code: out.code, message: `k3 refused ${JSON.stringify(sql.slice(0, 80))}: ${out.code} ${out.message}` };
  return out.res;
}

const isOutcome = (x: ExecuteResponse | CaseOutcome): x is CaseOutcome => 'equal' in x;

export async function runCase(c: CompatCase, exec: Execute, ref: DuckDBReference): Promise<CaseOutcome> {
  for (const s of c.setup ?? []) {
    await ref.run(s);
    const r = await k3OrThrow(exec, s);
    if (isOutcome(r)) return r;
  }
  if (c.refusedWith !== undefined) return runRefusal(c, c.refusedWith, exec, ref);
  const expected = await ref.run(c.sql);
  const res = await k3OrThrow(exec, c.sql);
  if (isOutcome(res)) return res;
  const tolerance = c.tolerance !== undefined ? { tolerance: c.tolerance } : {};
  if ('query' in res) {
    const cmp = compareResults(res.query, expected, { ordered: c.ordered ?? false, ...tolerance });
    if (!cmp.equal) return { equal: false, message: `result differs: ${cmp.message}` };
  } else if ('write' in res) {
    if (RETURNING.test(c.sql)) {
      if (res.write.returning === undefined) return { equal: false, message: 'write with RETURNING answered no returning rows' };
      const cmp = compareResults(res.write.returning, expected, { ordered: false, ...tolerance });
      if (!cmp.equal) return { equal: false, message: `RETURNING rows differ: ${cmp.message}` };
    } else {
      const want = String(expected.rows[0]?.[0] ?? '0');
      if (String(res.write.rowsAffected) !== want) return { equal: false, message: `rowsAffected ${res.write.rowsAffected} vs DuckDB ${want}` };
    }
  } else {
    return { equal: false, message: `k3 answered ddl (${res.ddl.action}) to a statement DuckDB answers with rows` };
  }
  if (c.verify !== undefined) {
    const after = await k3OrThrow(exec, c.verify);
    if (isOutcome(after)) return after;
    if (!('query' in after)) return { equal: false, message: 'verify query did not answer rows' };
    const cmp = compareResults(after.query, await ref.run(c.verify), { ordered: false, ...tolerance });
    if (!cmp.equal) return { equal: false, message: `table after the write differs: ${cmp.message}` };
  }
  return { equal: true, message: 'equal' };
}

/** A statement DuckDB refuses: k3 must refuse it with `code` and leave the table as DuckDB does. */
async function runRefusal(c: CompatCase, code: string, exec: Execute, ref: DuckDBReference): Promise<CaseOutcome> {
  const refError = await ref.run(c.sql).then(
    () => undefined,
    (e: unknown) => String(e),
  );
  if (refError === undefined) throw new Error(`case ${c.id}: DuckDB accepted a statement marked refusedWith`);
  const out = await exec(c.sql);
  if (out.ok) return { equal: false, message: `k3 accepted a statement DuckDB refuses (${refError.slice(0, 120)})` };
  if (out.code !== code) return { equal: false, k3Code: out.code, message: `k3 refused with ${out.code} (${out.message.slice(0, 160)}), expected ${code}` };
  if (c.verify !== undefined) {
    const after = await k3OrThrow(exec, c.verify);
    if (isOutcome(after)) return after;
    if (!('query' in after)) return { equal: false, message: 'verify query did not answer rows' };
    const cmp = compareResults(after.query, await ref.run(c.verify), { ordered: false });
    if (!cmp.equal) return { equal: false, message: `table after the refused statement differs: ${cmp.message}` };
  }
  return { equal: true, message: 'refused like DuckDB' };
}
