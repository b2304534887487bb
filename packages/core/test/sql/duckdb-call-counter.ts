/**
 * Test support: counts the DuckDB round trips a piece of work makes. `instrument(db)` wraps every
 * connection the database hands out; each call into DuckDB (run / runAndRead* / stream* / start* /
 * prepare / extractStatements on a connection, run* / stream* / start* on a prepared statement)
 * counts once — calls a wrapped method makes into another wrapped method are not counted again.
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import type { K3DuckDB } from '../../src/exec/index.ts';

const CONN_METHODS = ['run', 'runAndRead', 'runAndReadAll', 'runAndReadUntil', 'stream', 'streamAndRead', 'streamAndReadAll', 'streamAndReadUntil',
  'start', 'startStream', 'startThenRead', 'startThenReadAll', 'startThenReadUntil', 'startStreamThenRead', 'startStreamThenReadAll', 'startStreamThenReadUntil', 'extractStatements'];
const PREPARED_METHODS = ['run', 'runAndRead', 'runAndReadAll', 'runAndReadUntil', 'stream', 'streamAndRead', 'streamAndReadAll', 'streamAndReadUntil',
  'start', 'startStream', 'startThenRead', 'startThenReadAll', 'startThenReadUntil', 'startStreamThenRead', 'startStreamThenReadAll', 'startStreamThenReadUntil'];

export interface DuckDBCalls {
  /** Every counted call since the last reset, as `<method>: <first line of the SQL>`. */
  readonly calls: string[];
  reset(): void;
}

export function instrument(db: K3DuckDB): { db: K3DuckDB; counter: DuckDBCalls } {
  const calls: string[] = [];
  let depth = 0;
  const wrap = (target: object, method: string, label: (args: unknown[]) => string, after?: (result: unknown) => unknown): void => {
    const t = target as Record<string, unknown>;
    const original = t[method];
    if (typeof original !== 'function') return;
    t[method] = async (...args: unknown[]) => {
      if (depth === 0) calls.push(`${method}: ${label(args)}`);
      depth++;
      let result: unknown;
      try {
        result = await (original as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      } finally {
        depth--;
      }
      return after !== undefined ? after(result) : result;
    };
  };
  const sqlOf = (args: unknown[]): string => (typeof args[0] === 'string' ? args[0] : '(statement)').replace(/\s+/g, ' ').slice(0, 160);
  const wrapPrepared = (prepared: DuckDBPreparedStatement, sql: string): DuckDBPreparedStatement => {
    for (const m of PREPARED_METHODS) wrap(prepared, m, () => `(prepared) ${sql}`);
    return prepared;
  };
  // A sibling database (the keyed-write one, sql/keyed-write-duckdb.ts) is counted with this one.
  const wrapDatabase = (db: K3DuckDB): K3DuckDB => ({
    instance: db.instance,
    sandboxed: db.sandboxed,
    ...(db.sibling !== undefined ? { sibling: async (derive: Parameters<NonNullable<K3DuckDB['sibling']>>[0]) => wrapDatabase(await db.sibling!(derive)) } : {}),
    async connect(): Promise<DuckDBConnection> {
      const conn = await db.connect();
      for (const m of CONN_METHODS) wrap(conn, m, sqlOf);
      const prepare = conn.prepare.bind(conn);
      (conn as { prepare: (sql: string) => Promise<DuckDBPreparedStatement> }).prepare = async (sql: string) => {
        if (depth === 0) calls.push(`prepare: ${sqlOf([sql])}`);
        return wrapPrepared(await prepare(sql), sqlOf([sql]));
      };
      return conn;
    },
    closeSync: () => db.closeSync(),
  });
  return { db: wrapDatabase(db), counter: { calls, reset: () => { calls.length = 0; } } };
}
