/**
 * Concurrency: many writers appending to one table at once. Every version has exactly one winner,
 * no append is lost or duplicated, every commit file is valid, conflict-free blind appends are
 * retried transparently — on a local directory (in-process and across processes) and on a real S3
 * API over HTTP (honest conditional writes). Plus a conflicting pair of deletes.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddFile } from '../../../src/delta/actions.ts';
import { parseCommitActions } from '../../../src/delta/commit.ts';
import type { StructType } from '../../../src/delta/schema.ts';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { createTableMetadata } from '../../../src/delta/table-metadata.ts';
import { Transaction, type CommitResult } from '../../../src/delta/transaction.ts';
import { validateCommit } from '../../../src/delta/validator.ts';
import { writeDataFiles } from '../../../src/exec/data-file-writer.ts';
import type { ObjectStore } from '../../../src/object-store/index.ts';
import { LocalObjectStore } from '../../../src/object-store/local-object-store.ts';
import { commitKey } from '../../../src/object-store/paths.ts';
import { S3ObjectStore } from '../../../src/object-store/s3-object-store.ts';
import { startS3Server, type S3TestServer } from '../../support/s3-server.ts';

const schema: StructType = { type: 'struct', fields: [{ name: 'writer', type: 'integer', nullable: false, metadata: {} }, { name: 'seq', type: 'long', nullable: false, metadata: {} }] };
const ROOT = 'tables/t/';
const N = 8;
const K = 4;
const rowsOf = (w: number, k: number): number => 1 + w * 10 + k;

let db: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;
let s3: S3TestServer;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  dir = await mkdtemp(join(tmpdir(), 'k3-concurrency-'));
  s3 = await startS3Server({ conditionalWrites: 'honest' });
});
afterAll(async () => {
  conn.closeSync();
  db.closeSync();
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
});

async function createTable(store: ObjectStore): Promise<void> {
  await Transaction.forCreate(store, ROOT, { metadata: createTableMetadata({ schema }) }, { maxRetries: 0, checkpointInterval: 10 }).commit({ operation: 'CREATE TABLE' });
}

/** Real data files, uploaded before any commit (as the writer requires): files[w][k]. */
async function prepareFiles(store: ObjectStore, writers: number): Promise<AddFile[][]> {
  const files: AddFile[][] = [];
  for (let w = 0; w < writers; w++) {
    files.push([]);
    for (let k = 0; k < K; k++) {
      const adds = await writeDataFiles(conn, { sql: `SELECT ${w} AS writer, range AS seq FROM range(${rowsOf(w, k)})` }, { store, root: ROOT, schema, partitionColumns: [], tmpDir: join(dir, 'tmp') });
      expect(adds).toHaveLength(1);
      files[w]!.push(adds[0]!);
    }
  }
  return files;
}

/** The invariants after all writers finished: one winner per version, nothing lost, valid log. */
async function verifyLog(store: ObjectStore, files: AddFile[][], results: CommitResult[]): Promise<void> {
  const total = files.flat().length;
  const latest = await loadSnapshot(store, ROOT);
  expect(latest.version).toBe(total);
  expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  const committedPaths: string[] = [];
  for (let v = 1; v <= total; v++) {
    const body = (await store.get(commitKey(ROOT, v)))!;
    expect(validateCommit(body, v, { partitionColumns: [] })).toEqual([]);
    const actions = parseCommitActions(body, v);
    const info = actions.find((a) => 'commitInfo' in a);
    expect(info && 'commitInfo' in info ? info.commitInfo : undefined).toMatchObject({ isBlindAppend: true, readVersion: expect.any(Number) });
    for (const a of actions) if ('add' in a) committedPaths.push(a.add.path);
  }
  expect(committedPaths.sort()).toEqual(files.flat().map((a) => a.path).sort());
  const expectedRows = files.flatMap((ws, w) => ws.map((_, k) => rowsOf(w, k))).reduce((a, b) => a + b, 0);
  expect(latest.numRecords).toBe(expectedRows);
  expect(latest.files).toHaveLength(total);
  // Commit timestamps are strictly increasing with the version.
  const stamps = [];
  for (let v = 1; v <= total; v++) {
    const info = parseCommitActions((await store.get(commitKey(ROOT, v)))!, v)[0];
    stamps.push(info && 'commitInfo' in info ? info.commitInfo.inCommitTimestamp : undefined);
  }
  for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).toBeGreaterThan(stamps[i - 1]!);
}

