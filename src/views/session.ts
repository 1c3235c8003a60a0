/**
 * One client connection's session: the Postgres protocol's message flow (PostgreSQL 16 §55.2) over the
 * wire codec, answering from DuckDB through the dialect translator.
 *
 * - Start-up: SSLRequest ('S' and TLS when the server has a certificate, else 'N'), GSSENCRequest ('N'),
 *   StartupMessage, then the auth hook (trust on loopback by default; a hook asks for a cleartext password),
 *   ParameterStatus…, BackendKeyData, ReadyForQuery.
 * - Simple query ('Q'): every statement of the string in turn; an error skips the rest.
 * - Extended query (Parse/Bind/Describe/Execute/Close/Flush/Sync): named and unnamed statements and portals,
 *   parameters in text or binary format, results in text or binary per column, Execute with a row limit
 *   (PortalSuspended, the rest on the next Execute). After an error, messages are skipped until Sync.
 * - COPY … TO STDOUT (text and CSV), cancel requests (interrupts DuckDB), transaction status in
 *   ReadyForQuery ('I', 'T', 'E' — a failed block accepts only ROLLBACK/COMMIT, as Postgres does).
 */
import type { Socket } from 'node:net';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBPreparedStatement, DuckDBResult, DuckDBType } from '@duckdb/node-api';
import { BackendWriter } from './wire/backend.ts';
import type { FieldDescription } from './wire/backend.ts';
import { FrontendDecoder, ProtocolError } from './wire/frontend.ts';
import type { FrontendMessage } from './wire/frontend.ts';
import { PG_OID, columnCodec, decodeBinaryParam, duckTypeForOid, oidForDuckTypeId } from './wire/types.ts';
import type { ColumnCodec } from './wire/types.ts';
import { PgError, SQLSTATE, fromDuckDbError } from './errors.ts';
import { LexError, isTrivia, lex, quoteIdent, quoteLiteral, splitStatements, textOf } from './sql/lexer.ts';
import type { Token } from './sql/lexer.ts';
import { RELATION_PRIVILEGES, classify } from './sql/commands.ts';
import type { Command, CopyOptions, GrantCommand } from './sql/commands.ts';
import { relationsInScope, translateTokens } from './sql/translate.ts';
import type { ViewsEngine } from './engine.ts';
import { CATALOG_SCHEMA, DEFAULT_SCHEMA } from './names.ts';
import { accessForCommand, accessForSql, relationTarget } from './access.ts';
import { grantHint } from './grants.ts';
import type { GranteeKeys } from './grants.ts';
import type { AccessRequest, PgAccessControl, PgPrincipal } from './access.ts';
import { DEFAULT_SETTINGS, REPORTED, REPORTED_NAME, duckSearchPath, isKnownSetting, settingNames } from './settings.ts';

/** Verifies a user's password; resolves true to let the client in. */
export type PgAuthenticate = (user: string, password: string, remoteAddress: string | undefined) => boolean | Promise<boolean>;

export interface SessionHost {
  /** The views engine, opened on first use. */
  engine(): Promise<ViewsEngine>;
  authenticate: PgAuthenticate | undefined;
  /** IAM users and policies (`--auth enforce`): login with an access key, every statement authorized. */
  access: PgAccessControl | undefined;
  /** Refuse sessions that did not negotiate TLS. */
  requireTls: boolean;
  /** Upgrades the socket to TLS after 'S' (undefined: no TLS, answer 'N'). */
  startTls: ((socket: Socket) => Socket) | undefined;
  register(session: Session): void;
  unregister(session: Session): void;
  /** Handles a CancelRequest received on this connection. */
  cancel(processId: number, secretKey: number): void;
}

/** DuckDB's statement types (duckdb.h duckdb_statement_type) that return rows. */
const ROW_STATEMENTS = new Set([1 /* SELECT */, 4 /* EXPLAIN */, 17 /* PRAGMA */, 19 /* CALL */, 22 /* RELATION */]);
/** DuckDB result return types (duckdb_result_type). */
const RESULT_CHANGED_ROWS = 1;
const RESULT_QUERY = 3;
/** DuckDB type ids meaning "not known yet" (an untyped parameter). */
const UNKNOWN_TYPE_IDS = new Set([0, 34, 36]);

/** Bytes of results buffered before they are written to the socket. */
const FLUSH_BYTES = 256 * 1024;

interface Prepared {
  sql: string;
  /** A Freshet command (no parameters), or SQL for DuckDB. */
  command: Command | undefined;
  duck: DuckDBPreparedStatement | undefined;
  duckSql: string;
  paramOids: number[];
  fields: Array<{ name: string; codec: ColumnCodec }> | undefined;
  /** The statement's leading keywords (command tags). */
  head: string[];
}

interface Portal {
  prepared: Prepared;
  params: Array<string | Uint8Array | null>;
  formats: number[];
  /** An Execute with a row limit stopped here. */
  result?: DuckDBResult;
  chunk?: DuckDBDataChunk;
  chunkRow?: number;
  rowsSent?: number;
}

function formatFor(formats: readonly number[], i: number): number {
  if (formats.length === 0) return 0;
  if (formats.length === 1) return formats[0]!;
  return formats[i] ?? 0;
}

/** Leading keywords of a statement, upper case (for command tags). */
function headWords(tokens: readonly Token[], n = 3): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (isTrivia(t)) continue;
    if (t.kind !== 'ident') break;
    out.push(t.text.toUpperCase());
    if (out.length >= n) break;
  }
  return out;
}

/** The CommandComplete tag Postgres sends for a statement that returned no rows. */
function commandTag(head: readonly string[], changed: number | undefined): string {
  const [a = '', b = '', c = ''] = head;
  switch (a) {
    case 'INSERT':
      return `INSERT 0 ${changed ?? 0}`;
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
      return `${a} ${changed ?? 0}`;
    case 'CREATE':
    case 'DROP':
    case 'ALTER': {
      if (b === 'OR' && c === 'REPLACE') return `${a} ${head[3] ?? ''}`.trim();
      if (b === 'TEMP' || b === 'TEMPORARY' || b === 'UNIQUE') return `${a} ${c}`;
      if (b === 'MATERIALIZED') return `${a} MATERIALIZED VIEW`;
      if (a === 'CREATE' && b === 'TABLE' && changed !== undefined) return `SELECT ${changed}`;
      return `${a} ${b}`.trim();
    }
    case 'TRUNCATE':
      return 'TRUNCATE TABLE';
    case 'SET':
      return 'SET';
    case 'COPY':
      return `COPY ${changed ?? 0}`;
    default:
      return a || 'OK';
  }
}

