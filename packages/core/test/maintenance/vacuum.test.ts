/**
 * VACUUM on a real table: retention check, dry run == real run, what is kept (current files,
 * tombstones inside retention even with old mtimes, hidden paths), VACUUM START/END commits, and
 * time travel / restore to a vacuumed version failing with ERR_DELTA_DATA_FILE_MISSING.
 */
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../../src/delta/history.ts';
import { latestVersion, loadSnapshot } from '../../src/delta/snapshot.ts';
import { FileCache } from '../../src/exec/file-cache.ts';
import { restoreTable } from '../../src/maintenance/restore.ts';
import { vacuumTable } from '../../src/maintenance/vacuum.ts';
import { append, createTable, createTableEnv, field, overwrite, rowsAt, type TableEnv } from './support/table-env.ts';

let env: TableEnv;
beforeAll(async () => {
  env = await createTableEnv();
});
afterAll(async () => env.close());

const HOUR = 3_600_000;
const schema = { type: 'struct' as const, fields: [field('id', 'long'), field('k', 'string')] };
const setMtime = (key: string, ms: number) => utimes(join(env.storeDir, key), ms / 1000, ms / 1000);

describe('vacuumTable', () => {
  it('dry run lists exactly what the real run deletes; the vacuumed versions fail clearly', async () => {
    const root = 'tables/vac/';
    await createTable(env, root, schema, ['k']);
    await append(env, root, "SELECT 1 AS id, 'a' AS k"); // v1
    await append(env, root, "SELECT 2 AS id, 'b' AS k"); // v2
    await overwrite(env, root, "SELECT 3 AS id, 'c' AS k"); // v3 removes v1, v2 files
    const current = await loadSnapshot(env.store, root);
    const removed = (await loadSnapshot(env.store, root, { version: 2 })).files.map((f) => f.key);
    const hidden = [`${root}_k3_wal/00000001.wal`, `${root}.staging/part-x.parquet`, `${root}k=a/_tmp/part-y.parquet`];
    for (const key of [...hidden, `${root}orphan-part.parquet`]) await env.store.put(key, new Uint8Array([1, 2, 3]));
    const v3rows = await rowsAt(env, root);

    await expect(vacuumTable(env.store, root, { retentionHours: 24 }, env.deps)).rejects.toMatchObject({ code: 'ERR_VACUUM_RETENTION_TOO_SHORT', message: expect.stringContaining('disableRetentionCheck') });
    expect(await latestVersion(env.store, root)).toBe(3);

    // Now: nothing is old enough. A real run still logs START/END.
    const none = await vacuumTable(env.store, root, {}, env.deps);
    expect(none).toEqual({ version: 5, filesDeleted: 0, filesDeletedPaths: [], dryRun: false });

    const later = Date.now() + 200 * HOUR;
    const dry = await vacuumTable(env.store, root, { dryRun: true, now: later }, env.deps);
    const expected = [...removed, `${root}orphan-part.parquet`].map((k) => `${env.store.url}${k}`).sort();
    expect([...dry.filesDeletedPaths].sort()).toEqual(expected);
    expect(dry).toMatchObject({ version: 5, filesDeleted: Number(expected.length), dryRun: true });
    expect(await latestVersion(env.store, root)).toBe(5);

    const real = await vacuumTable(env.store, root, { now: later }, env.deps);
    expect(real.filesDeletedPaths).toEqual(dry.filesDeletedPaths);
    expect(real).toMatchObject({ version: 7, filesDeleted: dry.filesDeleted, dryRun: false });
    for (const key of removed) expect(await env.store.head(key)).toBeUndefined();
    for (const key of [...hidden, ...current.files.map((f) => f.key)]) expect(await env.store.head(key)).toBeDefined();
    expect(await env.store.head(`${root}_delta_log/00000000000000000000.json`)).toBeDefined();
    expect(await rowsAt(env, root)).toEqual(v3rows);

    const [end, start] = (await readHistory(env.store, root, { limit: 2 })).entries;
    expect(start).toMatchObject({
      operation: 'VACUUM START',
      operationParameters: { retentionCheckEnabled: 'true', defaultRetentionMillis: String(168 * HOUR), specifiedRetentionMillis: String(168 * HOUR) },
      operationMetrics: { numFilesToDelete: String(expected.length) },
    });
    expect(Number(start?.operationMetrics.sizeOfDataToDelete)).toBeGreaterThan(0);
    expect(end).toMatchObject({ operation: 'VACUUM END', operationParameters: { status: 'COMPLETED' }, operationMetrics: { numDeletedFiles: String(expected.length) } });

    // Time travel to a vacuumed version: the log is intact, the data is gone (a fresh cache: a
    // process that cached the files before the vacuum would still serve them).
    const v1 = await loadSnapshot(env.store, root, { version: 1 });
    const fresh = new FileCache({ dir: join(env.dir, 'fresh-cache'), maxBytes: 1 << 30 });
    await expect(fresh.acquire(env.store, v1.files.map((f) => ({ key: f.key, size: f.add.size })))).rejects.toMatchObject({ code: 'ERR_DELTA_DATA_FILE_MISSING' });
    await expect(restoreTable(env.store, root, { version: 1 }, env.deps)).rejects.toMatchObject({ code: 'ERR_DELTA_DATA_FILE_MISSING' });
  });

  it('keeps files whose removal is inside retention even when their mtime is old; deletes old orphans', async () => {
    const root = 'tables/vac-keep/';
    await createTable(env, root, schema, ['k']);
    await append(env, root, "SELECT 1 AS id, 'a' AS k");
    const old = (await loadSnapshot(env.store, root)).files.map((f) => f.key);
    await overwrite(env, root, "SELECT 2 AS id, 'a' AS k");
    const month = Date.now() - 30 * 24 * HOUR;
    for (const key of old) await setMtime(key, month);
    await env.store.put(`${root}k=a/orphan.parquet`, new Uint8Array([1]));
    await env.store.put(`${root}k=a/fresh-orphan.parquet`, new Uint8Array([1]));
    await setMtime(`${root}k=a/orphan.parquet`, month);

    const res = await vacuumTable(env.store, root, {}, env.deps);
    expect(res.filesDeletedPaths).toEqual([`${env.store.url}${root}k=a/orphan.parquet`]);
    for (const key of old) expect(await env.store.head(key)).toBeDefined();
    expect(await rowsAt(env, root, { version: 1 })).toHaveLength(1);

    // With the check disabled and 1 h retention, two hours later the removed file goes too.
    const soon = Date.now() + 2 * HOUR;
    const forced = await vacuumTable(env.store, root, { retentionHours: 1, disableRetentionCheck: true, now: soon }, env.deps);
    expect([...forced.filesDeletedPaths].sort()).toEqual([...old, `${root}k=a/fresh-orphan.parquet`].map((k) => `${env.store.url}${k}`).sort());
    const [, start] = (await readHistory(env.store, root, { limit: 2 })).entries;
    expect(start?.operationParameters).toMatchObject({ retentionCheckEnabled: 'false', specifiedRetentionMillis: String(HOUR) });
    await expect(vacuumTable(env.store, root, { retentionHours: -1 }, env.deps)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
  });
});
