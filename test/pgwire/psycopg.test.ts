/**
 * psycopg 3 (Debian python3-psycopg, the system /usr/bin/python3): a parameterized query over the
 * extended protocol, with text and binary result formats, every column type decoded by psycopg
 * itself into Python values.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startPg, type StartedPg } from './support.ts';

let srv: StartedPg;
beforeAll(async () => {
  srv = await startPg();
  await srv.engine.execute({ bucket: 'demo', sql: `CREATE TABLE py (id INTEGER, s VARCHAR, l BIGINT, sh SMALLINT, f FLOAT, d DOUBLE, b BOOLEAN, dt DATE, ts TIMESTAMP, bin BLOB, j JSON)` });
  await srv.engine.execute({ bucket: 'demo', sql: `INSERT INTO py VALUES (1, 'héllo', 9007199254740993, -7, 0.25, 2.5, true, DATE '2026-05-27', TIMESTAMP '2026-05-27 10:11:12.5', '\\x00\\xff'::BLOB, '{"a":[1,2]}'), (2, 'other', 0, 0, 0, 0, false, DATE '2000-01-01', TIMESTAMP '2000-01-01 00:00:00', NULL, NULL)` });
});
afterAll(async () => {
  await srv?.stop();
});

const SCRIPT = `
import json, sys, psycopg
conninfo = sys.argv[1]
out = {}
with psycopg.connect(conninfo) as conn:
    for binary in (False, True):
        with conn.cursor(binary=binary) as cur:
            cur.execute("SELECT id, s, l, sh, f, d, b, dt, ts, bin, j, CAST(-12345.678 AS DECIMAL(12,3)) AS dec, l::HUGEINT * 1000000000000 AS huge FROM py WHERE id = %s AND s = %s", (1, "héllo"))
            row = cur.fetchone()
            out["binary" if binary else "text"] = [repr(v) for v in row]
            out["types_" + ("binary" if binary else "text")] = [d.type_code for d in cur.description]
print(json.dumps(out))
`;

test('psycopg 3: a parameterized query, text and binary formats decode to the same Python values', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('/usr/bin/python3', ['-c', SCRIPT, srv.conninfo('reader')], { timeout: 60_000 }, (err, out, stderr) => (err === null ? resolve(out) : reject(new Error(`${err.message}\n${stderr}`))));
  });
  const out = JSON.parse(stdout) as Record<string, unknown[]>;
  const expected = [
    '1', "'héllo'", '9007199254740993', '-7', '0.25', '2.5', 'True', 'datetime.date(2026, 5, 27)',
    'datetime.datetime(2026, 5, 27, 10, 11, 12, 500000)', "b'\\x00\\xff'", "{'a': [1, 2]}", "Decimal('-12345.678')", "Decimal('9007199254740993000000000000')",
  ];
  expect(out['text']).toEqual(expected);
  expect(out['binary']).toEqual(expected);
  expect(out['types_text']).toEqual([23, 25, 20, 21, 700, 701, 16, 1082, 1114, 17, 114, 1700, 1700]);
  expect(out['types_binary']).toEqual(out['types_text']);
});
