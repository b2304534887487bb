import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddFile } from '../../../src/delta/actions.ts';
import { encodeCheckpoint, parseDeltaInterval, writeCheckpoint } from '../../../src/delta/checkpoint-writer.ts';
import type { StructType } from '../../../src/delta/schema.ts';
import { loadSnapshot, type Snapshot } from '../../../src/delta/snapshot.ts';
import { createTableMetadata } from '../../../src/delta/table-metadata.ts';
import { Transaction } from '../../../src/delta/transaction.ts';
import { MemoryObjectStore } from '../../../src/object-store/index.ts';
import { checkpointKey } from '../../../src/object-store/paths.ts';

const schema: StructType = { type: 'struct', fields: [{ name: 'p', type: 'string', nullable: true, metadata: {} }, { name: 'd', type: 'date', nullable: true, metadata: {} }, { name: 'v', type: 'long', nullable: true, metadata: {} }] };
const opts = { maxRetries: 3, checkpointInterval: 1000 };
const add = (i: number, p: string | null, d: string | null): AddFile => ({
  path: `p=${encodeURIComponent(p ?? '__HIVE_DEFAULT_PARTITION__')}/part-${i}.parquet`, partitionValues: { p, d }, size: 100 + i, modificationTime: 1_700_000_000_000 + i, dataChange: true,
  stats: `{"numRecords":${i},"minValues":{"v":-9007199254740993},"maxValues":{"v":9223372036854775807},"nullCount":{"v":0}}`, tags: i === 1 ? { k: 'v' } : null,
});

/** A table with live files, tombstones (one expired), txns and a changed configuration. */
async function buildTable(store: MemoryObjectStore, now: number): Promise<Snapshot> {
  const metadata = createTableMetadata({ schema, partitionColumns: ['p', 'd'], configuration: { 'delta.deletedFileRetentionDuration': 'interval 1 hour' }, name: 'events', description: 'd' });
  await Transaction.forCreate(store, 't/', { metadata }, { ...opts, clock: () => now - 10 * 3600_000 }).commit({ operation: 'CREATE TABLE' });
  const s0 = await loadSnapshot(store, 't/');
  await Transaction.forSnapshot(store, s0, { ...opts, clock: () => now - 9 * 3600_000 }).addFiles([add(1, 'a/b', '2024-01-01'), add(2, null, null), add(3, 'é x', '2024-01-02'), add(4, '50%', null)]).setTxn('app-1', 7).commit({ operation: 'WRITE' });
  const s1 = await loadSnapshot(store, 't/');
  await Transaction.forSnapshot(store, s1, { ...opts, clock: () => now - 5 * 3600_000 }).removeFiles(s1.files.filter((f) => f.add.size === 102)).commit({ operation: 'DELETE' }); // expired tombstone
  const s2 = await loadSnapshot(store, 't/');
  await Transaction.forSnapshot(store, s2, { ...opts, clock: () => now - 60_000 }).removeFiles(s2.files.filter((f) => f.add.size === 104), { dataChange: false }).setTxn('app-2', 1).commit({ operation: 'OPTIMIZE' });
  return loadSnapshot(store, 't/');
}

const comparable = (s: Snapshot) => ({
  version: s.version, protocol: s.protocol, metadata: s.metadata, schema: s.schema, partitionColumns: s.partitionColumns, numRecords: s.numRecords,
  files: [...s.files].sort((a, b) => a.key.localeCompare(b.key)).map((f) => ({ ...f, add: { ...f.add, tags: f.add.tags ?? null } })),
  txns: [...s.txns.entries()].sort(),
});

describe('checkpoint writer', () => {
  it('parses Delta interval text', () => {
    expect(parseDeltaInterval('interval 1 week')).toBe(604_800_000);
    expect(parseDeltaInterval('interval 168 hours')).toBe(604_800_000);
    expect(parseDeltaInterval('soon')).toBeUndefined();
  });

  it('round-trips the snapshot through the reader and drops expired tombstones', async () => {
    const now = 1_800_000_000_000;
    const store = new MemoryObjectStore();
    const before = await buildTable(store, now);
    expect(before.tombstones).toHaveLength(2);
    const info = await writeCheckpoint(store, before, now);
    expect(info).toMatchObject({ version: 3, numOfAddFiles: 2, size: 2 + 2 + 2 + 1 });
    // Make the reader use the checkpoint alone.
    await store.deleteMany([0, 1, 2].map((v) => `t/_delta_log/${String(v).padStart(20, '0')}.json`));
    const after = await loadSnapshot(store, 't/');
    expect(comparable(after)).toEqual(comparable(before));
    expect(after.tombstones.map((t) => t.path)).toEqual(['p=50%25/part-4.parquet']);
    expect(after.tombstones[0]).toMatchObject({ dataChange: false, extendedFileMetadata: true, partitionValues: { p: '50%', d: null }, size: 104 });
  });

  it('has the protocol checkpoint schema when read by DuckDB', async () => {
    const store = new MemoryObjectStore();
    const snap = await buildTable(store, Date.now());
    await writeCheckpoint(store, snap);
    const dir = await mkdtemp(join(tmpdir(), 'k3-cp-'));
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const file = join(dir, 'cp.parquet');
      await writeFile(file, (await store.get(checkpointKey('t/', snap.version)))!);
      const desc = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
      const types = Object.fromEntries(desc.map((r) => [r.column_name, String(r.column_type).replaceAll('"', '')]));
      expect(types.add).toBe('STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, tags MAP(VARCHAR, VARCHAR), stats VARCHAR)');
      expect(types.protocol).toBe('STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])');
      expect(types.metaData).toBe('STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT)');
      expect(types.txn).toBe('STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)');
      expect(types.remove).toBe('STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT)');
      const rows = (await conn.runAndReadAll(`SELECT add.path, add.partitionValues['p'], add.partitionValues['d'], json_extract(add.stats, '$.numRecords')::INT FROM read_parquet('${file}') WHERE add IS NOT NULL ORDER BY add.path`)).getRows();
      expect(rows).toEqual([['p=%C3%A9%20x/part-3.parquet', 'é x', '2024-01-02', 3], ['p=a%2Fb/part-1.parquet', 'a/b', '2024-01-01', 1]]);
      const counts = (await conn.runAndReadAll(`SELECT count(protocol), count(metaData), count(txn), count(add), count(remove), count(*) FROM read_parquet('${file}')`)).getRows();
      expect(counts).toEqual([[1n, 1n, 2n, 2n, 1n, 7n]]);
    } finally {
      conn.closeSync();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('encodes feature lists as null below reader 3 / writer 7', async () => {
    const store = new MemoryObjectStore();
    const snap = await buildTable(store, Date.now());
    const { size } = encodeCheckpoint(snap, Date.now());
    expect(size).toBeGreaterThan(0);
    const after = await (async () => {
      await writeCheckpoint(store, snap);
      await store.deleteMany([0, 1, 2].map((v) => `t/_delta_log/${String(v).padStart(20, '0')}.json`));
      return loadSnapshot(store, 't/');
    })();
    expect(after.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
  });
});
