/**
 * `_delta_log/_last_checkpoint`: a hint, never the truth. It only decides where listing starts.
 * Everything odd reads as "no hint": missing, empty, unparsable, non-integer version, extra or
 * nonstandard keys (`size_in_bytes`), `parts: null`.
 */
import type { ObjectStore } from '../object-store/index.ts';

export interface LastCheckpointHint {
  readonly version: number;
  readonly parts: number | undefined;
}

export function parseLastCheckpoint(bytes: Uint8Array | undefined): LastCheckpointHint | undefined {
  if (bytes === undefined || bytes.length === 0) return undefined;
  try {
    const o = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof o !== 'object' || o === null) return undefined;
    const { version, parts } = o as { version?: unknown; parts?: unknown };
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return undefined;
    return { version, parts: typeof parts === 'number' && Number.isSafeInteger(parts) && parts > 0 ? parts : undefined };
  } catch {
    return undefined;
  }
}

export async function readLastCheckpoint(store: ObjectStore, root: string): Promise<LastCheckpointHint | undefined> {
  return parseLastCheckpoint(await store.get(`${root}_delta_log/_last_checkpoint`));
}
