import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLogPath } from '../../../src/delta/partition-values.ts';
import { encodeLogPath, escapePartitionPathName, partitionDirectory } from '../../../src/exec/partition-path.ts';
import { assertValidKey } from '../../../src/object-store/assert-valid-key.ts';

const unescapeHive = (s: string): string => s.replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
const value = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('\0'));

describe('partition paths (properties)', () => {
  it('Hive escaping is reversible and leaves no separators or percent signs unescaped', () => {
    fc.assert(fc.property(value, (v) => {
      const escaped = escapePartitionPathName(v);
      expect(unescapeHive(escaped)).toBe(v);
      expect(escaped).not.toMatch(/[/=:]|%(?![0-9A-F]{2})/);
    }));
  });

  it('the log path decodes (once, as the reader does) to a valid object key for any values', () => {
    fc.assert(fc.property(fc.array(fc.option(value, { nil: null }), { minLength: 1, maxLength: 3 }), (values) => {
      const cols = values.map((_, i) => `c${i}`);
      const key = `${partitionDirectory(cols, Object.fromEntries(values.map((v, i) => [`c${i}`, v])))}part-00000-x-c000.zstd.parquet`;
      expect(() => assertValidKey(`root/${key}`)).not.toThrow();
      expect(decodeLogPath(encodeLogPath(key))).toBe(key);
    }));
  });
});
