/**
 * Who may connect to the Postgres endpoint and what each statement may touch, as IAM actions on
 * view resources. The endpoint asks a PgAccessControl (src/views/iam-access.ts builds one from Freshet's
 * IAM under `--auth enforce`) to log a user in and to allow each action; this file says which actions a
 * statement needs:
 *
 * - `views:Select` on every relation a statement reads (FROM/JOIN, subqueries, COPY (query) TO STDOUT);
 * - `views:Modify` on the relation an INSERT/UPDATE/DELETE/CREATE/DROP/ALTER/TRUNCATE statement writes
 *   (resource `*` for statements naming none, such as ATTACH or PRAGMA);
 * - `views:CreateExternalSchema`, `views:DropSchema` on `…:schema/<name>`;
 * - `views:CreateMaterializedView`, `views:RefreshMaterializedView`, `views:AlterMaterializedView`,
 *   `views:DropMaterializedView` on the view, plus `views:Select` on what a new view reads.
 *
 * Resources: `arn:aws:views:<region>:<account>:relation/<schema>/<name>` (unqualified names are in `public`)
 * and `arn:aws:views:<region>:<account>:schema/<name>`. Postgres's and DuckDB's catalogs (`pg_catalog`,
 * `information_schema`, `pg_*`, `duckdb_*`) are readable by everyone who is logged in, as on Postgres.
 */
import { identName, isTrivia } from './sql/lexer.ts';
import type { Token } from './sql/lexer.ts';
import type { Command, QualifiedName } from './sql/commands.ts';
import { relationsInScope } from './sql/translate.ts';
import { CATALOG_SCHEMA, DEFAULT_SCHEMA } from './names.ts';
import type { GrantObject, GranteeKeys } from './grants.ts';
import type { Grantee } from './sql/commands.ts';

/** A logged-in user (opaque to the endpoint apart from its name). */
export interface PgPrincipal {
  /** The IAM ARN of the user or role session (shown in errors and `current_user`-style reports). */
  readonly arn: string;
}

export interface PgAccessContext {
  remoteAddress: string | undefined;
  /** The connection runs over TLS. */
  secure: boolean;
}

export interface PgAccessControl {
  /** The principal a user name and password belong to, or undefined (answered 28P01). */
  login(user: string, password: string, ctx: PgAccessContext): PgPrincipal | undefined | Promise<PgPrincipal | undefined>;
  /** Whether the principal may do `action` on `resource` (an ARN or `*`). */
  allowed(principal: PgPrincipal, action: string, resource: string, ctx: PgAccessContext): boolean;
  /** Why an external schema cannot use this IAM role (`CREATE EXTERNAL SCHEMA … IAM_ROLE`), or undefined. */
  roleProblem?(principal: PgPrincipal, iamRole: string | undefined, ctx: PgAccessContext): string | undefined;
  /** Why a view cannot read a stream with its schema's IAM role (null: `default`), or undefined. */
  streamProblem?(principal: PgPrincipal, iamRole: string | null | undefined, stream: string): string | undefined;
  /** `arn:aws:views:<region>:<account>:` — the prefix of view resources. */
  readonly arnPrefix: string;
  /** Whether a policy explicitly denies the action (a grant cannot override that). */
  explicitlyDenied?(principal: PgPrincipal, action: string, resource: string, ctx: PgAccessContext): boolean;
  /** Who the principal is to GRANT: its IAM user name, or its role's name for a role session. */
  granteeKeys?(principal: PgPrincipal): GranteeKeys;
  /** Why a GRANT/REVOKE cannot name this grantee (no such IAM user or role), or undefined. */
  granteeProblem?(grantee: Grantee): string | undefined;
}

export interface AccessRequest {
  action: string;
  resource: string;
  /** How the resource reads in an error (`relation "card_transactions"`, `schema "kds"`). */
  what: string;
  /** The GRANT privilege that also allows it (grants.ts), when one does. */
  grant?: GrantObject & { privilege: string };
  /** The relation a CREATE makes (a schema's CREATE grant does not let it replace one that exists). */
  creates?: { schema: string; name: string };
}

const READ_HEADS = new Set(['select', 'with', 'values', 'table', 'explain', 'show', 'describe', 'summarize', 'from', '(']);
const OPEN_TO_ALL_SCHEMAS = new Set(['pg_catalog', 'information_schema', CATALOG_SCHEMA]);
/** Table functions that read a relation named in a string: they need Select on everything. */
const RELATION_FUNCTIONS = new Set(['query', 'query_table']);

function relationArn(prefix: string, schema: string, name: string): string {
  return `${prefix}relation/${schema}/${name}`;
}

/** A relation as `schema.name` or `db.schema.name` text → [schema, name]; undefined for the catalogs everyone reads. */
function splitRelation(relation: string): [string, string] | undefined {
  const parts = relation.split('.');
  const name = parts[parts.length - 1]!;
  const schema = parts.length >= 2 ? parts[parts.length - 2]! : DEFAULT_SCHEMA;
  if (parts.length === 1 && (name.startsWith('pg_') || name.startsWith('duckdb_') || name.startsWith('svv_') || name.startsWith('stv_'))) return undefined;
  if (OPEN_TO_ALL_SCHEMAS.has(schema)) return undefined;
  return [schema === 'main' ? DEFAULT_SCHEMA : schema, name];
}

