import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { AppError } from '../../src/errors/index.ts';
import { loadStrongState, readWalOverlay } from '../../src/wal/wal-reader.ts';
import { WalRecordCache } from '../../src/wal/record-cache.ts';
import { encodeWalRecord } from '../../src/wal/record-codec.ts';
import { walTableShape } from '../../src/wal/table-shape.ts';
import { captureRows } from '../../src/wal/capture-rows.ts';
import { upsertCount } from '../../src/wal/overlay.ts';
import type { ObjectStore } from '../../src/object-store/index.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { walRecordKey } from '../../src/wal/wal-keys.ts';
import { drainTable } from '../../src/compaction/drain.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from './support/wal-env.ts';

describe('STRONG and OLTP_ONLY views over Delta + the write log', () => {
  let env: WalEnv;
  let writer: WalWriter;
  beforeAll(async () => {
    env = await createWalEnv();
    writer = new WalWriter(env.store);
  });
  afterAll(async () => env.close());

  it('carries every column type exactly (same as DuckDB reading the source rows; JSON minified as Delta stores it)', async () => {
    const root = 'types/';
    await createKeyedTable(env, root);
    const edge = `SELECT 9223372036854775807::BIGINT AS id, 'é/"''\\' || chr(0) AS region, '-0.0'::DOUBLE AS v, NULL AS note,
      TIMESTAMP '1969-12-31 23:59:59.999999' AS ts, from_hex('005c78ff') AS data, '{"big": 12345678901234567890, "a": [1.50]}'::JSON AS payload,
      DATE '0001-01-01' AS d, (-2147483648)::INTEGER AS n, 'nan'::FLOAT AS fl, false AS flag, (-32768)::SMALLINT AS s`;
    const sources = [wideRow(1, 'eu', 1), edge, `SELECT 2::BIGINT AS id, 'us' AS region, 'inf'::DOUBLE AS v, 'x' AS note, NULL::TIMESTAMP AS ts, NULL::BLOB AS data, NULL::JSON AS payload, NULL::DATE AS d, NULL::INTEGER AS n, 1e-45::FLOAT AS fl, NULL::BOOLEAN AS flag, NULL::SMALLINT AS s`];
    for (const sql of sources) await keyedWrite(env, writer, root, sql);
    const expected = (await env.conn.runAndReadAll(`SELECT * REPLACE (json(payload) AS payload) FROM (${sources.join(' UNION ALL BY NAME ')})`)).getRowObjectsJson().map((r) => JSON.stringify(r)).sort();
    expect(await readRows(env, root, 'strong')).toEqual(expected);
    expect(await readRows(env, root, 'oltp')).toEqual(expected);
    expect(await readRows(env, root, 'eventual')).toEqual([]);
    // After a drain the same rows come from Delta, still exact.
    await drainTable(env.store, root, { batchSize: 100 }, env.deps);
    expect(await readRows(env, root, 'eventual')).toEqual(expected);
    expect(await readRows(env, root, 'strong')).toEqual(expected);
    expect(await readRows(env, root, 'oltp')).toEqual([]);
  });

  it('a small overlay (SQL literals) and a large one (the appender) load the same typed rows', async () => {
    // overlay-tables.ts: up to 64 rows travel as quoted literals in one DuckDB call, more through the appender;
    // from 32 rows each column as one string split in SQL (wip/ingest8) — unless a value holds the
    // separator or the NULL marker (chr(31) / chr(30)): then as VALUES literals again.
    for (const [root, count, marks] of [['literal/', 3, false], ['split/', 40, false], ['split-marks/', 40, true], ['appender/', 80, false]] as const) {
      await createKeyedTable(env, root);
      const rows = Array.from({ length: count }, (_, i) => wideRow(i + 1, marks && i === 7 ? 'a\u001fb\u001e' : i % 2 === 0 ? "e''u" : 'u\\s', i)).join(' UNION ALL ');
      const odd = `SELECT 1000::BIGINT AS id, 'q''' || chr(0) || 'z' AS region, NULL::DOUBLE AS v, '' AS note, NULL::TIMESTAMP AS ts, NULL::BLOB AS data, '[1, "x''y"]'::JSON AS payload, NULL::DATE AS d, NULL::INTEGER AS n, NULL::FLOAT AS fl, NULL::BOOLEAN AS flag, NULL::SMALLINT AS s`;
      await keyedWrite(env, writer, root, `${rows} UNION ALL ${odd}`, 'SELECT 999999::BIGINT AS id, \'gone\' AS region');
      const expected = (await env.conn.runAndReadAll(`SELECT * REPLACE (json(payload) AS payload) FROM (${rows} UNION ALL ${odd})`)).getRowObjectsJson().map((r) => JSON.stringify(r)).sort();
      expect(await readRows(env, root, 'strong'), root).toEqual(expected);
      expect(await readRows(env, root, 'oltp'), root).toEqual(expected);
    }
  });

  it('newest record wins per key, tombstones hide Delta rows, other rows pass through', async () => {
    const root = 'newest/';
    await createKeyedTable(env, root, { partitionBy: ['region'] });
    await keyedWrite(env, writer, root, `${wideRow(1, 'eu', 1)} UNION ALL ${wideRow(2, 'eu', 1)} UNION ALL ${wideRow(3, 'us', 1)}`);
    await drainTable(env.store, root, { batchSize: 100 }, env.deps);
    await keyedWrite(env, writer, root, wideRow(1, 'eu', 2));
    await keyedWrite(env, writer, root, wideRow(1, 'eu', 3));
    await keyedWrite(env, writer, root, undefined, `SELECT 2 AS id, 'eu' AS region`);
    await keyedWrite(env, writer, root, wideRow(4, 'us', 1), `SELECT 3 AS id, 'us' AS region`);
    await keyedWrite(env, writer, root, undefined, `SELECT 4 AS id, 'us' AS region`);
    await keyedWrite(env, writer, root, wideRow(4, 'us', 2));
    const strong = (await readRows(env, root, 'strong')).map((r) => JSON.parse(r) as { id: string; region: string; n: number });
    expect(strong.map((r) => `${r.id}/${r.region}/${r.n}`).sort()).toEqual(['1/eu/3', '4/us/2']);
    const oltp = (await readRows(env, root, 'oltp')).map((r) => JSON.parse(r) as { id: string; n: number });
    expect(oltp.map((r) => `${r.id}/${r.n}`).sort()).toEqual(['1/3', '4/2']);
    const eventual = (await readRows(env, root, 'eventual')).map((r) => JSON.parse(r) as { id: string });
    expect(eventual.map((r) => r.id).sort()).toEqual(['1', '2', '3']);
  });

  it('a corrupt record makes a STRONG read fail with ERR_WAL_RECORD_CORRUPT', async () => {
    const root = 'corrupt/';
    await createKeyedTable(env, root);
    const { seq } = await keyedWrite(env, writer, root, wideRow(1, 'eu', 1));
    const bytes = (await env.store.get(walRecordKey(root, seq)))!;
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    await env.store.put(walRecordKey(root, seq), bytes);
    const err = await loadStrongState(env.store, root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ERR_WAL_RECORD_CORRUPT');
  });

  it('ignores records of a dropped-and-recreated table (other table id)', async () => {
    const root = 'recreated/';
    await createKeyedTable(env, root);
    await keyedWrite(env, writer, root, wideRow(1, 'eu', 1));
    // Recreate: a new Delta log with a new metaData.id at the same root (the WAL object stays).
    for (const o of (await env.store.list(`${root}_delta_log/`)).objects) await env.store.deleteMany([o.key]);
    await createKeyedTable(env, root);
    const state = await loadStrongState(env.store, root);
    expect(upsertCount(state.overlay)).toBe(0);
    expect(state.skipped.map((s) => s.reason)).toEqual(['table-id-mismatch']);
    expect((await loadSnapshot(env.store, root)).version).toBe(0);
  });

  it('read-your-writes while a compactor drains concurrently: every STRONG read after an ack shows it', async () => {
    const root = 'ryw/';
    await createKeyedTable(env, root);
    let writing = true;
    const compactor = (async () => {
      while (writing) {
        await drainTable(env.store, root, { batchSize: 2, maxConflictRetries: 50 }, env.deps);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      for (let v = 1; v <= 15; v++) {
        await keyedWrite(env, writer, root, `${wideRow(1, 'eu', v)} UNION ALL ${wideRow(v + 1, 'us', v)}`);
        const rows = (await readRows(env, root, 'strong')).map((r) => JSON.parse(r) as { id: string; region: string; n: number });
        expect(rows.find((r) => r.id === '1')?.n, `after write ${v}`).toBe(v);
        expect(rows).toHaveLength(v + 1);
      }
    } finally {
      writing = false;
      await compactor;
    }
  }, 60_000);

  it('a read on a snapshot that a drain overtook (records deleted, a freed slot re-created) is retried, not served', async () => {
    const root = 'overtaken/';
    await createKeyedTable(env, root);
    for (let v = 1; v <= 3; v++) await keyedWrite(env, writer, root, wideRow(v, 'eu', v));
    const old = await loadSnapshot(env.store, root);
    await drainTable(env.store, root, { batchSize: 100 }, env.deps);
    // A stale writer re-creates freed slot 2 with other content (it will abandon it, but not yet).
    const shape = walTableShape(old);
    const orphan = encodeWalRecord({ tableId: shape.tableId, schemaFingerprint: shape.fingerprint, columns: shape.columns, primaryKey: shape.primaryKey, upserts: await captureRows(env.conn, wideRow(99, 'eu', 1), shape), deletes: [], writerId: 'stale', createdAt: 0 });
    await env.store.put(walRecordKey(root, 2), orphan);
    expect(await readWalOverlay(env.store, old)).toBeUndefined();
    const state = await loadStrongState(env.store, root);
    expect(upsertCount(state.overlay)).toBe(0);
    expect(state.watermark).toBe(3);
  });

  it('a record cache turns repeated STRONG reads into LIST-only reads', async () => {
    const root = 'cached/';
    await createKeyedTable(env, root);
    for (let v = 1; v <= 4; v++) await keyedWrite(env, writer, root, wideRow(v, 'eu', v));
    let gets = 0;
    const counting: ObjectStore = new Proxy(env.store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'get') return (key: string, range?: unknown) => { if (key.endsWith('.rec')) gets++; return (value as (k: string, r?: unknown) => unknown).call(target, key, range); };
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const cache = new WalRecordCache(100);
    const first = await loadStrongState(counting, root, { cache });
    expect(gets).toBe(4);
    const second = await loadStrongState(counting, root, { cache });
    expect(gets).toBe(4);
    expect([...second.overlay.byKey.keys()]).toEqual([...first.overlay.byKey.keys()]);
  });
});
