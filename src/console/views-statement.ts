/**
 * The views page's changes: CREATE, REFRESH, ALTER (AUTO REFRESH) and DROP MATERIALIZED VIEW, and the CREATE EXTERNAL
 * SCHEMA … FROM KINESIS that views read streams through (and its DROP SCHEMA), sent to the server's Postgres endpoint
 * over its wire protocol (node-postgres), exactly as psql would send them. The endpoint logs the caller in (under
 * `--auth enforce` with the access key the console request was signed with and its secret from the identity
 * store, as `psql -U <key id>` with the secret as password) and authorises each statement with its IAM views
 * actions, so the console gets what psql gets: the same refusals, with the same SQLSTATE and message.
 *
 * Request: `{ "action": "create" | "refresh" | "drop", "schema"?: "public", "name": "v", "query"?: "SELECT …",
 * "autoRefresh"?: true }`, `{ "action": "alter", "schema"?, "name", "autoRefresh": true | false }` (ALTER MATERIALIZED
 * VIEW … AUTO REFRESH YES | NO), `{ "action": "schema", "name": "kds", "iamRole"?: "default" | "SESSION" | "arn:…" }`
 * or `{ "action": "dropSchema", "name": "kds" }` (DROP SCHEMA, without CASCADE). The statement is built here with quoted identifiers; a create's query must be one
 * statement (a `;` inside it would smuggle a second one).
 * Answer: 200 `{ "command": "CREATE MATERIALIZED VIEW", "statement": "…" }`, or 400
 * `{ "__type": "<SQLSTATE>", "message": "…", "severity": "ERROR" }` (the endpoint's ErrorResponse), 400
 * `ValidationException` for a malformed request, 503 when no Postgres endpoint runs or it cannot be reached.
 */
import pg from 'pg';
import { lex, splitStatements } from '../views/index.ts';
import type { ConsoleTarget } from './live.ts';

export interface ViewStatementAnswer {
  status: number;
  body: Record<string, unknown>;
}

const CONNECT_TIMEOUT_MS = 10_000;

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function invalid(message: string): ViewStatementAnswer {
  return { status: 400, body: { __type: 'ValidationException', message } };
}

/** The statement a request asks for, or why it is malformed. */
export function viewStatement(request: unknown): { sql: string } | { error: string } {
  if (request === null || typeof request !== 'object') return { error: 'the body must be a JSON object' };
  const r = request as Record<string, unknown>;
  const name = typeof r.name === 'string' ? r.name.trim() : '';
  if (!name) return { error: 'name is required' };
  if (r.action === 'schema') {
    const role = typeof r.iamRole === 'string' && r.iamRole.trim() ? r.iamRole.trim() : 'default';
    return { sql: `CREATE EXTERNAL SCHEMA ${ident(name)} FROM KINESIS IAM_ROLE ${role.toLowerCase() === 'default' ? 'default' : literal(role)}` };
  }
  // Without CASCADE: a schema that views still read is refused by the endpoint (2BP01, with the views named).
  if (r.action === 'dropSchema') return { sql: `DROP SCHEMA ${ident(name)}` };
  const schema = typeof r.schema === 'string' && r.schema.trim() ? r.schema.trim() : 'public';
  const target = `${ident(schema)}.${ident(name)}`;
  switch (r.action) {
    case 'create': {
      const query = typeof r.query === 'string' ? r.query.trim().replace(/;\s*$/, '') : '';
      if (!query) return { error: 'query is required: the SELECT the view stores' };
      let statements: number;
      try {
        statements = splitStatements(lex(query)).length;
      } catch (e) {
        return { error: `the query does not parse: ${e instanceof Error ? e.message : String(e)}` };
      }
      if (statements !== 1) return { error: 'the query must be a single SELECT statement' };
      return { sql: `CREATE MATERIALIZED VIEW ${target}${r.autoRefresh === true ? ' AUTO REFRESH YES' : ''} AS ${query}` };
    }
    case 'refresh':
      return { sql: `REFRESH MATERIALIZED VIEW ${target}` };
    case 'drop':
      return { sql: `DROP MATERIALIZED VIEW ${target}` };
    case 'alter':
      if (typeof r.autoRefresh !== 'boolean') return { error: 'autoRefresh (true or false) is required to alter a view' };
      return { sql: `ALTER MATERIALIZED VIEW ${target} AUTO REFRESH ${r.autoRefresh ? 'YES' : 'NO'}` };
    default:
      return { error: 'action must be create, refresh, drop, alter, schema or dropSchema' };
  }
}

/**
 * Runs one view statement on the target's Postgres endpoint as the caller (`accessKeyId` under `--auth enforce`,
 * undefined otherwise).
 */
export async function runViewStatement(target: ConsoleTarget, body: Buffer, accessKeyId: string | undefined): Promise<ViewStatementAnswer> {
  if (!target.postgres) return { status: 503, body: { __type: 'ServiceUnavailableException', message: 'this server runs no Postgres endpoint' } };
  let request: unknown;
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    return invalid('the body must be JSON');
  }
  const statement = viewStatement(request);
  if ('error' in statement) return invalid(statement.error);
  let user = 'console';
  let password = 'console';
  if (accessKeyId !== undefined) {
    const cred = target.iam?.lookup(accessKeyId);
    if (!cred) return { status: 403, body: { __type: 'AccessDeniedException', message: `The security token included in the request is invalid.` } };
    user = accessKeyId;
    password = cred.secretAccessKey;
  }
  const host = target.postgres.host === '0.0.0.0' || target.postgres.host === '::' ? '127.0.0.1' : target.postgres.host;
  const client = new pg.Client({
    host,
    port: target.postgres.port,
    user,
    password,
    database: 'dev',
    application_name: 'freshet-console',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // The endpoint's certificate is the server's own; the connection stays on this host.
    ...(target.postgres.tls ? { ssl: { rejectUnauthorized: false } } : {}),
  });
  client.on('error', () => undefined); // a dropped connection fails the query below
  try {
    await client.connect();
  } catch (e) {
    const err = e as { code?: string; message?: string; severity?: string };
    // A refused login is the endpoint's answer (28P01, 28000); anything else is the endpoint being unreachable.
    if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) {
      return { status: 400, body: { __type: err.code, message: err.message ?? String(e), severity: err.severity ?? 'FATAL' } };
    }
    return { status: 503, body: { __type: 'ServiceUnavailableException', message: `the Postgres endpoint cannot be reached: ${err.message ?? String(e)}` } };
  }
  try {
    const result = await client.query(statement.sql);
    return { status: 200, body: { command: result.command, statement: statement.sql } };
  } catch (e) {
    const err = e as { code?: string; message?: string; severity?: string };
    return {
      status: 400,
      body: { __type: err.code ?? 'XX000', message: err.message ?? String(e), severity: err.severity ?? 'ERROR', statement: statement.sql },
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
