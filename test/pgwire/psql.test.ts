/**
 * psql 15 (the real client) against the Postgres wire: golden transcripts of meta-commands
 * (`\l`, `\dt`, `\d table`, `\dn`, `\x`), queries and writes. `K3_UPDATE_GOLDEN=1` rewrites the
 * golden files; otherwise the transcript must match byte for byte.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPg, type StartedPg } from './support.ts';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

function psql(conninfo: string, script: string, extra: string[] = []): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile('psql', ['-X', '-a', '-v', 'ON_ERROR_STOP=0', ...extra, conninfo], { env: { ...process.env, PGAPPNAME: 'golden', PGTZ: 'UTC' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1 });
    });
    child.stdin?.end(script);
  });
}

async function golden(name: string, actual: string): Promise<void> {
  const file = path.join(GOLDEN, `${name}.txt`);
  if (process.env['K3_UPDATE_GOLDEN'] === '1') await writeFile(file, actual);
  expect(actual).toBe(await readFile(file, 'utf8'));
}

let pg: StartedPg;
beforeAll(async () => {
  pg = await startPg();
});
afterAll(async () => {
  await pg?.stop();
});

describe('psql', () => {
  test('writes, queries and meta-commands match the golden transcript', async () => {
    const script = [
      "CREATE TABLE events (id BIGINT PRIMARY KEY, user_id VARCHAR NOT NULL, amount DOUBLE, ok BOOLEAN DEFAULT true, day DATE, ts TIMESTAMP, payload JSON, raw BLOB, n INTEGER, s SMALLINT, f FLOAT);",
      'CREATE TABLE notes (id INTEGER, body VARCHAR);',
      "INSERT INTO notes VALUES (1, 'first'), (2, 'second'), (3, NULL);",
      "INSERT INTO events VALUES (1, 'u-1', 49.99, true, DATE '2026-05-27', TIMESTAMP '2026-05-27 10:00:00.25', '{\"sku\":\"A-12\"}', '\\x01\\xff'::BLOB, 7, 2, 0.5), (2, 'u-2', -1.5, false, DATE '1999-12-31', TIMESTAMP '1999-12-31 23:59:59', '[1,2]', NULL, NULL, -3, NULL);",
      "SET k3.freshness = 'strong';",
      'SHOW k3.freshness;',
      'SELECT * FROM events ORDER BY id;',
      'SELECT id, body FROM notes ORDER BY id;',
      "UPDATE notes SET body = 'changed' WHERE id = 2;",
      'DELETE FROM notes WHERE body IS NULL;',
      'SELECT id, body FROM notes ORDER BY id;',
      '\\x',
      'SELECT id, user_id, amount FROM events WHERE id = 1;',
      '\\x',
      '\\dt',
      '\\d events',
      '\\d notes',
      '\\dn',
      '\\l',
      'SELECT count(*) AS n, sum(amount) AS total FROM events;',
      'SELECT * FROM missing_table;',
      'SELECT current_database(), current_user, current_schema();',
      '',
    ].join('\n');
    const { stdout, stderr } = await psql(pg.conninfo('admin'), script);
    await golden('psql-session', `${stdout}\n--- stderr ---\n${stderr}`);
  });

  test('BEGIN READ ONLY around reads is accepted; a write inside the block is refused with 0A000 and changes nothing', async () => {
    const script = [
      'CREATE TABLE IF NOT EXISTS tx (id INTEGER, v VARCHAR);',
      "INSERT INTO tx VALUES (1, 'a');",
      'BEGIN READ ONLY;',
      'SELECT count(*) FROM tx;',
      'COMMIT;',
      'BEGIN;',
      'SELECT count(*) FROM tx;',
      "INSERT INTO tx VALUES (2, 'b');",
      'SELECT 1;',
      'ROLLBACK;',
      'SELECT count(*) FROM tx;',
      'SHOW TRANSACTION ISOLATION LEVEL;',
      '',
    ].join('\n');
    const { stdout, stderr } = await psql(pg.conninfo('admin'), script, ['-v', 'VERBOSITY=verbose']);
    await golden('psql-transactions', `${stdout}\n--- stderr ---\n${stderr}`);
    expect(stderr).toContain('ERROR:  0A000');
  });
});
