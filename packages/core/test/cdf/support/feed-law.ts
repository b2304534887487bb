/**
 * The Change Data Feed law checked through the Engine: for every version v in 1..latest of table
 * `t` (columns id, name, n), the rows that left at v (delete + update_preimage) are the multiset
 * snapshot(v-1) − snapshot(v), the rows that came (insert + update_postimage) are snapshot(v) −
 * snapshot(v-1); with a primary key (`id`) a key on both sides is an update, only before a
 * delete, only after an insert; OPTIMIZE versions contribute nothing. Returns the change rows
 * counted per type (callers assert the property was not vacuous). UPDATE versions hold only
 * pre/post images, with or without a key.
 */
import { expect } from 'vitest';
import type { Harness } from '../../sql/engine-harness.ts';

const text = (r: readonly unknown[]): string => JSON.stringify([Number(r[0]), r[1], Number(r[2])]);

function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out.sort();
}

export async function latestVersion(h: Harness, t: string): Promise<number> {
  return Number((await h.query(`SELECT max(version) FROM k3_history('${t}')`)).rows[0]![0]);
}

export async function expectFeedLaw(h: Harness, t: string, keyed: boolean, label: string): Promise<Map<string, number>> {
  const latest = await latestVersion(h, t);
  const snapshots: string[][] = [];
  for (let v = 0; v <= latest; v++) snapshots.push((await h.query(`SELECT id, name, n FROM ${t} AS OF VERSION ${v}`)).rows.map(text));
  const feed = (await h.query(`SELECT id, name, n, _change_type, _commit_version FROM table_changes('${t}', 1)`)).rows;
  const counts = new Map<string, number>();
  for (const r of feed) counts.set(String(r[3]), (counts.get(String(r[3])) ?? 0) + 1);
  const history = new Map((await h.query(`SELECT version, operation FROM k3_history('${t}')`)).rows.map((r) => [Number(r[0]), String(r[1])]));
  for (let v = 1; v <= latest; v++) {
    const at = feed.filter((r) => Number(r[4]) === v);
    const of = (...types: string[]): string[] => at.filter((r) => types.includes(String(r[3]))).map(text).sort();
    const context = `${label}, table ${t}, version ${v} (${history.get(v)})`;
    expect(of('delete', 'update_preimage'), context).toEqual(minus(snapshots[v - 1]!, snapshots[v]!));
    expect(of('insert', 'update_postimage'), context).toEqual(minus(snapshots[v]!, snapshots[v - 1]!));
    if (history.get(v) === 'OPTIMIZE') expect(at, context).toEqual([]);
    // An UPDATE changes rows, it never deletes or inserts one: pre/post images, also without a key (rowids).
    if (history.get(v) === 'UPDATE') expect(of('delete', 'insert'), context).toEqual([]);
    if (keyed) {
      const keys = (rows: readonly string[]): Set<number> => new Set(rows.map((r) => (JSON.parse(r) as [number])[0]));
      const before = keys(snapshots[v - 1]!);
      const after = keys(snapshots[v]!);
      const keyOf = (types: string[]): number[] => at.filter((r) => types.includes(String(r[3]))).map((r) => Number(r[0])).sort();
      expect(keyOf(['update_preimage']), context).toEqual(keyOf(['update_postimage']));
      for (const k of keyOf(['update_preimage'])) expect(before.has(k) && after.has(k), context).toBe(true);
      for (const k of keyOf(['delete'])) expect(after.has(k), context).toBe(false);
      for (const k of keyOf(['insert'])) expect(before.has(k), context).toBe(false);
    }
  }
  return counts;
}
