/**
 * The maintenance operations against a real S3 API over HTTP (s3rver behind the honest
 * conditional-write proxy): optimize, restore, history, vacuum (recursive listing, s3:// paths,
 * real deletes) and time travel to a vacuumed version failing in the FileCache download path.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestVersion, loadSnapshot } from '../../src/delta/snapshot.ts';
import { FileCache } from '../../src/exec/file-cache.ts';
import { tableHistory } from '../../src/maintenance/history.ts';
import { optimizeTable } from '../../src/maintenance/optimize.ts';
import { restoreTable } from '../../src/maintenance/restore.ts';
import { vacuumTable } from '../../src/maintenance/vacuum.ts';
import { S3ObjectStore } from '../../src/object-store/s3-object-store.ts';
import { startS3Server, type S3TestServer } from '../support/s3-server.ts';
import { append, createTable, createTableEnv, field, overwrite, rowsAt, type TableEnv } from './support/table-env.ts';

let server: S3TestServer;
let env: TableEnv;
beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: 'honest' });
  await server.createBucket('maint');
  env = await createTableEnv({}, new S3ObjectStore({ bucket: 'maint', client: server.client }));
});
afterAll(async () => {
  await env?.close();
  await server?.stop();
});

describe('maintenance on S3 over HTTP', () => {
  it('optimizes, restores, pages history and vacuums', async () => {
    const root = 'tables/events/';
    await createTable(env, root, { type: 'struct', fields: [field('id', 'long'), field('kind', 'string')] }, ['kind']);
    for (let i = 0; i < 3; i++) await append(env, root, `SELECT ${i} * 10 + j AS id, CASE WHEN j % 2 = 0 THEN 'click' ELSE 'buy' END AS kind FROM range(10) t(j)`); // v1–v3
    const v3 = await rowsAt(env, root);
    const opt = await optimizeTable(env.store, root, {}, env.deps); // v4
    expect(opt).toMatchObject({ version: 4, filesRemoved: 6, filesAdded: 2, partitionsOptimized: 2 });
    expect(await rowsAt(env, root)).toEqual(v3);
    await overwrite(env, root, "SELECT 999 AS id, 'click' AS kind"); // v5
    expect(await restoreTable(env.store, root, { version: 4 }, env.deps)).toEqual({ versionBefore: 5, versionAfter: 6 });
    expect(await rowsAt(env, root)).toEqual(v3);

    const page = await tableHistory(env.store, root, { limit: 3 });
    expect(page.entries.map((e) => e.operation)).toEqual(['RESTORE', 'WRITE', 'OPTIMIZE']);
    expect(page).toMatchObject({ currentVersion: 6, hasMore: true, oldestReturnedVersion: 4 });

    const later = Date.now() + 200 * 3_600_000;
    const dry = await vacuumTable(env.store, root, { dryRun: true, now: later }, env.deps);
    const v1Files = (await loadSnapshot(env.store, root, { version: 1 })).files;
    const v5Files = (await loadSnapshot(env.store, root, { version: 5 })).files;
    expect([...dry.filesDeletedPaths].sort()).toEqual([...(await loadSnapshot(env.store, root, { version: 3 })).files, ...v5Files].map((f) => `s3://maint/${f.key}`).sort());
    const real = await vacuumTable(env.store, root, { now: later }, env.deps);
    expect(real.filesDeletedPaths).toEqual(dry.filesDeletedPaths);
    expect(await latestVersion(env.store, root)).toBe(8);
    for (const f of v1Files) expect(await env.store.head(f.key)).toBeUndefined();
    expect(await rowsAt(env, root)).toEqual(v3);
    const fresh = new FileCache({ dir: join(env.dir, 'fresh'), maxBytes: 1 << 30 });
    await expect(fresh.acquire(env.store, v1Files.map((f) => ({ key: f.key, size: f.add.size })))).rejects.toMatchObject({ code: 'ERR_DELTA_DATA_FILE_MISSING' });
  });
});
