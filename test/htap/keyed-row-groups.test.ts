/**
 * K3_KEYED_ROW_GROUP_SIZE (docs/design/hot-path.md, "Row groups of keyed files"): a drain writes a
 * keyed table's Parquet files sorted by primary key in row groups of that many rows, so a point
 * lookup's key pushed into the scan reads one small row group; 0 keeps DuckDB's default in drain
 * order. Checked on the real files the drain uploaded (their Parquet row-group statistics), and the
 * table reads the same either way.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { loadSnapshot } from '../../packages/core/src/delta/index.ts';
import { LocalObjectStore } from '../../packages/core/src/object-store/local-object-store.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';

const open: Harness[] = [];
afterAll(async () => {
  for (const h of open) await h.close();
});

/** A keyed table loaded in scrambled key order, updated (the drain appends the new images), drained. (DuckDB rounds ROW_GROUP_SIZE up to its 2,048-row vectors.) */
async function drainedTable(env: Record<string, string>): Promise<Harness> {
  const h = await createHarness(env, { drainLogWrites: false });
  open.push(h);
  await h.ddl('CREATE TABLE kv (id BIGINT PRIMARY KEY, name VARCHAR, n INTEGER)');
  await h.exec("INSERT INTO kv SELECT i, 'row' || i, i % 7 FROM range(1, 10001) AS t(i) ORDER BY hash(i)");
  await h.exec("UPDATE kv SET name = 'updated' WHERE id % 10 = 0");
  await h.exec("INSERT OR REPLACE INTO kv VALUES (1500, 'replaced', 1)");
  while ((await h.engine.compact(h.bucket, 'kv')).truncated);
  return h;
}

/** Per active data file of the table: its row groups' [min id, max id, rows], in file order. */
async function rowGroups(h: Harness): Promise<[number, number, number][][]> {
  const dir = path.join(h.dir, 'data', h.bucket);
  const snapshot = await loadSnapshot(new LocalObjectStore(dir), 'tables/kv/');
  const files = snapshot.files.map((f) => f.key);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const out: [number, number, number][][] = [];
    for (const f of files) {
      const rows = (await conn.runAndReadAll(`SELECT row_group_id, stats_min_value, stats_max_value, row_group_num_rows FROM parquet_metadata('${path.join(dir, f)}') WHERE path_in_schema = 'id' ORDER BY row_group_id`)).getRows();
      out.push(rows.map((r) => [Number(r[1]), Number(r[2]), Number(r[3])]));
    }
    return out;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

async function strong(h: Harness, sql: string): Promise<unknown[][]> {
  const r = await h.engine.execute({ bucket: h.bucket, sql, freshness: Freshness.STRONG });
  if (!('query' in r)) throw new Error('not a query');
  return wireRows(r.query);
}

describe('row groups of drained keyed files', () => {
  it('K3_KEYED_ROW_GROUP_SIZE: sorted by key, row groups of that size, disjoint key ranges', async () => {
    const h = await drainedTable({ K3_KEYED_ROW_GROUP_SIZE: '2048' });
    const files = await rowGroups(h);
    expect(files.length).toBeGreaterThan(0);
    const groups = files.flat();
    expect(groups.reduce((s, g) => s + g[2], 0)).toBe(10000);
    for (const file of files) {
      expect(file.length).toBeGreaterThan(1);
      for (const [i, g] of file.entries()) {
        expect(g[2]).toBeLessThanOrEqual(2048);
        // Sorted by key: each row group's keys lie strictly above the previous one's.
        if (i > 0) expect(g[0]).toBeGreaterThan(file[i - 1]![1]);
      }
    }
    expect(await strong(h, 'SELECT id, name, n FROM kv WHERE id IN (1, 1500, 2990, 3000) ORDER BY id')).toEqual([['1', 'row1', 1], ['1500', 'replaced', 1], ['2990', 'updated', 2990 % 7], ['3000', 'updated', 3000 % 7]]);
  });

  it('0: DuckDB\'s default row groups in drain order, same table', async () => {
    const h = await drainedTable({ K3_KEYED_ROW_GROUP_SIZE: '0' });
    const groups = (await rowGroups(h)).flat();
    expect(groups.reduce((s, g) => s + g[2], 0)).toBe(10000);
    // Scrambled load order: a row group spans (nearly) the whole key range.
    expect(groups.some((g) => g[1] - g[0] > 9000)).toBe(true);
    expect(await strong(h, 'SELECT id, name, n FROM kv WHERE id IN (1, 1500, 2990, 3000) ORDER BY id')).toEqual([['1', 'row1', 1], ['1500', 'replaced', 1], ['2990', 'updated', 2990 % 7], ['3000', 'updated', 3000 % 7]]);
  });
});
