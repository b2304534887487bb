/**
 * Warm table state is never stale (issue 14, acceptance "caches are never stale";
 * docs/design/hot-path.md): a writer COORDINATOR PROCESS (B) acknowledges keyed upserts while a
 * second coordinator process (A), whose per-table warm state (snapshot, folded log tail, base
 * file) advances incrementally, answers STRONG reads. Every read must contain every write
 * acknowledged before it began — whole-table reads and point lookups — while drains (both
 * processes' embedded compactors, plus explicit Compact calls) move the watermark under it and
 * the tail outgrows its base file (K3_WARM_TAIL_KEYS=30) again and again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTable, execute, keepWriteLogUndrained, startServer, type StartedServer } from '../support/server.ts';

keepWriteLogUndrained();

const BUCKET = 'warm';
const KEYS = 500;
const PER_ROUND = 25;
const STRIDE = 37;
const ROUNDS = Number(process.env.K3_TEST_WARM_ROUNDS ?? 48);

/** Keys written by round r (and only by it among rounds that share none of them). */
const keysOf = (r: number): number[] => Array.from({ length: PER_ROUND }, (_, i) => (i + r * STRIDE) % KEYS);
const wroteKey = (r: number, key: number): boolean => (((key - r * STRIDE) % KEYS) + KEYS) % KEYS < PER_ROUND;

describe('warm STRONG state with a writer in another coordinator process', () => {
  let reader: StartedServer;
  let writer: StartedServer;
  beforeAll(async () => {
    reader = await startServer({ K3_COMPACTOR_INTERVAL: '150ms', K3_COMPACTOR_BACKLOG_ENTRIES: '4', K3_WARM_TAIL_KEYS: '30' });
    writer = await startServer({ K3_COMPACTOR_INTERVAL: '1h' }, { dataDir: reader.dataDir });
  }, 60_000);
  afterAll(async () => {
    await writer?.stop();
    await reader?.stop();
  });

  it('every STRONG read sees every write acknowledged before it began', async () => {
    const created = await execute(writer.url, BUCKET, 'CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT)');
    expect(created.status).toBe(200);
    // Warm the reader before any write: its state starts empty and must advance.
    expect((await execute(reader.url, BUCKET, 'SELECT count(*) FROM kv', { freshness: 'FRESHNESS_STRONG' })).body.query!.rows).toEqual([['0']]);

    let acked = -1;
    const lastWriter = new Map<number, number>();
    const history: Map<number, number>[] = [];
    const writes = (async () => {
      for (let r = 0; r < ROUNDS; r++) {
        const res = await execute(writer.url, BUCKET, `INSERT OR REPLACE INTO kv SELECT (i + ${r * STRIDE}) % ${KEYS}, ${r} FROM range(${PER_ROUND}) t(i)`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        for (const k of keysOf(r)) lastWriter.set(k, r);
        history[r] = new Map(lastWriter);
        acked = r;
        if (r % 16 === 15) await drainTable(writer.url, BUCKET, 'kv');
      }
    })();

    let reads = 0;
    let points = 0;
    const check = async (): Promise<void> => {
      const before = acked;
      const expected = before >= 0 ? history[before]! : new Map<number, number>();
      if (reads % 3 === 2 && before >= 0) {
        const key = keysOf(before)[reads % PER_ROUND]!;
        const res = await execute(reader.url, BUCKET, `SELECT v FROM kv WHERE id = ${key}`, { freshness: 'FRESHNESS_STRONG' });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const v = Number(res.body.query!.rows[0]?.[0]);
        expect(v, `key ${key} after round ${before} was acknowledged`).toBeGreaterThanOrEqual(before);
        expect(wroteKey(v, key)).toBe(true);
        points++;
      } else {
        const res = await execute(reader.url, BUCKET, 'SELECT id, v FROM kv', { freshness: 'FRESHNESS_STRONG' });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const got = new Map(res.body.query!.rows.map((row) => [Number(row[0]), Number(row[1])]));
        for (const [key, round] of expected) {
          const v = got.get(key);
          expect(v, `key ${key} (round ${round} acknowledged before the read)`).toBeDefined();
          expect(v!).toBeGreaterThanOrEqual(round);
        }
        for (const [key, v] of got) expect(wroteKey(v, key), `key ${key} = ${v}`).toBe(true);
      }
      reads++;
    };
    let done = false;
    void writes.finally(() => (done = true));
    while (!done) await check();
    await writes;
    await check();
    expect(reads).toBeGreaterThan(5);
    expect(points).toBeGreaterThan(0);

    // After everything drained, the reader's STRONG, its EVENTUAL and the writer's STRONG agree with the history.
    await drainTable(reader.url, BUCKET, 'kv');
    const want = [...history[ROUNDS - 1]!].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), String(v)]);
    for (const [url, freshness] of [[reader.url, 'FRESHNESS_STRONG'], [reader.url, 'FRESHNESS_EVENTUAL'], [writer.url, 'FRESHNESS_STRONG']] as const) {
      const res = await execute(url, BUCKET, 'SELECT id, v FROM kv ORDER BY id', { freshness });
      expect(res.body.query!.rows, `${url} ${freshness}`).toEqual(want);
    }
  }, 240_000);

  it('a point lookup right after a write acknowledged by the other process sees it (fast path, overlay and Delta)', async () => {
    expect((await execute(writer.url, BUCKET, 'CREATE TABLE pl (id BIGINT PRIMARY KEY, v VARCHAR)')).status).toBe(200);
    const lookup = async (id: number, freshness = 'FRESHNESS_STRONG') => {
      const res = await execute(reader.url, BUCKET, `SELECT v FROM pl WHERE id = ${id}`, { freshness });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      // The fast path answered (point-lookup-read.ts), not the general STRONG view.
      expect(res.body.query!.strategyReason).toContain('point lookup');
      return res.body.query!.rows;
    };
    expect(await lookup(1)).toEqual([]);
    for (let i = 0; i < 12; i++) {
      const id = 1 + (i % 4);
      const wrote = await execute(writer.url, BUCKET, `INSERT OR REPLACE INTO pl VALUES (${id}, 'w${i}')`);
      expect(wrote.status, JSON.stringify(wrote.body)).toBe(200);
      expect(await lookup(id), `write ${i} acknowledged by the other process`).toEqual([[`w${i}`]]);
      if (i % 3 === 2) {
        expect((await execute(writer.url, BUCKET, `DELETE FROM pl WHERE id = ${id}`)).status).toBe(200);
        expect(await lookup(id), `delete after write ${i}`).toEqual([]);
        expect((await execute(writer.url, BUCKET, `INSERT INTO pl VALUES (${id}, 'back${i}')`)).status).toBe(200);
        await drainTable(writer.url, BUCKET, 'pl');
        // Drained: the key now lives in Delta only; STRONG and EVENTUAL read the located file.
        expect(await lookup(id)).toEqual([[`back${i}`]]);
        expect(await lookup(id, 'FRESHNESS_EVENTUAL')).toEqual([[`back${i}`]]);
      }
    }
  }, 120_000);
});
