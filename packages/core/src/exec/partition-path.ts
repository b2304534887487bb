/**
 * Partition directories and log paths for data files the writer creates.
 *
 * Directory: `col=value/` per partition column in partitionColumns order, names and values escaped
 * like Spark/Hive `escapePathName` (the Delta kernel writer does the same): `%XX`, uppercase hex,
 * for 0x01-0x1F, `"` `#` `%` `'` `*` `/` `:` `=` `?` `\` 0x7F `{` `[` `]` `^`. Space and non-ASCII
 * stay as they are. A null value is `__HIVE_DEFAULT_PARTITION__`. The directory is cosmetic: the
 * values a reader uses come from `add.partitionValues` (PROTOCOL.md), never from the path.
 *
 * Log path: `add.path` is a URI relative to the table root, so the object key is percent-encoded
 * once more (`a%2Fb` → `a%252Fb`, space → `%20`); readers decode it exactly once (decodeLogPath).
 */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

const SPECIAL = new Set(['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '{', '[', ']', '^']);

function needsEscape(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return (code >= 0x01 && code <= 0x1f) || code === 0x7f || SPECIAL.has(ch);
}

export function escapePartitionPathName(value: string): string {
  let out = '';
  for (const ch of value) out += needsEscape(ch) ? `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : ch;
  return out;
}

/** `a=1/b=__HIVE_DEFAULT_PARTITION__/` for the given columns and logged values ('' when unpartitioned). */
export function partitionDirectory(columns: readonly string[], values: Readonly<Record<string, string | null>>): string {
  let dir = '';
  for (const col of columns) {
    const v = values[col] ?? null;
    dir += `${escapePartitionPathName(col)}=${v === null ? HIVE_DEFAULT_PARTITION : escapePartitionPathName(v)}/`;
  }
  return dir;
}

/** The `add.path` for an object key relative to the table root. */
export function encodeLogPath(relativeKey: string): string {
  return relativeKey.split('/').map((segment) => encodeURIComponent(segment).replaceAll('%3D', '=')).join('/');
}
