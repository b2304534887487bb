/**
 * The cluster's reaper: a small detached process that outlives `k3 cluster up` if the latter is
 * killed without a chance to clean up (SIGKILL, a crash). The parent writes the pid of every child
 * it starts to the reaper's stdin; when that pipe closes (the parent exited, however it exited),
 * the reaper sends SIGTERM to each child still alive, SIGKILL after 5 s, and exits. A parent that
 * stopped its children itself writes `done` first, so nothing is signalled twice.
 * It then removes the cluster's state directory (argv[2], caches and Redis dir) if given.
 * Run as: node reaper.ts [stateDir] (stdin: one pid per line, or `done`).
 */
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const stateDir = process.argv[2];

function finish(): never {
  if (stateDir !== undefined && !done) rmSync(stateDir, { recursive: true, force: true });
  process.exit(0);
}

const pids = new Set<number>();
let done = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Not ours to stop: only the parent's disappearance ends the reaper.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const text = line.trim();
    if (text === 'done') done = true;
    else if (/^\d+$/.test(text)) pids.add(Number(text));
  })
  .on('close', () => {
    const left = done ? [] : [...pids].filter(alive);
    for (const pid of left) process.kill(pid, 'SIGTERM');
    if (left.length === 0) finish();
    const started = Date.now();
    const timer = setInterval(() => {
      const still = left.filter(alive);
      if (still.length === 0 || Date.now() - started > 5_000) {
        for (const pid of still) process.kill(pid, 'SIGKILL');
        clearInterval(timer);
        finish();
      }
    }, 200);
  });
