/**
 * K3DuckDB.sibling (exec/duckdb-instance.ts): a second database set up like the first (the
 * keyed-write database of sql/keyed-write-duckdb.ts) — same sandbox, UTC, k3 macros — with the
 * options the caller derives; and k3_duckdb_memory_bytes sums the process's databases.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDB, withConnection, type K3DuckDB } from '../../src/exec/index.ts';
import { duckdbMemoryBytes, registerDuckDBMetrics } from '../../src/metrics/index.ts';

let dir: string;
let main: K3DuckDB;
let sibling: K3DuckDB;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k3-sibling-'));
  main = await createDuckDB({ threads: 2, allowedDirectories: [dir], tempDir: path.join(dir, 'spill') });
  sibling = await main.sibling!((o) => ({ ...o, threads: 1, memoryLimit: '256MiB', tempDir: path.join(o.tempDir!, 'keyed-writes') }));
});
afterAll(async () => {
  sibling?.closeSync();
  main?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const one = (db: K3DuckDB, sql: string): Promise<unknown> => withConnection(db, async (c) => (await c.runAndReadAll(sql)).getRows()[0]?.[0]);

describe('a sibling database', () => {
  it('is sandboxed and set up like the first, with the derived options', async () => {
    expect(sibling.sandboxed).toBe(true);
    expect(await one(sibling, "SELECT current_setting('threads')")).toBe(1n);
    expect(await one(main, "SELECT current_setting('threads')")).toBe(2n);
    expect(await one(sibling, "SELECT current_setting('TimeZone')")).toBe('UTC');
    expect(await one(sibling, "SELECT current_setting('lock_configuration')")).toBe(true);
    await expect(one(sibling, "SELECT * FROM read_text('/etc/hostname')")).rejects.toThrow();
    await expect(withConnection(sibling, (c) => c.run('SET threads = 4'))).rejects.toThrow();
    // Its own databases: a table of one is not in the other.
    await withConnection(sibling, (c) => c.run('CREATE TABLE only_here AS SELECT 1 AS x'));
    await expect(one(main, 'SELECT x FROM only_here')).rejects.toThrow();
  });

  it('k3_duckdb_memory_bytes sums the databases it is given', async () => {
    await withConnection(sibling, (c) => c.run('CREATE TABLE held AS SELECT range AS x, repeat(\'y\', 64) AS s FROM range(300000)'));
    const siblingBytes = await duckdbMemoryBytes(sibling);
    expect(siblingBytes).toBeGreaterThan(0);
    const registry = new Registry();
    registerDuckDBMetrics(registry, main, () => [sibling]);
    const metric = (await registry.getSingleMetric('k3_duckdb_memory_bytes')!.get()).values[0]!.value;
    expect(metric).toBeGreaterThanOrEqual(siblingBytes);
    const alone = new Registry();
    registerDuckDBMetrics(alone, main);
    expect((await alone.getSingleMetric('k3_duckdb_memory_bytes')!.get()).values[0]!.value).toBeLessThan(metric);
  });
});
