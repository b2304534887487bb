/** Timestamp and version inputs: accepted spellings (zone-less = UTC) and precise refusals. */
import { describe, expect, it } from 'vitest';
import { parseTimestampMs, parseVersion, timeTravelTarget } from '../../src/maintenance/time-travel-target.ts';

const code = (c: string) => expect.objectContaining({ code: c });

describe('parseTimestampMs', () => {
  it.each([
    ['2026-05-18T00:00Z', Date.UTC(2026, 4, 18)],
    ['2026-05-18', Date.UTC(2026, 4, 18)],
    ['2026-05-21 11:42:08', Date.UTC(2026, 4, 21, 11, 42, 8)],
    ['2026-05-21T11:42:08.123456', Date.UTC(2026, 4, 21, 11, 42, 8, 123)],
    ['2026-05-21 11:42:08+02:00', Date.UTC(2026, 4, 21, 9, 42, 8)],
    ['2026-05-21 11:42:08 UTC', Date.UTC(2026, 4, 21, 11, 42, 8)],
    ['2026-05-21T11:42:08-0500', Date.UTC(2026, 4, 21, 16, 42, 8)],
  ])('%s', (text, ms) => {
    expect(parseTimestampMs(text)).toBe(ms);
  });

  it('accepts epoch ms and refuses non-times', () => {
    expect(parseTimestampMs(1716843600000)).toBe(1716843600000);
    for (const bad of ['yesterday', '2026-13-01', '2026-05-21 25:00', '2026-05-21 10:00 Mars', '']) expect(() => parseTimestampMs(bad), bad).toThrow(code('ERR_BAD_REQUEST'));
    expect(() => parseTimestampMs(Number.NaN)).toThrow(code('ERR_BAD_REQUEST'));
  });
});

describe('parseVersion / timeTravelTarget', () => {
  it('takes numbers and int64 strings, exactly one of version / timestamp', () => {
    expect(parseVersion('40')).toBe(40);
    expect(() => parseVersion('4.5')).toThrow(code('ERR_BAD_REQUEST'));
    expect(() => parseVersion(-1)).toThrow(code('ERR_BAD_REQUEST'));
    expect(timeTravelTarget({ version: '40' })).toEqual({ version: 40 });
    expect(timeTravelTarget({ timestamp: '2026-05-27T08:00:00Z' })).toEqual({ timestamp: Date.UTC(2026, 4, 27, 8) });
    expect(timeTravelTarget({ version: '', timestamp: 5 })).toEqual({ timestamp: 5 });
    expect(() => timeTravelTarget({})).toThrow(code('ERR_BAD_REQUEST'));
    expect(() => timeTravelTarget({ version: 1, timestamp: 1 })).toThrow(code('ERR_BAD_REQUEST'));
  });
});
