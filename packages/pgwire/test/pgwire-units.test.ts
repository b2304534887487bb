/**
 * Unit tests of the pure parts of @k3/pgwire: SCRAM-SHA-256 against an RFC 5802 client computed
 * here, frame splitting across chunk boundaries, value codecs (text and binary) and their
 * inverses, statement classification, PostgreSQL spellings normalised for DuckDB's parser.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { scramVerifier } from '@k3/core/auth';
import { describe, expect, test } from 'vitest';
import { decoyVerifier, ScramError, ScramServerExchange } from '../src/auth/scram.ts';
import { normalizePgSyntax } from '../src/catalog/pg-syntax.ts';
import { FrameReader, ProtocolViolation } from '../src/protocol/frame-reader.ts';
import { classifyStatement, splitStatements } from '../src/session/statement-kind.ts';
import { decodeParam } from '../src/types/decode-param.ts';
import { binaryOf, numericBinary, textOf } from '../src/types/encode-value.ts';
import { pgTypeOf } from '../src/types/pg-types.ts';

/** The client side of SCRAM-SHA-256 (RFC 5802 §3), as libpq computes it. */
function clientProof(password: string, clientFirstBare: string, serverFirst: string, withoutProof: string): { proof: string; serverSignature: string } {
  const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs['s']!, 'base64'), Number(attrs['i']), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = createHmac('sha256', storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64');
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return { proof, serverSignature: createHmac('sha256', serverKey).update(authMessage).digest('base64') };
}

function exchange(verifierSecret: string, password: string, opts: { cbind?: string } = {}): string {
  const server = new ScramServerExchange(scramVerifier(verifierSecret, { iterations: 4096 }));
  const clientFirstBare = 'n=,r=clientnonce123';
  const serverFirst = server.first(`n,,${clientFirstBare}`);
  const withoutProof = `c=${opts.cbind ?? 'biws'},r=${/r=([^,]+)/.exec(serverFirst)![1]}`;
  const { proof, serverSignature } = clientProof(password, clientFirstBare, serverFirst, withoutProof);
  const final = server.final(`${withoutProof},p=${proof}`);
  expect(final).toBe(`v=${serverSignature}`);
  return final;
}

describe('SCRAM-SHA-256', () => {
  test('the right secret proves itself and the server signature matches', () => {
    expect(exchange('k3_secret', 'k3_secret')).toMatch(/^v=/);
  });
  test('a wrong secret, a tampered channel binding or a decoy verifier fail', () => {
    expect(() => exchange('k3_secret', 'k3_other')).toThrow(ScramError);
    expect(() => exchange('k3_secret', 'k3_secret', { cbind: 'eSws' })).toThrow(ScramError);
    const decoy = new ScramServerExchange(decoyVerifier('nobody', Buffer.alloc(32, 7)));
    const sf = decoy.first('n,,n=,r=abc');
    const { proof } = clientProof('anything', 'n=,r=abc', sf, `c=biws,r=${/r=([^,]+)/.exec(sf)![1]}`);
    expect(() => decoy.final(`c=biws,r=${/r=([^,]+)/.exec(sf)![1]},p=${proof}`)).toThrow(ScramError);
  });
  test('channel binding requested by the client (p=) is refused', () => {
    const server = new ScramServerExchange(scramVerifier('x'));
    expect(() => server.first('p=tls-server-end-point,,n=,r=abc')).toThrow(ScramError);
  });
});

describe('frames', () => {
  test('frames split across chunks are reassembled; a bad length is a protocol violation', () => {
    const r = new FrameReader();
    r.untyped = false;
    const q = Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 13]), Buffer.from('SELECT 1\0')]);
    r.push(q.subarray(0, 3));
    expect(r.next()).toBeUndefined();
    r.push(Buffer.concat([q.subarray(3), q]));
    expect(r.next()?.body.toString()).toBe('SELECT 1\0');
    expect(r.next()?.type).toBe('Q');
    expect(r.next()).toBeUndefined();
    r.push(Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff]));
    expect(() => r.next()).toThrow(ProtocolViolation);
  });
});

