/**
 * narrowTail: a warm state whose tail holds only the given keys' entries (upserts and tombstones),
 * for a keyed write that reads only those keys of its STRONG view (docs/design/hot-path.md,
 * "Keyed writes read only what they touch"). The view over the narrowed state gives exactly the
 * STRONG rows of those keys — the tail still hides their base and Delta rows — and is wrong only
 * for keys outside the set, which the caller never reads from it.
 *
 * Keys are matched by their write-log text (captureKeys: DuckDB's canonical text of the typed
 * value), so key types whose equal values can print differently (floating point, JSON) are not
 * narrowed: `narrowable` says no and the caller keeps the whole tail.
 */
import { OverlayKeys } from './overlay-keys.ts';
import { keyString, putEntry, type WalOverlay } from './overlay.ts';
import type { WalValue } from './record-codec.ts';
import type { WalTableShape } from './table-shape.ts';
import type { WarmState } from './warm-state.ts';

export function narrowable(shape: WalTableShape): boolean {
  return shape.primaryKey.every((k) => {
    const type = shape.columns.find((c) => c.name === k)?.type;
    return type !== undefined && !/FLOAT|DOUBLE|REAL|JSON|\[|STRUCT|MAP|UNION/i.test(type);
  });
}

export function narrowTail(state: WarmState, keys: readonly (readonly WalValue[])[]): WarmState {
  const from = state.tail;
  const tail: WalOverlay = {
    byKey: new OverlayKeys(), deleted: 0,
    lastSeq: from.lastSeq, entries: from.entries, tombstonesSeen: from.tombstonesSeen, requests: from.requests,
  };
  for (const tuple of keys) {
    const k = keyString(tuple);
    const entry = from.byKey.get(k);
    if (entry !== undefined) putEntry(tail, k, entry);
  }
  return { ...state, tail };
}
