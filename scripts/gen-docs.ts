/**
 * Regenerates the generated tables in docs/errors.md and docs/configuration.md from the error
 * registry and the config schema. `test/docs-sync.test.ts` fails when they drift: run
 * `node scripts/gen-docs.ts` after adding an error code or a config key.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, ERROR_CODES } from '@k3/core';

const BEGIN = '<!-- generated:begin -->';
const END = '<!-- generated:end -->';

export function errorTable(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, s]) => `| \`${code}\` | ${s.status} | ${s.grpc} | ${s.sqlstate} | ${s.retryable ? 'yes' : 'no'} | ${s.summary} |`,
  );
  return ['| code | HTTP | gRPC | SQLSTATE | retryable | meaning |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export function configTable(): string {
  const rows = Object.entries(CONFIG_KEYS).map(
    ([key, [, dflt, description]]) => `| \`${key}\` | \`${dflt === '' ? '(empty)' : dflt}\` | ${description} |`,
  );
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export function replaceGenerated(doc: string, table: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`document lacks ${BEGIN} … ${END} markers`);
  return `${doc.slice(0, a + BEGIN.length)}\n${table}\n${doc.slice(b)}`;
}

export const DOCS = [
  { file: 'docs/errors.md', table: errorTable },
  { file: 'docs/configuration.md', table: configTable },
] as const;

if (import.meta.main) {
  const root = join(import.meta.dirname, '..');
  for (const { file, table } of DOCS) {
    const path = join(root, file);
    writeFileSync(path, replaceGenerated(readFileSync(path, 'utf8'), table()));
    console.log(`updated ${file}`);
  }
}
