/**
 * node-postgres (`pg`, the real driver) over the extended protocol: parameterized INSERT and
 * SELECT of every column type (text results; binary formats: psycopg and pgjdbc), row limits through a
 * portal (PortalSuspended), a pool of 20 concurrent connections, cancel of a long query
 * (CancelRequest → 57014, the session stays usable), refusals with their SQLSTATE and no detail,
 * garbage bytes closing only their own connection.
 */
import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPg, type StartedPg } from './support.ts';

let srv: StartedPg;
const config = (user: keyof StartedPg['secrets'] = 'admin', database = 'demo'): pg.ClientConfig => ({
  host: '127.0.0.1', port: srv.port, user, database, password: srv.secrets[user],
});

async function withClient<T>(fn: (c: pg.Client) => Promise<T>, cfg = config()): Promise<T> {
  const c = new pg.Client(cfg);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  srv = await startPg();
  await withClient(async (c) => {
    await c.query(`CREATE TABLE typed (id BIGINT PRIMARY KEY, s VARCHAR, i INTEGER, l BIGINT, sh SMALLINT, f FLOAT, d DOUBLE,
      b BOOLEAN, dt DATE, ts TIMESTAMP, bin BLOB, j JSON)`);
    await c.query(`SET k3.freshness = 'strong'`);
  });
});
afterAll(async () => {
  await srv?.stop();
});

const ROW = {
  id: '9007199254740993', s: "it's ünïcode", i: -2147483648, l: '-9223372036854775808', sh: 32767, f: 0.5, d: 3.141592653589793,
  b: true, dt: '2026-05-27', ts: '2026-05-27 10:11:12.345678', bin: Buffer.from([0, 1, 254, 255]), j: { sku: 'A-12', n: 12345678901234567890n.toString() },
};

