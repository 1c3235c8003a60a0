/**
 * The statements Freshet answers itself rather than passing to DuckDB: Redshift's streaming-ingestion DDL,
 * Postgres session commands (SET/SHOW/RESET, transaction control, DISCARD, DEALLOCATE) and COPY … TO STDOUT.
 * Parsed from the lexer's tokens into plain objects; `classify` returns undefined for everything else.
 *
 * Syntax, from the Amazon Redshift Database Developer Guide:
 *   CREATE EXTERNAL SCHEMA [IF NOT EXISTS] name FROM KINESIS
 *     [IAM_ROLE { default | 'SESSION' | 'arn:aws:iam::<account>:role/<name>' }]
 *   CREATE MATERIALIZED VIEW name [BACKUP {YES|NO}] [DISTSTYLE …] [DISTKEY (col)] [[COMPOUND|INTERLEAVED] SORTKEY (col, …)]
 *     [AUTO REFRESH {YES|NO}] AS query
 *   REFRESH MATERIALIZED VIEW name
 *   DROP MATERIALIZED VIEW [IF EXISTS] name [CASCADE | RESTRICT]
 *   ALTER MATERIALIZED VIEW name AUTO REFRESH {YES|NO}
 *   DROP SCHEMA [IF EXISTS] name [, …] [CASCADE | RESTRICT]     (for external schemas)
 *   GRANT { priv [, …] | ALL [PRIVILEGES] } ON { [TABLE] name [, …] | ALL TABLES IN SCHEMA s [, …] | SCHEMA s [, …] }
 *     TO { user | ROLE role | PUBLIC } [, …] [WITH GRANT OPTION]
 *   REVOKE [GRANT OPTION FOR] { priv [, …] | ALL [PRIVILEGES] } ON … FROM { user | ROLE role | PUBLIC } [, …] [RESTRICT | CASCADE]
 *     (relations: SELECT INSERT UPDATE DELETE DROP REFERENCES ALTER TRUNCATE; schemas: CREATE USAGE ALTER DROP)
 */
import { PgError, SQLSTATE } from '../errors.ts';
import { TokenCursor, identName, isTrivia, stringValue, textOf } from './lexer.ts';
import type { Token } from './lexer.ts';

export interface QualifiedName {
  schema?: string;
  name: string;
}

/** Privileges GRANT gives on relations (tables, views, materialized views) and on schemas, in Redshift's ACL order. */
export const RELATION_PRIVILEGES = ['INSERT', 'SELECT', 'UPDATE', 'DELETE', 'REFERENCES', 'DROP', 'TRUNCATE', 'ALTER'] as const;
export const SCHEMA_PRIVILEGES = ['USAGE', 'CREATE', 'DROP', 'ALTER'] as const;

export interface Grantee {
  kind: 'user' | 'role' | 'public';
  name: string;
}

export interface GrantCommand {
  kind: 'grant' | 'revoke';
  privileges: string[];
  on: 'relation' | 'schema';
  /** Relations named (on: relation) or schemas (on: schema). */
  objects: QualifiedName[];
  /** ALL TABLES IN SCHEMA s: every relation of these schemas when the statement runs. */
  allInSchemas: string[];
  grantees: Grantee[];
  /** GRANT … WITH GRANT OPTION; REVOKE GRANT OPTION FOR … (only the option is revoked). */
  grantOption: boolean;
}

export type Command =
  | { kind: 'createExternalSchema'; name: string; ifNotExists: boolean; iamRole: string | undefined; source: 'KINESIS' }
  | {
      kind: 'createMaterializedView';
      name: QualifiedName;
      backup: boolean;
      autoRefresh: boolean;
      /** The query after AS, as tokens. */
      query: Token[];
      /** The statement's text (kept as the view's definition). */
      text: string;
    }
  | { kind: 'refreshMaterializedView'; name: QualifiedName }
  | { kind: 'dropMaterializedView'; name: QualifiedName; ifExists: boolean; cascade: boolean }
  | { kind: 'alterMaterializedView'; name: QualifiedName; autoRefresh: boolean }
  | { kind: 'dropSchema'; names: string[]; ifExists: boolean; cascade: boolean; tokens: Token[] }
  | { kind: 'set'; name: string; value: string | undefined; local: boolean }
  | { kind: 'reset'; name: string }
  | { kind: 'show'; name: string }
  | { kind: 'begin' }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  | { kind: 'discard' }
  | { kind: 'deallocate'; name: string | undefined }
  | { kind: 'copyTo'; query: Token[] | undefined; table: Token[] | undefined; columns: string[]; options: CopyOptions }
  | { kind: 'copyFrom' }
  | GrantCommand
  | { kind: 'empty' };

