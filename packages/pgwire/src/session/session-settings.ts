/**
 * Per-connection settings: what SET/SHOW/RESET, current_setting() and pg_settings see, the
 * ParameterStatus values reported at startup (those drivers read: server_version, encodings,
 * DateStyle, TimeZone, integer_datetimes, standard_conforming_strings, …) and `k3.freshness`,
 * which chooses the read freshness of every later statement of the session.
 *
 * Values that would change how k3 encodes results (DateStyle other than ISO, TimeZone other than
 * UTC, encodings other than UTF8) are accepted by name but keep their fixed value, like a
 * PostgreSQL server whose configuration pins them; the value a client reads back is the truth.
 */
import { AppError } from '@k3/core';
import { Freshness } from '@k3/core/api';
import { SERVER_VERSION } from '../catalog/catalog-sql.ts';

/** Reported to the client at startup and whenever they change (ParameterStatus). */
export const REPORTED = ['server_version', 'server_encoding', 'client_encoding', 'application_name', 'DateStyle', 'TimeZone', 'integer_datetimes', 'standard_conforming_strings', 'IntervalStyle', 'is_superuser', 'session_authorization', 'default_transaction_read_only', 'in_hot_standby'] as const;

const DEFAULTS: Record<string, string> = {
  server_version: SERVER_VERSION,
  server_version_num: '150000',
  server_encoding: 'UTF8',
  client_encoding: 'UTF8',
  application_name: '',
  datestyle: 'ISO, MDY',
  timezone: 'UTC',
  integer_datetimes: 'on',
  standard_conforming_strings: 'on',
  intervalstyle: 'postgres',
  is_superuser: 'off',
  default_transaction_read_only: 'off',
  transaction_read_only: 'off',
  in_hot_standby: 'off',
  search_path: '"$user", main',
  extra_float_digits: '1',
  transaction_isolation: 'read committed',
  default_transaction_isolation: 'read committed',
  statement_timeout: '0',
  lock_timeout: '0',
  idle_in_transaction_session_timeout: '0',
  max_identifier_length: '63',
  lc_collate: 'C.UTF-8',
  lc_ctype: 'C.UTF-8',
  lc_messages: 'C.UTF-8',
  lc_monetary: 'C.UTF-8',
  lc_numeric: 'C.UTF-8',
  lc_time: 'C.UTF-8',
  bytea_output: 'hex',
  client_min_messages: 'notice',
  jit: 'off',
  max_connections: '100',
  'k3.freshness': 'eventual',
};

/** Settings whose value is fixed by how k3 encodes data: SET is accepted only to the same value (case/spacing aside). */
const PINNED: Record<string, (v: string) => boolean> = {
  client_encoding: (v) => /^(utf-?8|unicode)$/i.test(v),
  timezone: (v) => /^(utc|gmt|etc\/utc|z|zulu|\+?0+|00:00)$/i.test(v),
  datestyle: (v) => /iso/i.test(v),
  bytea_output: (v) => /^hex$/i.test(v),
  integer_datetimes: (v) => v === 'on',
  standard_conforming_strings: (v) => /^on|true$/i.test(v),
};

const FRESHNESS: Record<string, Freshness> = { eventual: Freshness.EVENTUAL, strong: Freshness.STRONG, oltp_only: Freshness.OLTP_ONLY };

/** Display names PostgreSQL uses for a few mixed-case settings. */
const DISPLAY: Record<string, string> = { datestyle: 'DateStyle', timezone: 'TimeZone', intervalstyle: 'IntervalStyle' };

export class SessionSettings {
  private readonly values = new Map<string, string>(Object.entries(DEFAULTS));

  constructor(user: string, startup: ReadonlyMap<string, string>) {
    this.values.set('session_authorization', user);
    // libpq/JDBC `options='-c k3.freshness=strong'` sets settings at connect time (tools without a SET hook).
    const fromOptions = [...(startup.get('options') ?? '').matchAll(/(?:-c\s*|--)([\w.]+)=(\S+)/g)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']);
    for (const [k, v] of [...startup, ...fromOptions]) {
      if (k === 'user' || k === 'database' || k === 'options' || k === 'replication') continue;
      try {
        this.set(k, v);
      } catch {
        // Startup parameters a driver sends that we pin (e.g. an exotic DateStyle) keep their value.
      }
    }
  }

  static display(name: string): string {
    return DISPLAY[name.toLowerCase()] ?? name.toLowerCase();
  }

  known(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  get(name: string): string {
    const v = this.values.get(name.toLowerCase());
    if (v === undefined) throw new AppError('ERR_SQL_BIND', `unrecognized configuration parameter "${name}"`);
    return v;
  }

  /** Returns true when the visible value changed. Unknown names are kept (tools set custom ones); k3.freshness is validated. */
  set(name: string, value: string | undefined): boolean {
    const key = name.toLowerCase();
    const next = value ?? DEFAULTS[key] ?? '';
    if (key === 'k3.freshness') {
      const f = next.toLowerCase().replace(/^freshness_/, '');
      if (FRESHNESS[f] === undefined) {
        throw new AppError('ERR_BAD_REQUEST', `invalid value for k3.freshness: "${next}"; use 'eventual', 'strong' or 'oltp_only'.`);
      }
      this.values.set(key, f);
      return false;
    }
    const pinned = PINNED[key];
    if (pinned !== undefined) {
      if (!pinned(next.trim())) {
        throw new AppError('ERR_SQL_UNSUPPORTED', `${SessionSettings.display(key)} is fixed at '${this.values.get(key)}' on this server (k3 encodes values that way); it cannot be set to '${next}'.`);
      }
      return false;
    }
    const before = this.values.get(key);
    this.values.set(key, next);
    return before !== next;
  }

  reset(name: string): void {
    if (name === 'all') {
      for (const [k, v] of Object.entries(DEFAULTS)) if (PINNED[k] === undefined) this.values.set(k, v);
      return;
    }
    this.set(name, undefined);
  }

  freshness(): Freshness {
    return FRESHNESS[this.values.get('k3.freshness') ?? 'eventual'] ?? Freshness.EVENTUAL;
  }

  /** name → value for pg_settings / current_setting (lower-case names). */
  all(): ReadonlyMap<string, string> {
    return this.values;
  }

  reported(): Array<[string, string]> {
    return REPORTED.map((n) => [n, this.values.get(n.toLowerCase()) ?? '']);
  }
}
