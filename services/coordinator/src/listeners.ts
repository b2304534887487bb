/**
 * Binding the coordinator's listeners (HTTP, and the Postgres wire and gRPC listeners that plug in
 * next to it) with one readable outcome instead of a stack trace. Design note:
 * docs/design/server.md ("Listeners").
 *
 * - `listenRequired(spec)`: the bind error becomes AppError ERR_PORT_UNAVAILABLE whose message is
 *   one line naming the setting to change (`port 8080 on 127.0.0.1 is already in use (K3_PORT): …`);
 *   main.ts prints it and exits 1.
 * - `listenOptional(spec)`: for a listener the server can run without (the Postgres wire or gRPC in
 *   embedded mode, where a local PostgreSQL often holds 5432). A bind error is returned as a
 *   one-line `skipped` outcome — main.ts puts it in the banner and the log — and the server keeps
 *   running; in distributed mode the same listener is required (a pod that cannot serve what it is
 *   deployed for must fail).
 * - `listenListener(spec, { optional })` picks between the two.
 *
 * Only bind errors (EADDRINUSE, EACCES, EADDRNOTAVAIL) are translated; anything else propagates.
 */
import { AppError } from '@k3/core';

export interface ListenerSpec {
  /** Shown to the user: 'HTTP', 'Postgres wire', 'gRPC'. */
  readonly name: string;
  /** The configuration key holding the port: 'K3_PORT', 'K3_PG_PORT', 'K3_GRPC_PORT'. */
  readonly setting: string;
  readonly host: string;
  readonly port: number;
  /** Binds host:port; resolves with the listener's address (for the banner), rejects with the socket error. */
  readonly listen: () => Promise<string>;
}

export type ListenOutcome =
  | { readonly status: 'listening'; readonly name: string; readonly address: string }
  | { readonly status: 'skipped'; readonly name: string; readonly setting: string; readonly line: string; readonly error: AppError };

const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'is already in use',
  EACCES: 'is not permitted for this user (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'is not an address of this machine',
};

/** What went wrong and how to fix it, one line without the listener's name; undefined when `err` is not a bind error. */
function describeBindError(spec: ListenerSpec, err: unknown): { cause: string; text: string } | undefined {
  const cause = (err as { code?: unknown } | null)?.code;
  if (typeof cause !== 'string' || !(cause in BIND_ERRORS)) return undefined;
  const text = cause === 'EADDRNOTAVAIL'
    ? `address ${spec.host} ${BIND_ERRORS[cause]!} (K3_HOST); set K3_HOST to an address of this machine (127.0.0.1 or 0.0.0.0)`
    : `port ${spec.port} on ${spec.host} ${BIND_ERRORS[cause]!} (${spec.setting}); stop whatever holds it or set ${spec.setting} to a free port (0 picks any)`;
  return { cause, text };
}

/** The bind error as ERR_PORT_UNAVAILABLE with a one-line message, or undefined when `err` is not a bind error. */
export function bindError(spec: ListenerSpec, err: unknown): AppError | undefined {
  const described = describeBindError(spec, err);
  if (described === undefined) return undefined;
  return new AppError('ERR_PORT_UNAVAILABLE', `${spec.name} ${described.text}.`, { listener: spec.name, setting: spec.setting, host: spec.host, port: spec.port, cause: described.cause });
}

export async function listenRequired(spec: ListenerSpec): Promise<string> {
  try {
    return await spec.listen();
  } catch (err) {
    throw bindError(spec, err) ?? err;
  }
}

export async function listenOptional(spec: ListenerSpec): Promise<ListenOutcome> {
  try {
    return { status: 'listening', name: spec.name, address: await spec.listen() };
  } catch (err) {
    const error = bindError(spec, err);
    if (error === undefined) throw err;
    return { status: 'skipped', name: spec.name, setting: spec.setting, error, line: `${spec.name} not started: ${describeBindError(spec, err)!.text}.` };
  }
}

export async function listenListener(spec: ListenerSpec, opts: { optional: boolean }): Promise<ListenOutcome> {
  if (opts.optional) return listenOptional(spec);
  return { status: 'listening', name: spec.name, address: await listenRequired(spec) };
}