export interface CopyOptions {
  format: 'text' | 'csv' | 'binary';
  header: boolean;
  delimiter: string;
  null: string;
}

function syntax(message: string): PgError {
  return new PgError(SQLSTATE.syntax_error, message);
}

function name(t: Token | undefined, what: string): string {
  if (t === undefined || (t.kind !== 'ident' && t.kind !== 'qident')) throw syntax(`syntax error: expected ${what}`);
  return identName(t);
}

function qualified(c: TokenCursor, what: string): QualifiedName {
  const first = name(c.next(), what);
  if (c.acceptPunct('.')) return { schema: first, name: name(c.next(), what) };
  return { name: first };
}

function yesNo(c: TokenCursor, what: string): boolean {
  if (c.accept('yes')) return true;
  if (c.accept('no')) return false;
  throw syntax(`syntax error at or near "${c.peek()?.text ?? 'end of input'}": ${what} takes YES or NO`);
}

/** Skips a parenthesised list `( … )` (DISTKEY, SORTKEY arguments). */
function skipParens(c: TokenCursor): void {
  if (!c.acceptPunct('(')) throw syntax(`syntax error at or near "${c.peek()?.text ?? 'end of input'}": expected (`);
  let depth = 1;
  while (depth > 0) {
    const t = c.next();
    if (t === undefined) throw syntax('syntax error at end of input');
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
  }
}

/** The tokens after the meaningful token at `meaningfulIndex` (trivia included). */
function tokensAfter(tokens: readonly Token[], meaningfulIndex: number): Token[] {
  let seen = -1;
  for (let i = 0; i < tokens.length; i++) {
    if (isTrivia(tokens[i]!)) continue;
    seen++;
    if (seen === meaningfulIndex) return tokens.slice(i + 1);
  }
  return [];
}

/** Session parameters take a value of words, numbers, strings or a list of them; returns the value as text. */
function settingValue(c: TokenCursor): string | undefined {
  const parts: string[] = [];
  while (!c.done) {
    const t = c.next()!;
    if (t.kind === 'string') parts.push(stringValue(t));
    else if (t.text === ',') parts.push(',');
    else parts.push(t.kind === 'qident' ? identName(t) : t.text);
  }
  if (parts.length === 0) return undefined;
  return parts.join(' ').replace(/ , /g, ', ');
}

function copyOptions(c: TokenCursor): CopyOptions {
  const o: CopyOptions = { format: 'text', header: false, delimiter: '\t', null: '\\N' };
  const apply = (key: string, value: string | undefined) => {
    switch (key) {
      case 'format': {
        const f = (value ?? '').toLowerCase();
        if (f !== 'text' && f !== 'csv' && f !== 'binary') throw new PgError(SQLSTATE.invalid_parameter_value, `COPY format "${value}" not recognized`);
        o.format = f;
        if (f === 'csv') {
          o.delimiter = ',';
          o.null = '';
        }
        break;
      }
      case 'csv':
        o.format = 'csv';
        o.delimiter = ',';
        o.null = '';
        break;
      case 'binary':
        o.format = 'binary';
        break;
      case 'header':
        o.header = value === undefined || /^(true|on|1)$/i.test(value);
        break;
      case 'delimiter':
        o.delimiter = value ?? o.delimiter;
        break;
      case 'null':
        o.null = value ?? o.null;
        break;
      default:
        throw new PgError(SQLSTATE.syntax_error, `option "${key}" not recognized`);
    }
  };
  c.accept('with');
  if (c.acceptPunct('(')) {
    while (!c.acceptPunct(')')) {
      const key = c.next();
      if (key === undefined) throw syntax('syntax error at end of input');
      let value: string | undefined;
      const v = c.peek();
      if (v !== undefined && v.text !== ',' && v.text !== ')') {
        c.next();
        value = v.kind === 'string' ? stringValue(v) : v.text;
      }
      apply(key.text.toLowerCase(), value);
      c.acceptPunct(',');
    }
    return o;
  }
  // Old syntax: COPY … TO STDOUT [BINARY] [DELIMITER 'x'] [NULL 'y'] [CSV [HEADER]]
  while (!c.done) {
    const key = c.next()!.text.toLowerCase();
    if (key === 'delimiter' || key === 'null') {
      const v = c.next();
      apply(key, v?.kind === 'string' ? stringValue(v) : v?.text);
    } else apply(key, undefined);
  }
  return o;
}

