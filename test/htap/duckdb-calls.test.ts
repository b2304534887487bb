/**
 * The fixed DuckDB cost of the hot statements, counted (not timed): a keyed single-row INSERT,
 * a keyed single-row upsert and a STRONG point lookup each make at most a known number of DuckDB
 * round trips (docs/design/hot-path.md, "DuckDB calls per statement"). A change that adds calls to
 * these paths fails here; lower the bounds when a change removes some.
 */
import { mergeImagesTaken } from '../../packages/core/src/sql/merge-images.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
import { instrument, type DuckDBCalls } from '../../packages/core/test/sql/duckdb-call-counter.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';

let h: Harness;
let counter: DuckDBCalls;
beforeAll(async () => {
  h = await createHarness({}, {
    drainLogWrites: false,
    wrapDb: (db) => {
      const i = instrument(db);
      counter = i.counter;
      return i.db;
    },
  });
  await h.ddl('CREATE TABLE kv (id BIGINT PRIMARY KEY, name VARCHAR, n INTEGER)');
  await h.write("INSERT INTO kv SELECT i, 'row' || i, i % 7 FROM range(1, 1001) AS t(i)");
  await h.engine.compact(h.bucket, 'kv');
  // One un-drained record, so the STRONG view has a tail to merge.
  await h.write("INSERT INTO kv VALUES (5000, 'tail', 1)");
});
afterAll(async () => {
  await h?.close();
});

async function measure(sql: string, freshness?: Freshness): Promise<{ calls: string[]; rows?: unknown[][]; rowsAffected?: number }> {
  // Warm first (the statement cache, the warm table state): the steady state is what is counted.
  counter.reset();
  const r = await h.engine.execute({ bucket: h.bucket, sql, ...(freshness !== undefined ? { freshness } : {}) });
  const calls = [...counter.calls];
  if (process.env['K3_PRINT_DUCKDB_CALLS'] === '1') console.log(`${sql}\n  ${calls.join('\n  ')}`);
  if ('query' in r) return { calls, rows: wireRows(r.query) };
  if ('write' in r) return { calls, rowsAffected: r.write.rowsAffected };
  return { calls };
}