function selectRequest(prefix: string, schema: string, name: string): AccessRequest {
  return {
    action: 'views:Select',
    resource: relationArn(prefix, schema, name),
    what: `relation ${name}`,
    grant: { on: 'relation', schema, name, privilege: 'SELECT' },
  };
}

/** The GRANT privilege a writing statement needs on its target (CREATE: on the target's schema). */
const WRITE_PRIVILEGE: Readonly<Record<string, string>> = {
  insert: 'INSERT',
  update: 'UPDATE',
  delete: 'DELETE',
  truncate: 'TRUNCATE',
  alter: 'ALTER',
  drop: 'DROP',
  create: 'CREATE',
};

function writeGrant(head: string, schema: string, name: string): AccessRequest['grant'] {
  const privilege = WRITE_PRIVILEGE[head];
  if (privilege === undefined) return undefined;
  if (privilege === 'CREATE') return { on: 'schema', schema, name: schema, privilege };
  return { on: 'relation', schema, name, privilege };
}

function selects(prefix: string, tokens: readonly Token[], out: AccessRequest[], skipSchemas?: ReadonlySet<string>, written?: string): void {
  const ctes = cteNames(tokens);
  for (const rel of new Set(relationsInScope(tokens).values())) {
    if ((!rel.includes('.') && ctes.has(rel)) || rel === written) continue;
    const sn = splitRelation(rel);
    if (sn === undefined || skipSchemas?.has(sn[0])) continue;
    out.push(selectRequest(prefix, sn[0], sn[1]));
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || !RELATION_FUNCTIONS.has(t.text.toLowerCase())) continue;
    let j = i + 1;
    while (j < tokens.length && isTrivia(tokens[j]!)) j++;
    if (tokens[j]?.text === '(') out.push({ action: 'views:Select', resource: '*', what: `function ${t.text.toLowerCase()}` });
  }
}

/** Names a WITH clause defines (they shadow relations of the same name). */
function cteNames(tokens: readonly Token[]): Set<string> {
  const out = new Set<string>();
  const m = tokens.filter((t) => !isTrivia(t));
  for (let i = 0; i < m.length; i++) {
    const t = m[i]!;
    if (t.kind !== 'ident' || t.text.toLowerCase() !== 'as') continue;
    if (m[i + 1]?.text !== '(' && !(m[i + 1]?.text.toLowerCase() === 'materialized' || m[i + 1]?.text.toLowerCase() === 'not')) continue;
    // `name AS (` or `name(cols) AS (`
    let k = i - 1;
    if (m[k]?.text === ')') {
      let depth = 0;
      for (; k >= 0; k--) {
        if (m[k]!.text === ')') depth++;
        else if (m[k]!.text === '(') depth--;
        if (depth === 0) break;
      }
      k--;
    }
    const name = m[k];
    if (name && (name.kind === 'ident' || name.kind === 'qident')) out.add(identName(name));
  }
  return out;
}

const WRITE_TARGET_AFTER: ReadonlyArray<readonly string[]> = [
  ['insert', 'into'],
  ['insert', 'or', 'replace', 'into'],
  ['insert', 'or', 'ignore', 'into'],
  ['update'],
  ['delete', 'from'],
  ['truncate', 'table'],
  ['truncate'],
  ['alter', 'table'],
  ['alter', 'view'],
  ['drop', 'table'],
  ['drop', 'view'],
  ['create', 'table'],
  ['create', 'or', 'replace', 'table'],
  ['create', 'temp', 'table'],
  ['create', 'temporary', 'table'],
  ['create', 'view'],
  ['create', 'or', 'replace', 'view'],
  ['create', 'temp', 'view'],
  ['create', 'temporary', 'view'],
];

/** The relation a writing statement names right after its leading keywords (and IF [NOT] EXISTS), if any. */
function writeTarget(m: readonly Token[]): string | undefined {
  for (const words of WRITE_TARGET_AFTER) {
    if (!words.every((w, i) => m[i]?.kind === 'ident' && m[i]!.text.toLowerCase() === w)) continue;
    let k = words.length;
    const lower = (i: number) => (m[i]?.kind === 'ident' ? m[i]!.text.toLowerCase() : '');
    if (lower(k) === 'if' && lower(k + 1) === 'not' && lower(k + 2) === 'exists') k += 3;
    else if (lower(k) === 'if' && lower(k + 1) === 'exists') k += 2;
    const parts: string[] = [];
    for (;;) {
      const t = m[k];
      if (t === undefined || (t.kind !== 'ident' && t.kind !== 'qident')) break;
      parts.push(identName(t));
      if (m[k + 1]?.text !== '.') break;
      k += 2;
    }
    return parts.length > 0 ? parts.join('.') : undefined;
  }
  return undefined;
}

