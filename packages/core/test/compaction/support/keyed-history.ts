/**
 * The checker's model: the table a serial replay of acknowledged operations must produce.
 * Keyed writes apply in seq order (tombstones before upserts within a record, as the overlay
 * does); rows are identified as `id/region` with their version `n` (wideRow's rows).
 */
export type KeyedOp = { seq: number; upserts: [number, string, number][]; deletes: [number, string][] };

export class KeyedHistory {
  readonly rows = new Map<string, number>();

  apply(op: Pick<KeyedOp, 'upserts' | 'deletes'>): void {
    for (const [id, region] of op.deletes) this.rows.delete(`${id}/${region}`);
    for (const [id, region, n] of op.upserts) this.rows.set(`${id}/${region}`, n);
  }

  /** Sorted `id/region/n` strings, comparable with `idsOf(rows)`. */
  expected(): string[] {
    return [...this.rows].map(([k, n]) => `${k}/${n}`).sort();
  }
}

export function idsOf(rows: readonly string[]): string[] {
  return rows.map((r) => {
    const o = JSON.parse(r) as { id: string; region: string; n: number | null };
    return `${o.id}/${o.region}/${o.n}`;
  }).sort();
}
