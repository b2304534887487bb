/**
 * advanceSnapshot (the snapshot cache's incremental path) against loadSnapshot: over every
 * conformance table, every version that loads is advanced by each following commit run (up to 4
 * commits) that no newer checkpoint interrupts, and must equal the full load of the target — files in
 * order with their parsed stats and partition values, tombstones, txns, protocol, metadata, schema,
 * timestamp, numRecords.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { advanceSnapshot, listLogFiles, loadBasedSnapshot, loadSnapshot } from '../../../src/delta/index.ts';
import { LocalObjectStore } from '../../../src/object-store/index.ts';
import { add, commitInfo, memoryStore, METADATA, PROTOCOL, remove, writeLog } from './memory-table.ts';
import { TABLES_DIR } from './tables.ts';

async function tablesWithLogs(): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(TABLES_DIR)).sort()) {
    const log = await stat(path.join(TABLES_DIR, name, '_delta_log')).catch(() => undefined);
    if (log?.isDirectory()) out.push(name);
  }
  return out;
}

describe('advanceSnapshot', () => {
  it('equals loadSnapshot at the target on every conformance table, version and commit run without a newer checkpoint', async () => {
    const store = new LocalObjectStore(TABLES_DIR);
    let compared = 0;
    const tablesCompared = new Set<string>();
    for (const table of await tablesWithLogs()) {
      const root = `${table}/`;
      const files = await listLogFiles(store, root);
      const commits = new Map(files.filter((f) => f.kind === 'commit').map((f) => [f.version, f]));
      const checkpoints = files.filter((f) => f.kind !== 'commit').map((f) => f.version);
      for (const version of [...commits.keys()].sort((a, b) => a - b)) {
        const base = await loadBasedSnapshot(store, root, { version }).catch(() => undefined);
        if (base === undefined) continue; // versions the reader refuses (the golden tables include broken logs)
        for (let to = version + 1; to <= version + 4 && commits.has(to); to++) {
          if (checkpoints.some((c) => c > base.checkpointVersion && c <= to)) break;
          const expected = await loadSnapshot(store, root, { version: to }).catch(() => undefined);
          const run = Array.from({ length: to - version }, (_, i) => commits.get(version + 1 + i)!);
          if (expected === undefined) {
            await expect(advanceSnapshot(store, base.snapshot, run)).rejects.toThrow();
            break;
          }
          expect(await advanceSnapshot(store, base.snapshot, run), `${table} ${version} → ${to}`).toEqual(expected);
          compared++;
          tablesCompared.add(table);
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
    expect(tablesCompared.size).toBeGreaterThan(15);
  });

  it('re-adds, removes, txns and a metadata change fold as a full load does; unchanged files keep their parsed entry', async () => {
    const store = memoryStore();
    const root = 't/';
    await writeLog(store, root, [
      [commitInfo(), PROTOCOL, METADATA(), add('a', { stats: '{"numRecords":3}' }), add('b', { stats: '{"numRecords":4}' })],
      [commitInfo(), remove('a'), add('c', { stats: '{"numRecords":5}' }), { txn: { appId: 'app', version: 7 } }],
      [commitInfo(), add('a', { stats: '{"numRecords":6}' }), remove('c'), { txn: { appId: 'app', version: 8 } }],
      [commitInfo({ timestamp: 5000 }), METADATA([], [['id', 'long'], ['x', 'string']])],
    ]);
    const v0 = await loadSnapshot(store, root, { version: 0 });
    const logs = (await listLogFiles(store, root)).filter((f) => f.kind === 'commit');
    const v2 = await advanceSnapshot(store, v0, logs.slice(1, 3));
    expect(v2).toEqual(await loadSnapshot(store, root, { version: 2 }));
    expect(v2.files.find((f) => f.add.path === 'b')).toBe(v0.files.find((f) => f.add.path === 'b'));
    expect(v2.txns.get('app')?.version).toBe(8);
    expect(v2.numRecords).toBe(10);
    const v3 = await advanceSnapshot(store, v2, logs.slice(3, 4));
    expect(v3).toEqual(await loadSnapshot(store, root));
    expect(v3.schema.fields.map((f) => f.name)).toEqual(['id', 'x']);
    expect(v3.timestamp).toBe(5000);
    await expect(advanceSnapshot(store, v0, logs.slice(2, 3))).rejects.toThrow(/does not follow/);
  });
});
