/**
 * pgjdbc (Debian libpostgresql-jdbc-java on the image's JDK): the calls DBeaver and Metabase make
 * through JDBC — DatabaseMetaData getCatalogs / getSchemas / getTables / getColumns /
 * getPrimaryKeys — a PreparedStatement with parameters of every type (past the prepare threshold,
 * so named server statements and binary transfer are used), a ResultSet of every type, and
 * setAutoCommit(false) with a write refused (0A000) and rolled back.
 * K3Jdbc.java is compiled with javac at test time.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startPg, type StartedPg } from './support.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const JAR = '/usr/share/java/postgresql.jar';

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000 }, (err, stdout, stderr) => (err === null ? resolve(stdout) : reject(new Error(`${cmd} failed: ${err.message}\n${stdout}\n${stderr}`))));
  });
}

let srv: StartedPg;
let classes: string;
beforeAll(async () => {
  classes = await mkdtemp(path.join(tmpdir(), 'k3-jdbc-'));
  srv = await startPg();
  await run('javac', ['-cp', JAR, '-d', classes, path.join(HERE, 'K3Jdbc.java')]);
  await srv.engine.execute({
    bucket: 'demo',
    sql: `CREATE TABLE jt (id BIGINT PRIMARY KEY, s VARCHAR NOT NULL, i INTEGER, l BIGINT, sh SMALLINT, f FLOAT, d DOUBLE, b BOOLEAN,
      dt DATE, ts TIMESTAMP, bin BLOB, j JSON)`,
  });
});
afterAll(async () => {
  await srv?.stop();
  if (classes !== undefined) await rm(classes, { recursive: true, force: true });
});

test('pgjdbc: DatabaseMetaData, PreparedStatement of every type, ResultSet types, transactions', async () => {
  const stdout = await run('java', ['-cp', `${JAR}:${classes}`, 'K3Jdbc', `jdbc:postgresql://127.0.0.1:${srv.port}/demo`, 'admin', srv.secrets.admin]);
  const lines = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split('\t') as [string, string]));
  expect(lines['product']).toBe('PostgreSQL 15.0');
  expect(lines['catalogs']).toBe('demo');
  expect(lines['schemas']).toBe('information_schema;main;pg_catalog');
  expect(lines['tables']).toBe('main|jt|TABLE|null');
  expect(lines['columns']).toBe([
    'id|-5|int8|0|1', 's|12|text|0|2', 'i|4|int4|1|3', 'l|-5|int8|1|4', 'sh|5|int2|1|5', 'f|7|float4|1|6', 'd|8|float8|1|7',
    'b|-7|bool|1|8', 'dt|91|date|1|9', 'ts|93|timestamp|1|10', 'bin|-2|bytea|1|11', 'j|1111|json|1|12',
  ].join(';'));
  expect(lines['pks']).toBe('id|1|jt_pkey');
  expect(lines['inserted']).toBe('1');
  const expected = `1|jdbc ✓|-2147483648|9223372036854775807|-12|1.25|-0.1|true|2026-05-27|2026-05-27 10:11:12.123456|0001feff|{"a":1}`;
  expect(lines['select1']).toBe(expected);
  expect(lines['select7']).toBe(expected);
  expect(lines['types']).toBe('int8,text,int4,int8,int2,float4,float8,bool,date,timestamp,bytea,json');
  expect(lines['in-transaction-count']).toBe('1');
  expect(lines['write-in-transaction']).toBe('0A000');
  expect(lines['after-rollback-count']).toBe('1');
});
