/**
 * The generated TypeScript (packages/client/src/gen) is what `npm run gen` makes from proto/ today:
 * buf regenerates into a temp directory with the committed buf.gen.yaml and the local
 * protoc-gen-es (offline), and every file must be byte-identical. Also: the proto passes buf lint.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/server.ts';

const GEN = path.join('packages', 'client', 'src', 'gen');
const BIN = path.join(REPO_ROOT, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ''}` };
const out = mkdtempSync(path.join(tmpdir(), 'k3-gen-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function files(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))])).sort();
}

describe('generated code', () => {
  it('is what buf generates from proto/ now (run `npm run gen` when this fails)', () => {
    execFileSync(path.join(BIN, 'buf'), ['generate', '--output', out], { cwd: REPO_ROOT, env, stdio: 'pipe' });
    const fresh = path.join(out, GEN);
    const committed = path.join(REPO_ROOT, GEN);
    expect(files(fresh)).toEqual(files(committed));
    for (const f of files(fresh)) expect(readFileSync(path.join(committed, f), 'utf8'), f).toBe(readFileSync(path.join(fresh, f), 'utf8'));
  });

  it('the proto passes buf lint', () => {
    expect(() => execFileSync(path.join(BIN, 'buf'), ['lint'], { cwd: REPO_ROOT, env, stdio: 'pipe' })).not.toThrow();
  });

  it('the client package depends on nothing Node-only (a browser can import it)', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages', 'client', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // The generated code needs @bufbuild/protobuf; the SDK (src/sdk) adds Connect's core and its fetch
    // transport — all three run in browsers (no Node-only dependency).
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@bufbuild/protobuf', '@connectrpc/connect', '@connectrpc/connect-web']);
    for (const f of files(path.join(REPO_ROOT, 'packages', 'client', 'src'))) {
      const text = readFileSync(path.join(REPO_ROOT, 'packages', 'client', 'src', f), 'utf8');
      expect(text, f).not.toMatch(/from ['"](node:|@k3\/core|fs|path)/);
    }
  });
});
