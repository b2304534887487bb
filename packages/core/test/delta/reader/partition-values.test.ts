import { describe, expect, it } from 'vitest';
import { decodeLogPath, resolveDataFileKey, parsePartitionValue, parsePartitionValues, parseTimestampMicros } from '../../../src/delta/index.ts';
import { isAppError } from '../../../src/errors/index.ts';

const code = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (e) { return isAppError(e) ? e.code : 'not-app-error'; }
  return undefined;
};

describe('parsePartitionValue', () => {
  it('parses every primitive type', () => {
    expect(parsePartitionValue('abc', 'string')).toBe('abc');
    expect(parsePartitionValue('-5', 'integer')).toBe(-5);
    expect(parsePartitionValue('127', 'byte')).toBe(127);
    expect(parsePartitionValue('-32768', 'short')).toBe(-32768);
    expect(parsePartitionValue('9007199254740993', 'long')).toBe(9007199254740993n);
    expect(parsePartitionValue('true', 'boolean')).toBe(true);
    expect(parsePartitionValue('false', 'boolean')).toBe(false);
    expect(parsePartitionValue('2021.0', 'double')).toBe(2021);
    expect(parsePartitionValue('9.9', 'float')).toBe(9.9);
    expect(parsePartitionValue('NaN', 'double')).toBeNaN();
    expect(parsePartitionValue('-Infinity', 'double')).toBe(Number.NEGATIVE_INFINITY);
    expect(parsePartitionValue('123.4500', 'decimal(10,4)')).toBe('123.4500');
    expect(parsePartitionValue('2021-09-08', 'date')).toBe('2021-09-08');
    expect(parsePartitionValue('ab', 'binary')).toEqual(new Uint8Array([97, 98]));
  });
  it('reads both timestamp forms; the zone-less form is UTC', () => {
    expect(parsePartitionValue('2024-01-01T10:00:00.000000Z', 'timestamp')).toBe(1704103200000000n);
    expect(parsePartitionValue('2024-01-01 10:00:00', 'timestamp')).toBe(1704103200000000n);
    expect(parsePartitionValue('2024-01-01 10:00:00.123456', 'timestamp')).toBe(1704103200123456n);
    expect(parseTimestampMicros('2000-01-01T00:00:00.000-08:00')).toBe(946713600000000n);
    expect(parseTimestampMicros('1969-12-31T23:59:59.999999Z')).toBe(-1n);
    expect(parseTimestampMicros('not a time')).toBeUndefined();
  });
  it('null is JSON null, and an empty string for every non-string type', () => {
    expect(parsePartitionValue(null, 'long')).toBeNull();
    expect(parsePartitionValue(undefined, 'string')).toBeNull();
    expect(parsePartitionValue('', 'integer')).toBeNull();
    expect(parsePartitionValue('', 'date')).toBeNull();
    // A string column keeps '' (Spark never writes it; the literal "null" stays a string too).
    expect(parsePartitionValue('', 'string')).toBe('');
    expect(parsePartitionValue('null', 'string')).toBe('null');
  });
  it('garbage for the type is a corrupt log', () => {
    expect(code(() => parsePartitionValue('x', 'integer'))).toBe('ERR_DELTA_LOG_CORRUPT');
    expect(code(() => parsePartitionValue('300', 'byte'))).toBe('ERR_DELTA_LOG_CORRUPT');
    expect(code(() => parsePartitionValue('1.5', 'long'))).toBe('ERR_DELTA_LOG_CORRUPT');
    expect(code(() => parsePartitionValue('yes', 'boolean'))).toBe('ERR_DELTA_LOG_CORRUPT');
    expect(code(() => parsePartitionValue('1e', 'decimal(5,2)'))).toBe('ERR_DELTA_LOG_CORRUPT');
    expect(code(() => parsePartitionValue('2021', 'timestamp'))).toBe('ERR_DELTA_LOG_CORRUPT');
  });
  it('parsePartitionValues follows partitionColumns and the schema', () => {
    const schema = { type: 'struct' as const, fields: [{ name: 'k', type: 'long' as const, nullable: true, metadata: {} }, { name: 'd', type: 'date' as const, nullable: true, metadata: {} }] };
    expect(parsePartitionValues({ k: '7', d: null }, schema, ['k', 'd'])).toEqual({ k: 7n, d: null });
    expect(parsePartitionValues({}, schema, ['k'])).toEqual({ k: null });
    expect(code(() => parsePartitionValues({}, schema, ['missing']))).toBe('ERR_DELTA_LOG_CORRUPT');
  });
});

describe('decodeLogPath', () => {
  it('decodes exactly once', () => {
    expect(decodeLogPath('x=A%252FA/part-0.parquet')).toBe('x=A%2FA/part-0.parquet');
    expect(decodeLogPath('special%20p@%23h')).toBe('special p@#h');
    expect(decodeLogPath('ts=2024-01-01%2010%253A00%253A00/f.parquet')).toBe('ts=2024-01-01 10%3A00%3A00/f.parquet');
    expect(decodeLogPath('plain/file.parquet')).toBe('plain/file.parquet');
  });
  it('refuses absolute URIs and rejects malformed escapes', () => {
    expect(code(() => decodeLogPath('s3://bucket/t/part-0.parquet'))).toBe('ERR_DELTA_UNSUPPORTED_FEATURE');
    expect(code(() => decodeLogPath('file:/tmp/t/part-0.parquet'))).toBe('ERR_DELTA_UNSUPPORTED_FEATURE');
    expect(code(() => decodeLogPath('bad%zz'))).toBe('ERR_DELTA_LOG_CORRUPT');
  });
});

describe('resolveDataFileKey', () => {
  it('relative paths resolve against the table root, decoded once', () => {
    expect(resolveDataFileKey('x=A%252FA/f.parquet', 'b/t/', 's3://bucket/')).toBe('b/t/x=A%2FA/f.parquet');
  });
  it('absolute URIs inside the store are followed (also Hadoop\'s file:/ form)', () => {
    expect(resolveDataFileKey('s3://bucket/b/t/p%20q.parquet', 'b/t/', 's3://bucket/')).toBe('b/t/p q.parquet');
    expect(resolveDataFileKey('s3://bucket/other/shared.parquet', 'b/t/', 's3://bucket/')).toBe('other/shared.parquet');
    expect(resolveDataFileKey('file:/data/lake/t/f.parquet', 't/', 'file:///data/lake/')).toBe('t/f.parquet');
    expect(resolveDataFileKey('file:///data/my%20lake/t/f.parquet', 't/', 'file:///data/my%20lake/')).toBe('t/f.parquet');
  });
  it('absolute URIs outside the store are refused', () => {
    expect(code(() => resolveDataFileKey('s3://elsewhere/t/f.parquet', 't/', 's3://bucket/'))).toBe('ERR_DELTA_UNSUPPORTED_FEATURE');
    expect(code(() => resolveDataFileKey('https://example.com/f.parquet', 't/', 's3://bucket/'))).toBe('ERR_DELTA_UNSUPPORTED_FEATURE');
  });
});
