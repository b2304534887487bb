import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDB, withConnection, type K3DuckDB } from '../../src/exec/index.ts';

describe('createDuckDB', () => {
  let db: K3DuckDB;
  beforeAll(async () => {
    db = await createDuckDB({ threads: 1, memoryLimit: '256MiB' });
  });
  afterAll(() => db.closeSync());

  it('applies threads and memory limit', async () => {
    const rows = await withConnection(db, async (conn) =>
      (await conn.runAndReadAll("SELECT current_setting('threads')::VARCHAR, current_setting('memory_limit')")).getRows());
    expect(rows).toEqual([['1', '256.0 MiB']]);
  });

  it('gives every connection TimeZone=UTC, even after another session changed its own', async () => {
    await withConnection(db, async (conn) => {
      await conn.run("SET TimeZone = 'America/New_York'");
      const local = await conn.runAndReadAll("SELECT (TIMESTAMPTZ '2024-01-01 00:00:00+00')::TIMESTAMP::VARCHAR");
      expect(local.getRows()).toEqual([['2023-12-31 19:00:00']]);
    });
    const rows = await withConnection(db, async (conn) =>
      (await conn.runAndReadAll("SELECT current_setting('TimeZone'), (TIMESTAMPTZ '2024-01-01 00:00:00+00')::TIMESTAMP::VARCHAR")).getRows());
    expect(rows).toEqual([['UTC', '2024-01-01 00:00:00']]);
  });

  it('caches Parquet footers, and a file rewritten at the same path is read anew', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k3-exec-meta-'));
    const cached = await createDuckDB({ threads: 1 });
    try {
      await withConnection(cached, async (conn) => {
        expect((await conn.runAndReadAll("SELECT current_setting('parquet_metadata_cache')")).getRows()).toEqual([[true]]);
        const file = join(dir, 'f.parquet');
        await conn.run(`COPY (SELECT 1 AS a) TO '${file}' (FORMAT parquet)`);
        expect((await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRows()).toEqual([[1]]);
        // Within the same second, with another shape: the cached footer must not be used.
        await conn.run(`COPY (SELECT i AS a, 'x' AS b FROM range(3) t(i)) TO '${file}' (FORMAT parquet)`);
        expect((await conn.runAndReadAll(`SELECT a, b FROM read_parquet('${file}') ORDER BY a`)).getRows()).toEqual([[0n, 'x'], [1n, 'x'], [2n, 'x']]);
      });
    } finally {
      cached.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
    const off = await createDuckDB({ threads: 1, parquetMetadataCache: false });
    try {
      await withConnection(off, async (conn) => {
        expect((await conn.runAndReadAll("SELECT current_setting('parquet_metadata_cache')")).getRows()).toEqual([[false]]);
      });
    } finally {
      off.closeSync();
    }
  });

  it('withConnection closes the connection when fn throws', async () => {
    let leaked: { run(sql: string): Promise<unknown> } | undefined;
    await expect(withConnection(db, async (conn) => {
      leaked = conn;
      throw new Error('boom');
    })).rejects.toThrow('boom');
    await expect(leaked!.run('SELECT 1')).rejects.toThrow();
  });
});

describe('createDuckDB with allowedDirectories (sandbox)', () => {
  let dir: string;
  let db: K3DuckDB;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k3-exec-sandbox-'));
    const writer = await createDuckDB({ threads: 1 });
    await withConnection(writer, async (conn) => {
      await conn.run(`COPY (SELECT 42 AS a) TO '${join(dir, 'ok.parquet')}' (FORMAT parquet)`);
    });
    writer.closeSync();
    db = await createDuckDB({ threads: 1, allowedDirectories: [dir] });
  });
  afterAll(async () => {
    db.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads files below an allowed directory and nothing else', async () => {
    await withConnection(db, async (conn) => {
      expect((await conn.runAndReadAll(`SELECT a FROM read_parquet('${join(dir, 'ok.parquet')}')`)).getRows()).toEqual([[42]]);
      await expect(conn.run("SELECT * FROM read_csv('/etc/hostname')")).rejects.toThrow(/Permission Error/);
    });
  });

  it('keeps UTC and macros, and refuses to change settings', async () => {
    await withConnection(db, async (conn) => {
      const rows = (await conn.runAndReadAll("SELECT current_setting('TimeZone'), length(ulid()), json_extract_string('{\"a\":\"b\"}', '$.a')")).getRows();
      expect(rows).toEqual([['UTC', 26n, 'b']]);
      await expect(conn.run('SET enable_external_access = true')).rejects.toThrow(/locked/);
    });
  });
});
