/**
 * Every k3 column type survives the change files exactly: after an update that rewrites the rows
 * (keyed: through the log and the drain; no key: straight to Delta, rowid pairing), the
 * post-images equal the table's rows and the pre-images equal the rows before, value for value
 * (NaN, -0.0, infinities, 64-bit extremes, µs timestamps, BLOB bytes, JSON text, NULLs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../sql/engine-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const COLUMNS = 'id INTEGER, s VARCHAR, i INTEGER, b BIGINT, sm SMALLINT, f FLOAT, d DOUBLE, ok BOOLEAN, dt DATE, ts TIMESTAMP, bl BLOB, j JSON, tag VARCHAR';
const ROWS = `(1, 'a''b ü', 2147483647, 9223372036854775807, -32768, 'nan'::FLOAT, -0.0, true, DATE '1970-01-01', TIMESTAMP '2024-02-29 23:59:59.999999', '\\x00\\xFF'::BLOB, '{"a":[1,2,{"b":null}]}', 'x'),
  (2, NULL, NULL, -9223372036854775808, NULL, 'inf'::FLOAT, 1e308, NULL, DATE '9999-12-31', NULL, NULL, '"text"', 'x'),
  (3, '', 0, 0, 0, -1.5, 'nan'::DOUBLE, false, NULL, TIMESTAMP '1900-01-01 00:00:00', ''::BLOB, NULL, 'x')`;

describe('change files keep every value exactly', () => {
  for (const keyed of [true, false]) {
    it(keyed ? 'keyed table (drain)' : 'table without key (rowid pairing)', async () => {
      const t = keyed ? 'typed_k' : 'typed_n';
      await h.ddl(`CREATE TABLE ${t} (${keyed ? COLUMNS.replace('id INTEGER', 'id INTEGER PRIMARY KEY') : COLUMNS}) WITH ('delta.enableChangeDataFeed' = true)`);
      await h.write(`INSERT INTO ${t} VALUES ${ROWS}`);
      const before = (await h.query(`SELECT * FROM ${t} ORDER BY id`)).rows;
      const w = await h.write(`UPDATE ${t} SET tag = 'y' WHERE ${keyed ? 'id IN (1, 2, 3)' : "tag = 'x'"}`);
      const after = (await h.query(`SELECT * FROM ${t} ORDER BY id`)).rows;
      const version = keyed ? Number((await h.query(`SELECT max(version) FROM k3_history('${t}')`)).rows[0]![0]) : Number(w.version);
      const images = async (type: string): Promise<unknown[][]> =>
        (await h.query(`SELECT * EXCLUDE (_change_type, _commit_version, _commit_timestamp) FROM table_changes('${t}', ${version}, ${version}) WHERE _change_type = '${type}' ORDER BY id`)).rows;
      expect(await images('update_postimage')).toEqual(after);
      expect(await images('update_preimage')).toEqual(before);
      const inserted = (await h.query(`SELECT * EXCLUDE (_change_type, _commit_version, _commit_timestamp) FROM table_changes('${t}', 1) WHERE _change_type = 'insert' ORDER BY id`)).rows;
      expect(inserted).toEqual(before);
    });
  }
});
