/**
 * DecodedFileCache (point lookups' decoded-file cache, docs/design/hot-path.md): a file's table is
 * built on the SECOND Parquet read, answers exactly the file's rows afterwards, is keyed by the
 * rows SQL (another file is never answered from it), is bounded by bytes (least recently used
 * dropped, a file too big for the bound refused for good) and never fails a lookup when a build
 * cannot run. Real DuckDB, real Parquet files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDB, type K3DuckDB } from '../../src/exec/duckdb-instance.ts';
import { DecodedFileCache } from '../../src/wal/decoded-file-cache.ts';

let dir: string;
let db: K3DuckDB;
const rowsSql = (name: string): string => `SELECT * FROM read_parquet('${path.join(dir, `${name}.parquet`)}')`;
const hold = async () => ({ release: () => {} });
const own = (name: string) => ({ table: 't', file: name });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k3-decoded-'));
  db = await createDuckDB({ threads: 2 });
  const conn = await db.connect();
  try {
    for (const [name, offset] of [['a', 0], ['b', 100_000], ['c', 200_000]] as const) {
      await conn.run(`COPY (SELECT i + ${offset} AS id, 'v' || (i + ${offset}) AS s FROM range(20000) t(i)) TO '${path.join(dir, `${name}.parquet`)}' (FORMAT parquet)`);
    }
  } finally {
    conn.closeSync();
  }
});
afterAll(async () => {
  db?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** The row of `id` from the cached table of `name`, or undefined when the cache did not answer. */
async function cachedRow(cache: DecodedFileCache, name: string, id: number): Promise<unknown[][] | undefined> {
  const hit = await cache.tryRun(rowsSql(name), (t) => `SELECT id, s FROM ${t} AS f WHERE id = ${id}`, async (conn: DuckDBConnection, sql) => (await conn.runAndReadAll(sql)).getRows());
  return hit?.value;
}

async function build(cache: DecodedFileCache, name: string): Promise<void> {
  cache.noteParquetRead(rowsSql(name), 'id', hold, own(name));
  await cache.settled();
  cache.noteParquetRead(rowsSql(name), 'id', hold, own(name));
  await cache.settled();
}

/** A cache bounded to 2.5 × what one file's table was charged (two fit, three do not). */
async function roomForTwoAndAHalf(): Promise<{ cache: DecodedFileCache; bound: number }> {
  const probe = new DecodedFileCache({ db, maxBytes: 256 << 20 });
  await build(probe, 'a');
  const bound = Math.floor(probe.bytes * 2.5);
  await probe.close();
  return { cache: new DecodedFileCache({ db, maxBytes: bound }), bound };
}

