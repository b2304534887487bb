/**
 * End-to-end table maintenance over HTTP (seeds 002) on a started server (embedded compactor
 * ticks switched off, so every drain in these tests is one we asked for):
 * - VACUUM: the dry run lists exactly the files a real run then deletes (retentionHours 0 +
 *   disableRetentionCheck), they are gone from disk, the retention check refuses short retention,
 *   time travel and RESTORE to a vacuumed version fail with 410 ERR_DELTA_DATA_FILE_MISSING.
 * - OPTIMIZE never changes a result (every version read before and after) and reduces the file
 *   count; Z-ORDER BY (a, b) makes a selective query on a and b overlap fewer files by min/max stats.
 * - The write-log rule of RESTORE on a keyed table: acknowledged, un-drained writes are drained
 *   before the restore and rolled back visibly — never lost silently nor resurrected later.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot, type Snapshot } from '@k3/core/delta';
import { LocalObjectStore } from '@k3/core/object-store';
import { createResponseValidator, type ResponseValidator } from '../support/openapi-validator.ts';
import { k3fetch, startServer, type ExecuteBody, type StartedServer } from '../support/server.ts';

const BUCKET = 'maintenance';
let server: StartedServer;
let conforms: ResponseValidator;

beforeAll(async () => {
  server = await startServer({ K3_COMPACTOR_INTERVAL: '1h' });
  conforms = await createResponseValidator(server.url);
});
afterAll(async () => {
  await server?.stop();
});

/**
 * POST _execute as is: keyed writes must stay in the write log until this test drains them (the
 * shared helper may drain after each logged write).
 */
