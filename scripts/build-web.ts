/**
 * Builds the data browser (packages/web → packages/web/dist) when its sources changed since the
 * last build: `npm start` runs it first (prestart), so a fresh clone serves /ui with no other
 * command, and the browser tests call `ensureWebBuilt()`. The fingerprint covers the sources, the
 * Vite config and the installed dependency versions (package-lock.json).
 *
 *   node scripts/build-web.ts          # build if stale
 *   node scripts/build-web.ts --force  # always build
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(REPO, 'packages', 'web');
const DIST = path.join(WEB, 'dist');
const STAMP = path.join(DIST, '.k3-build-fingerprint');

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out.sort();
}

async function fingerprint(): Promise<string> {
  const h = createHash('sha256');
  const inputs = [...(await files(path.join(WEB, 'src'))), path.join(WEB, 'index.html'), path.join(WEB, 'vite.config.ts'), path.join(WEB, 'package.json'), path.join(REPO, 'package-lock.json')];
  const client = path.join(REPO, 'packages', 'client', 'src');
  if (existsSync(client)) inputs.push(...(await files(client)));
  for (const f of inputs) h.update(f).update(await readFile(f));
  return h.digest('hex');
}

/** Builds unless dist/ matches the current sources; returns whether it built. */
export async function ensureWebBuilt(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  const want = await fingerprint();
  if (!opts.force && existsSync(STAMP) && (await readFile(STAMP, 'utf8')) === want) return false;
  opts.log?.('building the data browser (packages/web) …');
  const { build } = await import('vite');
  await build({ configFile: path.join(WEB, 'vite.config.ts'), root: WEB, logLevel: 'error' });
  await writeFile(STAMP, want);
  return true;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const built = await ensureWebBuilt({ force: process.argv.includes('--force'), log: (l) => process.stderr.write(`${l}\n`) });
  if (built) process.stderr.write(`data browser built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