/** N writers in this process, each committing K appends; all first attempts start from version 0. */
async function racingWriters(store: ObjectStore, files: AddFile[][]): Promise<CommitResult[]> {
  let loaded = 0;
  let release!: () => void;
  const barrier = new Promise<void>((resolve) => (release = resolve));
  const perWriter = await Promise.all(files.map(async (adds) => {
    const out: CommitResult[] = [];
    for (const [k, add] of adds.entries()) {
      const snapshot = await loadSnapshot(store, ROOT);
      if (k === 0) {
        if (++loaded === files.length) release();
        await barrier;
      }
      out.push(await Transaction.forSnapshot(store, snapshot, { maxRetries: 1000, checkpointInterval: 10 }).addFiles([add]).commit({ operation: 'WRITE', operationParameters: { mode: 'Append' } }));
    }
    return out;
  }));
  return perWriter.flat();
}

async function duckCount(storeDir: string): Promise<number> {
  const snap = await loadSnapshot(new LocalObjectStore(storeDir), ROOT);
  const list = snap.files.map((f) => `'${join(storeDir, f.key)}'`).join(', ');
  return Number((await conn.runAndReadAll(`SELECT count(*) FROM read_parquet([${list}])`)).getRows()[0]?.[0]);
}

describe('concurrent blind appends', () => {
  it(`${N} writers × ${K} appends on a local directory: one winner per version, nothing lost`, async () => {
    const storeDir = join(dir, 'local');
    const store = new LocalObjectStore(storeDir);
    await createTable(store);
    const files = await prepareFiles(store, N);
    const results = await racingWriters(store, files);
    await verifyLog(store, files, results);
    // The barrier made all first attempts race for version 1: losers were retried transparently.
    expect(results.filter((r) => r.attempts > 1).length).toBeGreaterThanOrEqual(N - 1);
    expect(await duckCount(storeDir)).toBe((await loadSnapshot(store, ROOT)).numRecords);
  }, 180_000);

  it(`${N} writers × ${K} appends over HTTP against an S3 API with conditional writes`, async () => {
    await s3.createBucket('concurrency');
    const store = new S3ObjectStore({ bucket: 'concurrency', client: s3.client });
    await createTable(store);
    const files = await prepareFiles(store, N);
    const results = await racingWriters(store, files);
    await verifyLog(store, files, results);
    expect(results.filter((r) => r.attempts > 1).length).toBeGreaterThanOrEqual(N - 1);
  }, 180_000);

  it('4 worker processes × 4 appends on one local directory', async () => {
    const storeDir = join(dir, 'procs');
    const store = new LocalObjectStore(storeDir);
    await createTable(store);
    const files = await prepareFiles(store, 4);
    const worker = join(import.meta.dirname, 'support', 'append-worker.ts');
    const outputs = await Promise.all(files.map(async (adds, w) => {
      const addsFile = join(dir, `adds-${w}.json`);
      await writeFile(addsFile, JSON.stringify(adds));
      return new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [worker, storeDir, ROOT, addsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`worker ${w} exited with ${code}: ${err}`))));
      });
    }));
    const results = outputs.flatMap((o) => o.trim().split('\n').map((l) => JSON.parse(l) as CommitResult & { pid: number }));
    expect(new Set(results.map((r) => r.pid)).size).toBe(4);
    await verifyLog(store, files, results);
    expect(await duckCount(storeDir)).toBe((await loadSnapshot(store, ROOT)).numRecords);
  }, 180_000);
});

describe('conflicting transactions', () => {
  it('two concurrent deletes of the same file: exactly one wins, the other gets ERR_DELTA_CONCURRENT_DELETE_DELETE', async () => {
    for (const store of [new LocalObjectStore(join(dir, 'pair')), new S3ObjectStore({ bucket: 'pair', client: s3.client })]) {
      if (store instanceof S3ObjectStore) await s3.createBucket('pair');
      await createTable(store);
      const [adds] = await prepareFiles(store, 1);
      await Transaction.forSnapshot(store, await loadSnapshot(store, ROOT), { maxRetries: 3, checkpointInterval: 10 }).addFiles(adds!).commit({ operation: 'WRITE' });
      const snap = await loadSnapshot(store, ROOT);
      const victim = snap.files.slice(0, 1);
      const settled = await Promise.allSettled([0, 1].map(() =>
        Transaction.forSnapshot(store, snap, { maxRetries: 3, checkpointInterval: 10 }).readFiles(victim).removeFiles(victim).commit({ operation: 'DELETE', operationParameters: { predicate: ['seq < 100'] } })));
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      const rejected = settled.filter((s) => s.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_DELTA_CONCURRENT_DELETE_DELETE', message: expect.stringContaining('retry') });
      const after = await loadSnapshot(store, ROOT);
      expect(after.version).toBe(2);
      expect(after.files).toHaveLength(K - 1);
    }
  });
});
