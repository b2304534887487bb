/**
 * Fault test of the distributed compactor (issue "HTAP", acceptance "fault tests"): two
 * `services/compactor/src/main.ts` PROCESSES with a RedisLease on a real redis-server drain a
 * keyed table while the coordinator acknowledges keyed writes over HTTP. Every few hundred ms one
 * compactor is SIGKILLed (often mid-drain: batches are tiny and ticks continuous) and restarted;
 * midway Redis itself is restarted and loses the leases. A checker compares the final table —
 * STRONG before the last drain, EVENTUAL after it — with the acknowledged history: nothing lost,
 * nothing duplicated, nothing resurrected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisTestServer } from '../../packages/core/test/support/redis-server.ts';
import { k3fetch, execute, keepWriteLogUndrained, REPO_ROOT, startServer, type StartedServer } from '../support/server.ts';

keepWriteLogUndrained();

const BUCKET = 'htap-fault';
const MAIN = path.join('services', 'compactor', 'src', 'main.ts');

let redis: RedisTestServer;
let server: StartedServer;
let cacheRoot: string;
const children = new Set<ChildProcess>();
let drainedLines = 0;
let kills = 0;

function startCompactor(index: number): ChildProcess {
  const child = spawn(process.execPath, [MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      K3_DATA_DIR: server.dataDir,
      K3_CACHE_DIR: path.join(cacheRoot, `c${index}`),
      K3_REDIS_URL: redis.url,
      K3_COMPACTOR_INTERVAL: '20ms',
      K3_COMPACTOR_BACKLOG_ENTRIES: '1',
      K3_COMPACTOR_BACKLOG_AGE: '0ms',
      K3_COMPACTOR_BATCH_SIZE: '3',
      K3_COMPACTOR_LEASE_TTL: '1s',
      K3_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (drainedLines += d.split('table drained').length - 1));
  child.stdout?.resume();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  kills++;
  return exited;
}

async function ok(sql: string, freshness?: string) {
  const res = await execute(server.url, BUCKET, sql, freshness === undefined ? {} : { freshness });
  expect(res.status, `${sql}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

beforeAll(async () => {
  redis = await startRedisServer();
  // The coordinator's own compactor stays idle (1h interval): only the child processes drain.
  server = await startServer({ K3_COMPACTOR_INTERVAL: '1h' });
  cacheRoot = await mkdtemp(path.join(tmpdir(), 'k3-compactor-cache-'));
});

afterAll(async () => {
  for (const c of [...children]) await kill(c);
  await server?.stop();
  await redis?.stop();
  if (cacheRoot !== undefined) await rm(cacheRoot, { recursive: true, force: true });
});

describe('compactor processes killed and Redis restarted mid-stream', () => {
  it('loses, duplicates and resurrects nothing', async () => {
    await ok('CREATE TABLE ev (id INTEGER PRIMARY KEY, v INTEGER)');
    const compactors: ChildProcess[] = [startCompactor(0), startCompactor(1)];
    const expected = new Map<number, number>();
    let writing = true;
    const chaos = (async () => {
      let round = 0;
      while (writing) {
        await new Promise((r) => setTimeout(r, 250 + (round % 3) * 150));
        if (!writing) break;
        const victim = round % 2;
        await kill(compactors[victim]!);
        compactors[victim] = startCompactor(victim);
        if (round === 4) await redis.restart();
        round++;
      }
    })();
    try {
      for (let i = 0; i < 160; i++) {
        const k = (i * 7) % 37;
        if (i % 5 === 4) {
          await ok(`DELETE FROM ev WHERE id = ${k}`);
          expected.delete(k);
        } else {
          await ok(`INSERT OR REPLACE INTO ev VALUES (${k}, ${i})`);
          expected.set(k, i);
        }
      }
    } finally {
      writing = false;
      await chaos;
    }
    const want = [...expected].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v]);
    expect((await ok('SELECT id, v FROM ev ORDER BY id', 'FRESHNESS_STRONG')).query!.rows).toEqual(want);
    // The surviving compactors finish the backlog.
    const deadline = Date.now() + 60_000;
    let backlog = '';
    while (Date.now() < deadline) {
      const res = await k3fetch(`${server.url}/${BUCKET}/tables/ev`);
      backlog = String(((await res.json()) as { walBacklogEntries?: string }).walBacklogEntries);
      if (backlog === '0') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(backlog).toBe('0');
    expect((await ok('SELECT id, v FROM ev ORDER BY id', 'FRESHNESS_EVENTUAL')).query!.rows).toEqual(want);
    expect((await ok('SELECT count(*) = count(DISTINCT id) FROM ev', 'FRESHNESS_EVENTUAL')).query!.rows).toEqual([[true]]);
    expect(kills).toBeGreaterThan(3);
    expect(drainedLines).toBeGreaterThan(3);
  }, 180_000);
});