function grantCommand(c: TokenCursor, kind: 'grant' | 'revoke'): GrantCommand {
  c.next();
  const grantOptionFor = kind === 'revoke' && c.accept('grant', 'option', 'for');
  const words: string[] = [];
  let all = false;
  if (c.accept('all')) {
    all = true;
    c.accept('privileges');
  } else {
    do {
      const t = c.next();
      if (t === undefined || t.kind !== 'ident') throw syntax(`syntax error at or near "${t?.text ?? 'end of input'}": expected a privilege`);
      words.push(t.text.toUpperCase());
      if (c.peek()?.text === '(') throw new PgError(SQLSTATE.feature_not_supported, 'column privileges are not supported: grant on the whole relation');
    } while (c.acceptPunct(','));
  }
  if (!c.accept('on')) throw syntax(`syntax error at or near "${c.peek()?.text ?? 'end of input'}": expected ON`);
  let on: GrantCommand['on'] = 'relation';
  const objects: QualifiedName[] = [];
  const allInSchemas: string[] = [];
  if (c.accept('all', 'tables', 'in', 'schema')) {
    do allInSchemas.push(name(c.next(), 'a schema name'));
    while (c.acceptPunct(','));
  } else if (c.accept('schema')) {
    on = 'schema';
    do objects.push({ name: name(c.next(), 'a schema name') });
    while (c.acceptPunct(','));
  } else {
    const what = c.peek()?.text.toLowerCase();
    if (what === 'function' || what === 'procedure' || what === 'database' || what === 'language' || what === 'datashare' || what === 'all') {
      throw new PgError(SQLSTATE.feature_not_supported, `GRANT and REVOKE ON ${what.toUpperCase()} are not supported: Freshet grants on relations and schemas`);
    }
    c.accept('table');
    do objects.push(qualified(c, 'a relation name'));
    while (c.acceptPunct(','));
  }
  const allowed: readonly string[] = on === 'schema' ? SCHEMA_PRIVILEGES : RELATION_PRIVILEGES;
  for (const w of words) {
    if (!allowed.includes(w)) {
      if ((RELATION_PRIVILEGES as readonly string[]).includes(w) || (SCHEMA_PRIVILEGES as readonly string[]).includes(w) || w === 'EXECUTE' || w === 'TEMP') {
        throw new PgError(SQLSTATE.invalid_grant_operation, `invalid privilege type ${w} for ${on === 'schema' ? 'schema' : 'relation'}`);
      }
      throw syntax(`syntax error at or near "${w.toLowerCase()}": unrecognized privilege type`);
    }
  }
  if (!c.accept(kind === 'grant' ? 'to' : 'from'))
    throw syntax(`syntax error at or near "${c.peek()?.text ?? 'end of input'}": expected ${kind === 'grant' ? 'TO' : 'FROM'}`);
  const grantees: Grantee[] = [];
  do {
    if (c.accept('public')) grantees.push({ kind: 'public', name: 'PUBLIC' });
    else if (c.accept('group'))
      throw new PgError(SQLSTATE.feature_not_supported, 'groups are not supported: grant to a user (IAM user name), ROLE <IAM role name> or PUBLIC');
    else if (c.accept('role')) grantees.push({ kind: 'role', name: name(c.next(), 'a role name') });
    else grantees.push({ kind: 'user', name: name(c.next(), 'a user name') });
  } while (c.acceptPunct(','));
  const withGrantOption = kind === 'grant' && c.accept('with', 'grant', 'option');
  if (kind === 'revoke') {
    c.accept('restrict');
    c.accept('cascade');
  }
  if (!c.done) throw syntax(`syntax error at or near "${c.peek()!.text}"`);
  return { kind, privileges: all ? [...allowed] : [...new Set(words)], on, objects, allInSchemas, grantees, grantOption: withGrantOption || grantOptionFor };
}

