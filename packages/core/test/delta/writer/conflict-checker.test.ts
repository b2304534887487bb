import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/delta/actions.ts';
import { checkForConflicts, type TransactionFootprint } from '../../../src/delta/conflict-checker.ts';
import type { StructType } from '../../../src/delta/schema.ts';

const schema: StructType = { type: 'struct', fields: [{ name: 'p', type: 'integer', nullable: true, metadata: {} }, { name: 'v', type: 'long', nullable: true, metadata: {} }] };
const txn = (over: Partial<TransactionFootprint> = {}): TransactionFootprint => ({
  readVersion: 3, isolationLevel: 'Serializable', readWholeTable: false, readPaths: new Set(), readPartitions: [],
  removedPaths: new Set(), appIds: new Set(), schema, partitionColumns: ['p'], ...over,
});
const add = (path: string, p: string | null, dataChange = true): Action => ({ add: { path, partitionValues: { p }, size: 1, modificationTime: 1, dataChange } });
const remove = (path: string, dataChange = true): Action => ({ remove: { path, deletionTimestamp: 1, dataChange } });
const blind: Action = { commitInfo: { operation: 'WRITE', isBlindAppend: true } };
const winner = (...actions: Action[]) => ({ version: 4, actions });
const code = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('conflict checker (Delta taxonomy)', () => {
  it('lets appends pass other appends', () => {
    expect(code(() => checkForConflicts(txn(), winner(blind, add('a', '1'))))).toBeUndefined();
    expect(code(() => checkForConflicts(txn(), winner(add('a', '1'))))).toBeUndefined();
  });

  it('fails on a winning metaData or protocol change, whatever we did', () => {
    expect(code(() => checkForConflicts(txn(), winner({ metaData: { id: 'x', format: { provider: 'parquet', options: {} }, schemaString: '', partitionColumns: [], configuration: {} } })))).toBe('ERR_DELTA_METADATA_CHANGED');
    expect(code(() => checkForConflicts(txn(), winner({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } })))).toBe('ERR_DELTA_PROTOCOL_CHANGED');
  });

  it('reports concurrent appends into what we read', () => {
    expect(code(() => checkForConflicts(txn({ readWholeTable: true }), winner(add('a', '1'))))).toBe('ERR_DELTA_CONCURRENT_APPEND');
    const readP1 = txn({ readPartitions: [(pv) => pv.p === 1] });
    expect(code(() => checkForConflicts(readP1, winner(add('a', '1'))))).toBe('ERR_DELTA_CONCURRENT_APPEND');
    expect(code(() => checkForConflicts(readP1, winner(add('a', '2'))))).toBeUndefined();
    expect(code(() => checkForConflicts(readP1, winner(add('a', null))))).toBeUndefined();
    // OPTIMIZE output (dataChange=false) is not new data.
    expect(code(() => checkForConflicts(txn({ readWholeTable: true }), winner(add('a', '1', false))))).toBeUndefined();
  });

  it('ignores blind appends under WriteSerializable only', () => {
    expect(code(() => checkForConflicts(txn({ readWholeTable: true, isolationLevel: 'WriteSerializable' }), winner(blind, add('a', '1'))))).toBeUndefined();
    expect(code(() => checkForConflicts(txn({ readWholeTable: true, isolationLevel: 'Serializable' }), winner(blind, add('a', '1'))))).toBe('ERR_DELTA_CONCURRENT_APPEND');
  });

  it('reports deletes of files we read or removed', () => {
    expect(code(() => checkForConflicts(txn({ readPaths: new Set(['f']) }), winner(remove('f'))))).toBe('ERR_DELTA_CONCURRENT_DELETE_READ');
    expect(code(() => checkForConflicts(txn({ readWholeTable: true }), winner(remove('g'))))).toBe('ERR_DELTA_CONCURRENT_DELETE_READ');
    expect(code(() => checkForConflicts(txn({ readPaths: new Set(['f']) }), winner(remove('g'))))).toBeUndefined();
    expect(code(() => checkForConflicts(txn({ readPaths: new Set(['f']), removedPaths: new Set(['f']) }), winner(remove('f'))))).toBe('ERR_DELTA_CONCURRENT_DELETE_DELETE');
    // Paths compare decoded.
    expect(code(() => checkForConflicts(txn({ removedPaths: new Set(['k=a b/f']) }), winner(remove('k=a%20b/f'))))).toBe('ERR_DELTA_CONCURRENT_DELETE_DELETE');
  });

  it('treats OPTIMIZE (dataChange=false removes) as a conflict only for removers of the same files', () => {
    const optimize = winner(remove('f', false), add('c', '1', false));
    expect(code(() => checkForConflicts(txn({ readPaths: new Set(['f']), readWholeTable: true }), optimize))).toBeUndefined();
    expect(code(() => checkForConflicts(txn({ removedPaths: new Set(['f']) }), optimize))).toBe('ERR_DELTA_CONCURRENT_DELETE_DELETE');
  });

  it('lets a blind append survive a concurrent delete', () => {
    expect(code(() => checkForConflicts(txn(), winner(remove('f'), remove('g'))))).toBeUndefined();
  });

  it('reports a concurrent txn for the same appId', () => {
    expect(code(() => checkForConflicts(txn({ appIds: new Set(['app']) }), winner({ txn: { appId: 'app', version: 2 } })))).toBe('ERR_DELTA_CONCURRENT_TRANSACTION');
    expect(code(() => checkForConflicts(txn({ appIds: new Set(['app']) }), winner({ txn: { appId: 'other', version: 2 } })))).toBeUndefined();
  });
});
