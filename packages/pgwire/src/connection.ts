/**
 * One client connection: startup (SSLRequest → TLS, CancelRequest, StartupMessage), SCRAM
 * authentication, then the simple and extended query protocols with their state machine
 * (named/unnamed statements and portals, Execute row limits, skip-until-Sync after an error),
 * transaction-block bookkeeping and cancellation.
 *
 * Invariants: frames are handled strictly in order (one promise chain); a protocol violation
 * closes this socket only; nothing the engine did is ever half-reported (a result is buffered
 * before its first DataRow); a write inside an explicit transaction block is refused before it
 * reaches the engine (seeds: no multi-statement transactions) and aborts the block like any error.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { AppError, ERROR_CODES, isAppError } from '@k3/core';
import { TRANSACTION_REFUSAL, MULTI_STATEMENT_REFUSAL } from '@k3/core/sql';
import type { CatalogDb, CatalogSession } from './catalog/catalog-db.ts';
import { decoyVerifier, SCRAM_MECHANISM, ScramServerExchange } from './auth/scram.ts';
import * as msg from './protocol/backend-messages.ts';
import { BodyReader, FrameReader, ProtocolViolation, type Frame } from './protocol/frame-reader.ts';
import type { PgAuthenticator, PgEngine, PgPrincipal } from './ports.ts';
import { outColumns, recognisedOnce, runSql, type OutColumn, type Outcome, type PreparedAnalysis, type StatementContext } from './run-statement.ts';
import { classifyStatement, splitStatements, type SessionCommand, type StatementKind } from './session/statement-kind.ts';
import { SessionSettings } from './session/session-settings.ts';
import { decodeParam } from './types/decode-param.ts';
import { encodeValue } from './types/encode-value.ts';
import { duckdbTypeOfOid, pgTypeOf, TEXT_TYPE } from './types/pg-types.ts';

export interface PgLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ConnectionDeps {
  readonly engine: PgEngine;
  readonly auth: PgAuthenticator;
  readonly catalog: CatalogDb;
  readonly tls?: SecureContext;
  readonly logger: PgLogger;
  /** Seeds decoy SCRAM verifiers for unknown users. */
  readonly serverSecret: Buffer;
  /** Cancel keys of live connections (pid → connection). */
  readonly live: Map<number, PgConnection>;
  nextPid(): number;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

interface PreparedStatement {
  readonly sql: string;
  readonly kind: StatementKind;
  /** Parameter type OIDs (0 = not yet known). */
  paramOids: number[];
  described?: { columns: OutColumn[] | undefined };
  /** Catalog recognition and the engine's analysis, kept for every execution of the statement. */
  readonly analysis: PreparedAnalysis;
}

interface Portal {
  readonly stmt: PreparedStatement;
  readonly params: unknown[];
  readonly resultFormats: number[];
  outcome?: Outcome;
  cursor: number;
}

/** Thrown after the session was ended with a FATAL: nothing more is sent. */
class SessionClosed extends Error {}

function fatal(code: string, message: string): Buffer {
  return msg.errorResponse({ severity: 'FATAL', code, message });
}

export class PgConnection {
  private socket: Socket;
  private readonly reader = new FrameReader();
  private chain: Promise<void> = Promise.resolve();
  private out: Buffer[] = [];
  private phase: 'startup' | 'sasl-first' | 'sasl-final' | 'ready' | 'closed' = 'startup';
  private scram?: ScramServerExchange;
  private pendingPrincipal?: PgPrincipal | undefined;
  private startupParams = new Map<string, string>();
  private principal?: PgPrincipal;
  private bucket = '';
  private settings?: SessionSettings;
  private txn: 'I' | 'T' | 'E' = 'I';
  private skipUntilSync = false;
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  private running?: AbortController;
  readonly pid: number;
  readonly secret: number;

  private readonly deps: ConnectionDeps;

