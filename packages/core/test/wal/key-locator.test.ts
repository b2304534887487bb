/**
 * KeyLocator (key → file by Delta min/max stats): it may keep too many files, never too few.
 * Checked against a brute-force filter over random interval layouts, plus the edge cases the
 * fast path relies on (cut string max stats, UTF-8 order, missing stats, composite keys).
 */
import { describe, expect, it } from 'vitest';
import type { ActiveFile, Snapshot } from '../../src/delta/snapshot.ts';
import { seededRandom } from '../../src/retry/index.ts';
import { KeyLocator } from '../../src/wal/key-locator.ts';

type Stats = Record<string, unknown>;

function file(key: string, min: Stats | undefined, max: Stats | undefined): ActiveFile {
  return { key, add: { path: key, size: 1, partitionValues: {} }, stats: min === undefined ? undefined : { numRecords: 1, minValues: min, maxValues: max ?? {}, nullCount: {} }, partitionValues: {} } as unknown as ActiveFile;
}

function snapshot(files: ActiveFile[], fields: [string, string][], version = 1, partitionColumns: string[] = []): Snapshot {
  return {
    version, files, partitionColumns,
    metadata: { id: 'table-id' },
    schema: { type: 'struct', fields: fields.map(([name, type]) => ({ name, type, nullable: true, metadata: {} })) },
  } as unknown as Snapshot;
}

const keys = (fs: ActiveFile[]): string[] => fs.map((f) => f.key).sort();

describe('KeyLocator', () => {
  it('integer keys: exactly the files whose [min, max] holds the key, over random overlapping layouts', () => {
    const random = seededRandom(7);
    for (let layout = 0; layout < 30; layout++) {
      const files: ActiveFile[] = [];
      for (let i = 0; i < 40; i++) {
        const lo = Math.floor(random() * 1000) - 500;
        const hi = lo + Math.floor(random() * 100);
        // Some stats as JSON numbers, some as exact decimal text, some missing.
        files.push(i % 9 === 0 ? file(`f${i}`, undefined, undefined) : file(`f${i}`, { id: i % 2 === 0 ? lo : String(lo) }, { id: i % 2 === 0 ? hi : String(hi) }));
      }
      const snap = snapshot(files, [['id', 'long']], layout);
      const locator = new KeyLocator();
      for (let probe = -600; probe <= 700; probe += 7) {
        const want = files.filter((f) => f.stats === undefined || (BigInt(f.stats.minValues['id'] as string | number) <= BigInt(probe) && BigInt(f.stats.maxValues['id'] as string | number) >= BigInt(probe)));
        expect(keys(locator.locate(snap, ['id'], [String(probe)])), `layout ${layout} key ${probe}`).toEqual(keys(want));
      }
    }
  });

  it('BIGINT bounds beyond 2^53 compare exactly (text stats); unsafe JSON numbers do not prune', () => {
    const files = [file('a', { id: '9007199254740993' }, { id: '9007199254740995' }), file('b', { id: 9007199254740996 }, { id: 9007199254740996 })];
    const locator = new KeyLocator();
    const snap = snapshot(files, [['id', 'long']]);
    expect(keys(locator.locate(snap, ['id'], ['9007199254740992']))).toEqual(['b']);
    expect(keys(locator.locate(snap, ['id'], ['9007199254740994']))).toEqual(['a', 'b']);
  });

  it('VARCHAR keys: UTF-8 byte order and cut max stats stay upper bounds', () => {
    const cut = `${'x'.repeat(32)}${String.fromCodePoint(0x10ffff)}`;
    const files = [
      file('ascii', { s: 'a' }, { s: 'm' }),
      file('cut', { s: 'x'.repeat(32) }, { s: cut }),
      file('astral', { s: '\u{1F600}' }, { s: '\u{1F600}z' }),
      file('bmp-high', { s: '\uFF00' }, { s: '\uFFFF' }),
    ];
    const locator = new KeyLocator();
    const snap = snapshot(files, [['s', 'string']]);
    expect(keys(locator.locate(snap, ['s'], ['b']))).toEqual(['ascii']);
    expect(keys(locator.locate(snap, ['s'], [`${'x'.repeat(40)}`]))).toEqual(['cut']);
    // UTF-16 order would put U+1F600 (surrogates D83D…) below U+FF00; UTF-8 (DuckDB's) puts it above.
    expect(keys(locator.locate(snap, ['s'], ['\u{1F600}a']))).toEqual(['astral']);
    expect(keys(locator.locate(snap, ['s'], ['\uFF10']))).toEqual(['bmp-high']);
  });

  it('composite keys prune on every column; partition key columns and unsupported types never prune', () => {
    const files = [file('r0', { r: 'a', n: 1 }, { r: 'a', n: 10 }), file('r1', { r: 'a', n: 11 }, { r: 'a', n: 20 }), file('r2', { r: 'b', n: 1 }, { r: 'b', n: 5 })];
    const locator = new KeyLocator();
    expect(keys(locator.locate(snapshot(files, [['r', 'string'], ['n', 'short']]), ['r', 'n'], ['a', '15']))).toEqual(['r1']);
    expect(keys(locator.locate(snapshot(files, [['r', 'string'], ['n', 'short']]), ['r', 'n'], ['b', '15']))).toEqual([]);
    expect(keys(locator.locate(snapshot(files, [['r', 'string'], ['n', 'short']], 2, ['r']), ['r', 'n'], ['b', '3']))).toEqual(['r0', 'r2']);
    expect(keys(locator.locate(snapshot(files, [['r', 'date'], ['n', 'short']], 3), ['r', 'n'], ['b', '3']))).toEqual(['r0', 'r2']);
  });
});
