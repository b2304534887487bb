/**
 * Commit files: serialization and the one atomic step of the Delta commit protocol.
 *
 * A commit is `_delta_log/<20-digit version>.json`, newline-delimited JSON with exactly one action
 * per line. `commitInfo` goes first (Spark does; in-commit timestamps require it), every line ends
 * with '\n'. The write is a create-if-absent (`putIfAbsent`): of N writers racing for a version,
 * exactly one wins and the losers learn it from a `false` — never from a torn file. Nothing else
 * ever writes or overwrites a commit (PROTOCOL.md "Writer Requirements").
 */
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { commitKey } from '../object-store/paths.ts';
import type { Action } from './actions.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function serializeActions(actions: readonly Action[]): Uint8Array {
  const ordered = [...actions.filter((a) => 'commitInfo' in a), ...actions.filter((a) => !('commitInfo' in a))];
  let text = '';
  for (const action of ordered) text += `${JSON.stringify(action)}\n`;
  return encoder.encode(text);
}

/** Writes `version` if nobody has; true when this call created it. */
export async function tryWriteCommit(store: ObjectStore, root: string, version: number, actions: readonly Action[]): Promise<boolean> {
  return store.putIfAbsent(commitKey(root, version), serializeActions(actions));
}

/** Parses a commit file body. Blank lines are tolerated (some writers end without/with '\n'). */
export function parseCommitActions(bytes: Uint8Array, version: number): Action[] {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new AppError('ERR_DELTA_LOG_CORRUPT', `Commit ${version} is not valid UTF-8; the Delta log is damaged.`, { version });
  }
  const actions: Action[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new AppError('ERR_DELTA_LOG_CORRUPT', `Line ${i + 1} of commit ${version} is not JSON; the Delta log is damaged.`, { version, line: i + 1 });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new AppError('ERR_DELTA_LOG_CORRUPT', `Line ${i + 1} of commit ${version} is not a JSON object; the Delta log is damaged.`, { version, line: i + 1 });
    }
    actions.push(parsed as Action);
  }
  return actions;
}

/** The actions of one commit, or undefined when the version does not exist. */
export async function readCommitActions(store: ObjectStore, root: string, version: number): Promise<Action[] | undefined> {
  const bytes = await store.get(commitKey(root, version));
  return bytes === undefined ? undefined : parseCommitActions(bytes, version);
}
