/**
 * Property: for any sequence of keyed writes (upserts, tombstones, key reuse across partitions)
 * interleaved with drains of any batch size, the STRONG view always equals the serial replay of the
 * acknowledged writes, and once fully drained so does the EVENTUAL view (no key twice).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTable } from '../../src/compaction/drain.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from '../wal/support/wal-env.ts';
import { KeyedHistory, idsOf } from './support/keyed-history.ts';

const key = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.constantFrom('eu', 'us'));
const op = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), upserts: fc.uniqueArray(key, { maxLength: 3, selector: ([i, r]) => `${i}/${r}` }), deletes: fc.uniqueArray(key, { maxLength: 2, selector: ([i, r]) => `${i}/${r}` }) }),
  fc.record({ kind: fc.constant('drain' as const), batchSize: fc.integer({ min: 1, max: 4 }) }),
);

describe('drain property', () => {
  let env: WalEnv;
  beforeAll(async () => {
    env = await createWalEnv();
  });
  afterAll(async () => env.close());

  // Second variant: key-range files (K3_KEYED_FILE_ROWS) of two rows each, so drains cut, keep and rewrite many small files.
  // Third: every batch folded in DuckDB (drain-fold.ts; by default only batches of >= 4,096 rows are).
  const variants = [
    { name: '', deps: {}, drain: {} },
    { name: ' (key-range files of 2 rows)', deps: { keyedRowGroupSize: 2048, keyedFileRows: 2 }, drain: {} },
    { name: ' (folded in DuckDB)', deps: {}, drain: { duckdbFoldMinRows: 1 } },
  ];
  for (const variant of variants) it(`STRONG = replay at every step; EVENTUAL = replay once drained${variant.name}`, async () => {
    const deps = { ...env.deps, ...variant.deps };
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
      const root = `prop-${variants.indexOf(variant)}-${run++}/`;
      await createKeyedTable(env, root, { partitionBy: ['region'] });
      const writer = new WalWriter(env.store);
      const history = new KeyedHistory();
      let version = 0;
      for (const o of ops) {
        if (o.kind === 'drain') {
          await drainTable(env.store, root, { batchSize: o.batchSize, ...variant.drain }, deps);
        } else {
          const upserts = o.upserts.map(([i, r]): [number, string, number] => [i, r, ++version]);
          if (upserts.length === 0 && o.deletes.length === 0) continue;
          const up = upserts.length === 0 ? undefined : upserts.map(([i, r, n]) => wideRow(i, r, n)).join(' UNION ALL ');
          const del = o.deletes.length === 0 ? undefined : o.deletes.map(([i, r]) => `SELECT ${i} AS id, '${r}' AS region`).join(' UNION ALL ');
          await keyedWrite(env, writer, root, up, del);
          history.apply({ upserts, deletes: o.deletes });
        }
        expect(idsOf(await readRows(env, root, 'strong'))).toEqual(history.expected());
      }
      for (let r = await drainTable(env.store, root, { batchSize: 3, ...variant.drain }, deps); r.truncated;) r = await drainTable(env.store, root, { batchSize: 3, ...variant.drain }, deps);
      expect(idsOf(await readRows(env, root, 'eventual'))).toEqual(history.expected());
    }), { numRuns: 15, seed: 20261122 });
  }, 180_000);
});