describe('DuckDB calls per hot statement', () => {
  it('a keyed single-row INSERT', async () => {
    await measure("INSERT INTO kv VALUES (6000, 'warm', 1)");
    const m = await measure("INSERT INTO kv VALUES (6001, 'x', 2)");
    expect(m.rowsAffected).toBe(1);
    // Was 23 before the hot-path batching, 8 before the single-row fast path (docs/design/keyed-row-fast-path.md),
    // then 2 (split + (target DDL, the INSERT, capture with CHECK / round-trip flags)); now the row
    // of plain literals is read from the tokens (literal-row.ts, wip/write4): the split only. The
    // key is above every Delta file's key range and not in the log, so no probe. wip/lookup12: a
    // text without `;` or PIVOT is one statement to DuckDB too — no split either: no call at all.
    expect(m.calls).toEqual([]);
    // The counter sees the engine's calls (a broken instrument would pass any upper bound): a row
    // that is not plain literals is captured by DuckDB, one call.
    const e = await measure("INSERT INTO kv VALUES (6002, 'x' || 'y', 2)");
    expect(e.rowsAffected).toBe(1);
    expect(e.calls).toHaveLength(1);
    // The duplicate check still runs: the same key again is refused.
    await expect(h.engine.execute({ bucket: h.bucket, sql: "INSERT INTO kv VALUES (6001, 'again', 3)" })).rejects.toMatchObject({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
    await expect(h.engine.execute({ bucket: h.bucket, sql: "INSERT INTO kv VALUES (7, 'drained', 3)" })).rejects.toMatchObject({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
  });

  it('a keyed single-row upsert', async () => {
    await measure("INSERT OR REPLACE INTO kv VALUES (8, 'warm', 1)");
    const m = await measure("INSERT OR REPLACE INTO kv VALUES (9, 'up', 2)");
    expect(m.rowsAffected).toBe(1);
    // Was 29, then 13 (general path; a blind replace there costs 5: blind-replace.ts), then 3 (the
    // old row loaded), then 2 for a blind replace (split, (DDL + the statement + capture)); a row of
    // plain literals: the split only (literal-row.ts, wip/write4); no split (wip/lookup12): none.
    expect(m.calls).toEqual([]);
  });

  it('a keyed single-row blind replace reads no old row', async () => {
    await measure("INSERT OR REPLACE INTO kv VALUES (210, 'warm', 1)");
    // Key 211 is in a Delta file's key range: a non-blind upsert reads its row group (below).
    const m = await measure("INSERT OR REPLACE INTO kv VALUES (211, 'blind', 2)");
    expect(m.rowsAffected).toBe(1);
    // No call (a row of plain literals, wip/write4; no split, wip/lookup12): no locator, no Parquet (keyed-row-fast-path.md).
    expect(m.calls).toEqual([]);
    const u = await measure("INSERT INTO kv VALUES (212, 'blind too', 3) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, n = EXCLUDED.n");
    expect(u.rowsAffected).toBe(1);
    expect(u.calls).toEqual([]);
    // Not blind (n depends on the stored row): the old row is loaded — (DDL + old row + statement), capture.
    await measure('INSERT INTO kv VALUES (214, \'warm\', 1) ON CONFLICT (id) DO UPDATE SET n = kv.n + 10');
    const o = await measure('INSERT INTO kv VALUES (213, \'x\', 1) ON CONFLICT (id) DO UPDATE SET n = kv.n + 10');
    expect(o.rowsAffected).toBe(1);
    expect(o.calls.length).toBeLessThanOrEqual(2);
    expect(o.calls.some((c) => c.includes('INSERT INTO "kv" SELECT * FROM (SELECT'))).toBe(true);
    const r = await h.engine.execute({ bucket: h.bucket, sql: 'SELECT id, name, n FROM kv WHERE id BETWEEN 211 AND 213 ORDER BY id', freshness: Freshness.STRONG });
    expect('query' in r && wireRows(r.query)).toEqual([['211', 'blind', 2], ['212', 'blind too', 3], ['213', 'row213', 213 % 7 + 10]]);
  });

  it('a keyed UPDATE and DELETE by the full key', async () => {
    await measure("UPDATE kv SET name = 'warm' WHERE id = 100");
    const u = await measure("UPDATE kv SET name = 'upd', n = n + 1 WHERE id = 101");
    expect(u.rowsAffected).toBe(1);
    // 15 on the general path: then split, (DDL + old row + UPDATE), capture (routed from the tokens:
    // no AST round trip); no split now (wip/lookup12).
    expect(u.calls.length).toBeLessThanOrEqual(2);
    expect(u.calls.length).toBeGreaterThan(0);
    const d = await measure('DELETE FROM kv WHERE id = 102');
    expect(d.rowsAffected).toBe(1);
    // 15 on the general path: then split, (DDL + old row + DELETE); no split now (wip/lookup12).
    expect(d.calls).toHaveLength(1);
    const r = await h.engine.execute({ bucket: h.bucket, sql: 'SELECT id, name, n FROM kv WHERE id BETWEEN 101 AND 102 ORDER BY id', freshness: Freshness.STRONG });
    expect('query' in r && wireRows(r.query)).toEqual([['101', 'upd', 101 % 7 + 1]]);
  });

  it('a STRONG point lookup', async () => {
    // The file's first lookup (a key only in Delta): the located file's rows with the key as a
    // constant (pushed into the Parquet scan), one call. wip/lookup9: the file holds at most
    // K3_LOOKUP_CACHE_FIRST_READ_ROWS rows, so this first Parquet read also starts the decoded-file
    // cache's background build — its own calls, all naming `__k3_lookup`, are not the statement's.
    const first = await measure('SELECT name, n FROM kv WHERE id = 10', Freshness.STRONG);
    expect(first.rows).toEqual([['row10', 3]]);
    expect(first.calls.filter((c) => !c.includes('__k3_lookup')).length).toBeLessThanOrEqual(1);
    // (wip/lookup12: the INSERT tests above probed this file through the point lookups, which loaded
    // it — so this first lookup may already be answered from the decoded file, with no call.)
    if (first.calls.length > 0) expect(first.calls.some((c) => c.startsWith('run: SELECT name, n FROM (SELECT CAST("id" AS BIGINT)') && c.includes('read_parquet'))).toBe(true);
    // Warm: the pooled connection prepares the overlay statement per projection; the build finishes.
    await measure('SELECT name, n FROM kv WHERE id = 6000', Freshness.STRONG);
    await h.engine.lookupCacheSettled();
    // A key written since the last drain: answered from the warm state's overlay index. Was 17, then
    // 6 (split, json_serialize_sql, bind, prepare, stream, drop), then the one run of a cached
    // prepared statement; wip/lookup12: plain columns (BIGINT, VARCHAR, INTEGER) are cast from the
    // row image's text in JavaScript — no DuckDB call.
    const m = await measure('SELECT name, n FROM kv WHERE id = 9', Freshness.STRONG);
    expect(m.rows).toEqual([['up', 2]]);
    expect(m.calls).toEqual([]);
    // wip/lookup4: once the file is held decoded (decoded-file-cache.ts), a key only in Delta was one
    // call on the cache's indexed TEMP table; wip/lookup12: a file of plain columns with an integer
    // key is held as typed columns in JavaScript — no DuckDB call, no Parquet.
    for (const [id, row] of [[11, ['row11', 4]], [12, ['row12', 5]]] as const) {
      const cached = await measure(`SELECT name, n FROM kv WHERE id = ${id}`, Freshness.STRONG);
      expect(cached.rows).toEqual([row]);
      expect(cached.calls).toEqual([]);
    }
    // EVENTUAL: the same statement, the Delta rows only (key 9's drained image).
    const e = await measure('SELECT name, n FROM kv WHERE id = 9');
    expect(e.rows).toEqual([['row9', 2]]);
    expect(e.calls.length).toBeLessThanOrEqual(1);
  });

  it('an EVENTUAL aggregate, repeated (wip/agg)', async () => {
    await measure('SELECT count(*), sum(n) FROM kv', Freshness.EVENTUAL);
    const m = await measure('SELECT count(*), sum(n) FROM kv', Freshness.EVENTUAL);
    expect(String(m.rows?.[0]?.[0])).toBe('1000');
    // Was 5: the planner's two json_deserialize_sql (result names) are answered from their text
    // now (plan/printed-sql-cache.ts); 3 (view, prepare, stream) before the pooled connection
    // kept the view and the prepared statement for the same snapshot (sql/bound-read-pool.ts; wip/reads4).
    expect(m.calls.length).toBeLessThanOrEqual(1);
    expect(m.calls.some((c) => c.includes('json_deserialize_sql'))).toBe(false);
    expect(m.calls.some((c) => c.startsWith('stream: (prepared) SELECT count(*), sum(n) FROM kv'))).toBe(true);
  });
});

describe('DuckDB calls per ingest MERGE (wip/merge4)', () => {
  it('a scoped keyed MERGE of a VALUES batch (bench/ingest.bench.ts shape)', async () => {
    const merge = (lo: number) => `MERGE INTO kv AS t USING (VALUES ${[lo, lo + 1, 9, 12].map((id) => `(${id}, 'm${id}', ${id % 5})`).join(', ')}) AS s(id, name, n) ON t.id = s.id
      WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, s.n)`;
    await measure(merge(8000));
    const taken = mergeImagesTaken();
    const m = await measure(merge(8100));
    expect(m.rowsAffected).toBe(4);
    // Was 11 here (13 over a tail of more than 64 keys: the keys as text for the narrowed tail and
    // the un-named-new-keys count): tail table + STRONG view, load, new keys, duplicates + clash
    // with STRONG, captures, drop. Now: split, (target DDL + source once + its keys + range), the keys as text, (overlay rows + located Delta
    // rows + shadow copy), the MERGE, (new keys not named + duplicates + keys removed), capture
    // rows — no tombstone capture (none removed), no STRONG view (key 9 is un-drained, key 12 only in Delta).
    // wip/ingest5: the keys as text ride in the source's call with their range, and the capture of
    // the changed rows in the new-keys call (keys-with-range.ts): 5 — split, source, load, MERGE,
    // (new keys + duplicates + removed + capture).
    // wip/ingest11: the row images (merge-images.ts) answer this shape — 3: split, source (without the
    // target's DDL and the keys table: nothing reads them), (the images over the source FULL JOIN the
    // named rows read from the overlay as a subquery, with their capture): no load, no shadow copy, no
    // MERGE, no new-keys call. (Keys 9 and 12 are in the log since the warm-up batch; a key only in
    // Delta adds the load call, with the deferred DDL and keys table in it.)
    expect(m.calls.length).toBeLessThanOrEqual(3);
    expect(mergeImagesTaken() - taken).toBe(1);
    expect(m.calls.some((c) => c.startsWith('runAndReadAll: SELECT n.*, c.* FROM'))).toBe(false);
    expect(m.calls.some((c) => c.includes('__k3_strong_'))).toBe(false);
    expect(m.calls.some((c) => c.includes('MERGE INTO kv AS t USING __k3_merge_src'))).toBe(false);
    expect(m.calls.some((c) => c.includes('__k3_keyed_before'))).toBe(false);
    expect(await h.engine.execute({ bucket: h.bucket, sql: 'SELECT id, name FROM kv WHERE id IN (9, 12, 8100) ORDER BY id', freshness: Freshness.STRONG }).then((r) => ('query' in r ? wireRows(r.query) : []))).toEqual([['9', 'm9'], ['12', 'm12'], ['8100', 'm8100']]);
  });

  it('a 20-row VALUES batch of literals: loaded as typed columns (wip/ingest6)', async () => {
    const merge = (lo: number) => `MERGE INTO kv AS t USING (VALUES ${Array.from({ length: 20 }, (_, i) => `(${lo + i}, 'm${lo + i}', ${i % 5})`).join(', ')}) AS s(id, name, n) ON t.id = s.id
      WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, s.n)`;
    await measure(merge(8200));
    const m = await measure(merge(8210));
    expect(m.rowsAffected).toBe(20);
    // The source's call casts each column's cells split from one string instead of binding 60 VALUES
    // expressions: 5 — split, source, load, MERGE, (new keys + … + capture). The representative
    // rows' types call ran for the first batch only: the second one's column signatures are the
    // first's, so their types are known (values-source-load.ts, wip/ingest8).
    expect(m.calls.length).toBeLessThanOrEqual(5);
    expect(m.calls.some((c) => c.includes('AS __k3_values_types'))).toBe(false);
    expect(m.calls.some((c) => c.includes('CREATE TEMP TABLE __k3_merge_src AS SELECT * FROM (SELECT CAST(NULLIF(c0'))).toBe(true);
    expect(await h.engine.execute({ bucket: h.bucket, sql: 'SELECT count(*) FROM kv WHERE id BETWEEN 8200 AND 8229 AND name = \'m\' || id', freshness: Freshness.STRONG }).then((r) => ('query' in r ? wireRows(r.query) : []))).toEqual([['30']]);
  });
});

describe('DuckDB calls of a keyed INSERT whose key lies inside a Delta file (wip/lookup12)', () => {
  it('the new-key check asks the point lookups: once the file is decoded, no DuckDB call', async () => {
    await h.ddl('CREATE TABLE probe (id BIGINT PRIMARY KEY, v VARCHAR)');
    await h.write("INSERT INTO probe SELECT i, 'p' || i FROM range(0, 1000, 2) AS t(i)");
    while ((await h.engine.compact(h.bucket, 'probe')).truncated);
    // Key 501 is inside the one file's key range but not in it: the file is read once (Parquet, one
    // call on a pooled connection, not the request's — after the file's schema, read once), which
    // also loads it for the next probes.
    const first = await measure("INSERT INTO probe VALUES (501, 'new')");
    expect(first.rowsAffected).toBe(1);
    expect(first.calls.filter((c) => !c.includes('__k3_lookup') && !c.includes('parquet_schema')).length).toBeLessThanOrEqual(1);
    await h.engine.lookupCacheSettled();
    const next = await measure("INSERT INTO probe VALUES (503, 'new')");
    expect(next.rowsAffected).toBe(1);
    expect(next.calls).toEqual([]);
    // A key the file holds is still refused — from the decoded file, no call either.
    counter.reset();
    await expect(h.engine.execute({ bucket: h.bucket, sql: "INSERT INTO probe VALUES (504, 'dup')" })).rejects.toMatchObject({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
    expect(counter.calls).toEqual([]);
    const r = await h.engine.execute({ bucket: h.bucket, sql: 'SELECT id, v FROM probe WHERE id BETWEEN 500 AND 504 ORDER BY id', freshness: Freshness.STRONG });
    expect('query' in r && wireRows(r.query)).toEqual([['500', 'p500'], ['501', 'new'], ['502', 'p502'], ['503', 'new'], ['504', 'p504']]);
  });
});

describe('DuckDB calls after a fan-out (wip/cluster13)', () => {
  it('a federated aggregate: the merged rows ride in the FINAL statement — no TEMP table, no INSERT; a FINAL that only picks and sorts columns runs no statement', async () => {
    let fed!: DuckDBCalls;
    const f = await createHarness({ K3_FEDERATE_MIN_BYTES: '0', K3_FEDERATE_MIN_PARTITIONS: '2' }, {
      wrapDb: (db) => {
        const i = instrument(db);
        fed = i.counter;
        return i.db;
      },
    });
    try {
      await f.ddl('CREATE TABLE sales (id BIGINT, region VARCHAR, amount DOUBLE) PARTITIONED BY (region)');
      await f.write("INSERT INTO sales SELECT i, ['UK', 'EU', 'US'][i % 3 + 1], i / 10 FROM range(0, 300) AS t(i)");
      // An expression over the merged columns: DuckDB runs the FINAL, the rows inlined as a CTE.
      const computed = 'SELECT region, count(*) AS n, sum(amount) * 2 AS s2 FROM sales GROUP BY region ORDER BY region';
      await f.engine.execute({ bucket: f.bucket, sql: computed });
      fed.reset();
      const r = await f.engine.execute({ bucket: f.bucket, sql: computed });
      if (!('query' in r)) throw new Error('expected a query result');
      expect(r.query.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
      expect(wireRows(r.query).map((row) => [row[0], String(row[1]), Math.round(Number(row[2]))])).toEqual([['EU', '100', 2990], ['UK', '100', 2970], ['US', '100', 3010]]);
      const merged = fed.calls.filter((c) => c.includes('__k3_merged'));
      // Was 3: CREATE OR REPLACE TEMP TABLE, INSERT … VALUES, then the FINAL statement over the table.
      expect(merged).toHaveLength(1);
      expect(merged[0]!).toMatch(/^stream: WITH "__k3_merged" AS \(SELECT \* FROM \(VALUES /);

      // Only picking and sorting merged columns (plan/plain-final.ts): answered without a statement.
      const plain = 'SELECT region, count(*) AS n, sum(amount) AS s FROM sales GROUP BY region ORDER BY s DESC';
      await f.engine.execute({ bucket: f.bucket, sql: plain });
      fed.reset();
      const before = f.engine.federatedPlainFinals;
      const p = await f.engine.execute({ bucket: f.bucket, sql: plain });
      if (!('query' in p)) throw new Error('expected a query result');
      expect(p.query.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
      expect(p.query.columns.map((c) => [c.name, c.type])).toEqual([['region', 'VARCHAR'], ['n', 'BIGINT'], ['s', 'DOUBLE']]);
      expect(wireRows(p.query).map((row) => [row[0], String(row[1]), Math.round(Number(row[2]))])).toEqual([['US', '100', 1505], ['EU', '100', 1495], ['UK', '100', 1485]]);
      expect(f.engine.federatedPlainFinals).toBe(before + 1);
      expect(fed.calls.filter((c) => c.includes('__k3_merged'))).toEqual([]);
    } finally {
      await f.close();
    }
  });
});
