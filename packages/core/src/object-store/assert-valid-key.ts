/**
 * The key rules every adapter enforces, so that a key valid on one store is valid on all:
 * non-empty, `/`-separated, no leading or trailing `/`, no empty, `.` or `..` segments, no NUL,
 * well-formed Unicode (keys are UTF-8 on every store).
 * A segment may contain dots (`a..b` is fine); only whole `.`/`..` segments could escape a
 * local root. Segments starting with `.k3tmp-` are reserved for the local store's temp files.
 */
import { AppError } from '../errors/index.ts';

export const TEMP_FILE_PREFIX = '.k3tmp-';

// String#isWellFormed is ES2024; the project targets ES2023 typings.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new AppError('ERR_INVALID_NAME', `Object key ${JSON.stringify(key)} is not valid: ${problem}.`, { key });
  }
}

/**
 * A list prefix is a key fragment: it may be empty, end with '/' or end mid-segment, but its
 * complete segments follow the key rules (no '..' that would leave a local root).
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const complete = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const problem = prefix.startsWith('/') ? "it starts with '/'" : complete === '' ? undefined : keyProblem(complete.slice(0, -1));
  if (problem !== undefined) {
    throw new AppError('ERR_INVALID_NAME', `List prefix ${JSON.stringify(prefix)} is not valid: ${problem}.`, { prefix });
  }
}

function keyProblem(key: string): string | undefined {
  if (key === '') return 'it is empty';
  if (key.startsWith('/')) return "it starts with '/'";
  if (key.endsWith('/')) return "it ends with '/' (keys name objects, not directories)";
  if (key.includes('\0')) return 'it contains a NUL character';
  if (LONE_SURROGATE.test(key)) return 'it is not valid Unicode (a lone surrogate has no UTF-8 form)';
  for (const segment of key.split('/')) {
    if (segment === '') return "it contains an empty segment ('//')";
    if (segment === '.' || segment === '..') return `it contains a '${segment}' segment`;
    if (segment.startsWith(TEMP_FILE_PREFIX)) return `a segment starts with the reserved '${TEMP_FILE_PREFIX}'`;
  }
  return undefined;
}
