import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.ts';
import { decodeWalRecord, encodeWalRecord, type WalRecord } from '../../src/wal/record-codec.ts';

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
