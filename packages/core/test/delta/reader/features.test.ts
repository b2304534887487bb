import { describe, expect, it } from 'vitest';
import { assertReadable, assertWritable, protocolFor, type Metadata, type Protocol, type StructType } from '../../../src/delta/index.ts';
import { mergeProtocol } from '../../../src/delta/features.ts';
import { isAppError } from '../../../src/errors/index.ts';

function refused(fn: () => void): string | undefined {
  try { fn(); } catch (e) {
    if (isAppError(e, 'ERR_DELTA_UNSUPPORTED_FEATURE')) return String(e.details?.feature);
    throw e;
  }
  return undefined;
}
const p = (minReaderVersion: number, minWriterVersion: number, extra: Partial<Protocol> = {}): Protocol => ({ minReaderVersion, minWriterVersion, ...extra });
const meta = (configuration: Record<string, string> = {}): Metadata => ({ id: 'x', format: { provider: 'parquet', options: {} }, schemaString: '', partitionColumns: [], configuration });

describe('assertReadable', () => {
  it('reads reader 1, reader 2 without column mapping, reader 3 with harmless features', () => {
    expect(refused(() => assertReadable(p(1, 2)))).toBeUndefined();
    expect(refused(() => assertReadable(p(2, 5), meta({ 'delta.columnMapping.mode': 'none' })))).toBeUndefined();
    expect(refused(() => assertReadable(p(3, 7, { readerFeatures: [] })))).toBeUndefined();
    expect(refused(() => assertReadable(p(3, 7, { readerFeatures: ['vacuumProtocolCheck'], writerFeatures: ['appendOnly'] })))).toBeUndefined();
  });
  it('refuses features and versions it does not implement', () => {
    expect(refused(() => assertReadable(p(3, 7, { readerFeatures: ['deletionVectors'] })))).toBe('deletionVectors');
    expect(refused(() => assertReadable(p(3, 7, { readerFeatures: ['vacuumProtocolCheck', 'v2Checkpoint'] })))).toBe('v2Checkpoint');
    expect(refused(() => assertReadable(p(3, 7, { readerFeatures: ['blahabl'] })))).toBe('blahabl');
    expect(refused(() => assertReadable(p(2, 5), meta({ 'delta.columnMapping.mode': 'name' })))).toBe('columnMapping');
    expect(refused(() => assertReadable(p(3, 7, { readerFeatures: ['columnMapping'] }), meta({ 'delta.columnMapping.mode': 'id' })))).toBe('columnMapping');
    expect(refused(() => assertReadable(p(4, 7)))).toBe('readerVersion4');
    expect(refused(() => assertReadable(p(0, 2)))).toBe('readerVersion0');
  });
  it('refuses schema types that need a feature even when the protocol forgot to say so', () => {
    const schema = { type: 'struct', fields: [{ name: 's', type: { type: 'array', elementType: 'variant', containsNull: true }, nullable: true, metadata: {} }] } as unknown as StructType;
    expect(refused(() => assertReadable(p(1, 2), meta(), schema))).toBe('variantType');
    // timestamp_ntz is implemented (reader feature timestampNtz): readable.
    const ntz: StructType = { type: 'struct', fields: [{ name: 's', type: { type: 'array', elementType: 'timestamp_ntz', containsNull: true }, nullable: true, metadata: {} }] };
    expect(refused(() => assertReadable(p(3, 7, { readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz'] }), meta(), ntz))).toBeUndefined();
  });
});

describe('assertWritable', () => {
  it('writes protocol (1, ≤3) and writer 7 with only the features k3 implements (appendOnly, checkConstraints)', () => {
    expect(refused(() => assertWritable(p(1, 2)))).toBeUndefined();
    expect(refused(() => assertWritable(p(1, 1)))).toBeUndefined();
    expect(refused(() => assertWritable(p(1, 3)))).toBeUndefined();
    expect(refused(() => assertWritable(p(1, 4)))).toBeUndefined();
    expect(refused(() => assertWritable(p(1, 5)))).toBe('writerVersion5');
    expect(refused(() => assertWritable(p(1, 7, { writerFeatures: ['appendOnly', 'checkConstraints'] })))).toBeUndefined();
    expect(refused(() => assertWritable(p(1, 7, { writerFeatures: ['checkConstraints', 'deletionVectors'] })))).toBe('writerVersion7');
    expect(refused(() => assertWritable(p(1, 2, { writerFeatures: ['invariants'] })))).toBe('invariants');
    expect(refused(() => assertWritable(p(2, 2)))).toBe('readerVersion2');
  });
  it('writes reader 3 only when every reader feature is one k3 writes (timestampNtz), listed as a writer feature too', () => {
    expect(refused(() => assertWritable(p(3, 7, { readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz'] })))).toBeUndefined();
    expect(refused(() => assertWritable(p(3, 7, { readerFeatures: ['timestampNtz'], writerFeatures: ['appendOnly', 'invariants', 'checkConstraints', 'changeDataFeed', 'timestampNtz'] })))).toBeUndefined();
    expect(refused(() => assertWritable(p(3, 7, { readerFeatures: [], writerFeatures: [] })))).toBeUndefined();
    expect(refused(() => assertWritable(p(3, 7, { readerFeatures: ['timestampNtz'], writerFeatures: [] })))).toBe('readerVersion3');
    expect(refused(() => assertWritable(p(3, 7, { readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] })))).toBe('writerVersion7');
    expect(refused(() => assertWritable(p(3, 7, { readerFeatures: ['vacuumProtocolCheck'], writerFeatures: ['vacuumProtocolCheck'] })))).toBe('writerVersion7');
    expect(refused(() => assertWritable(p(3, 4)))).toBe('readerVersion3');
  });
});

const ntzSchema = (type: unknown): string => JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'integer', nullable: true, metadata: {} }, { name: 't', type, nullable: true, metadata: {} }] });

describe('protocolFor / mergeProtocol (timestampNtz enabled only when a table uses it)', () => {
  it('keeps the legacy protocols for tables without timestamp_ntz', () => {
    expect(protocolFor({ configuration: {}, schemaString: ntzSchema('timestamp') })).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    expect(protocolFor({ configuration: { 'delta.constraints.c': 'id > 0' }, schemaString: ntzSchema('long') })).toEqual({ minReaderVersion: 1, minWriterVersion: 3 });
    expect(protocolFor({ configuration: { 'delta.enableChangeDataFeed': 'true' } })).toEqual({ minReaderVersion: 1, minWriterVersion: 4 });
  });
  it('raises to (3,7) with timestampNtz and the legacy implied features when a column (at any depth) is timestamp_ntz', () => {
    expect(protocolFor({ configuration: {}, schemaString: ntzSchema('timestamp_ntz') })).toEqual({
      minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['appendOnly', 'invariants', 'timestampNtz'],
    });
    const nested = { type: 'map', keyType: 'string', valueType: { type: 'array', elementType: 'timestamp_ntz', containsNull: true }, valueContainsNull: true };
    expect(protocolFor({ configuration: { 'delta.enableChangeDataFeed': 'true', 'delta.constraints.c': 'id > 0' }, schemaString: ntzSchema(nested) })).toEqual({
      minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'],
      writerFeatures: ['appendOnly', 'invariants', 'checkConstraints', 'changeDataFeed', 'generatedColumns', 'timestampNtz'],
    });
  });
  it('merges: legacy+legacy stays legacy, features are unioned, an already sufficient protocol is not changed', () => {
    expect(mergeProtocol(p(1, 2), p(1, 4))).toEqual(p(1, 4));
    expect(mergeProtocol(p(1, 4), p(1, 3))).toBeUndefined();
    const ntz = p(3, 7, { readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz'] });
    expect(mergeProtocol(ntz, ntz)).toBeUndefined();
    expect(mergeProtocol(p(3, 7, { readerFeatures: ['timestampNtz'], writerFeatures: ['appendOnly', 'invariants', 'timestampNtz'] }), p(1, 2))).toBeUndefined();
    // Turning the Change Data Feed on for a (3,7) table adds the feature instead of bumping a version.
    expect(mergeProtocol(p(3, 7, { readerFeatures: ['timestampNtz'], writerFeatures: ['appendOnly', 'invariants', 'timestampNtz'] }), p(1, 4))).toEqual(
      p(3, 7, { readerFeatures: ['timestampNtz'], writerFeatures: ['appendOnly', 'invariants', 'timestampNtz', 'checkConstraints', 'changeDataFeed', 'generatedColumns'] }),
    );
    for (const merged of [mergeProtocol(p(1, 2), ntz), mergeProtocol(p(1, 4), ntz)]) expect(() => assertWritable(merged!)).not.toThrow();
  });
});
