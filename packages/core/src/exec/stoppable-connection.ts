/**
 * A connection that refuses to START DuckDB work once its request is over (K3_QUERY_TIMEOUT passed,
 * or the client went away). DuckDB's interrupt stops only the call running at that moment; code with
 * a fallback (`try { one call } catch { the prepared path }`, common on the keyed-write path) would
 * otherwise take the interrupt for an ordinary failure and start again, uninterrupted. Through this
 * wrapper every later call — `run*`, `stream*`, `start*`, `prepare`, `extractStatements`,
 * `createAppender` — rejects at once with `stopped()`'s error, so the request unwinds.
 *
 * Everything else (interrupt, closeSync, properties) is the connection's own; `this` inside each
 * method is the real connection, so native handles are untouched.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

const STARTS: ReadonlySet<PropertyKey> = new Set([
  'run', 'runAndRead', 'runAndReadAll', 'runAndReadUntil',
  'stream', 'streamAndRead', 'streamAndReadAll', 'streamAndReadUntil',
  'start', 'startThenRead', 'startThenReadAll', 'startThenReadUntil',
  'startStream', 'startStreamThenRead', 'startStreamThenReadAll', 'startStreamThenReadUntil',
  'prepare', 'extractStatements', 'createAppender',
]);

export function stoppableConnection(conn: DuckDBConnection, stopped: () => Error | undefined): DuckDBConnection {
  return new Proxy(conn, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!STARTS.has(prop)) return method.bind(target);
      return (...args: unknown[]): unknown => {
        const err = stopped();
        return err !== undefined ? Promise.reject(err) : method.apply(target, args);
      };
    },
  });
}
