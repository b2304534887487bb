import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS, replaceGenerated } from '../scripts/gen-docs.ts';

const root = join(import.meta.dirname, '..');

describe('generated docs are in sync with the code', () => {
  for (const { file, table } of DOCS) {
    it(`${file} lists exactly what the code defines`, () => {
      const doc = readFileSync(join(root, file), 'utf8');
      expect(replaceGenerated(doc, table()), `run: node scripts/gen-docs.ts`).toBe(doc);
    });
  }
});
