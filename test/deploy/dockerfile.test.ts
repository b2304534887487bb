/**
 * The Dockerfile without a Docker daemon: every file or directory it COPYs from the build context
 * exists (and is not excluded by .dockerignore), every `--from` names an earlier stage, every
 * workspace's package.json is copied before `npm ci` (a new workspace cannot be forgotten), the
 * runtime stage is non-root, and every entry point it or the Kubernetes manifests name exists.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');

interface Instruction { readonly op: string; readonly args: string; readonly stage: string }

/** Instructions with line continuations joined and comments dropped, each tagged with its stage. */
function parseDockerfile(text: string): { instructions: Instruction[]; stages: string[] } {
  const joined = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  const stages: string[] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const [, op, args] = m as unknown as [string, string, string];
    if (op === 'FROM') stages.push(/\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(stages.length));
    instructions.push({ op, args: args.trim(), stage: stages.at(-1) ?? '' });
  }
  return { instructions, stages };
}

const { instructions, stages } = parseDockerfile(readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'));
const ignored = readFileSync(path.join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

function copies(): { from: string | undefined; sources: string[]; dest: string; stage: string }[] {
  return instructions.filter((i) => i.op === 'COPY').map((i) => {
    const words = i.args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { from, sources: paths.slice(0, -1), dest: paths.at(-1)!, stage: i.stage };
  });
}

describe('Dockerfile', () => {
  it('is multi-stage on Node 24 and copies from earlier stages only', () => {
    expect(stages).toEqual(['deps', 'app', 'runtime']);
    expect(readFileSync(path.join(REPO, 'Dockerfile'), 'utf8')).toMatch(/ARG NODE_IMAGE=node:24-/);
    for (const c of copies().filter((c) => c.from !== undefined)) {
      expect(stages.indexOf(c.from!), `COPY --from=${c.from}`).toBeGreaterThanOrEqual(0);
      expect(stages.indexOf(c.from!)).toBeLessThan(stages.indexOf(c.stage));
    }
  });

  it('every COPY source from the build context exists and is not excluded by .dockerignore', () => {
    const sources = copies().filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(5);
    for (const s of sources) {
      expect(existsSync(path.join(REPO, s)), s).toBe(true);
      expect(ignored.includes(s.replace(/\/$/, '')), `${s} is in .dockerignore`).toBe(false);
    }
  });

  it('copies every workspace package.json before npm ci --omit=dev', () => {
    const root = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] };
    const workspaces = root.workspaces.flatMap((glob) => {
      const dir = glob.replace(/\/\*$/, '');
      return readdirSync(path.join(REPO, dir)).map((name) => `${dir}/${name}/package.json`).filter((p) => existsSync(path.join(REPO, p)));
    });
    const copied = copies().filter((c) => c.stage === 'deps').flatMap((c) => c.sources);
    for (const ws of workspaces) {
      // packages/web is built in the app stage when it exists; every other workspace is a runtime dependency.
      if (ws !== 'packages/web/package.json') expect(copied, ws).toContain(ws);
    }
    const ci = instructions.find((i) => i.op === 'RUN' && i.stage === 'deps')!;
    expect(ci.args).toMatch(/npm ci --omit=dev/);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'scripts/check-node.mjs']));
  });

  it('runs non-root, and its entry point and every Kubernetes entry point exist', () => {
    const runtime = instructions.filter((i) => i.stage === 'runtime');
    expect(runtime.find((i) => i.op === 'USER')?.args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const cmd = JSON.parse(runtime.find((i) => i.op === 'CMD')!.args) as string[];
    expect(cmd[0]).toBe('node');
    expect(existsSync(path.join(REPO, cmd[1]!))).toBe(true);
    const base = path.join(REPO, 'deploy/k8s/base');
    for (const file of ['coordinator.yaml', 'worker.yaml', 'compactor.yaml']) {
      const text = readFileSync(path.join(base, file), 'utf8');
      const entry = /command: \["node", "([^"]+)"\]/.exec(text)?.[1];
      expect(entry, file).toBeDefined();
      expect(existsSync(path.join(REPO, entry!)), entry).toBe(true);
      expect(text).toMatch(/image: k3-tables\n/);
    }
  });
});
