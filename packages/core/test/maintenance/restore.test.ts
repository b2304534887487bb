/**
 * RESTORE on a real table (LocalObjectStore, DuckDB-written Parquet): back to an old version, by
 * timestamp, forward again (restore of a restore), across a schema change, and refusals that
 * commit nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestVersion, loadSnapshot } from '../../src/delta/snapshot.ts';
import { readHistory } from '../../src/delta/history.ts';
import { readCommitActions } from '../../src/delta/commit.ts';
import { restoreTable } from '../../src/maintenance/restore.ts';
import { addColumn, append, createTable, createTableEnv, field, overwrite, rowsAt, type TableEnv } from './support/table-env.ts';

let env: TableEnv;
const root = 'tables/restore/';
const rows = new Map<number, string[]>();

beforeAll(async () => {
  env = await createTableEnv();
  await createTable(env, root, { type: 'struct', fields: [field('id', 'long'), field('k', 'string')] }, ['k']);
  await append(env, root, "SELECT i AS id, 'a' AS k FROM range(0, 10) t(i)"); // v1
  await append(env, root, "SELECT i AS id, 'b' AS k FROM range(10, 20) t(i)"); // v2
  await overwrite(env, root, "SELECT i AS id, 'c' AS k FROM range(100, 105) t(i)"); // v3
  await addColumn(env, root, 'note', 'string'); // v4
  await append(env, root, "SELECT i AS id, 'a' AS k, 'n' || i AS note FROM range(200, 203) t(i)"); // v5
  for (let v = 0; v <= 5; v++) rows.set(v, await rowsAt(env, root, { version: v }));
});
afterAll(async () => env.close());

describe('restoreTable', () => {
  it('restores an old version, then restores forward, each a RESTORE commit', async () => {
    const back = await restoreTable(env.store, root, { version: 2 }, env.deps);
    expect(back).toEqual({ versionBefore: 5, versionAfter: 6 });
    expect(await rowsAt(env, root)).toEqual(rows.get(2));
    const at6 = await loadSnapshot(env.store, root);
    expect(at6.schema.fields.map((f) => f.name)).toEqual(['id', 'k']);

    const forward = await restoreTable(env.store, root, { version: 5 }, env.deps);
    expect(forward).toEqual({ versionBefore: 6, versionAfter: 7 });
    expect(await rowsAt(env, root)).toEqual(rows.get(5));
    expect((await loadSnapshot(env.store, root)).schema.fields.map((f) => f.name)).toEqual(['id', 'k', 'note']);

    // Only the restores that cross the schema change carry a metaData action.
    const hasMetadata = async (v: number) => (await readCommitActions(env.store, root, v))!.some((a) => 'metaData' in a);
    expect(await hasMetadata(6)).toBe(true);
    expect(await hasMetadata(7)).toBe(true);

    const history = await readHistory(env.store, root, { limit: 2 });
    const [h7, h6] = history.entries;
    expect(h7?.operation).toBe('RESTORE');
    expect(h7?.operationParameters).toEqual({ version: '5' });
    expect(h6?.operationParameters).toEqual({ version: '2' });
    const snap2 = await loadSnapshot(env.store, root, { version: 2 });
    expect(h6?.operationMetrics).toMatchObject({
      numOfFilesAfterRestore: String(snap2.files.length),
      tableSizeAfterRestore: String(snap2.files.reduce((n, f) => n + f.add.size, 0)),
      numRestoredFiles: String(snap2.files.length),
      numRemovedFiles: String((await loadSnapshot(env.store, root, { version: 5 })).files.length),
      numCopiedRows: '0',
    });
  });

  it('restores by timestamp (the in-commit timestamp of the target version)', async () => {
    const v1 = await loadSnapshot(env.store, root, { version: 1 });
    const before = (await latestVersion(env.store, root))!;
    const r = await restoreTable(env.store, root, { timestamp: new Date(v1.timestamp).toISOString() }, env.deps);
    expect(r.versionAfter).toBe(Number(before + 1));
    expect(await rowsAt(env, root)).toEqual(rows.get(1));
    const [entry] = (await readHistory(env.store, root, { limit: 1 })).entries;
    expect(entry?.operationParameters).toEqual({ timestamp: new Date(v1.timestamp).toISOString() });
    expect((await readCommitActions(env.store, root, before + 1))!.some((a) => 'metaData' in a)).toBe(true); // v7 had `note`, v1 not

    // Same schema on both sides (v1 → v2's state): no metaData action, even though the current
    // metaData now comes from a checkpoint (version 10) and the target's from a JSON commit.
    for (let i = 0; i < 3; i++) await append(env, root, 'SELECT 7 AS id, \'a\' AS k');
    expect((await latestVersion(env.store, root))!).toBeGreaterThanOrEqual(10);
    const r2 = await restoreTable(env.store, root, { version: 2 }, env.deps);
    expect(await rowsAt(env, root)).toEqual(rows.get(2));
    expect((await readCommitActions(env.store, root, Number(r2.versionAfter)))!.some((a) => 'metaData' in a)).toBe(false);
  });

  it('refuses bad targets and missing data files without committing', async () => {
    const before = await latestVersion(env.store, root);
    await expect(restoreTable(env.store, root, { version: 1, timestamp: 5 }, env.deps)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(restoreTable(env.store, root, {}, env.deps)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(restoreTable(env.store, root, { version: -1 }, env.deps)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(restoreTable(env.store, root, { version: 999 }, env.deps)).rejects.toMatchObject({ code: 'ERR_DELTA_VERSION_NOT_FOUND' });
    await expect(restoreTable(env.store, root, { timestamp: '1999-01-01' }, env.deps)).rejects.toMatchObject({ code: 'ERR_DELTA_TIMESTAMP_OUT_OF_RANGE' });

    // A file only version 3 had (the overwrite's 'c' rows; gone from the table since): delete it.
    const v3 = await loadSnapshot(env.store, root, { version: 3 });
    const now = await loadSnapshot(env.store, root);
    const only3 = v3.files.find((f) => !now.files.some((n) => n.key === f.key));
    expect(only3).toBeDefined();
    await env.store.deleteMany([only3!.key]);
    await expect(restoreTable(env.store, root, { version: 3 }, env.deps)).rejects.toMatchObject({ code: 'ERR_DELTA_DATA_FILE_MISSING' });
    expect(await latestVersion(env.store, root)).toBe(before);
  });
});