describe('DecodedFileCache', () => {
  it('builds on the second Parquet read and then answers the file\'s rows, only for that file', async () => {
    const cache = new DecodedFileCache({ db, maxBytes: 256 << 20 });
    try {
      cache.noteParquetRead(rowsSql('a'), 'id', hold, own('a'));
      await cache.settled();
      expect(await cachedRow(cache, 'a', 7)).toBeUndefined();
      cache.noteParquetRead(rowsSql('a'), 'id', hold, own('a'));
      await cache.settled();
      expect(await cachedRow(cache, 'a', 7)).toEqual([[7n, 'v7']]);
      expect(await cachedRow(cache, 'a', 100_007)).toEqual([]);
      expect(await cachedRow(cache, 'b', 100_007)).toBeUndefined();
      expect(cache.bytes).toBeGreaterThan(20000 * 8 - 1);
    } finally {
      await cache.close();
    }
  });

  it('drops the least recently used table past its byte bound', async () => {
    const { cache, bound } = await roomForTwoAndAHalf();
    try {
      await build(cache, 'a');
      await build(cache, 'b');
      expect(await cachedRow(cache, 'a', 1)).toEqual([[1n, 'v1']]); // a is now the most recently used
      await build(cache, 'c');
      expect(cache.bytes).toBeLessThanOrEqual(bound);
      expect(await cachedRow(cache, 'b', 100_001)).toBeUndefined();
      expect(await cachedRow(cache, 'a', 2)).toEqual([[2n, 'v2']]);
      expect(await cachedRow(cache, 'c', 200_003)).toEqual([[200_003n, 'v200003']]);
    } finally {
      await cache.close();
    }
  });

  it('once over half full, builds a file only after more reads than the least recently used table has answered', async () => {
    const { cache, bound } = await roomForTwoAndAHalf();
    try {
      await build(cache, 'b');
      await build(cache, 'a');
      for (let i = 0; i < 3; i++) expect(await cachedRow(cache, 'b', 100_000 + i)).toHaveLength(1);
      for (let i = 0; i < 3; i++) expect(await cachedRow(cache, 'a', i)).toHaveLength(1);
      // b is the least recently used, with 3 hits: c read twice (or three times) is not built.
      await build(cache, 'c');
      cache.noteParquetRead(rowsSql('c'), 'id', hold, own('c'));
      await cache.settled();
      expect(await cachedRow(cache, 'c', 200_001)).toBeUndefined();
      expect(await cachedRow(cache, 'b', 100_001)).toHaveLength(1);
      // b is now the most recently used; a (3 hits) is the victim — a fourth read of c is more.
      cache.noteParquetRead(rowsSql('c'), 'id', hold, own('c'));
      await cache.settled();
      expect(await cachedRow(cache, 'c', 200_001)).toEqual([[200_001n, 'v200001']]);
      expect(cache.bytes).toBeLessThanOrEqual(bound);
      expect(await cachedRow(cache, 'a', 1)).toBeUndefined();
    } finally {
      await cache.close();
    }
  });

  it('retain() drops the tables of files a table no longer has', async () => {
    const cache = new DecodedFileCache({ db, maxBytes: 256 << 20 });
    try {
      await build(cache, 'a');
      await build(cache, 'b');
      const both = cache.bytes;
      cache.retain('other table', new Set());
      expect(cache.bytes).toBe(both);
      cache.retain('t', new Set(['b', 'c']));
      await cache.settled();
      expect(cache.bytes).toBeLessThan(both);
      expect(await cachedRow(cache, 'a', 1)).toBeUndefined();
      expect(await cachedRow(cache, 'b', 100_001)).toEqual([[100_001n, 'v100001']]);
      await build(cache, 'c');
      expect(await cachedRow(cache, 'c', 200_001)).toEqual([[200_001n, 'v200001']]);
    } finally {
      await cache.close();
    }
  });

  it('prefetch() builds a file at once (no second read), one at a time, within the byte bound', async () => {
    const { cache, bound } = await roomForTwoAndAHalf();
    try {
      cache.retain('t', new Set());
      // Three successors queued at once: each is built in turn, the least recently used dropped past the bound.
      for (const name of ['a', 'b', 'c']) cache.prefetch(rowsSql(name), 'id', hold, own(name));
      cache.prefetch(rowsSql('c'), 'id', hold, own('c')); // queued once
      await cache.settled();
      expect(cache.bytes).toBeGreaterThan(0);
      expect(cache.bytes).toBeLessThanOrEqual(bound);
      expect(await cachedRow(cache, 'a', 1)).toBeUndefined();
      expect(await cachedRow(cache, 'b', 100_001)).toEqual([[100_001n, 'v100001']]);
      expect(await cachedRow(cache, 'c', 200_001)).toEqual([[200_001n, 'v200001']]);
      // retain() reports what it dropped (the caller looks for those files' successors).
      expect(cache.retain('t', new Set(['c']))).toEqual(['b']);
      await cache.settled();
      expect(await cachedRow(cache, 'b', 100_001)).toBeUndefined();
    } finally {
      await cache.close();
    }
    const off = new DecodedFileCache({ db, maxBytes: 0 });
    off.prefetch(rowsSql('a'), 'id', hold, own('a'));
    await off.settled();
    expect(off.bytes).toBe(0);
    expect(await cachedRow(off, 'a', 1)).toBeUndefined();
  });

  it('builds a file of at most firstReadRows rows on its FIRST read, queueing several; bigger files wait for their second', async () => {
    const cache = new DecodedFileCache({ db, maxBytes: 256 << 20, firstReadRows: 20_000 });
    try {
      // Three first reads at once: one build at a time, the others queued, none dropped.
      for (const name of ['a', 'b', 'c']) cache.noteParquetRead(rowsSql(name), 'id', hold, own(name), 20_000);
      await cache.settled();
      expect(await cachedRow(cache, 'a', 3)).toEqual([[3n, 'v3']]);
      expect(await cachedRow(cache, 'b', 100_003)).toEqual([[100_003n, 'v100003']]);
      expect(await cachedRow(cache, 'c', 200_003)).toEqual([[200_003n, 'v200003']]);
    } finally {
      await cache.close();
    }
    const strict = new DecodedFileCache({ db, maxBytes: 256 << 20, firstReadRows: 19_999 });
    const unknown = new DecodedFileCache({ db, maxBytes: 256 << 20, firstReadRows: 20_000 });
    try {
      strict.noteParquetRead(rowsSql('a'), 'id', hold, own('a'), 20_000);
      unknown.noteParquetRead(rowsSql('a'), 'id', hold, own('a'));
      await strict.settled();
      await unknown.settled();
      expect(await cachedRow(strict, 'a', 3)).toBeUndefined();
      expect(await cachedRow(unknown, 'a', 3)).toBeUndefined();
      strict.noteParquetRead(rowsSql('a'), 'id', hold, own('a'), 20_000);
      await strict.settled();
      expect(await cachedRow(strict, 'a', 3)).toEqual([[3n, 'v3']]);
    } finally {
      await strict.close();
      await unknown.close();
    }
  });

  it('first-read builds fill the cache only up to half its bound (they never evict); a second read still can', async () => {
    const probe = new DecodedFileCache({ db, maxBytes: 256 << 20 });
    await build(probe, 'a');
    const bound = Math.floor(probe.bytes * 2.5);
    await probe.close();
    // Room for two and a half tables: a (≈ 40 %) and b (≈ 80 %) are built on their first read,
    // queued together; c, queued behind them, is not (the cache is over half full when it would start).
    const half = new DecodedFileCache({ db, maxBytes: bound, firstReadRows: 20_000 });
    try {
      for (const name of ['a', 'b', 'c']) half.noteParquetRead(rowsSql(name), 'id', hold, own(name), 20_000);
      await half.settled();
      expect(await cachedRow(half, 'a', 1)).toEqual([[1n, 'v1']]);
      expect(await cachedRow(half, 'b', 100_001)).toEqual([[100_001n, 'v100001']]);
      expect(await cachedRow(half, 'c', 200_001)).toBeUndefined();
      // c's second read: the admission guard as before (2 reads > the 1 lookup the LRU table a
      // answered), so c is built and a, least recently used, dropped to stay within the bound.
      half.noteParquetRead(rowsSql('c'), 'id', hold, own('c'), 20_000);
      await half.settled();
      expect(await cachedRow(half, 'c', 200_001)).toEqual([[200_001n, 'v200001']]);
      expect(await cachedRow(half, 'a', 1)).toBeUndefined();
      expect(half.bytes).toBeLessThanOrEqual(bound);
    } finally {
      await half.close();
    }
  });

  it('close() while a build runs: interrupts and awaits it, so nothing is left running on the database', async () => {
    // A file big enough that its build is still running when close() is called. Closing the
    // cache's connection under the running CREATE TABLE (what close() did) left that query's
    // promise unsettled for good, and the engine's close behind it hung.
    const big = path.join(dir, 'big.parquet');
    const setup = await db.connect();
    try {
      await setup.run(`COPY (SELECT i AS id, 'v' || i AS s FROM range(1500000) t(i)) TO '${big}' (FORMAT parquet)`);
    } finally {
      setup.closeSync();
    }
    const sql = `SELECT * FROM read_parquet('${big}')`;
    const cache = new DecodedFileCache({ db, maxBytes: 1 << 30, firstReadRows: 2_000_000 });
    let started!: () => void;
    const building = new Promise<void>((resolve) => (started = resolve));
    const holdAndSignal = async () => {
      started();
      return { release: () => {} };
    };
    cache.noteParquetRead(sql, 'id', holdAndSignal, own('big'), 1_500_000);
    await building;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await cache.close();
    await cache.settled();
    expect(cache.enabled).toBe(false);
    expect(cache.bytes).toBe(0);
    const hit = await cache.tryRun(sql, (t) => `SELECT id FROM ${t} WHERE id = 1`, async (conn, q) => (await conn.runAndReadAll(q)).getRows());
    expect(hit).toBeUndefined();
    // The database is not left busy: another connection runs, and a new cache builds the same file.
    const again = new DecodedFileCache({ db, maxBytes: 256 << 20, firstReadRows: 20_000 });
    try {
      again.noteParquetRead(rowsSql('a'), 'id', hold, own('a'), 20_000);
      await again.settled();
      expect(await cachedRow(again, 'a', 9)).toEqual([[9n, 'v9']]);
    } finally {
      await again.close();
    }
  }, 60_000);

  it('refuses a file too big for the bound, a file that cannot be read, and does nothing when off', async () => {
    const small = new DecodedFileCache({ db, maxBytes: 1000 });
    const off = new DecodedFileCache({ db, maxBytes: 0 });
    try {
      await build(small, 'a');
      expect(small.bytes).toBe(0);
      expect(await cachedRow(small, 'a', 1)).toBeUndefined();
      await build(small, 'missing');
      expect(await cachedRow(small, 'missing', 1)).toBeUndefined();
      expect(off.enabled).toBe(false);
      await build(off, 'a');
      expect(await cachedRow(off, 'a', 1)).toBeUndefined();
    } finally {
      await small.close();
      await off.close();
    }
  });
});