/** Recognises a statement Freshet handles itself; undefined means "translate and pass to DuckDB". */
export function classify(tokens: readonly Token[]): Command | undefined {
  const c = new TokenCursor(tokens);
  if (c.done) return { kind: 'empty' };
  const first = c.peek()!;
  if (first.kind !== 'ident') return undefined;
  const w = first.text.toLowerCase();
  switch (w) {
    case 'create': {
      if (c.accept('create', 'external', 'schema')) {
        const ifNotExists = c.accept('if', 'not', 'exists');
        const schema = name(c.next(), 'a schema name');
        if (!c.accept('from')) throw syntax(`syntax error at or near "${c.peek()?.text ?? 'end of input'}": expected FROM KINESIS`);
        const src = c.next();
        if (src === undefined || src.text.toLowerCase() !== 'kinesis') {
          throw new PgError(
            SQLSTATE.feature_not_supported,
            `external schemas FROM ${src?.text ?? '?'} are not supported: Freshet reads FROM KINESIS (its own streams)`,
          );
        }
        let iamRole: string | undefined;
        while (!c.done) {
          if (c.accept('iam_role')) {
            const r = c.next();
            if (r === undefined) throw syntax('syntax error at end of input: IAM_ROLE needs a value');
            iamRole = r.kind === 'string' ? stringValue(r) : r.text.toLowerCase();
            continue;
          }
          if (c.accept('authentication')) {
            c.next();
            continue;
          }
          if (c.accept('authentication_arn') || c.accept('uri') || c.accept('cluster_arn')) {
            c.next();
            continue;
          }
          throw syntax(`syntax error at or near "${c.peek()!.text}"`);
        }
        return { kind: 'createExternalSchema', name: schema, ifNotExists, iamRole, source: 'KINESIS' };
      }
      if (c.accept('create', 'materialized', 'view')) {
        const view = qualified(c, 'a view name');
        let backup = true;
        let autoRefresh = false;
        for (;;) {
          if (c.accept('backup')) backup = yesNo(c, 'BACKUP');
          else if (c.accept('auto', 'refresh')) autoRefresh = yesNo(c, 'AUTO REFRESH');
          else if (c.accept('diststyle')) c.next();
          else if (c.accept('distkey')) skipParens(c);
          else if (c.accept('compound', 'sortkey') || c.accept('interleaved', 'sortkey') || c.accept('sortkey')) skipParens(c);
          else break;
        }
        if (!c.accept('as')) throw syntax(`syntax error at or near "${c.peek()?.text ?? 'end of input'}": expected AS query`);
        const query = tokensAfter(tokens, c.index - 1);
        return { kind: 'createMaterializedView', name: view, backup, autoRefresh, query, text: textOf(tokens) };
      }
      return undefined;
    }
    case 'refresh': {
      if (!c.accept('refresh', 'materialized', 'view')) return undefined;
      const view = qualified(c, 'a view name');
      if (!c.done) throw syntax(`syntax error at or near "${c.peek()!.text}"`);
      return { kind: 'refreshMaterializedView', name: view };
    }
    case 'alter': {
      if (!c.accept('alter', 'materialized', 'view')) return undefined;
      const view = qualified(c, 'a view name');
      if (!c.accept('auto', 'refresh')) throw new PgError(SQLSTATE.feature_not_supported, 'ALTER MATERIALIZED VIEW supports AUTO REFRESH YES | NO');
      return { kind: 'alterMaterializedView', name: view, autoRefresh: yesNo(c, 'AUTO REFRESH') };
    }
    case 'drop': {
      if (c.accept('drop', 'materialized', 'view')) {
        const ifExists = c.accept('if', 'exists');
        const view = qualified(c, 'a view name');
        const cascade = c.accept('cascade');
        c.accept('restrict');
        if (!c.done) throw syntax(`syntax error at or near "${c.peek()!.text}"`);
        return { kind: 'dropMaterializedView', name: view, ifExists, cascade };
      }
      if (c.accept('drop', 'schema')) {
        const ifExists = c.accept('if', 'exists');
        const names = [name(c.next(), 'a schema name')];
        while (c.acceptPunct(',')) names.push(name(c.next(), 'a schema name'));
        const cascade = c.accept('cascade');
        c.accept('restrict');
        return { kind: 'dropSchema', names, ifExists, cascade, tokens: [...tokens] };
      }
      return undefined;
    }
    case 'set': {
      c.next();
      const local = c.accept('local');
      c.accept('session');
      if (c.accept('session', 'characteristics') || c.accept('transaction')) return { kind: 'set', name: 'transaction', value: undefined, local };
      if (c.accept('time', 'zone')) return { kind: 'set', name: 'timezone', value: settingValue(c), local };
      if (c.accept('names')) return { kind: 'set', name: 'client_encoding', value: settingValue(c), local };
      const key = c.next();
      if (key === undefined) throw syntax('syntax error at end of input');
      let param = key.kind === 'qident' ? identName(key) : key.text.toLowerCase();
      while (c.acceptPunct('.')) param += `.${c.next()?.text.toLowerCase() ?? ''}`;
      if (!c.acceptPunct('=') && !c.accept('to')) throw syntax(`syntax error at or near "${c.peek()?.text ?? 'end of input'}"`);
      const value = c.accept('default') ? undefined : settingValue(c);
      return { kind: 'set', name: param, value, local };
    }
    case 'reset': {
      c.next();
      const key = c.next();
      return { kind: 'reset', name: key === undefined ? 'all' : key.text.toLowerCase() };
    }
    case 'show': {
      c.next();
      if (c.accept('transaction', 'isolation', 'level')) return { kind: 'show', name: 'transaction_isolation' };
      if (c.accept('time', 'zone')) return { kind: 'show', name: 'timezone' };
      const key = c.next();
      if (key === undefined) throw syntax('syntax error at end of input');
      let param = key.kind === 'qident' ? identName(key) : key.text.toLowerCase();
      while (c.acceptPunct('.')) param += `.${c.next()?.text.toLowerCase() ?? ''}`;
      // SHOW TABLES / SHOW ALL TABLES are DuckDB statements, not parameters.
      if (param === 'tables' || param === 'databases') return undefined;
      return { kind: 'show', name: param };
    }
    case 'begin':
    case 'start':
      if (w === 'start' && !c.accept('start', 'transaction')) return undefined;
      return { kind: 'begin' };
    case 'commit':
    case 'end':
      return { kind: 'commit' };
    case 'rollback':
    case 'abort':
      // ROLLBACK TO SAVEPOINT is not supported by DuckDB; plain ROLLBACK [WORK|TRANSACTION] is.
      c.next();
      c.accept('work');
      c.accept('transaction');
      if (c.accept('to')) throw new PgError(SQLSTATE.feature_not_supported, 'savepoints are not supported');
      return { kind: 'rollback' };
    case 'savepoint':
    case 'release':
      throw new PgError(SQLSTATE.feature_not_supported, 'savepoints are not supported');
    case 'discard':
      return { kind: 'discard' };
    case 'deallocate': {
      c.next();
      c.accept('prepare');
      if (c.accept('all')) return { kind: 'deallocate', name: undefined };
      return { kind: 'deallocate', name: name(c.next(), 'a statement name') };
    }
    case 'grant':
    case 'revoke':
      return grantCommand(c, w);
    case 'copy': {
      c.next();
      let query: Token[] | undefined;
      let table: Token[] | undefined;
      const columns: string[] = [];
      if (c.peek()?.text === '(') {
        // COPY (query) TO STDOUT: the query's tokens between the outer parentheses.
        const start = c.index;
        skipParens(c);
        const inner = meaningfulSlice(tokens, start + 1, c.index - 1);
        query = inner;
      } else {
        const from = c.index;
        c.next();
        if (c.acceptPunct('.')) c.next();
        table = meaningfulSlice(tokens, from, c.index);
        if (c.acceptPunct('(')) {
          while (!c.acceptPunct(')')) {
            columns.push(name(c.next(), 'a column name'));
            c.acceptPunct(',');
          }
        }
      }
      if (c.accept('from')) return { kind: 'copyFrom' };
      if (!c.accept('to')) throw syntax(`syntax error at or near "${c.peek()?.text ?? 'end of input'}"`);
      if (!c.accept('stdout'))
        throw new PgError(SQLSTATE.feature_not_supported, 'COPY … TO supports STDOUT only (files are written by the client: \\copy in psql)');
      return { kind: 'copyTo', query, table, columns, options: copyOptions(c) };
    }
    default:
      return undefined;
  }
}

/** The tokens (trivia included) from the meaningful token `from` up to, not including, meaningful token `to`. */
function meaningfulSlice(tokens: readonly Token[], from: number, to: number): Token[] {
  const out: Token[] = [];
  let seen = -1;
  for (const t of tokens) {
    if (!isTrivia(t)) seen++;
    if (seen >= from && seen < to) out.push(t);
  }
  return out;
}
