/**
 * The sheet's pure pieces: typed text → the value the Insert RPC takes ("Add row"), and the diff
 * view's lines from a server diff (summary, header, added / removed / `before → after`).
 */
import { describe, expect, it } from 'vitest';
import { typedValue } from '../src/sheet/cell-values.ts';
import { diffLines, type TableDiff } from '../src/sheet/diff-lines.ts';

describe('typedValue', () => {
  it('numbers a double carries exactly are numbers; longer ones stay text for the server to cast', () => {
    expect(typedValue('9912008', 'BIGINT')).toBe(9912008);
    expect(typedValue('12000.5', 'DECIMAL(18,2)')).toBe(12000.5);
    expect(typedValue('-0.25', 'DOUBLE')).toBe(-0.25);
    expect(typedValue('9223372036854775807', 'BIGINT')).toBe('9223372036854775807');
    expect(typedValue('1234567890123456.78', 'DECIMAL(38,2)')).toBe('1234567890123456.78');
  });
  it('text that is not a number stays text (the server refuses it with its own error)', () => {
    expect(typedValue('12k', 'INTEGER')).toBe('12k');
    expect(typedValue('2026-04-15', 'DATE')).toBe('2026-04-15');
    expect(typedValue('UK', 'VARCHAR')).toBe('UK');
  });
  it('booleans', () => {
    expect(typedValue('TRUE', 'BOOLEAN')).toBe(true);
    expect(typedValue('no', 'BOOLEAN')).toBe(false);
  });
});

describe('diffLines', () => {
  const diff: TableDiff = {
    tableName: 'orders', fromVersion: '1', toVersion: '3', keyColumns: ['id'], added: '1', removed: '1', changed: '1', truncated: false,
    rows: [
      { change: 'added', key: { id: 4 }, after: { id: 4, status: 'new', qty: 1 } },
      { change: 'changed', key: { id: 2 }, before: { id: 2, status: 'new', qty: 7 }, after: { id: 2, status: 'shipped', qty: 7 } },
      { change: 'removed', key: { id: 3 }, before: { id: 3, status: 'new', qty: null } },
    ],
  };
  it('a summary, a header, then one line per row; a changed cell reads before → after', () => {
    expect(diffLines(['id', 'status', 'qty'], diff)).toEqual([
      ['1 added · 1 removed · 1 changed', '', '', ''],
      ['change', 'id', 'status', 'qty'],
      ['added', 4, 'new', 1],
      ['changed', 2, 'new → shipped', 7],
      ['removed', 3, 'new', ''],
    ]);
  });
  it('says when the server listed only the first rows', () => {
    expect(diffLines(['id'], { ...diff, added: '5000', truncated: true })[0]![0]).toBe('5000 added · 1 removed · 1 changed (first 3 listed)');
  });
});