async function execute(url: string, bucket: string, sql: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: ExecuteBody }> {
  const res = await k3fetch(`${url}/${bucket}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, ...extra }) });
  return { status: res.status, body: (await res.json()) as ExecuteBody };
}

async function k3(sql: string, freshness?: string): Promise<ExecuteBody> {
  const res = await execute(server.url, BUCKET, sql, freshness === undefined ? {} : { freshness });
  expect(res.status, `${sql}\n→ ${JSON.stringify(res.body)}`).toBe(200);
  expect(conforms('ExecuteResponse', res.body)).toBeUndefined();
  return res.body;
}

async function post(route: string, body: unknown, component?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await k3fetch(`${server.url}/${BUCKET}/tables/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const parsed = (await res.json()) as Record<string, unknown>;
  if (component !== undefined && res.status === 200) expect(conforms(component, parsed)).toBeUndefined();
  if (res.status !== 200) expect(conforms('ErrorBody', parsed)).toBeUndefined();
  return { status: res.status, body: parsed };
}

const snapshotOf = (table: string): Promise<Snapshot> => loadSnapshot(new LocalObjectStore(path.join(server.dataDir, BUCKET)), `tables/${table}/`);

/** Reads every version 0..latest of `table` with AS OF VERSION. */
async function everyVersion(table: string, latest: number): Promise<unknown[][][]> {
  const out: unknown[][][] = [];
  for (let v = 0; v <= latest; v++) out.push((await k3(`SELECT * FROM ${table} AS OF VERSION ${v} ORDER BY ALL`)).query!.rows);
  return out;
}

describe('VACUUM', () => {
  const rowsAt = new Map<number, unknown[][]>();

  it('dry run lists exactly what the real run deletes; vacuumed versions fail clearly', async () => {
    await k3('CREATE TABLE vt (id INTEGER, v VARCHAR)');
    for (const sql of ["INSERT INTO vt VALUES (1, 'a'), (2, 'b')", "INSERT INTO vt VALUES (3, 'c')", "INSERT INTO vt VALUES (4, 'd')", 'DELETE FROM vt WHERE id = 1']) {
      const v = Number((await k3(sql)).write!.version);
      rowsAt.set(v, (await k3('SELECT * FROM vt ORDER BY id')).query!.rows);
    }
    const opt = await post('vt/optimize', {}, 'OptimizeResponse');
    const latest = Number(opt.body.version);
    rowsAt.set(latest, (await k3('SELECT * FROM vt ORDER BY id')).query!.rows);

    expect(await post('vt/vacuum', { retentionHours: '0' })).toMatchObject({ status: 400, body: { code: 'ERR_VACUUM_RETENTION_TOO_SHORT' } });
    const safe = await post('vt/vacuum', { dryRun: true }, 'VacuumResponse');
    expect(safe.body).toMatchObject({ filesDeleted: '0', dryRun: true, version: String(latest) });

    const dry = await post('vt/vacuum', { bucket: BUCKET, tableName: 'vt', retentionHours: 0, dryRun: true, disableRetentionCheck: true }, 'VacuumResponse');
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    const listed = (dry.body.filesDeletedPaths as string[]).slice().sort();
    expect(listed.length).toBeGreaterThan(0);
    expect(dry.body.filesDeleted).toBe(String(listed.length));
    expect(dry.body.version).toBe(String(latest)); // nothing committed
    for (const p of listed) expect(existsSync(fileURLToPath(p)), p).toBe(true);
    // Exactly the files no longer in the current snapshot.
    const current = new Set((await snapshotOf('vt')).files.map((f) => f.key));
    for (const p of listed) expect(current.has(path.relative(path.join(server.dataDir, BUCKET), fileURLToPath(p)))).toBe(false);

    const real = await post('vt/vacuum', { retention_hours: '0', disable_retention_check: true }, 'VacuumResponse');
    expect(real.status, JSON.stringify(real.body)).toBe(200);
    expect((real.body.filesDeletedPaths as string[]).slice().sort()).toEqual(listed);
    expect(real.body.dryRun).toBe(false);
    expect(Number(real.body.version)).toBe(latest + 2); // VACUUM START, VACUUM END
    for (const p of listed) expect(existsSync(fileURLToPath(p)), p).toBe(false);

    expect(await post('vt/vacuum', { dryRun: true, dry_run: true })).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST' } });
    expect(await post('vt/vacuum', { tableName: 'other' })).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST' } });
    const again = await post('vt/vacuum', { retentionHours: 0, dryRun: true, disableRetentionCheck: true }, 'VacuumResponse');
    expect(again.body.filesDeleted).toBe('0');

    expect((await k3('SELECT * FROM vt ORDER BY id')).query!.rows).toEqual(rowsAt.get(latest));
    expect((await k3(`SELECT * FROM vt AS OF VERSION ${latest} ORDER BY id`)).query!.rows).toEqual(rowsAt.get(latest));
    const first = Math.min(...rowsAt.keys());
    const gone = await execute(server.url, BUCKET, `SELECT * FROM vt AS OF VERSION ${first}`);
    expect(gone.status).toBe(410);
    expect(gone.body.code).toBe('ERR_DELTA_DATA_FILE_MISSING');
    expect(await post('vt/restore', { version: String(first) })).toMatchObject({ status: 410, body: { code: 'ERR_DELTA_DATA_FILE_MISSING' } });

    const hist = await k3fetch(`${server.url}/${BUCKET}/tables/vt/history?limit=2`);
    const page = (await hist.json()) as { entries: Array<{ operation: string; operationMetrics: Record<string, string> }> };
    expect(page.entries.map((e) => e.operation)).toEqual(['VACUUM END', 'VACUUM START']);
    expect(page.entries[1]!.operationMetrics.numFilesToDelete).toBe(String(listed.length));
  });
});

describe('OPTIMIZE', () => {
  /** Files whose min/max stats admit `a BETWEEN 1000 AND 1500 AND b BETWEEN 6000 AND 6500`. */
  const overlapping = (s: Snapshot): number => s.files.filter((f) => {
    const min = f.stats?.minValues ?? {};
    const max = f.stats?.maxValues ?? {};
    return Number(min.a) <= 1500 && Number(max.a) >= 1000 && Number(min.b) <= 6500 && Number(max.b) >= 6000;
  }).length;
  const SELECTIVE = 'SELECT count(*), sum(a), sum(b) FROM zt WHERE a BETWEEN 1000 AND 1500 AND b BETWEEN 6000 AND 6500';

  it('never changes results, reduces the file count, and Z-order makes a selective query overlap fewer files', async () => {
    await k3('CREATE TABLE zt (a INTEGER, b INTEGER, p VARCHAR)');
    let latest = 0;
    for (let k = 0; k < 12; k++) {
      const w = await k3(`INSERT INTO zt SELECT (hash(i, ${k}) % 10000)::INTEGER, (hash(i, ${k}, 'b') % 10000)::INTEGER, 'r' || i FROM range(2000) t(i)`);
      latest = Number(w.write!.version);
    }
    const before = await everyVersion('zt', latest);
    const selective = (await k3(SELECTIVE)).query!.rows;
    const s0 = await snapshotOf('zt');
    expect(s0.files.length).toBe(12);
    const overlapBefore = overlapping(s0);

    const z = await post('zt/optimize', { zOrderColumns: ['a', 'b'], targetFileSizeMb: '0.02' }, 'OptimizeResponse');
    expect(z.status, JSON.stringify(z.body)).toBe(200);
    expect(z.body.optimizeType).toBe('zorder');
    expect(z.body.filesRemoved).toBe('12');
    const s1 = await snapshotOf('zt');
    const overlapAfter = overlapping(s1);
    // Before: every file spans the whole key range. After: the curve confines the box to few files.
    expect(overlapBefore).toBe(12);
    expect(overlapAfter * 2).toBeLessThanOrEqual(overlapBefore);
    expect(overlapAfter / s1.files.length).toBeLessThan(overlapBefore / s0.files.length);
    expect((await k3(SELECTIVE)).query!.rows).toEqual(selective);
    expect(await everyVersion('zt', latest)).toEqual(before);
    expect((await k3('SELECT * FROM zt ORDER BY ALL')).query!.rows).toEqual(before[latest]);

    // Bin-pack the Z-ordered small files back into one: fewer files, same results at every version.
    const packed = await post('zt/optimize', { target_file_size_mb: 128 }, 'OptimizeResponse');
    expect(packed.body.optimizeType).toBe('compact');
    expect((await snapshotOf('zt')).files.length).toBeLessThan(s1.files.length);
    const all = await everyVersion('zt', Number(packed.body.version));
    expect(all.slice(0, latest + 1)).toEqual(before);
    expect(all[all.length - 1]).toEqual(before[latest]);
    expect(all[all.length - 2]).toEqual(before[latest]);

    // SQL form, a no-op now: nothing committed.
    const noop = (await k3('OPTIMIZE zt')).query!;
    expect(noop.columns.map((c) => c.name)).toEqual(['version', 'optimize_type', 'files_added', 'files_removed', 'partitions_optimized', 'total_considered_files', 'total_files_skipped', 'num_batches', 'bytes_added', 'bytes_removed']);
    expect(noop.rows[0]![0]).toBe(packed.body.version);
    expect(noop.rows[0]![4]).toBe('0');

    expect(await post('zt/optimize', { zOrderColumns: ['nope'] })).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST' } });
    expect(await post('zt/optimize', { targetFileSizeMb: -1 })).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST' } });
    expect(await post('zt/optimize', { unknownField: 1 })).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST' } });
  });
});

describe('RESTORE and the write log', () => {
  it('drains acknowledged keyed writes first: rolled back visibly, never resurrected; later writes kept', async () => {
    await k3('CREATE TABLE acct (id INTEGER PRIMARY KEY, bal INTEGER)');
    await k3('INSERT INTO acct VALUES (1, 10)');
    const drained = await post('acct/_compact', {});
    expect(drained.status, JSON.stringify(drained.body)).toBe(200);
    const target = Number(drained.body.lastDrainTargetVersion);
    await k3('INSERT INTO acct VALUES (2, 20)');
    await k3('UPDATE acct SET bal = 11 WHERE id = 1');
    expect((await k3('SELECT * FROM acct ORDER BY id', 'FRESHNESS_STRONG')).query!.rows).toEqual([[1, 11], [2, 20]]);
    expect((await k3('SELECT * FROM acct ORDER BY id')).query!.rows).toEqual([[1, 10]]);

    const restored = await post('acct/restore', { version: String(target) }, 'RestoreResponse');
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    // The two acknowledged writes were drained (one MERGE commit) before the RESTORE commit.
    expect(restored.body).toEqual({ versionBefore: String(target + 1), versionAfter: String(target + 2) });
    const hist = (await (await k3fetch(`${server.url}/${BUCKET}/tables/acct/history?limit=2`)).json()) as { entries: Array<{ operation: string }> };
    expect(hist.entries.map((e) => e.operation)).toEqual(['RESTORE', 'MERGE']);

    for (const freshness of ['FRESHNESS_STRONG', 'FRESHNESS_EVENTUAL']) {
      expect((await k3('SELECT * FROM acct ORDER BY id', freshness)).query!.rows).toEqual([[1, 10]]);
    }
    const after = await post('acct/_compact', {});
    expect(after.body.walEntriesProcessed).toBe('0');
    expect((await k3('SELECT * FROM acct ORDER BY id', 'FRESHNESS_STRONG')).query!.rows).toEqual([[1, 10]]);
    // The rolled-back state is still in the history: time travel sees it.
    expect((await k3(`SELECT * FROM acct AS OF VERSION ${target + 1} ORDER BY id`)).query!.rows).toEqual([[1, 11], [2, 20]]);

    await k3('INSERT INTO acct VALUES (3, 30)');
    // Time travel reads Delta only, also on a STRONG read: the write log is not overlaid on the past.
    expect((await k3(`SELECT * FROM acct AS OF VERSION ${target} ORDER BY id`, 'FRESHNESS_STRONG')).query!.rows).toEqual([[1, 10]]);
    expect((await k3('SELECT * FROM acct ORDER BY id', 'FRESHNESS_STRONG')).query!.rows).toEqual([[1, 10], [3, 30]]);
    await post('acct/_compact', {});
    expect((await k3('SELECT * FROM acct ORDER BY id')).query!.rows).toEqual([[1, 10], [3, 30]]);
  });
});
