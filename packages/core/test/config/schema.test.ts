import { describe, expect, it } from 'vitest';
import { isAppError, loadConfig, parseBytes, parseDurationMs } from '../../src/index.ts';

describe('loadConfig', () => {
  it('applies defaults and freezes', () => {
    const c = loadConfig({});
    expect(c.K3_PORT).toBe(8080);
    expect(c.K3_HOST).toBe('127.0.0.1');
    expect(c.K3_QUERY_TIMEOUT).toBe(60_000);
    expect(c.K3_BODY_LIMIT).toBe(16 * 1024 * 1024);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('rejects bad values with every problem named', () => {
    try {
      loadConfig({ K3_PORT: 'eighty', K3_QUERY_TIMEOUT: '5 fortnights' });
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'ERR_CONFIG_INVALID')).toBe(true);
      expect((e as Error).message).toContain('K3_PORT');
      expect((e as Error).message).toContain('K3_QUERY_TIMEOUT');
    }
  });

  it('parses human units', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('2h')).toBe(7_200_000);
    expect(parseBytes('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseBytes('1.5KB')).toBe(1500);
    expect(() => parseBytes('12 parsecs')).toThrow(/unknown size unit/);
  });
});
