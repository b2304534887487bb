/**
 * The diff view's lines: what changed between a version and HEAD (the server's diff) as sheet
 * rows — a summary line, a header, then one line per row: `added` rows show the new values,
 * `removed` rows the old ones, and a changed cell of a `changed` row reads `before → after`.
 */

/**
 * "What changed since" a version, against HEAD: the server's diff as its JSON carries it
 * (docs/api.md "Change data feed"). The browser bundle does not depend on @k3/core, so this
 * mirrors core's DiffResponse; it gives way to the generated message once the `Diff` RPC lands.
 */
export interface TableDiff {
  tableName: string;
  fromVersion: string;
  toVersion: string;
  keyColumns: string[];
  added: string;
  removed: string;
  changed: string;
  truncated: boolean;
  rows: { change: 'added' | 'removed' | 'changed'; key?: Record<string, unknown>; before?: Record<string, unknown>; after?: Record<string, unknown> }[];
}

function cell(v: unknown): string | number {
  return v === null || v === undefined ? '' : typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);
}

export function diffLines(columns: readonly string[], diff: TableDiff): (string | number)[][] {
  const summary = `${diff.added} added · ${diff.removed} removed · ${diff.changed} changed${diff.truncated ? ` (first ${diff.rows.length} listed)` : ''}`;
  const lines: (string | number)[][] = [[summary, ...columns.map(() => '')], ['change', ...columns]];
  for (const r of diff.rows) {
    lines.push([r.change, ...columns.map((c) => {
      const before = r.before?.[c];
      const after = r.after?.[c];
      if (r.change === 'removed') return cell(before);
      if (r.change === 'changed' && JSON.stringify(before) !== JSON.stringify(after)) return `${cell(before)} → ${cell(after)}`;
      return cell(after);
    })]);
  }
  return lines;
}
