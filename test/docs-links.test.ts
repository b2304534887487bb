/**
 * Docs link check: every relative Markdown link in README.md and docs/ points at a file of this
 * repository (and, for `file.md#anchor`, at a heading of that file), and every repository path
 * written in backticks (`services/…`, `test/…`, `deploy/…`, …) exists. Nothing may point outside
 * the repository (`../…`, `shared/…`): a reader of the repository does not have those files, so
 * the docs describe the contract instead.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const TOP_DIRS = ['packages', 'services', 'test', 'docs', 'bench', 'deploy', 'scripts', '.ci'];

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return markdownFiles(p);
    return name.endsWith('.md') ? [p] : [];
  });
}

/** The text outside fenced code blocks (fences hold shell sessions and JSON, not references). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → '-'. */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6}\s+(.+)$/gm)) {
    out.add(m[1]!.trim().toLowerCase().replace(/[`*_]/g, '').replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-'));
  }
  return out;
}

function problemsOf(file: string): string[] {
  const text = prose(readFileSync(file, 'utf8'));
  const rel = path.relative(ROOT, file);
  const problems: string[] = [];
  for (const m of text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue;
    const [p = '', anchor] = target.split('#');
    const resolved = p === '' ? file : path.resolve(path.dirname(file), p);
    if (p !== '' && (!resolved.startsWith(ROOT + path.sep) || !existsSync(resolved))) {
      problems.push(`${rel}: link ${target} is not a file of this repository`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
      problems.push(`${rel}: link ${target}: no heading #${anchor} in ${path.relative(ROOT, resolved)}`);
    }
  }
  for (const m of text.matchAll(/`([^`\s]+)`/g)) {
    const ref = m[1]!.replace(/[.,;:]$/, '');
    if (/^(\.\.\/|shared\/)/.test(ref)) {
      problems.push(`${rel}: \`${ref}\` points outside the repository; describe it in docs/ instead`);
      continue;
    }
    const top = ref.split('/')[0]!;
    if (!TOP_DIRS.includes(top) || !ref.includes('/') || /[<>*…{}|$]/.test(ref)) continue;
    if (!existsSync(path.join(ROOT, ref))) problems.push(`${rel}: \`${ref}\` does not exist in the repository`);
  }
  return problems;
}

describe('docs link check', () => {
  const files = [path.join(ROOT, 'README.md'), ...markdownFiles(path.join(ROOT, 'docs'))];

  it('checks README.md and every page under docs/', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    it(`${path.relative(ROOT, file)} references only files of this repository`, () => {
      expect(problemsOf(file)).toEqual([]);
    });
  }

  it('the checker catches what it is for', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'k3-docs-links-'));
    try {
      const probe = path.join(dir, 'probe.md');
      writeFileSync(probe, [
        '# Probe', '', 'See [the seeds](../shared/seeds/001.txt), [self](#probe), [gone](#nowhere),',
        '`shared/seeds/003`, `services/coordinator/src/main.ts`, `services/nope.ts`, `tables/<name>/_delta_log/`.',
        '```sh', '`services/in-a-fence.ts`', '```', '',
      ].join('\n'));
      expect(problemsOf(probe).map((p) => p.replace(/^[^:]*: /, ''))).toEqual([
        'link ../shared/seeds/001.txt is not a file of this repository',
        'link #nowhere: no heading #nowhere in ' + path.relative(ROOT, probe),
        '`shared/seeds/003` points outside the repository; describe it in docs/ instead',
        '`services/nope.ts` does not exist in the repository',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(anchors('## HTAP: keyed writes, freshness\n### `k3 delta` CLI\n')).toEqual(new Set(['htap-keyed-writes-freshness', 'k3-delta-cli']));
  });
});
