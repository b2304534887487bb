import { describe, expect, it } from 'vitest';
import { globLiteralPrefix, globToRegExp } from '../../src/pipeline/glob-match.ts';
import { isReservedKey } from '../../src/pipeline/object-scanner.ts';
import { etagVersion, ledgerState, ingestAppId } from '../../src/pipeline/ingest-ledger.ts';

const matches = (glob: string, key: string): boolean => globToRegExp(glob).test(key);

describe('key globs', () => {
  it('* stays in one segment, ** crosses segments (and may be empty), ? is one character, {a,b} alternatives', () => {
    expect(matches('incoming/*.csv', 'incoming/a.csv')).toBe(true);
    expect(matches('incoming/*.csv', 'incoming/x/a.csv')).toBe(false);
    expect(matches('incoming/**/*.csv', 'incoming/a.csv')).toBe(true);
    expect(matches('incoming/**/*.csv', 'incoming/2026/01/a.csv')).toBe(true);
    expect(matches('incoming/**/*.csv', 'incoming/a.csv.gz')).toBe(false);
    expect(matches('in/?.json', 'in/a.json')).toBe(true);
    expect(matches('in/?.json', 'in/ab.json')).toBe(false);
    expect(matches('in/*.{csv,tsv}', 'in/a.tsv')).toBe(true);
    expect(matches('in/*.{csv,tsv}', 'in/a.json')).toBe(false);
    expect(matches('a.b/(x)+.csv', 'a.b/(x)+.csv')).toBe(true);
    expect(matches('a.b/(x)+.csv', 'aXb/(x)+.csv')).toBe(false);
  });

  it('lists from the literal directory prefix', () => {
    expect(globLiteralPrefix('incoming/**/*.csv')).toBe('incoming/');
    expect(globLiteralPrefix('incoming/2026-*/a.csv')).toBe('incoming/');
    expect(globLiteralPrefix('exact/key.csv')).toBe('exact/key.csv');
    expect(globLiteralPrefix('*.csv')).toBe('');
  });

  it("never matches k3's own keys", () => {
    for (const key of ['__k3_pipeline/rules/t.json', '__k3_engine/00000000000000000001.json', 'tables/t/part-0.parquet', 'x/_delta_log/00000000000000000000.json', 'x/_k3_wal/1.rec', 'x/_change_data/c.parquet', '_k3_tmp/a']) {
      expect(isReservedKey(key, 'tables/'), key).toBe(true);
    }
    expect(isReservedKey('incoming/a.parquet', 'tables/')).toBe(false);
  });
});

describe('ledger', () => {
  it('tells new, ingested and changed object versions apart', () => {
    const txns = new Map([[ingestAppId('a.csv'), { appId: ingestAppId('a.csv'), version: etagVersion('e1') }]]);
    expect(ledgerState(txns, 'a.csv', 'e1')).toBe('ingested');
    expect(ledgerState(txns, 'a.csv', 'e2')).toBe('changed');
    expect(ledgerState(txns, 'b.csv', 'e1')).toBe('new');
    expect(Number.isSafeInteger(etagVersion('"d41d8cd98f00b204e9800998ecf8427e"'))).toBe(true);
    expect(etagVersion('e1')).not.toBe(etagVersion('e2'));
  });
});

describe('source-key file pruning', () => {
  it('skips a file only when its min/max stats exclude every replaced key (code-point order, truncated max)', async () => {
    const { mayHoldAnyKey } = await import('../../src/pipeline/ingest-batch.ts');
    const file = (min: string, max: string) => ({ stats: { numRecords: 1, minValues: { _k3_source_key: min }, maxValues: { _k3_source_key: max }, nullCount: {} } });
    expect(mayHoldAnyKey(file('in/a', 'in/c'), ['in/b'])).toBe(true);
    expect(mayHoldAnyKey(file('in/a', 'in/c'), ['in/d', 'in/0'])).toBe(false);
    expect(mayHoldAnyKey({ stats: undefined }, ['x'])).toBe(true);
    // A max cut to a prefix + U+10FFFF stays an upper bound even for keys with U+E000.. characters.
    expect(mayHoldAnyKey(file('a', `a${String.fromCodePoint(0x10ffff)}`), [`a${String.fromCodePoint(0xe000)}`])).toBe(true);
  });
});
