/**
 * `npm run bench`: runs every `bench/*.bench.ts` in sequence, each in its own Node process (so
 * one benchmark's memory and threads never skew the next). Each benchmark writes its own
 * `bench/results/<name>.json`. Timing never fails: the exit code only reports benchmarks that
 * crashed. `node bench/run.ts <substring>` runs only the matching ones.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();

const crashed: string[] = [];
for (const file of benches) {
  process.stdout.write(`\n== ${file} ==\n`);
  const started = Date.now();
  const res = spawnSync(process.execPath, [path.join(dir, file)], { stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (res.status !== 0) crashed.push(file);
  process.stdout.write(`== ${file}: ${res.status === 0 ? 'done' : `crashed (exit ${res.status})`} in ${secs}s ==\n`);
}
process.stdout.write(`\n${benches.length - crashed.length} of ${benches.length} benchmarks completed${crashed.length ? `; crashed: ${crashed.join(', ')}` : ''}\n`);
process.exitCode = crashed.length === 0 ? 0 : 1;
