/**
 * mergeKeepsKeys: whether a keyed MERGE can remove no target key, read from its tokens — then its
 * write has no tombstones, and the count of removed keys is not asked (keyed-write.ts; wip/ingest8:
 * that count was ≈ 0.9 ms of DuckDB per ingest statement).
 *
 * A MERGE removes a target key only by a DELETE action or by an UPDATE that assigns a key column
 * (the row moves: its old key becomes a tombstone); INSERT, UPDATE of other columns, DO NOTHING
 * and ERROR keep every key. So: true only when no DELETE word appears anywhere, and every
 * assignment list after a top-level SET is `name = <expression>, …` with plain (unqualified) names
 * none of which is a key column. Anything it does not recognize — `SET *`, a qualified or
 * parenthesized target, a top-level CASE inside an assignment (its WHEN would end the scan early) —
 * answers false, and the count is asked as before.
 */
import { identifierOf, isPunct, isWord, type Token } from './sql-tokens.ts';

export function mergeKeepsKeys(tokens: readonly Token[], keys: readonly string[]): boolean {
  if (!isWord(tokens[0], 'MERGE')) return false;
  const keyNames = new Set(keys.map((k) => k.toLowerCase()));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isWord(t, 'DELETE')) return false;
    if (t.depth !== 0 || !isWord(t, 'SET')) continue;
    let j = i + 1;
    for (;;) {
      const name = tokens[j];
      if (name === undefined || (name.kind !== 'word' && name.kind !== 'quoted') || !isPunct(tokens[j + 1], '=')) return false;
      if (keyNames.has(identifierOf(name).toLowerCase())) return false;
      // The expression runs to the next top-level ',' (another assignment) or WHEN / RETURNING / the end.
      for (j += 2; j < tokens.length; j++) {
        const e = tokens[j]!;
        if (e.depth !== 0) continue;
        if (isWord(e, 'CASE', 'DELETE')) return false;
        if (isPunct(e, ',') || isWord(e, 'WHEN', 'RETURNING')) break;
      }
      if (!isPunct(tokens[j], ',')) break;
      j++;
    }
    i = j - 1;
  }
  return true;
}