describe('node-postgres', () => {
  test('parameterized INSERT and SELECT of every column type (extended protocol, text results)', async () => {
    await withClient(async (c) => {
      await c.query(`SET k3.freshness = 'strong'`);
      const ins = await c.query(
        'INSERT INTO typed VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
        [ROW.id, ROW.s, ROW.i, ROW.l, ROW.sh, ROW.f, ROW.d, ROW.b, ROW.dt, ROW.ts, ROW.bin, JSON.stringify(ROW.j)],
      );
      expect(ins.command).toBe('INSERT');
      expect(ins.rowCount).toBe(1);
      const res = await c.query('SELECT * FROM typed WHERE id = $1 AND s = $2', [ROW.id, ROW.s]);
      expect(res.rows).toHaveLength(1);
      const row = res.rows[0] as Record<string, unknown>;
      expect(row['id']).toBe(ROW.id); // int8 comes back as text in node-postgres
      expect(row['s']).toBe(ROW.s);
      expect(row['i']).toBe(ROW.i);
      expect(row['l']).toBe(ROW.l);
      expect(row['sh']).toBe(ROW.sh);
      expect(row['f']).toBe(ROW.f);
      expect(row['d']).toBe(ROW.d);
      expect(row['b']).toBe(true);
      expect((row['dt'] as Date).toISOString().slice(0, 10) === ROW.dt || String(row['dt']).startsWith('Wed May 27 2026')).toBe(true);
      expect(row['bin']).toEqual(ROW.bin);
      expect(row['j']).toEqual(ROW.j);
      // Field types are PostgreSQL's OIDs.
      expect(res.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
        ['id', 20], ['s', 25], ['i', 23], ['l', 20], ['sh', 21], ['f', 700], ['d', 701], ['b', 16], ['dt', 1082], ['ts', 1114], ['bin', 17], ['j', 114],
      ]);
    });
  });

  test('Execute with a row limit suspends the portal and resumes it (cursor over the extended protocol)', async () => {
    await withClient(async (c) => {
      // A Submittable driving a named portal 3 rows at a time, the way pg-cursor does.
      interface Con { parse(m: object, more: boolean): void; bind(m: object, more: boolean): void; describe(m: object, more: boolean): void; execute(m: object, more: boolean): void; flush(): void; sync(): void }
      const rows: number[] = [];
      const marks: number[] = [];
      const done = new Promise<void>((resolve, reject) => {
        let con: Con;
        const submittable = {
          submit(connection: Con) {
            con = connection;
            con.parse({ text: 'SELECT x FROM range(10) t(x) ORDER BY x', types: [] }, true);
            con.bind({ portal: 'p1', statement: '', values: [] }, true);
            con.describe({ type: 'P', name: 'p1' }, true);
            con.execute({ portal: 'p1', rows: 3 }, true);
            con.flush();
          },
          handleRowDescription() {},
          handleDataRow(msg: { fields: Array<string | null> }) { rows.push(Number(msg.fields[0])); },
          handlePortalSuspended() {
            marks.push(rows.length);
            con.execute({ portal: 'p1', rows: 3 }, true);
            con.flush();
          },
          handleCommandComplete() { marks.push(rows.length); con.sync(); },
          handleReadyForQuery() { resolve(); },
          handleError(err: Error) { reject(err); },
          handleEmptyQuery() {},
        };
        void c.query(submittable as never);
      });
      await done;
      expect(marks).toEqual([3, 6, 9, 10]);
      expect(rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });

  test('a pool of 20 concurrent connections answers 100 parameterized queries', async () => {
    const pool = new pg.Pool({ ...config(), max: 20 });
    try {
      const results = await Promise.all(Array.from({ length: 100 }, (_, k) => pool.query('SELECT $1::INTEGER * 2 AS v, count(*) AS n FROM typed', [k])));
      expect(results.map((r) => (r.rows[0] as { v: number }).v)).toEqual(Array.from({ length: 100 }, (_, k) => k * 2));
      expect(pool.totalCount).toBe(20);
      expect(srv.server.sessionCount()).toBeGreaterThanOrEqual(20);
    } finally {
      await pool.end();
    }
  });

  test('CancelRequest interrupts a long query with 57014 and the session keeps working', async () => {
    await withClient(async (c) => {
      const query = new pg.Query('SELECT count(*) FROM range(100000000000) a');
      const outcome = new Promise<{ code?: string } | undefined>((resolve) => {
        query.on('error', (e: unknown) => resolve(e as { code?: string }));
        query.on('end', () => resolve(undefined));
      });
      c.query(query);
      await new Promise((r) => setTimeout(r, 1500));
      // node-postgres' cancel: a second connection sends CancelRequest with the session's BackendKeyData.
      const canceller = new pg.Client(config()) as pg.Client & { cancel(client: pg.Client, query: pg.Query): void };
      const started = Date.now();
      canceller.cancel(c, query);
      const err = await outcome;
      expect(err?.code).toBe('57014');
      expect(Date.now() - started).toBeLessThan(30_000);
      const after = await c.query('SELECT 41 + 1 AS v');
      expect((after.rows[0] as { v: number }).v).toBe(42);
    });
  });

  test('errors carry the registry SQLSTATE and message; the extended protocol recovers at Sync', async () => {
    await withClient(async (c) => {
      const missing = (await c.query('SELECT * FROM nope WHERE x = $1', [1]).catch((e: unknown) => e)) as { code?: string; message?: string };
      expect(missing.code).toBe('42P01');
      expect(missing.message).toContain('Table "nope" does not exist');
      const dup = (await c.query('INSERT INTO typed (id) VALUES ($1)', [ROW.id]).catch((e: unknown) => e)) as { code?: string };
      expect(dup.code).toBe('23505');
      const ok = await c.query('SELECT $1::VARCHAR AS v', ['still fine']);
      expect((ok.rows[0] as { v: string }).v).toBe('still fine');
      // A simple query with several statements runs them, unless one writes (not atomic → refused, nothing runs).
      const multi = (await c.query("SELECT 1; INSERT INTO typed (id) VALUES (5)").catch((e: unknown) => e)) as { code?: string };
      expect(multi.code).toBe('0A000');
      const count = await c.query('SELECT count(*)::INTEGER AS n FROM typed WHERE id = 5');
      expect((count.rows[0] as { n: number }).n).toBe(0);
    });
  });

  test('wrong password, unknown user, wrong bucket, revoked token: 28P01 / 28000 with no detail', async () => {
    const refusal = async (cfg: pg.ClientConfig): Promise<{ code?: string; message?: string; detail?: string }> => {
      const c = new pg.Client(cfg);
      const err = (await c.connect().then(() => undefined, (e: unknown) => e)) as { code?: string; message?: string; detail?: string };
      await c.end().catch(() => undefined);
      return err;
    };
    const wrong = await refusal({ ...config('reader'), password: 'k3_wrong' });
    expect(wrong).toMatchObject({ code: '28P01', message: 'password authentication failed for user "reader"' });
    expect(wrong.detail).toBeUndefined();
    const unknown = await refusal({ ...config('reader'), user: 'nobody', password: 'whatever' });
    expect(unknown).toMatchObject({ code: '28P01', message: 'password authentication failed for user "nobody"' });
    const otherBucket = await refusal(config('reader', 'other'));
    expect(otherBucket).toMatchObject({ code: '28000', message: 'permission denied for database "other"' });
    const missingBucket = await refusal(config('reader', 'no-such-bucket'));
    expect(missingBucket).toMatchObject({ code: '28000', message: 'permission denied for database "no-such-bucket"' });
    // A read token cannot write (the engine classifies, the token store decides).
    await withClient(async (c) => {
      const err = (await c.query('INSERT INTO typed (id) VALUES (77)').catch((e: unknown) => e)) as { code?: string };
      expect(err.code).toBe('42501');
    }, config('reader'));
    // Revoked: new connections fail like a wrong password; an open session ends at its next statement.
    const open = new pg.Client(config('writer'));
    await open.connect();
    open.on('error', () => undefined);
    await srv.tokens.revoke('writer');
    await new Promise((r) => setTimeout(r, 400));
    const revoked = await refusal(config('writer'));
    expect(revoked).toMatchObject({ code: '28P01', message: 'password authentication failed for user "writer"' });
    const during = (await open.query('SELECT 1').catch((e: unknown) => e)) as { code?: string };
    expect(during.code).toBe('28P01');
    await open.end().catch(() => undefined);
  });

  test('garbage bytes close that connection only', async () => {
    await withClient(async (c) => {
      const garbage = await new Promise<string>((resolve) => {
        const s = connect(srv.port, '127.0.0.1', () => s.write(Buffer.from('\x00\x00\x00\x08\xde\xad\xbe\xef garbage that is not a startup packet', 'latin1')));
        let got = '';
        s.on('data', (d) => (got += d.toString('latin1')));
        s.on('close', () => resolve(got));
        s.on('error', () => undefined);
      });
      expect(garbage).toContain('08P01');
      // A startup packet without a user, then a frame with length -1.
      const typedGarbage = await new Promise<string>((resolve) => {
        const s = connect(srv.port, '127.0.0.1', () => s.write(Buffer.from([0, 0, 0, 8, 0, 3, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff])));
        let got = '';
        s.on('data', (d) => (got += d.toString('latin1')));
        s.on('close', () => resolve(got));
        s.on('error', () => undefined);
      });
      expect(typedGarbage).toMatch(/FATAL/);
      const still = await c.query('SELECT $1::INTEGER + 1 AS v', [1]);
      expect((still.rows[0] as { v: number }).v).toBe(2);
    });
  });
});