export class Session {
  readonly processId: number;
  readonly secretKey: number;
  private socket: Socket;
  private readonly decoder = new FrontendDecoder();
  private readonly out = new BackendWriter();
  private phase: 'startup' | 'auth' | 'ready' | 'closed' = 'startup';
  private user = '';
  private principal: PgPrincipal | undefined;
  private secure = false;
  private database = '';
  private pumping: Promise<void> | undefined;
  private released: Promise<void> | undefined;
  private skipUntilSync = false;
  private conn: DuckDBConnection | undefined;
  private engine: ViewsEngine | undefined;
  private tx: 'I' | 'T' | 'E' = 'I';
  private readonly settings = new Map<string, string>(Object.entries(DEFAULT_SETTINGS));
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  private cancelled = false;
  private executing = false;

  constructor(
    socket: Socket,
    private readonly host: SessionHost,
    processId: number,
    secretKey: number,
  ) {
    this.socket = socket;
    this.processId = processId;
    this.secretKey = secretKey;
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      this.pump();
    });
    socket.on('error', () => void this.close());
    socket.on('close', () => void this.close());
  }

  /** Interrupts the statement running now (a CancelRequest named this session). */
  cancel(): void {
    if (!this.executing) return;
    this.cancelled = true;
    this.conn?.interrupt();
  }

  /** Closes the connection; resolves once its DuckDB resources are freed. */
  close(): Promise<void> {
    if (this.phase !== 'closed') {
      this.phase = 'closed';
      this.host.unregister(this);
      if (!this.socket.destroyed) this.socket.destroy();
      this.released ??= this.release();
    }
    return this.released ?? Promise.resolve();
  }

  /** Frees DuckDB resources once no statement is running on them (closing under a running one crashes). */
  private async release(): Promise<void> {
    if (this.executing) this.conn?.interrupt();
    while (this.pumping) await this.pumping.catch(() => undefined);
    for (const p of this.portals.values()) delete p.result;
    this.portals.clear();
    for (const p of this.statements.values()) p.duck?.destroySync();
    this.statements.clear();
    const c = this.conn;
    this.conn = undefined;
    if (c === undefined) return;
    if (this.tx !== 'I') await c.run('ROLLBACK').catch(() => undefined);
    c.closeSync();
  }

  // ---- output ----

  private async flush(): Promise<void> {
    if (this.out.length === 0 || this.phase === 'closed') return;
    const bytes = this.out.take();
    if (!this.socket.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }

  private sendError(e: unknown): void {
    const err = e instanceof PgError ? e : e instanceof LexError ? new PgError(SQLSTATE.syntax_error, e.message) : fromDuckDbError(e);
    this.out.errorResponse({
      severity: err.extra.severity ?? 'ERROR',
      code: err.code,
      message: err.message,
      ...(err.extra.detail !== undefined ? { detail: err.extra.detail } : {}),
      ...(err.extra.hint !== undefined ? { hint: err.extra.hint } : {}),
    });
  }

  private fatal(code: PgError['code'], message: string): void {
    this.out.errorResponse({ severity: 'FATAL', code, message });
    void this.flush().then(() => this.socket.end());
    this.phase = 'closed';
    this.host.unregister(this);
    this.released ??= this.release();
  }

  // ---- message loop ----

  private pump(): void {
    if (this.pumping) return;
    this.pumping = this.loop().finally(() => {
      this.pumping = undefined;
      // Bytes that arrived while the last message was handled.
      if (this.phase !== 'closed' && this.decoder.hasMessage()) this.pump();
    });
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.phase === 'closed') return;
      let msg: FrontendMessage | undefined;
      try {
        msg = this.decoder.next();
      } catch (e) {
        this.fatal(SQLSTATE.protocol_violation, e instanceof ProtocolError ? e.message : String(e));
        return;
      }
      if (msg === undefined) break;
      try {
        await this.handle(msg);
      } catch (e) {
        // Anything unexpected is answered as an internal error; the session stays usable.
        this.sendError(e);
        this.out.readyForQuery(this.tx);
      }
    }
    await this.flush();
  }

  private async handle(msg: FrontendMessage): Promise<void> {
    if (this.phase === 'startup') return this.handleStartup(msg);
    if (this.phase === 'auth') return this.handleAuth(msg);
    if (this.skipUntilSync && msg.type !== 'sync' && msg.type !== 'terminate') return;
    switch (msg.type) {
      case 'query':
        return this.simpleQuery(msg.sql);
      case 'parse':
        return this.guard(() => this.parse(msg.name, msg.sql, msg.paramTypes));
      case 'bind':
        return this.guard(() => this.bind(msg));
      case 'describe':
        return this.guard(() => this.describe(msg.target, msg.name));
      case 'execute':
        return this.guard(() => this.execute(msg.portal, msg.maxRows));
      case 'close':
        if (msg.target === 'S') {
          this.statements.get(msg.name)?.duck?.destroySync();
          this.statements.delete(msg.name);
        } else this.portals.delete(msg.name);
        this.out.closeComplete();
        return;
      case 'flush':
        return this.flush();
      case 'sync':
        this.skipUntilSync = false;
        // An implicit transaction of the extended protocol ends at Sync; explicit blocks continue.
        this.portals.delete('');
        this.out.readyForQuery(this.tx);
        return this.flush();
      case 'terminate':
        void this.close();
        return;
      case 'copyData':
      case 'copyDone':
      case 'copyFail':
        // Only COPY … FROM STDIN would send these; it is refused before any data is asked for.
        return;
      case 'functionCall':
        return this.guard(async () => {
          throw new PgError(SQLSTATE.feature_not_supported, 'the fast-path function call interface is not supported');
        });
      case 'password':
        this.fatal(SQLSTATE.protocol_violation, 'unexpected password message');
        return;
      default:
        this.fatal(SQLSTATE.protocol_violation, `invalid frontend message type ${msg.type === 'unknown' ? msg.code : msg.type}`);
    }
  }

  /** Runs an extended-protocol step; an error is answered and the rest skipped until Sync. */
  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.sendError(e);
      this.skipUntilSync = true;
      if (this.tx === 'T') this.tx = 'E';
    }
  }

  private async handleStartup(msg: FrontendMessage): Promise<void> {
    switch (msg.type) {
      case 'sslRequest': {
        const upgrade = this.host.startTls;
        // Anything the client sent after the request belongs to the TLS handshake.
        const pending = this.decoder.drain();
        if (upgrade === undefined || pending.length > 0) {
          this.socket.write(Buffer.from('N'));
          if (pending.length > 0) this.decoder.push(pending);
          return;
        }
        this.socket.write(Buffer.from('S'));
        this.socket.removeAllListeners('data');
        this.socket.removeAllListeners('close');
        this.socket.removeAllListeners('error');
        this.socket = upgrade(this.socket);
        this.secure = true;
        this.attach(this.socket);
        return;
      }
      case 'gssEncRequest':
        this.socket.write(Buffer.from('N'));
        return;
      case 'cancel':
        this.host.cancel(msg.processId, msg.secretKey);
        this.phase = 'closed';
        this.socket.end();
        return;
      case 'startup': {
        const user = msg.params.user;
        if (user === undefined || user === '') {
          this.fatal(SQLSTATE.invalid_authorization_specification, 'no PostgreSQL user name specified in startup packet');
          return;
        }
        this.user = user;
        this.database = msg.params.database ?? user;
        if (msg.params.application_name !== undefined) this.settings.set('application_name', msg.params.application_name);
        this.settings.set('session_authorization', user);
        const auth = this.host.authenticate;
        const remote = this.socket.remoteAddress;
        if (this.host.requireTls && !this.secure) {
          this.fatal(
            SQLSTATE.invalid_authorization_specification,
            `no pg_hba.conf entry for host "${remote ?? '?'}", user "${user}", database "${this.database}", no encryption: connect with sslmode=require`,
          );
          return;
        }
        if (auth === undefined && this.host.access === undefined) {
          if (!isLoopback(remote)) {
            this.fatal(
              SQLSTATE.invalid_authorization_specification,
              `no pg_hba.conf entry for host "${remote ?? '?'}", user "${user}", database "${this.database}": Freshet trusts loopback clients only until users and passwords are configured`,
            );
            return;
          }
          return this.startSession();
        }
        this.phase = 'auth';
        this.out.authenticationCleartextPassword();
        return this.flush();
      }
      default:
        this.fatal(SQLSTATE.protocol_violation, 'expected a startup message');
    }
  }

  private async handleAuth(msg: FrontendMessage): Promise<void> {
    if (msg.type !== 'password') {
      this.fatal(SQLSTATE.protocol_violation, `expected password response, got message type ${msg.type}`);
      return;
    }
    const b = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
    const end = b.indexOf(0);
    const password = b.toString('utf8', 0, end < 0 ? b.length : end);
    let ok = false;
    try {
      if (this.host.access !== undefined) {
        this.principal = await this.host.access.login(this.user, password, this.accessContext());
        ok = this.principal !== undefined;
      } else ok = await this.host.authenticate!(this.user, password, this.socket.remoteAddress);
    } catch {
      ok = false;
    }
    if (!ok) {
      this.fatal(SQLSTATE.invalid_password, `password authentication failed for user "${this.user}"`);
      return;
    }
    return this.startSession();
  }

  private async startSession(): Promise<void> {
    this.phase = 'ready';
    this.out.authenticationOk();
    for (const name of REPORTED) this.out.parameterStatus(REPORTED_NAME[name] ?? name, this.settings.get(name) ?? '');
    this.out.backendKeyData(this.processId, this.secretKey);
    this.host.register(this);
    this.out.readyForQuery('I');
    await this.flush();
  }

  // ---- authorization ----

  private accessContext(): { remoteAddress: string | undefined; secure: boolean } {
    return { remoteAddress: this.socket.remoteAddress, secure: this.secure };
  }

  /** This session's principal as a grantee (its IAM user, else its role), or undefined (the root). */
  private selfGrantee(): { kind: 'user' | 'role'; name: string } | undefined {
    const keys = this.granteeKeys();
    if (keys.user !== undefined) return { kind: 'user', name: keys.user };
    return keys.role !== undefined ? { kind: 'role', name: keys.role } : undefined;
  }

  /** Who this session is to GRANT (its IAM user or role name; without access control, its user name). */
  private granteeKeys(): GranteeKeys {
    const access = this.host.access;
    if (access === undefined || this.principal === undefined) return { user: this.user };
    return access.granteeKeys?.(this.principal) ?? {};
  }

  /**
   * Throws 42501 unless the logged-in principal may do every request (no-op without access control): its IAM
   * policies allow it, or — unless a policy explicitly denies it — a GRANT to it, its role or PUBLIC does.
   */
  private async authorize(requests: readonly AccessRequest[]): Promise<void> {
    const access = this.host.access;
    const principal = this.principal;
    if (access === undefined || principal === undefined) return;
    const ctx = this.accessContext();
    for (const r of requests) {
      if (access.allowed(principal, r.action, r.resource, ctx)) continue;
      const g = r.grant;
      if (g !== undefined && !access.explicitlyDenied?.(principal, r.action, r.resource, ctx)) {
        const engine = this.engine ?? (await this.host.engine());
        this.engine = engine;
        // A schema's CREATE makes new relations; replacing one that exists needs IAM's views:Modify on it.
        const replaces = r.creates !== undefined && (await engine.grants.relationExists(r.creates.schema, r.creates.name));
        if (!replaces && (await engine.grants.privileges(g, this.granteeKeys())).has(g.privilege)) continue;
      }
      const grantee = this.selfGrantee();
      throw new PgError(SQLSTATE.insufficient_privilege, `permission denied for ${r.what}`, {
        detail: `${principal.arn} is not authorized to perform ${r.action} on resource ${r.resource}`,
        hint: `Allow ${r.action} on ${r.resource} in an IAM policy of ${principal.arn}${g !== undefined ? `, or ${grantHint(g.privilege, g, grantee)}` : ''}.`,
      });
    }
  }

  private async authorizeSql(tokens: readonly Token[]): Promise<void> {
    if (this.host.access !== undefined) await this.authorize(accessForSql(this.host.access.arnPrefix, tokens));
  }

  /**
   * GRANT/REVOKE: the grantees must exist (under IAM), and the session needs `views:Grant` / `views:Revoke` on
   * each object — or, for GRANT, each privilege WITH GRANT OPTION (Redshift's rule for non-owners).
   */
  private async grant(cmd: GrantCommand): Promise<void> {
    const engine = this.engine ?? (await this.host.engine());
    this.engine = engine;
    const access = this.host.access;
    for (const g of cmd.grantees) {
      const problem = access?.granteeProblem?.(g);
      if (problem !== undefined) throw new PgError(SQLSTATE.undefined_object, problem);
    }
    const objects = await engine.grants.objects(cmd);
    const principal = this.principal;
    if (access !== undefined && principal !== undefined) {
      const ctx = this.accessContext();
      const action = cmd.kind === 'grant' ? 'views:Grant' : 'views:Revoke';
      for (const o of objects) {
        const resource = o.on === 'schema' ? `${access.arnPrefix}schema/${o.name}` : `${access.arnPrefix}relation/${o.schema}/${o.name}`;
        if (access.allowed(principal, action, resource, ctx)) continue;
        if (cmd.kind === 'grant' && !access.explicitlyDenied?.(principal, action, resource, ctx)) {
          const held = await engine.grants.privileges(o, this.granteeKeys());
          if (cmd.privileges.every((p) => held.get(p) === true)) continue;
        }
        throw new PgError(SQLSTATE.insufficient_privilege, `permission denied for ${o.on} ${o.name}`, {
          detail: `${principal.arn} is not authorized to perform ${action} on resource ${resource}${cmd.kind === 'grant' ? ' and holds no grant option for these privileges' : ''}`,
          hint: `Allow ${action} on ${resource} in an IAM policy of ${principal.arn}.`,
        });
      }
    }
    const keys = this.granteeKeys();
    await engine.grants.apply(cmd, objects, keys.user ?? keys.role ?? (principal?.arn || this.user));
    this.out.commandComplete(cmd.kind === 'grant' ? 'GRANT' : 'REVOKE');
  }

  private async authorizeCommand(cmd: Command): Promise<void> {
    const access = this.host.access;
    if (access === undefined || this.principal === undefined) return;
    const engine = this.engine ?? (await this.host.engine());
    this.engine = engine;
    await this.authorize(accessForCommand(access.arnPrefix, cmd, engine.externalSchemaNames()));
    if (cmd.kind === 'createExternalSchema') {
      const problem = access.roleProblem?.(this.principal, cmd.iamRole, this.accessContext());
      if (problem !== undefined) throw new PgError(SQLSTATE.insufficient_privilege, problem);
    }
    if (cmd.kind === 'createMaterializedView') {
      for (const rel of new Set(relationsInScope(cmd.query).values())) {
        const dot = rel.indexOf('.');
        if (dot <= 0) continue;
        const schema = rel.slice(0, dot);
        if (!engine.externalSchemaNames().has(schema)) continue;
        const problem = access.streamProblem?.(this.principal, engine.externalSchemaRole(schema), rel.slice(dot + 1));
        if (problem !== undefined) throw new PgError(SQLSTATE.insufficient_privilege, problem);
      }
    }
  }

  // ---- DuckDB ----

  private async connection(): Promise<DuckDBConnection> {
    if (this.conn) return this.conn;
    this.engine = await this.host.engine();
    this.conn = await this.engine.connect();
    return this.conn;
  }

  private async translate(tokens: readonly Token[]): Promise<string> {
    const engine = this.engine ?? (await this.host.engine());
    this.engine = engine;
    await engine.refreshSchemaCache();
    const scope = relationsInScope(tokens);
    for (const rel of scope.values()) {
      const dot = rel.indexOf('.');
      if (dot > 0 && engine.externalSchemaNames().has(rel.slice(0, dot))) {
        throw new PgError(SQLSTATE.feature_not_supported, `the stream ${rel} can be read only by a materialized view`, {
          hint: `CREATE MATERIALIZED VIEW my_view AS SELECT … FROM ${rel.slice(0, dot)}.${quoteIdent(rel.slice(dot + 1))}; then query my_view.`,
        });
      }
    }
    return translateTokens(tokens, {
      jsonColumns: (r) => engine.jsonColumns(r),
      setting: (name) => this.settings.get(name),
      database: this.database,
    });
  }

  // ---- simple query ----

  private async simpleQuery(sql: string): Promise<void> {
    let statements: Token[][];
    try {
      statements = splitStatements(lex(sql));
    } catch (e) {
      this.sendError(e);
      if (this.tx === 'T') this.tx = 'E';
      this.out.readyForQuery(this.tx);
      return this.flush();
    }
    if (statements.length === 0) this.out.emptyQueryResponse();
    for (const tokens of statements) {
      try {
        await this.runStatement(tokens);
      } catch (e) {
        this.sendError(e);
        if (this.tx === 'T') this.tx = 'E';
        break;
      }
    }
    this.out.readyForQuery(this.tx);
    await this.flush();
  }

  /** One statement of a simple query: RowDescription + DataRows (if any) and CommandComplete. */
  private async runStatement(tokens: Token[]): Promise<void> {
    const cmd = classify(tokens);
    if (this.tx === 'E' && cmd?.kind !== 'rollback' && cmd?.kind !== 'commit') {
      throw new PgError(SQLSTATE.in_failed_sql_transaction, 'current transaction is aborted, commands ignored until end of transaction block');
    }
    if (cmd !== undefined) {
      await this.runCommand(cmd, [], true);
      return;
    }
    await this.authorizeSql(tokens);
    const duckSql = await this.translate(tokens);
    const conn = await this.connection();
    const creates = await this.newRelation(tokens);
    await this.withCancel(async () => {
      const head = headWords(tokens);
      const result = await conn.stream(duckSql);
      await this.sendResult(result, head, true, 0, undefined);
    });
    await this.afterStatement(tokens, creates);
  }

  /** The relation a CREATE statement is about to make, when it does not exist yet (its creator will own it). */
  private async newRelation(tokens: readonly Token[]): Promise<[string, string] | undefined> {
    if (this.host.access === undefined || this.engine === undefined) return undefined;
    const target = relationTarget(tokens, 'create');
    if (target === undefined || (await this.engine.grants.relationExists(target[0], target[1]))) return undefined;
    return target;
  }

  private async afterStatement(tokens: readonly Token[], creates: [string, string] | undefined): Promise<void> {
    const first = headWords(tokens, 1)[0];
    if (first === 'CREATE' || first === 'DROP' || first === 'ALTER') this.engine?.schemaChanged();
    // A dropped relation's grants go with it (a relation created again under its name starts without them).
    const dropped = first === 'DROP' ? relationTarget(tokens, 'drop') : undefined;
    if (dropped !== undefined && this.engine !== undefined) await this.engine.grants.dropRelation(dropped[0], dropped[1]);
    if (creates !== undefined) await this.ownerGrants(creates[0], creates[1]);
  }

  /**
   * Its creator owns a relation on Redshift (every privilege, and may grant them): under IAM, the creating
   * user or role gets ALL WITH GRANT OPTION on it, so a CREATE allowed by a schema grant is usable.
   */
  private async ownerGrants(schema: string, name: string): Promise<void> {
    if (this.host.access === undefined || this.principal === undefined || this.engine === undefined) return;
    const grantee = this.selfGrantee();
    if (grantee === undefined) return;
    const cmd: GrantCommand = {
      kind: 'grant',
      privileges: [...RELATION_PRIVILEGES],
      on: 'relation',
      objects: [],
      allInSchemas: [],
      grantees: [grantee],
      grantOption: true,
    };
    await this.engine.grants.apply(cmd, [{ on: 'relation', schema, name }], grantee.name);
  }

  private async withCancel<T>(fn: () => Promise<T>): Promise<T> {
    this.cancelled = false;
    this.executing = true;
    try {
      return await fn();
    } catch (e) {
      if (this.cancelled) throw new PgError(SQLSTATE.query_canceled, 'canceling statement due to user request');
      throw e;
    } finally {
      this.executing = false;
      this.cancelled = false;
    }
  }

  /**
   * Writes a DuckDB result: RowDescription (when `describe`), rows up to `maxRows` (0: all), then
   * CommandComplete — or PortalSuspended when `portal` is given and rows remain.
   */
  private async sendResult(result: DuckDBResult, head: string[], describe: boolean, maxRows: number, portal: Portal | undefined): Promise<void> {
    if (result.returnType !== RESULT_QUERY) {
      let changed: number | undefined;
      if (result.returnType === RESULT_CHANGED_ROWS) {
        const chunk = await result.fetchChunk();
        const v = chunk && chunk.rowCount > 0 ? chunk.getColumnVector(0).getItem(0) : 0;
        changed = Number(v ?? 0);
      }
      this.out.commandComplete(commandTag(head, changed));
      return;
    }
    const types = result.columnTypes();
    const names = result.columnNames();
    const codecs = types.map((t) => columnCodec(t));
    const formats = portal?.formats ?? [];
    if (describe) this.out.rowDescription(fieldsOf(names, codecs, formats));
    await this.writeRows(result, codecs, formats, maxRows, portal);
  }

  private async writeRows(result: DuckDBResult, codecs: ColumnCodec[], formats: readonly number[], maxRows: number, portal: Portal | undefined): Promise<void> {
    const ncols = codecs.length;
    const writers = new Array<(w: BackendWriter, v: unknown) => void>(ncols);
    for (let c = 0; c < ncols; c++) writers[c] = formatFor(formats, c) === 1 ? codecs[c]!.binary : codecs[c]!.text;
    const w = this.out;
    let sent = portal?.rowsSent ?? 0;
    let sentNow = 0;
    let chunk = portal?.chunk;
    let row = portal?.chunkRow ?? 0;
    for (;;) {
      if (chunk === undefined || row >= chunk.rowCount) {
        chunk = (await result.fetchChunk()) ?? undefined;
        row = 0;
        if (chunk === undefined || chunk.rowCount === 0) break;
      }
      const n = chunk.rowCount;
      const vectors = new Array<ReturnType<DuckDBDataChunk['getColumnVector']>>(ncols);
      for (let c = 0; c < ncols; c++) vectors[c] = chunk.getColumnVector(c);
      // hot path: one iteration per result row.
      for (; row < n; row++) {
        if (maxRows > 0 && sentNow >= maxRows) break;
        w.beginRow(ncols);
        for (let c = 0; c < ncols; c++) {
          const v = vectors[c]!.getItem(row);
          if (v === null) w.cellNull();
          else writers[c]!(w, v);
        }
        w.endRow();
        sentNow++;
      }
      if (w.length >= FLUSH_BYTES) {
        await this.flush();
        if (this.cancelled) throw new PgError(SQLSTATE.query_canceled, 'canceling statement due to user request');
      }
      if (maxRows > 0 && sentNow >= maxRows) {
        // Suspended where it stopped (as Postgres, without looking ahead: the next Execute may find no rows).
        if (portal) {
          portal.result = result;
          portal.chunk = chunk;
          portal.chunkRow = row;
          portal.rowsSent = sent + sentNow;
        }
        this.out.portalSuspended();
        return;
      }
    }
    sent += sentNow;
    if (portal) delete portal.result;
    this.out.commandComplete(`SELECT ${sent}`);
  }

  // ---- Freshet's own commands ----

  private async runCommand(cmd: Command, params: ReadonlyArray<string | Uint8Array | null>, describe: boolean): Promise<void> {
    if (params.length > 0) throw new PgError(SQLSTATE.syntax_error, 'this statement takes no parameters');
    await this.authorizeCommand(cmd);
    switch (cmd.kind) {
      case 'empty':
        this.out.emptyQueryResponse();
        return;
      case 'createExternalSchema':
      case 'createMaterializedView':
      case 'refreshMaterializedView':
      case 'dropMaterializedView':
      case 'alterMaterializedView': {
        const engine = this.engine ?? (await this.host.engine());
        this.engine = engine;
        const tag = await this.withCancel(() => engine.execute(cmd));
        if (cmd.kind === 'createMaterializedView') await this.ownerGrants(cmd.name.schema ?? DEFAULT_SCHEMA, cmd.name.name);
        this.out.commandComplete(tag);
        return;
      }
      case 'dropSchema': {
        const engine = this.engine ?? (await this.host.engine());
        this.engine = engine;
        const rest = await engine.dropExternalSchemas(cmd.names, cmd.cascade);
        if (rest.length > 0) {
          const conn = await this.connection();
          await conn.run(`DROP SCHEMA ${cmd.ifExists ? 'IF EXISTS ' : ''}${rest.map(quoteIdent).join(', ')}${cmd.cascade ? ' CASCADE' : ''}`);
          for (const n of rest) await engine.grants.dropSchema(n);
        }
        engine.schemaChanged();
        this.out.commandComplete('DROP SCHEMA');
        return;
      }
      case 'set': {
        await this.set(cmd.name, cmd.value);
        this.out.commandComplete('SET');
        return;
      }
      case 'reset': {
        if (cmd.name === 'all')
          for (const [k, v] of Object.entries(DEFAULT_SETTINGS))
            if (k !== 'session_authorization') this.settings.set(k, v);
            else await this.set(cmd.name, undefined);
        this.out.commandComplete('RESET');
        return;
      }
      case 'show': {
        if (cmd.name === 'all') {
          if (describe) {
            this.out.rowDescription([textField('name'), textField('setting'), textField('description')]);
          }
          const names = settingNames();
          for (const n of names) {
            this.out.beginRow(3);
            this.out.cellText(n);
            this.out.cellText(this.settings.get(n) ?? '');
            this.out.cellText('');
            this.out.endRow();
          }
          this.out.commandComplete(`SHOW ${names.length}`);
          return;
        }
        const value = this.settings.get(cmd.name);
        if (value === undefined) {
          if (cmd.name.includes('.')) throw new PgError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${cmd.name}"`);
          throw new PgError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${cmd.name}"`);
        }
        if (describe) this.out.rowDescription([textField(cmd.name)]);
        this.out.beginRow(1);
        this.out.cellText(value);
        this.out.endRow();
        this.out.commandComplete('SHOW');
        return;
      }
      case 'begin': {
        if (this.tx !== 'I') {
          this.out.noticeResponse({ severity: 'WARNING', code: '25001', message: 'there is already a transaction in progress' });
        } else {
          const conn = await this.connection();
          await conn.run('BEGIN TRANSACTION');
          this.tx = 'T';
        }
        this.out.commandComplete('BEGIN');
        return;
      }
      case 'commit': {
        if (this.tx === 'I') {
          this.out.noticeResponse({ severity: 'WARNING', code: '25P01', message: 'there is no transaction in progress' });
          this.out.commandComplete('COMMIT');
          return;
        }
        const conn = await this.connection();
        const failed = this.tx === 'E';
        this.tx = 'I';
        if (failed) {
          await conn.run('ROLLBACK').catch(() => undefined);
          this.out.commandComplete('ROLLBACK');
          return;
        }
        await conn.run('COMMIT');
        this.out.commandComplete('COMMIT');
        return;
      }
      case 'rollback': {
        if (this.tx === 'I') {
          this.out.noticeResponse({ severity: 'WARNING', code: '25P01', message: 'there is no transaction in progress' });
        } else {
          const conn = await this.connection();
          this.tx = 'I';
          await conn.run('ROLLBACK').catch(() => undefined);
        }
        this.out.commandComplete('ROLLBACK');
        return;
      }
      case 'discard': {
        for (const p of this.statements.values()) p.duck?.destroySync();
        this.statements.clear();
        this.portals.clear();
        this.out.commandComplete('DISCARD ALL');
        return;
      }
      case 'deallocate': {
        if (cmd.name === undefined) {
          for (const p of this.statements.values()) p.duck?.destroySync();
          this.statements.clear();
        } else {
          this.statements.get(cmd.name)?.duck?.destroySync();
          this.statements.delete(cmd.name);
        }
        this.out.commandComplete('DEALLOCATE');
        return;
      }
      case 'copyTo':
        return this.copyTo(cmd);
      case 'grant':
      case 'revoke':
        return this.grant(cmd);
      case 'copyFrom':
        throw new PgError(
          SQLSTATE.feature_not_supported,
          'COPY … FROM STDIN is not supported: load tables with INSERT, or write to a stream and use a materialized view',
        );
    }
  }

  private async set(name: string, value: string | undefined): Promise<void> {
    if (name === 'transaction') return;
    const v = value ?? DEFAULT_SETTINGS[name];
    if (!isKnownSetting(name)) {
      // A DuckDB setting (threads, memory_limit, …)?
      const conn = await this.connection();
      try {
        await conn.run(`SET ${quoteIdent(name)} = ${value === undefined ? 'DEFAULT' : quoteLiteral(value)}`);
        return;
      } catch {
        throw new PgError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
      }
    }
    if (name === 'search_path') {
      const conn = await this.connection();
      await conn.run(`SET search_path = ${quoteLiteral(duckSearchPath(v ?? 'public', CATALOG_SCHEMA))}`);
    }
    if (name === 'client_encoding' && v !== undefined && !/^(utf-?8|unicode)$/i.test(v.replace(/'/g, ''))) {
      throw new PgError(SQLSTATE.feature_not_supported, `conversion between ${v} and UTF8 is not supported: Freshet speaks UTF8 only`);
    }
    this.settings.set(name, v ?? '');
    if ((REPORTED as readonly string[]).includes(name)) this.out.parameterStatus(REPORTED_NAME[name] ?? name, v ?? '');
  }

  private async copyTo(cmd: Extract<Command, { kind: 'copyTo' }>): Promise<void> {
    if (cmd.options.format === 'binary')
      throw new PgError(SQLSTATE.feature_not_supported, 'COPY … TO STDOUT (FORMAT binary) is not supported: use text or csv');
    let sql: string;
    if (cmd.query) sql = await this.translate(cmd.query);
    else {
      const table = textOf(cmd.table ?? []);
      sql = `SELECT ${cmd.columns.length > 0 ? cmd.columns.map(quoteIdent).join(', ') : '*'} FROM ${table}`;
    }
    const conn = await this.connection();
    await this.withCancel(async () => {
      const result = await conn.stream(sql);
      const types = result.columnTypes();
      const codecs = types.map((t) => columnCodec(t));
      const names = result.columnNames();
      this.out.copyOutResponse(codecs.length);
      const o = cmd.options;
      if (o.header && o.format === 'csv') {
        this.out.beginCopyData();
        this.out.copyText(`${names.map((n) => csvField(n, o)).join(o.delimiter)}\n`);
        this.out.endCopyData();
      }
      let rows = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        const vectors = codecs.map((_, c) => chunk.getColumnVector(c));
        // hot path: one line per row.
        for (let r = 0; r < n; r++) {
          let line = '';
          for (let c = 0; c < codecs.length; c++) {
            if (c > 0) line += o.delimiter;
            const v = vectors[c]!.getItem(r);
            if (v === null) line += o.null;
            else {
              const text = codecs[c]!.toText(v);
              line += o.format === 'csv' ? csvField(text, o) : copyTextField(text);
            }
          }
          this.out.beginCopyData();
          this.out.copyText(`${line}\n`);
          this.out.endCopyData();
        }
        rows += n;
        if (this.out.length >= FLUSH_BYTES) await this.flush();
        if (this.cancelled) throw new PgError(SQLSTATE.query_canceled, 'canceling statement due to user request');
      }
      this.out.copyDone();
      this.out.commandComplete(`COPY ${rows}`);
    });
  }

  // ---- extended query ----

  private async parse(name: string, sql: string, paramTypes: number[]): Promise<void> {
    if (name !== '' && this.statements.has(name)) throw new PgError(SQLSTATE.duplicate_object, `prepared statement "${name}" already exists`);
    const statements = splitStatements(lex(sql));
    if (statements.length > 1) throw new PgError(SQLSTATE.syntax_error, 'cannot insert multiple commands into a prepared statement');
    const tokens = statements[0] ?? [];
    const prepared = await this.prepare(sql, tokens, paramTypes);
    if (name === '') this.statements.get('')?.duck?.destroySync();
    this.statements.set(name, prepared);
    this.out.parseComplete();
  }

  private async prepare(sql: string, tokens: Token[], paramTypes: number[]): Promise<Prepared> {
    const head = headWords(tokens);
    const command = classify(tokens);
    if (command !== undefined) return { sql, command, duck: undefined, duckSql: '', paramOids: paramTypes, fields: undefined, head };
    if (this.tx === 'E')
      throw new PgError(SQLSTATE.in_failed_sql_transaction, 'current transaction is aborted, commands ignored until end of transaction block');
    await this.authorizeSql(tokens);
    // Parameters the client typed are cast to that type; untyped ones DuckDB cannot infer become text.
    const typed = castParams(tokens, (n) => duckTypeForOid(paramTypes[n - 1] ?? 0));
    let duckSql = await this.translate(typed);
    const conn = await this.connection();
    let duck: DuckDBPreparedStatement;
    try {
      duck = await conn.prepare(duckSql);
      const unknown = new Set<number>();
      for (let i = 1; i <= duck.parameterCount; i++) if (UNKNOWN_TYPE_IDS.has(duck.parameterTypeId(i)) && !paramTypes[i - 1]) unknown.add(i);
      if (unknown.size > 0) {
        duck.destroySync();
        duckSql = await this.translate(castParams(typed, (n) => (unknown.has(n) ? 'VARCHAR' : undefined)));
        duck = await conn.prepare(duckSql);
      }
    } catch (e) {
      throw fromDuckDbError(e);
    }
    const paramOids: number[] = [];
    for (let i = 1; i <= duck.parameterCount; i++) {
      const given = paramTypes[i - 1] ?? 0;
      paramOids.push(given !== 0 ? given : oidForDuckTypeId(duck.parameterTypeId(i)));
    }
    let fields: Prepared['fields'];
    if (ROW_STATEMENTS.has(duck.statementType) || /\bRETURNING\b/i.test(duckSql)) {
      fields = [];
      for (let i = 0; i < duck.columnCount; i++) {
        let type: DuckDBType | undefined;
        try {
          type = duck.columnType(i);
        } catch {
          type = undefined;
        }
        fields.push({ name: duck.columnName(i), codec: type ? columnCodec(type) : textCodecFallback() });
      }
    }
    return { sql, command: undefined, duck, duckSql, paramOids, fields, head };
  }

  private async bind(msg: Extract<FrontendMessage, { type: 'bind' }>): Promise<void> {
    const prepared = this.statements.get(msg.statement);
    if (prepared === undefined) throw new PgError(SQLSTATE.invalid_sql_statement_name, `prepared statement "${msg.statement}" does not exist`);
    const expected = prepared.duck?.parameterCount ?? 0;
    if (msg.params.length !== expected) {
      throw new PgError(
        SQLSTATE.protocol_violation,
        `bind message supplies ${msg.params.length} parameters, but prepared statement "${msg.statement}" requires ${expected}`,
      );
    }
    const params: Array<string | Uint8Array | null> = [];
    for (let i = 0; i < msg.params.length; i++) {
      const raw = msg.params[i]!;
      if (raw === null) {
        params.push(null);
        continue;
      }
      const binary = formatFor(msg.paramFormats, i) === 1;
      const oid = prepared.paramOids[i] ?? PG_OID.text;
      if (binary) params.push(decodeBinaryParam(oid, raw));
      else if (oid === PG_OID.bytea) params.push(decodeByteaText(Buffer.from(raw).toString('utf8')));
      else params.push(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
    }
    if (msg.portal !== '' && this.portals.has(msg.portal)) throw new PgError(SQLSTATE.duplicate_object, `portal "${msg.portal}" already exists`);
    this.portals.set(msg.portal, { prepared, params, formats: msg.resultFormats });
    this.out.bindComplete();
  }

  private async describe(target: 'S' | 'P', name: string): Promise<void> {
    if (target === 'S') {
      const p = this.statements.get(name);
      if (p === undefined) throw new PgError(SQLSTATE.invalid_sql_statement_name, `prepared statement "${name}" does not exist`);
      this.out.parameterDescription(p.command ? [] : p.paramOids);
      this.describeRows(p, []);
      return;
    }
    const portal = this.portals.get(name);
    if (portal === undefined) throw new PgError(SQLSTATE.invalid_cursor_name, `portal "${name}" does not exist`);
    this.describeRows(portal.prepared, portal.formats);
  }

  private describeRows(p: Prepared, formats: readonly number[]): void {
    if (p.command?.kind === 'show') {
      this.out.rowDescription(p.command.name === 'all' ? [textField('name'), textField('setting'), textField('description')] : [textField(p.command.name)]);
      return;
    }
    if (p.fields === undefined) {
      this.out.noData();
      return;
    }
    this.out.rowDescription(
      fieldsOf(
        p.fields.map((f) => f.name),
        p.fields.map((f) => f.codec),
        formats,
      ),
    );
  }

  private async execute(portalName: string, maxRows: number): Promise<void> {
    const portal = this.portals.get(portalName);
    if (portal === undefined) throw new PgError(SQLSTATE.invalid_cursor_name, `portal "${portalName}" does not exist`);
    const p = portal.prepared;
    if (portal.result) {
      const codecs = p.fields?.map((f) => f.codec) ?? [];
      await this.withCancel(() => this.writeRows(portal.result!, codecs, portal.formats, maxRows, portal));
      return;
    }
    if (p.command !== undefined) {
      if (this.tx === 'E' && p.command.kind !== 'rollback' && p.command.kind !== 'commit') {
        throw new PgError(SQLSTATE.in_failed_sql_transaction, 'current transaction is aborted, commands ignored until end of transaction block');
      }
      await this.runCommand(p.command, portal.params, false);
      return;
    }
    if (this.tx === 'E')
      throw new PgError(SQLSTATE.in_failed_sql_transaction, 'current transaction is aborted, commands ignored until end of transaction block');
    const duck = p.duck!;
    duck.clearBindings();
    for (let i = 0; i < portal.params.length; i++) {
      const v = portal.params[i];
      if (v === null || v === undefined) duck.bindNull(i + 1);
      else if (typeof v === 'string') duck.bindVarchar(i + 1, v);
      else duck.bindBlob(i + 1, v);
    }
    const sqlTokens = lex(p.sql);
    const creates = await this.newRelation(sqlTokens);
    await this.withCancel(async () => {
      const result = ROW_STATEMENTS.has(duck.statementType) ? await duck.stream() : await duck.run();
      if (result.returnType === RESULT_QUERY) {
        const codecs = p.fields?.map((f) => f.codec) ?? result.columnTypes().map((t) => columnCodec(t));
        await this.writeRows(result, codecs, portal.formats, maxRows, portal);
      } else await this.sendResult(result, p.head, false, 0, undefined);
    });
    await this.afterStatement(sqlTokens, creates);
  }
}

function textField(name: string): FieldDescription {
  return { name, tableOid: 0, columnAttr: 0, typeOid: PG_OID.text, typeSize: -1, typeModifier: -1, format: 0 };
}

function fieldsOf(names: readonly string[], codecs: readonly ColumnCodec[], formats: readonly number[]): FieldDescription[] {
  const out: FieldDescription[] = [];
  for (let i = 0; i < codecs.length; i++) {
    const t = codecs[i]!.type;
    out.push({
      name: names[i] ?? `?column?`,
      tableOid: 0,
      columnAttr: 0,
      typeOid: t.oid,
      typeSize: t.size,
      typeModifier: t.modifier,
      format: formatFor(formats, i),
    });
  }
  return out;
}

function textCodecFallback(): ColumnCodec {
  const toText = (v: unknown) => String(v);
  return {
    type: { oid: PG_OID.text, size: -1, modifier: -1 },
    toText,
    text: (w, v) => w.cellText(toText(v)),
    binary: (w, v) => w.cellText(toText(v)),
  };
}

/** Rewrites `$n` parameter tokens as `CAST($n AS type)` where `typeOf(n)` names a type. */
function castParams(tokens: readonly Token[], typeOf: (n: number) => string | undefined): Token[] {
  const out: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'param') {
      const ty = typeOf(Number(t.text.slice(1)));
      if (ty !== undefined) {
        out.push({ kind: 'ident', text: `CAST(${t.text} AS ${ty})`, start: t.start });
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

/** bytea text input: '\x…' hex, or the escape format. */
function decodeByteaText(s: string): Uint8Array {
  if (s.startsWith('\\x')) return Buffer.from(s.slice(2), 'hex');
  return Buffer.from(s.replace(/\\\\/g, '\\'), 'utf8');
}

/** COPY text format: backslash, tab, newline and carriage return escaped. */
function copyTextField(s: string): string {
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function csvField(s: string, o: CopyOptions): string {
  if (s === '' || s.includes(o.delimiter) || /["\r\n]/.test(s)) return `"${s.replace(/"/g, '""')}"`;
  return s;
}

function isLoopback(addr: string | undefined): boolean {
  if (addr === undefined) return true;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}
