import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.ts';
import { decodeWalRecord, encodeWalRecord, STORED_BODY_MAX, storedGzip, type WalRecord } from '../../src/wal/record-codec.ts';

const record: WalRecord = {
  tableId: 't-1', schemaFingerprint: 'fp', columns: [{ name: 'id', type: 'BIGINT' }, { name: 'v', type: 'VARCHAR' }],
  primaryKey: ['id'], upserts: [['1', 'a'], ['9223372036854775807', null]], deletes: [['2']], writerId: 'w', createdAt: 1,
};

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : 'not-an-AppError';
  }
}

describe('WAL record codec', () => {
  it('round-trips a record exactly', () => {
    expect(decodeWalRecord(encodeWalRecord(record), 'r')).toEqual(record);
  });

  it('writes a small record stored (its JSON verbatim, plain gzip) and a large one deflated; both decode', () => {
    const small = encodeWalRecord(record);
    const json = Buffer.from(JSON.stringify(record));
    const body = Buffer.from(small.subarray(37));
    expect(body.includes(json)).toBe(true); // not deflated
    expect(body.byteLength).toBe(json.byteLength + 23); // 10-byte header, one 5-byte block header, CRC-32, ISIZE
    expect(gunzipSync(body).equals(json)).toBe(true);
    const rows = Array.from({ length: 6000 }, (_, i) => [String(i), `value ${i % 7}`]);
    const large: WalRecord = { ...record, upserts: rows, deletes: [] };
    const largeJson = Buffer.from(JSON.stringify(large));
    expect(largeJson.byteLength).toBeGreaterThan(STORED_BODY_MAX);
    const encoded = encodeWalRecord(large);
    expect(encoded.byteLength).toBeLessThan(largeJson.byteLength / 2); // deflated
    expect(decodeWalRecord(encoded, 'large')).toEqual(large);
  });

  it('storedGzip is gzip for every length up to its bound, and refuses one byte more', () => {
    for (const n of [0, 1, 255, 256, 65_534, STORED_BODY_MAX]) {
      const data = Buffer.alloc(n, n % 251);
      expect(gunzipSync(storedGzip(data)).equals(data), `length ${n}`).toBe(true);
    }
    expect(() => storedGzip(Buffer.alloc(STORED_BODY_MAX + 1))).toThrow(RangeError);
    // A damaged stored body fails gunzip's own CRC-32 (the record's SHA-256 is checked before it).
    const bad = Buffer.from(storedGzip(Buffer.from('{"a":1}')));
    bad[16] = bad[16]! ^ 0x01;
    expect(() => gunzipSync(bad)).toThrow();
  });

  it('reads a small record an earlier release wrote deflated', () => {
    const body = gzipSync(Buffer.from(JSON.stringify(record)), { level: 1 });
    const bytes = new Uint8Array(37 + body.byteLength);
    bytes.set([0x4b, 0x33, 0x57, 0x4c, 1], 0);
    bytes.set(createHash('sha256').update(body).digest(), 5);
    bytes.set(body, 37);
    expect(decodeWalRecord(bytes, 'old')).toEqual(record);
  });

  it('rejects every single-byte corruption with ERR_WAL_RECORD_CORRUPT', () => {
    const bytes = encodeWalRecord(record);
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] = bad[i]! ^ 0x01;
      expect(code(() => decodeWalRecord(bad, `byte ${i}`)), `byte ${i}`).toBe('ERR_WAL_RECORD_CORRUPT');
    }
  });

  it('rejects truncation, an unknown version and a well-checksummed body of the wrong shape', () => {
    const bytes = encodeWalRecord(record);
    expect(code(() => decodeWalRecord(bytes.subarray(0, bytes.length - 1), 'cut'))).toBe('ERR_WAL_RECORD_CORRUPT');
    expect(code(() => decodeWalRecord(new Uint8Array(0), 'empty'))).toBe('ERR_WAL_RECORD_CORRUPT');
    const v2 = bytes.slice();
    v2[4] = 2;
    expect(code(() => decodeWalRecord(v2, 'v2'))).toBe('ERR_WAL_RECORD_CORRUPT');
    // A well-checksummed body with a non-string value is refused.
    const numeric = encodeWalRecord(record);
    const body = JSON.parse(gunzipSync(numeric.subarray(37)).toString('utf8')) as { upserts: unknown[][] };
    body.upserts[0]![0] = 1;
    const gz = gzipSync(Buffer.from(JSON.stringify(body)));
    const forged = new Uint8Array(37 + gz.byteLength);
    forged.set(numeric.subarray(0, 5), 0);
    forged.set(createHash('sha256').update(gz).digest(), 5);
    forged.set(gz, 37);
    let reason: unknown;
    try {
      decodeWalRecord(forged, 'numeric');
    } catch (err) {
      reason = (err as AppError).details?.['reason'];
    }
    expect(reason).toBe('bad shape: values must be strings or null');
    // A row with the wrong arity is refused at encode time.
    expect(code(() => encodeWalRecord({ ...record, upserts: [['1']] }))).toBe('ERR_INTERNAL');
  });
});
