import { describe, expect, it } from 'vitest';
import { parseStats, toFileStats } from '../../../src/delta/index.ts';

describe('parseStats', () => {
  it('parses the stats JSON string', () => {
    expect(parseStats('{"numRecords":10,"minValues":{"id":0},"maxValues":{"id":9},"nullCount":{"id":0}}'))
      .toEqual({ numRecords: 10, minValues: { id: 0 }, maxValues: { id: 9 }, nullCount: { id: 0 } });
    expect(parseStats('{"numRecords":1,"tightBounds":true}')).toEqual({ numRecords: 1, minValues: {}, maxValues: {}, nullCount: {}, tightBounds: true });
  });
  it('absent, unparsable or count-less stats are undefined (never guessed)', () => {
    expect(parseStats(undefined)).toBeUndefined();
    expect(parseStats(null)).toBeUndefined();
    expect(parseStats('')).toBeUndefined();
    expect(parseStats('{bad')).toBeUndefined();
    expect(parseStats('{"minValues":{"id":0}}')).toBeUndefined();
    expect(parseStats('{"numRecords":-1}')).toBeUndefined();
  });
  it('accepts numRecords as a string (struct stats decoded from Int64)', () => {
    expect(toFileStats({ numRecords: '5', minValues: null })?.numRecords).toBe(5);
  });
});