/** What a statement DuckDB runs needs (tokens as the client sent them, identifiers not yet folded). */
export function accessForSql(prefix: string, tokens: readonly Token[]): AccessRequest[] {
  const out: AccessRequest[] = [];
  const m = tokens.filter((t) => !isTrivia(t));
  const head = m[0]?.text.toLowerCase() ?? '';
  let target: string | undefined;
  if (!READ_HEADS.has(head)) {
    target = writeTarget(m);
    const sn = target === undefined ? undefined : splitRelation(target);
    const grant = sn === undefined ? undefined : writeGrant(head, sn[0], sn[1]);
    if (target !== undefined && sn !== undefined)
      out.push({
        action: 'views:Modify',
        resource: relationArn(prefix, sn[0], sn[1]),
        what: `relation ${sn[1]}`,
        ...(grant ? { grant } : {}),
        ...(head === 'create' ? { creates: { schema: sn[0], name: sn[1] } } : {}),
      });
    else out.push({ action: 'views:Modify', resource: '*', what: `${head.toUpperCase()} statements` });
  }
  // `TABLE t`, `DESCRIBE t`, `SUMMARIZE t`, `SHOW t` name the relation they read without FROM.
  if (head === 'table' || head === 'describe' || head === 'summarize' || head === 'show') {
    const parts: string[] = [];
    for (let k = 1; ; k += 2) {
      const t = m[k];
      if (t === undefined || (t.kind !== 'ident' && t.kind !== 'qident')) break;
      parts.push(identName(t));
      if (m[k + 1]?.text !== '.') break;
    }
    const sn = parts.length > 0 && parts[0] !== 'select' && parts[0] !== 'from' ? splitRelation(parts.join('.')) : undefined;
    if (sn) out.push(selectRequest(prefix, sn[0], sn[1]));
  }
  selects(prefix, tokens, out, undefined, target);
  return out;
}

function relationCommand(prefix: string, action: string, name: QualifiedName): AccessRequest {
  return { action, resource: viewArn(prefix, name), what: `relation ${name.name}` };
}

function relationGrant(name: QualifiedName, privilege: string): AccessRequest['grant'] {
  return { on: 'relation', schema: name.schema ?? DEFAULT_SCHEMA, name: name.name, privilege };
}

/** The relation a DuckDB `CREATE …|DROP TABLE|VIEW` creates or removes ([schema, name]): grants follow it. */
export function relationTarget(tokens: readonly Token[], verb: 'create' | 'drop'): [string, string] | undefined {
  const m = tokens.filter((t) => !isTrivia(t));
  if (m[0]?.text.toLowerCase() !== verb) return undefined;
  const target = writeTarget(m);
  return target === undefined ? undefined : splitRelation(target);
}

function viewArn(prefix: string, name: QualifiedName): string {
  return relationArn(prefix, name.schema ?? DEFAULT_SCHEMA, name.name);
}

/** What one of the commands Freshet answers itself needs; `externalSchemas` are read through their IAM role. */
export function accessForCommand(prefix: string, cmd: Command, externalSchemas: ReadonlySet<string>): AccessRequest[] {
  switch (cmd.kind) {
    case 'createExternalSchema':
      return [{ action: 'views:CreateExternalSchema', resource: `${prefix}schema/${cmd.name}`, what: `schema ${cmd.name}` }];
    case 'dropSchema':
      return cmd.names.map((n) => ({
        action: 'views:DropSchema',
        resource: `${prefix}schema/${n}`,
        what: `schema ${n}`,
        grant: { on: 'schema', schema: n, name: n, privilege: 'DROP' },
      }));
    case 'createMaterializedView': {
      const schema = cmd.name.schema ?? DEFAULT_SCHEMA;
      const out: AccessRequest[] = [
        {
          action: 'views:CreateMaterializedView',
          resource: viewArn(prefix, cmd.name),
          what: `relation ${cmd.name.name}`,
          grant: { on: 'schema', schema, name: schema, privilege: 'CREATE' },
          creates: { schema, name: cmd.name.name },
        },
      ];
      selects(prefix, cmd.query, out, externalSchemas);
      return out;
    }
    case 'refreshMaterializedView':
      return [{ action: 'views:RefreshMaterializedView', resource: viewArn(prefix, cmd.name), what: `relation ${cmd.name.name}` }];
    case 'alterMaterializedView':
      return [{ ...relationCommand(prefix, 'views:AlterMaterializedView', cmd.name), grant: relationGrant(cmd.name, 'ALTER') }];
    case 'dropMaterializedView':
      return [{ ...relationCommand(prefix, 'views:DropMaterializedView', cmd.name), grant: relationGrant(cmd.name, 'DROP') }];
    case 'copyTo': {
      const out: AccessRequest[] = [];
      if (cmd.query) selects(prefix, cmd.query, out);
      else if (cmd.table) {
        const parts = cmd.table.filter((t) => t.kind === 'ident' || t.kind === 'qident').map(identName);
        const sn = splitRelation(parts.join('.'));
        if (sn) out.push(selectRequest(prefix, sn[0], sn[1]));
      }
      return out;
    }
    default:
      return [];
  }
}