describe('value codecs', () => {
  test('text format of the engine encodings', () => {
    expect(textOf(true, pgTypeOf('BOOLEAN'))).toBe('t');
    expect(textOf('AAH+/w==', pgTypeOf('BLOB'))).toBe('\\x0001feff');
    expect(textOf('2026-05-27T10:00:00.5Z', pgTypeOf('TIMESTAMP WITH TIME ZONE'))).toBe('2026-05-27 10:00:00.5+00');
    expect(textOf('0044-03-15 (BC)', pgTypeOf('DATE'))).toBe('0044-03-15 BC');
    expect(textOf([1, null, 3], pgTypeOf('INTEGER[]'))).toBe('{1,NULL,3}');
    expect(textOf(['a b', '', 'x"y'], pgTypeOf('VARCHAR[]'))).toBe('{"a b","","x\\"y"}');
    expect(textOf({ a: 1 }, pgTypeOf('STRUCT(a INTEGER)'))).toBe('{"a":1}');
    expect(pgTypeOf('DECIMAL(18,3)')).toMatchObject({ oid: 1700, typmod: ((18 << 16) | 3) + 4 });
  });

  test('binary numeric, date, timestamp and int8 decode back to the same values', () => {
    for (const n of ['0', '-12345.678', '9007199254740993000000000000', '0.0001', '10000', '-0.5']) {
      expect(decodeParam(numericBinary(n), 1700, 1, 0)).toBe(n);
    }
    expect(decodeParam(binaryOf('2026-05-27', pgTypeOf('DATE')), 1082, 1, 0)).toBe('2026-05-27');
    expect(decodeParam(binaryOf('2026-05-27 10:11:12.345678', pgTypeOf('TIMESTAMP')), 1114, 1, 0)).toBe('2026-05-27 10:11:12.345678');
    expect(decodeParam(binaryOf('-9223372036854775808', pgTypeOf('BIGINT')), 20, 1, 0)).toBe(-9223372036854775808n);
    expect(binaryOf('infinity', pgTypeOf('DATE')).readInt32BE(0)).toBe(0x7fffffff);
  });

  test('text parameters decode by declared type; malformed ones are ERR_BAD_REQUEST', () => {
    expect(decodeParam(Buffer.from('t'), 16, 0, 0)).toBe(true);
    expect(decodeParam(Buffer.from('42'), 20, 0, 0)).toBe(42n);
    expect(decodeParam(Buffer.from('\\x00ff'), 17, 0, 0)).toEqual(new Uint8Array([0, 255]));
    expect(decodeParam(null, 23, 0, 0)).toBeNull();
    expect(() => decodeParam(Buffer.from('4x'), 23, 0, 2)).toThrow(/Parameter \$3/);
  });
});

describe('statements', () => {
  test('session commands are recognised; everything else is SQL for DuckDB', () => {
    expect(classifyStatement('BEGIN READ ONLY')).toEqual({ kind: 'session', command: { kind: 'begin', readOnly: true } });
    expect(classifyStatement('start transaction isolation level read committed')).toMatchObject({ command: { kind: 'begin', readOnly: false } });
    expect(classifyStatement("SET k3.freshness = 'strong'")).toEqual({ kind: 'session', command: { kind: 'set', name: 'k3.freshness', value: 'strong' } });
    expect(classifyStatement('SET extra_float_digits TO 3')).toMatchObject({ command: { kind: 'set', name: 'extra_float_digits', value: '3' } });
    expect(classifyStatement('SHOW TRANSACTION ISOLATION LEVEL')).toMatchObject({ command: { kind: 'show', name: 'transaction_isolation' } });
    expect(classifyStatement('SHOW TABLES')).toEqual({ kind: 'sql', write: false, verb: 'SHOW' });
    expect(classifyStatement('WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x')).toEqual({ kind: 'sql', write: true, verb: 'INSERT' });
    expect(classifyStatement('/* c */ -- x\n')).toEqual({ kind: 'empty' });
    expect(splitStatements("SELECT ';'; SELECT 2;")).toEqual(["SELECT ';'", 'SELECT 2']);
  });

  test('psql spellings DuckDB cannot parse are normalised outside strings only', () => {
    expect(normalizePgSyntax("SELECT c.x::pg_catalog.text WHERE n OPERATOR(pg_catalog.~) '^(a)$' AND s = 'OPERATOR(pg_catalog.~)'"))
      .toBe("SELECT c.x::text WHERE n ~ '^(a)$' AND s = 'OPERATOR(pg_catalog.~)'");
  });
});
