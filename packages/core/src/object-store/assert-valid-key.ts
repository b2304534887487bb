/**
 * The key rules every adapter enforces, so that a key valid on one store is valid on all:
 * non-empty, `/`-separated, no leading or trailing `/`, no empty, `.` or `..` segments, no NUL.
 * A segment may contain dots (`a..b` is fine); only whole `.`/`..` segments could escape a
 * local root. Segments starting with `.k3tmp-` are reserved for the local store's temp files.
 */
import { AppError } from '../errors/index.ts';

export const TEMP_FILE_PREFIX = '.k3tmp-';

export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new AppError('ERR_INVALID_NAME', `Object key ${JSON.stringify(key)} is not valid: ${problem}.`, { key });
  }
}

function keyProblem(key: string): string | undefined {
  if (key === '') return 'it is empty';
  if (key.startsWith('/')) return "it starts with '/'";
  if (key.endsWith('/')) return "it ends with '/' (keys name objects, not directories)";
  if (key.includes('\0')) return 'it contains a NUL character';
  for (const segment of key.split('/')) {
    if (segment === '') return "it contains an empty segment ('//')";
    if (segment === '.' || segment === '..') return `it contains a '${segment}' segment`;
    if (segment.startsWith(TEMP_FILE_PREFIX)) return `a segment starts with the reserved '${TEMP_FILE_PREFIX}'`;
  }
  return undefined;
}