  constructor(socket: Socket, deps: ConnectionDeps) {
    this.deps = deps;
    this.socket = socket;
    this.pid = deps.nextPid();
    this.secret = (Math.random() * 0x7fffffff) | 0;
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.cleanup());
    socket.on('close', () => this.cleanup());
  }

  /** Interrupts the running statement (CancelRequest with this connection's key). */
  cancel(): void {
    this.running?.abort();
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.reader.push(chunk);
    for (;;) {
      let frame: Frame | undefined;
      try {
        frame = this.reader.next();
      } catch (err) {
        this.violation(err);
        return;
      }
      if (frame === undefined) return;
      const f = frame;
      if (this.reader.untyped && this.phase === 'startup') {
        // The only untyped frames: decide synchronously whether the next frames are typed (StartupMessage) or a TLS handshake follows.
        const code = f.body.length >= 4 ? f.body.readInt32BE(0) : 0;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          if (code === SSL_REQUEST && this.deps.tls !== undefined && !(this.socket instanceof TLSSocket)) {
            this.upgradeTls();
            return;
          }
          this.socket.write('N');
          continue;
        }
        if (code !== CANCEL_REQUEST) this.reader.untyped = false;
      }
      this.chain = this.chain.then(() => this.handle(f)).catch((err: unknown) => this.violation(err));
    }
  }

  private upgradeTls(): void {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.write('S');
    const secure = new TLSSocket(raw, { isServer: true, secureContext: this.deps.tls! });
    this.socket = secure;
    this.attach(secure);
  }

  private violation(err: unknown): void {
    if (this.phase === 'closed') return;
    const message = err instanceof ProtocolViolation ? err.message : err instanceof Error ? err.message : String(err);
    if (!(err instanceof ProtocolViolation)) this.deps.logger.error({ err }, 'pg connection failed with internal error');
    this.socket.write(fatal(ERROR_CODES.ERR_BAD_REQUEST.sqlstate, `protocol violation: ${message}`));
    this.close();
  }

  private close(): void {
    this.socket.end();
    this.socket.destroySoon?.();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.running?.abort();
    this.deps.live.delete(this.pid);
    this.statements.clear();
    this.portals.clear();
  }

  private send(b: Buffer): void {
    this.out.push(b);
  }

  private flush(): void {
    if (this.out.length === 0 || this.phase === 'closed') return;
    this.socket.write(Buffer.concat(this.out));
    this.out = [];
  }

  private async handle(f: Frame): Promise<void> {
    if (this.phase === 'closed') return;
    switch (this.phase) {
      case 'startup': return this.startup(f);
      case 'sasl-first': case 'sasl-final': return this.sasl(f);
      default: break;
    }
    const body = new BodyReader(f.body);
    if (this.skipUntilSync && f.type !== 'S' && f.type !== 'X') return;
    switch (f.type) {
      case 'Q': await this.simpleQuery(body.cstring()); break;
      case 'P': this.guard(() => this.parse(body)); break;
      case 'B': await this.guardAsync(() => this.bind(body)); break;
      case 'D': await this.guardAsync(() => this.describe(body)); break;
      case 'E': await this.guardAsync(() => this.execute(body)); break;
      case 'C': this.guard(() => this.closeObject(body)); break;
      case 'S': this.sync(); break;
      case 'H': this.flush(); break;
      case 'X': this.close(); return;
      case 'd': case 'c': case 'f': break; // COPY data outside COPY: ignored, as PostgreSQL does
      default: throw new ProtocolViolation(`unexpected message type ${JSON.stringify(f.type)}`);
    }
  }

  // ── startup and authentication ─────────────────────────────────────────────────────────

  private async startup(f: Frame): Promise<void> {
    const body = new BodyReader(f.body);
    const code = body.int32();
    if (code === CANCEL_REQUEST) {
      const pid = body.int32();
      const secret = body.int32();
      const target = this.deps.live.get(pid);
      if (target !== undefined && target.secret === secret) target.cancel();
      this.close();
      return;
    }
    if (code !== PROTOCOL_3) {
      this.socket.write(fatal('0A000', `unsupported frontend protocol ${code >> 16}.${code & 0xffff}: server supports 3.0`));
      this.close();
      return;
    }
    while (body.remaining > 1) {
      const key = body.cstring();
      this.startupParams.set(key, body.cstring());
    }
    const user = this.startupParams.get('user') ?? '';
    if (user === '') {
      this.socket.write(fatal('28000', 'no PostgreSQL user name specified in startup packet'));
      this.close();
      return;
    }
    if (this.deps.auth.method === 'trust' && this.deps.auth.trustedPrincipal !== undefined) {
      this.phase = 'ready';
      await this.admit(this.deps.auth.trustedPrincipal(user));
      return;
    }
    const found = await this.deps.auth.scramVerifier(user);
    this.pendingPrincipal = found?.principal;
    this.scram = new ScramServerExchange(found?.verifier ?? decoyVerifier(user, this.deps.serverSecret));
    this.phase = 'sasl-first';
    this.socket.write(msg.authenticationSasl([SCRAM_MECHANISM]));
  }

  private authFailed(): void {
    const user = this.startupParams.get('user') ?? '';
    this.socket.write(fatal(ERROR_CODES.ERR_PG_AUTH_FAILED.sqlstate, `password authentication failed for user "${user}"`));
    this.close();
  }

  private async sasl(f: Frame): Promise<void> {
    if (f.type !== 'p') throw new ProtocolViolation('expected SASL response');
    const body = new BodyReader(f.body);
    try {
      if (this.phase === 'sasl-first') {
        const mechanism = body.cstring();
        if (mechanism !== SCRAM_MECHANISM) throw new ProtocolViolation(`unsupported SASL mechanism ${mechanism}`);
        const len = body.int32();
        const data = len < 0 ? '' : body.bytes(len).toString('utf8');
        this.socket.write(msg.authenticationSaslContinue(this.scram!.first(data)));
        this.phase = 'sasl-final';
        return;
      }
      const final = this.scram!.final(body.rest().toString('utf8'));
      if (this.pendingPrincipal === undefined) {
        this.authFailed();
        return;
      }
      this.socket.write(msg.authenticationSaslFinal(final));
    } catch (err) {
      if (err instanceof ProtocolViolation) throw err;
      this.authFailed();
      return;
    }
    await this.admit(this.pendingPrincipal);
  }

  /** After a valid proof: the database (= bucket) must be one the principal may read, and exist. */
  private async admit(principal: PgPrincipal): Promise<void> {
    const user = this.startupParams.get('user') ?? '';
    const bucket = this.startupParams.get('database') ?? user;
    try {
      this.deps.auth.authorize(principal, bucket, 'list');
    } catch {
      this.socket.write(fatal(ERROR_CODES.ERR_PG_DATABASE_ACCESS_DENIED.sqlstate, `permission denied for database "${bucket}"`));
      this.close();
      return;
    }
    try {
      await this.deps.engine.listTables(bucket);
    } catch (err) {
      const fields = this.errorFields(err);
      this.socket.write(msg.errorResponse({ ...fields, severity: 'FATAL', ...(isAppError(err, 'ERR_BUCKET_NOT_FOUND') ? { message: `database "${bucket}" does not exist` } : {}) }));
      this.close();
      return;
    }
    this.principal = principal;
    this.bucket = bucket;
    this.settings = new SessionSettings(user, this.startupParams);
    this.phase = 'ready';
    this.deps.live.set(this.pid, this);
    this.send(msg.authenticationOk());
    for (const [k, v] of this.settings.reported()) this.send(msg.parameterStatus(k, v));
    this.send(msg.backendKeyData(this.pid, this.secret));
    this.send(msg.readyForQuery('I'));
    this.flush();
    this.deps.logger.info({ pid: this.pid, principal: principal.name, bucket, applicationName: this.settings.get('application_name') }, 'pg session started');
  }

  // ── errors ─────────────────────────────────────────────────────────────────────────────

  private errorFields(err: unknown): msg.ErrorFields {
    if (isAppError(err)) return { severity: 'ERROR', code: ERROR_CODES[err.code].sqlstate, message: err.message, detail: `k3 error code: ${err.code}` };
    this.deps.logger.error({ err, pid: this.pid }, 'pg statement failed with internal error');
    return { severity: 'ERROR', code: ERROR_CODES.ERR_INTERNAL.sqlstate, message: 'internal error; it has been logged' };
  }

  private fail(err: unknown): void {
    if (err instanceof ProtocolViolation) throw err;
    if (err instanceof SessionClosed || this.phase === 'closed') return;
    this.send(msg.errorResponse(this.errorFields(err)));
    if (this.txn === 'T') this.txn = 'E';
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
      this.skipUntilSync = true;
    }
  }

  private async guardAsync(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.fail(err);
      this.skipUntilSync = true;
    }
  }

  // ── statements ─────────────────────────────────────────────────────────────────────────

  private context(signal: AbortSignal): StatementContext {
    const settings = this.settings!;
    return {
      engine: this.deps.engine, auth: this.deps.auth, catalog: this.deps.catalog, bucket: this.bucket, principal: this.principal!,
      freshness: settings.freshness(), signal,
      catalogSession: async (): Promise<CatalogSession> => ({
        bucket: this.bucket, user: this.principal!.name, pid: this.pid, settings: settings.all(), tables: await this.deps.engine.listTables(this.bucket),
      }),
    };
  }

  /** Runs one classified statement; every error propagates (callers report it). */
  private async run(sql: string, kind: StatementKind, params: readonly unknown[], analysis?: PreparedAnalysis): Promise<Outcome> {
    if (kind.kind === 'empty') return { kind: 'empty' };
    if (kind.kind === 'session') {
      if (this.txn === 'E' && !['commit', 'rollback', 'savepoint'].includes(kind.command.kind)) throw this.abortedError();
      return this.sessionCommand(kind.command, sql, params);
    }
    if (this.txn === 'E') throw this.abortedError();
    // A token revoked (or expired) mid-session stops working at its next statement.
    const current = await this.deps.auth.refresh(this.principal!);
    if (current === undefined) {
      this.send(fatal(ERROR_CODES.ERR_PG_AUTH_FAILED.sqlstate, `the token "${this.principal!.name}" was revoked or has expired`));
      this.flush();
      this.close();
      throw new SessionClosed();
    }
    this.principal = current;
    if (kind.write && this.txn === 'T') {
      throw new AppError('ERR_SQL_TRANSACTION_UNSUPPORTED', `${kind.verb} inside a transaction block is refused, nothing was written. ${TRANSACTION_REFUSAL}`);
    }
    const controller = new AbortController();
    this.running = controller;
    const started = performance.now();
    // The audit line (as on the other wires): who, where, what (statement hash, rows), outcome, how long; never SQL text or token.
    const audit = { pid: this.pid, principal: this.principal!.name, bucket: this.bucket, sqlLength: sql.length, sqlHash: createHash('sha256').update(sql).digest('hex').slice(0, 16) };
    try {
      const outcome = await runSql(this.context(controller.signal), sql, kind.verb, params, analysis);
      const rows = outcome.kind === 'rows' ? outcome.rows.length : undefined;
      this.deps.logger.info({ ...audit, tag: outcome.kind === 'command' ? outcome.tag : outcome.kind === 'rows' ? outcome.tagPrefix : '', ...(rows !== undefined ? { rows } : {}), code: 'OK', ms: Math.round(performance.now() - started) }, 'pg statement finished');
      return outcome;
    } catch (err) {
      this.deps.logger.info({ ...audit, code: isAppError(err) ? err.code : 'ERR_INTERNAL', ms: Math.round(performance.now() - started) }, 'pg statement failed');
      throw err;
    } finally {
      this.running = undefined;
    }
  }

  private abortedError(): AppError {
    return new AppError('ERR_PG_TRANSACTION_ABORTED', 'current transaction is aborted, commands ignored until end of transaction block');
  }

  private async sessionCommand(c: SessionCommand, sql: string, params: readonly unknown[]): Promise<Outcome> {
    const settings = this.settings!;
    switch (c.kind) {
      case 'begin':
        if (this.txn !== 'I') this.send(msg.noticeResponse({ severity: 'WARNING', code: '25001', message: 'there is already a transaction in progress' }));
        else this.txn = 'T';
        return { kind: 'command', tag: 'BEGIN' };
      case 'commit': {
        const tag = this.txn === 'E' ? 'ROLLBACK' : 'COMMIT';
        if (this.txn === 'I') this.send(msg.noticeResponse({ severity: 'WARNING', code: '25P01', message: 'there is no transaction in progress' }));
        this.txn = 'I';
        return { kind: 'command', tag };
      }
      case 'rollback':
        if (this.txn === 'I') this.send(msg.noticeResponse({ severity: 'WARNING', code: '25P01', message: 'there is no transaction in progress' }));
        this.txn = 'I';
        return { kind: 'command', tag: 'ROLLBACK' };
      case 'savepoint':
        // Reads only inside a block, so a savepoint has nothing to undo; ROLLBACK TO leaves the failed state.
        if (c.verb === 'ROLLBACK' && this.txn === 'E') this.txn = 'T';
        return { kind: 'command', tag: c.verb };
      case 'noop':
        return { kind: 'command', tag: c.tag };
      case 'set':
        if (settings.set(c.name, c.value) && ['application_name', 'datestyle', 'timezone', 'intervalstyle', 'client_encoding'].includes(c.name)) {
          this.send(msg.parameterStatus(SessionSettings.display(c.name), settings.get(c.name)));
        }
        return { kind: 'command', tag: 'SET' };
      case 'reset':
        settings.reset(c.name);
        return { kind: 'command', tag: 'RESET' };
      case 'show':
        if (c.name === 'all') {
          return { kind: 'rows', columns: [{ name: 'name', type: TEXT_TYPE }, { name: 'setting', type: TEXT_TYPE }, { name: 'description', type: TEXT_TYPE }], rows: [...settings.all()].map(([k, v]) => [SessionSettings.display(k), v, '']), tagPrefix: 'SHOW' };
        }
        if (!settings.known(c.name)) return this.run(sql, { kind: 'sql', write: false, verb: 'SHOW' }, params);
        return { kind: 'rows', columns: [{ name: SessionSettings.display(c.name), type: TEXT_TYPE }], rows: [[settings.get(c.name)]], tagPrefix: 'SHOW' };
    }
  }

  /** Sends the rows of `outcome` from the portal cursor (all, or up to maxRows) and its completion. */
  private emit(outcome: Outcome, formats: readonly number[], portal?: Portal, maxRows = 0): void {
    if (outcome.kind === 'empty') {
      this.send(msg.emptyQueryResponse());
      return;
    }
    if (outcome.kind === 'command') {
      this.send(msg.commandComplete(outcome.tag));
      return;
    }
    const start = portal?.cursor ?? 0;
    const end = maxRows > 0 ? Math.min(outcome.rows.length, start + maxRows) : outcome.rows.length;
    const fmt = (i: number): number => (formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0));
    for (let r = start; r < end; r++) {
      const row = outcome.rows[r]!;
      this.send(msg.dataRow(outcome.columns.map((c, i) => encodeValue(row[i], c.type, fmt(i)))));
      if (this.out.length > 512) this.flush();
    }
    if (portal !== undefined) portal.cursor = end;
    if (end < outcome.rows.length) {
      this.send(msg.portalSuspended());
      return;
    }
    this.send(msg.commandComplete(outcome.tagPrefix === 'SHOW' ? 'SHOW' : `${outcome.tagPrefix} ${end - start}`));
  }

  private rowDescription(columns: readonly OutColumn[], formats: readonly number[]): Buffer {
    const fmt = (i: number): number => (formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0));
    return msg.rowDescription(columns.map((c, i) => ({ name: c.name, tableOid: 0, columnAttr: 0, typeOid: c.type.oid, typeSize: c.type.size, typeModifier: c.type.typmod, format: fmt(i) })));
  }

  // ── simple query ───────────────────────────────────────────────────────────────────────

  private async simpleQuery(text: string): Promise<void> {
    const statements = splitStatements(text);
    if (statements.length === 0) {
      this.send(msg.emptyQueryResponse());
    } else {
      const kinds = statements.map(classifyStatement);
      try {
        if (statements.length > 1 && kinds.some((k) => k.kind === 'sql' && k.write)) {
          throw new AppError('ERR_SQL_MULTI_STATEMENT', `${MULTI_STATEMENT_REFUSAL} A query string with several statements may not contain a write (it would not be atomic); nothing was run.`);
        }
        for (let i = 0; i < statements.length; i++) {
          const outcome = await this.run(statements[i]!, kinds[i]!, []);
          if (outcome.kind === 'rows') this.send(this.rowDescription(outcome.columns, []));
          this.emit(outcome, []);
        }
      } catch (err) {
        this.fail(err);
      }
    }
    this.send(msg.readyForQuery(this.txn));
    this.flush();
  }

  // ── extended protocol ──────────────────────────────────────────────────────────────────

  private parse(body: BodyReader): void {
    const name = body.cstring();
    const sql = body.cstring();
    const n = body.int16();
    const paramOids: number[] = [];
    for (let i = 0; i < n; i++) paramOids.push(body.int32());
    if (name !== '' && this.statements.has(name)) throw new AppError('ERR_BAD_REQUEST', `prepared statement "${name}" already exists`);
    const parts = splitStatements(sql);
    if (parts.length > 1) throw new AppError('ERR_SQL_MULTI_STATEMENT', `cannot insert multiple commands into a prepared statement. ${MULTI_STATEMENT_REFUSAL}`);
    this.statements.set(name, { sql: parts[0] ?? '', kind: classifyStatement(parts[0] ?? ''), paramOids, analysis: { analysed: new Map() } });
    this.send(msg.parseComplete());
  }

  private formats(body: BodyReader): number[] {
    const n = body.int16();
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(body.int16());
    return out;
  }

  private async bind(body: BodyReader): Promise<void> {
    const portalName = body.cstring();
    const stmtName = body.cstring();
    const paramFormats = this.formats(body);
    const n = body.int16();
    const raw: Array<Buffer | null> = [];
    for (let i = 0; i < n; i++) {
      const len = body.int32();
      raw.push(len < 0 ? null : Buffer.from(body.bytes(len)));
    }
    const resultFormats = this.formats(body);
    const stmt = this.statements.get(stmtName);
    if (stmt === undefined) throw new AppError('ERR_BAD_REQUEST', `prepared statement "${stmtName}" does not exist`);
    if (portalName !== '' && this.portals.has(portalName)) throw new AppError('ERR_BAD_REQUEST', `portal "${portalName}" already exists`);
    const pf = (i: number): number => (paramFormats.length === 0 ? 0 : paramFormats.length === 1 ? paramFormats[0]! : (paramFormats[i] ?? 0));
    // Binary values of undeclared type (node-postgres sends Buffers that way) need DuckDB's inferred type to be decoded.
    if (raw.some((b, i) => b !== null && pf(i) === 1 && (stmt.paramOids[i] ?? 0) === 0) && stmt.described === undefined) {
      await this.describeStatement(stmt).catch(() => undefined);
    }
    const params = raw.map((b, i) => decodeParam(b, stmt.paramOids[i] ?? 0, pf(i), i));
    this.portals.set(portalName, { stmt, params, resultFormats, cursor: 0 });
    this.send(msg.bindComplete());
  }

  /** Parameter and result types of a statement without running it (engine describeStatement, catalog prepare, session commands). */
  private async describeStatement(stmt: PreparedStatement): Promise<{ columns: OutColumn[] | undefined }> {
    if (stmt.described !== undefined) return stmt.described;
    let columns: OutColumn[] | undefined;
    let parameterTypes: string[] = [];
    const kind = stmt.kind;
    if (kind.kind === 'session') {
      columns = kind.command.kind === 'show' ? [{ name: SessionSettings.display(kind.command.name), type: TEXT_TYPE }] : undefined;
    } else if (kind.kind === 'sql') {
      const rewritten = await recognisedOnce(this.deps.catalog, stmt.sql, stmt.analysis);
      if (rewritten !== undefined) {
        const d = await this.deps.catalog.describe(await this.context(new AbortController().signal).catalogSession(), rewritten);
        parameterTypes = d.parameterTypes;
        columns = outColumns(d.columns);
      } else if (this.deps.engine.describeStatement !== undefined) {
        const d = await this.deps.engine.describeStatement({ bucket: this.bucket, sql: stmt.sql });
        parameterTypes = d.parameterTypes;
        columns = d.columns !== undefined && d.columns.length > 0 ? outColumns(d.columns) : undefined;
      } else {
        throw new AppError('ERR_SQL_UNSUPPORTED', 'Describe of a statement is not available on this engine yet; Bind it and Describe the portal instead.');
      }
    }
    stmt.paramOids = Array.from({ length: Math.max(parameterTypes.length, stmt.paramOids.length) }, (_, i) => {
      const declared = stmt.paramOids[i] ?? 0;
      if (declared !== 0) return declared;
      const t = parameterTypes[i] ?? '';
      const pg = pgTypeOf(t);
      return t === '' || t.toUpperCase() === 'UNKNOWN' || duckdbTypeOfOid(pg.oid) === undefined ? 25 : pg.oid;
    });
    stmt.described = { columns };
    return stmt.described;
  }

  private async describe(body: BodyReader): Promise<void> {
    const what = String.fromCharCode(body.byte());
    const name = body.cstring();
    if (what === 'S') {
      const stmt = this.statements.get(name);
      if (stmt === undefined) throw new AppError('ERR_BAD_REQUEST', `prepared statement "${name}" does not exist`);
      const { columns } = await this.describeStatement(stmt);
      this.send(msg.parameterDescription(stmt.paramOids));
      this.send(columns === undefined ? msg.noData() : this.rowDescription(columns, []));
      return;
    }
    const portal = this.portals.get(name);
    if (portal === undefined) throw new AppError('ERR_BAD_REQUEST', `portal "${name}" does not exist`);
    // The result's columns are known once it ran: a portal runs at its first Describe or Execute, once.
    portal.outcome ??= await this.run(portal.stmt.sql, portal.stmt.kind, portal.params, portal.stmt.analysis);
    this.send(portal.outcome.kind === 'rows' ? this.rowDescription(portal.outcome.columns, portal.resultFormats) : msg.noData());
  }

  private async execute(body: BodyReader): Promise<void> {
    const name = body.cstring();
    const maxRows = body.int32();
    const portal = this.portals.get(name);
    if (portal === undefined) throw new AppError('ERR_BAD_REQUEST', `portal "${name}" does not exist`);
    portal.outcome ??= await this.run(portal.stmt.sql, portal.stmt.kind, portal.params, portal.stmt.analysis);
    this.emit(portal.outcome, portal.resultFormats, portal, maxRows);
  }

  private closeObject(body: BodyReader): void {
    const what = String.fromCharCode(body.byte());
    const name = body.cstring();
    if (what === 'S') this.statements.delete(name);
    else this.portals.delete(name);
    this.send(msg.closeComplete());
  }

  private sync(): void {
    this.skipUntilSync = false;
    // Outside a transaction block, Sync ends the implicit transaction: its portals go away.
    if (this.txn === 'I') this.portals.clear();
    this.send(msg.readyForQuery(this.txn));
    this.flush();
  }
}
