import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import {
  checkpointKey,
  commitKey,
  deltaLogPrefix,
  joinKey,
  lastCheckpointKey,
  multiPartCheckpointKey,
  parseLogFileName,
  tableRoot,
  walPrefix,
} from '../../src/object-store/paths.ts';

describe('paths', () => {
  const root = tableRoot('tables/', 'orders');

  it('builds the table root under the tables prefix', () => {
    expect(root).toBe('tables/orders/');
    expect(tableRoot('tables', 'orders')).toBe('tables/orders/');
    expect(tableRoot('', 'orders')).toBe('orders/');
    expect(tableRoot('a/b/', 'x')).toBe('a/b/x/');
  });

  it('rejects table names that would escape or nest', () => {
    for (const bad of ['', 'a/b', '..', '.']) {
      let caught: unknown;
      try {
        tableRoot('tables/', bad);
      } catch (e) {
        caught = e;
      }
      expect(isAppError(caught, 'ERR_INVALID_NAME')).toBe(true);
    }
  });

  it('builds Delta log keys with 20-digit versions', () => {
    expect(deltaLogPrefix(root)).toBe('tables/orders/_delta_log/');
    expect(commitKey(root, 0)).toBe('tables/orders/_delta_log/00000000000000000000.json');
    expect(commitKey(root, 123)).toBe('tables/orders/_delta_log/00000000000000000123.json');
    expect(checkpointKey(root, 10)).toBe('tables/orders/_delta_log/00000000000000000010.checkpoint.parquet');
    expect(multiPartCheckpointKey(root, 10, 1, 2)).toBe('tables/orders/_delta_log/00000000000000000010.checkpoint.0000000001.0000000002.parquet');
    expect(lastCheckpointKey(root)).toBe('tables/orders/_delta_log/_last_checkpoint');
    expect(walPrefix(root)).toBe('tables/orders/_k3_wal/');
  });

  it('accepts roots without a trailing slash', () => {
    expect(deltaLogPrefix('t')).toBe('t/_delta_log/');
    expect(walPrefix('t')).toBe('t/_k3_wal/');
  });

  it('refuses negative, fractional and out-of-range numbers', () => {
    expect(() => commitKey(root, -1)).toThrow();
    expect(() => commitKey(root, 1.5)).toThrow();
    expect(() => multiPartCheckpointKey(root, 1, 0, 2)).toThrow();
    expect(() => multiPartCheckpointKey(root, 1, 3, 2)).toThrow();
  });

  it('sorts commit keys lexicographically in version order', () => {
    const versions = [0, 9, 10, 99, 100, 12345, 2 ** 40];
    const keys = versions.map((v) => commitKey(root, v));
    expect([...keys].sort()).toEqual(keys);
  });

  it('round-trips every generated log key through parseLogFileName', () => {
    expect(parseLogFileName(commitKey(root, 7))).toEqual({ version: 7, kind: 'commit' });
    expect(parseLogFileName(checkpointKey(root, 20))).toEqual({ version: 20, kind: 'checkpoint' });
    expect(parseLogFileName(multiPartCheckpointKey(root, 30, 2, 3))).toEqual({ version: 30, kind: 'multipart-checkpoint', part: 2, parts: 3 });
  });

  it('classifies the other Delta log file kinds', () => {
    expect(parseLogFileName('00000000000000000004.crc')).toEqual({ version: 4, kind: 'crc' });
    expect(parseLogFileName('00000000000000000004.00000000000000000009.compacted.json')).toEqual({ version: 4, kind: 'compacted', endVersion: 9 });
    expect(parseLogFileName('00000000000000000002.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json')).toEqual({
      version: 2,
      kind: 'uuid-checkpoint',
      uuid: '80a083e8-7026-4e79-81be-64bd76c43a11',
    });
    expect(parseLogFileName('x/_delta_log/00000000000000000002.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet')?.kind).toBe('uuid-checkpoint');
  });

  it('ignores non-log names', () => {
    for (const name of [
      '_last_checkpoint',
      '_commit_abc.json.tmp',
      '0000000000000000001.json', // 19 digits
      '00000000000000000001.json.tmp',
      '00000000000000000001.checkpoint.0000000000.0000000002.parquet', // part 0
      '00000000000000000001.checkpoint.0000000003.0000000002.parquet', // part > parts
      '99999999999999999999.json', // beyond 2^53
      '_sidecars',
      '',
    ]) {
      expect(parseLogFileName(name)).toBeUndefined();
    }
  });

  it('joins key segments with single slashes', () => {
    expect(joinKey('a', 'b', 'c')).toBe('a/b/c');
    expect(joinKey('a/', '/b/', 'c/')).toBe('a/b/c/');
    expect(joinKey('', 'a', '', 'b')).toBe('a/b');
    expect(joinKey('tables/', 'x', '_delta_log/')).toBe('tables/x/_delta_log/');
    expect(joinKey()).toBe('');
    expect(joinKey('/', '')).toBe('');
  });
});
