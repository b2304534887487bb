/**
 * Quoting for SQL text k3 generates itself (view definitions, file lists, literals). Everything
 * interpolated into generated SQL goes through one of these; nothing is concatenated raw.
 */

/** A DuckDB identifier, always double-quoted (so keywords and any case survive). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A `schema.name` pair, each part quoted. */
export function quoteQualified(schema: string | undefined, name: string): string {
  return schema === undefined ? quoteIdentifier(name) : `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/** A SQL string expression. NUL cannot appear inside a DuckDB literal, so it is spliced in with chr(0). */
export function quoteLiteral(value: string): string {
  const parts = value.split('\0').map((part) => `'${part.replaceAll("'", "''")}'`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(' || chr(0) || ')})`;
}
