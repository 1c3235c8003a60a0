/**
 * `views:` in freshet.yaml: Redshift-style external schemas and materialized views, applied through
 * Freshet's Postgres endpoint (docs/views.md) with node-postgres — the same SQL a user would run in psql.
 *
 *   views:
 *     postgres: postgres://127.0.0.1:5439/dev     # optional: else $FRESHET_PG_URL, else the endpoint's host, port 5439
 *                                                 # without a password: the pipeline's AWS credentials log in
 *     externalSchemas:
 *       - { name: kds, iamRole: arn:aws:iam::000000000000:role/redshift-streaming }   # iamRole: default defaultRoleArn
 *     materializedViews:
 *       - { name: card_transactions, sqlFile: card-transactions.sql }   # or sql: CREATE MATERIALIZED VIEW …
 *
 * `up` creates what is missing and replaces a view whose definition changed (only one this pipeline
 * created); `down` drops the views, then the schemas, this pipeline created. Ownership is the local
 * record of `up` (`.freshet/<pipeline>.json`): views carry no tags.
 *
 * Under `--auth enforce` the endpoint's users are IAM access keys (docs/views.md, Security). A URL that
 * carries no password logs in with the credentials the pipeline's AWS SDK clients sign with (AWS_PROFILE,
 * AWS_ACCESS_KEY_ID, … — the SDK's chain), user = access key id and password = secret, so a pipeline needs
 * no keys written into its file; a URL with a password uses its own user and password.
 */
import type { PipelineState } from './state.ts';
import type { ViewsSpec } from './types.ts';

/** Redshift's port, the default of Freshet's Postgres endpoint. */
const DEFAULT_PG_PORT = 5439;

export interface ViewChange {
  resource: 'external-schema' | 'materialized-view';
  name: string;
  action: 'create' | 'replace' | 'delete' | 'unchanged' | 'keep';
  details: string[];
  apply?: () => Promise<void>;
}

export interface ViewsContext {
  views: ViewsSpec;
  defaultRoleArn: string;
  pipeline: string;
  /** The Kinesis endpoint (its host is the Postgres endpoint's default host). */
  endpoint: string;
  state: PipelineState;
}

/** The AWS credentials a pipeline's SDK clients sign with (`clients.kinesis.config.credentials`). */
export type PipelineCredentials = () => Promise<{ accessKeyId: string; secretAccessKey: string }>;

interface PgClient {
  query(sql: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}

export function postgresUrl(views: ViewsSpec, endpoint: string): string {
  if (views.postgres) return views.postgres;
  if (process.env.FRESHET_PG_URL) return process.env.FRESHET_PG_URL;
  const host = new URL(endpoint).hostname;
  return `postgres://${host}:${DEFAULT_PG_PORT}/dev`;
}

/** A connection to the Postgres endpoint, kept for one plan/apply. */
export class ViewsConnection {
  private client: PgClient | undefined;
  constructor(
    private readonly url: string,
    private readonly credentials?: PipelineCredentials,
  ) {}

  /** The URL with its own user and password, or with the pipeline's credentials when it carries no password. */
  private async login(): Promise<{ url: string; user?: string; keys: boolean }> {
    let parsed: URL | undefined;
    try {
      parsed = new URL(this.url);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.password !== '' || this.credentials === undefined) return { url: this.url, keys: false };
    const c = await this.credentials();
    // node-postgres takes a connection string's user and password over separate options: put them in it.
    parsed.username = encodeURIComponent(c.accessKeyId);
    parsed.password = encodeURIComponent(c.secretAccessKey);
    return { url: parsed.toString(), user: c.accessKeyId, keys: true };
  }

  async get(): Promise<PgClient> {
    if (this.client) return this.client;
    const { default: pg } = await import('pg');
    const login = await this.login();
    const c = new pg.Client({ connectionString: login.url });
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (e) {
      const err = e as Error & { code?: string };
      const who =
        err.code === '28P01'
          ? login.keys
            ? ` — the endpoint runs with --auth enforce and refused the pipeline's AWS credentials (access key ${login.user}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY to a key of this Freshet's IAM, or put user and password in views.postgres`
            : ' — check the user and password in views.postgres / FRESHET_PG_URL (under --auth enforce: an access key id and its secret)'
          : ' — start the server with the endpoint on (freshet server --pg-port), or set views.postgres / FRESHET_PG_URL';
      throw new Error(`cannot reach Freshet's Postgres endpoint at ${redact(this.url)} (${err.message})${who}`);
    }
    this.client = c;
    return c;
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  /** Runs statements for one apply step, then closes the connection (plans may sit between steps). */
  async run(...statements: string[]): Promise<void> {
    try {
      const c = await this.get();
      for (const s of statements) await c.query(s);
    } finally {
      await this.close();
    }
  }
}

/** The URL without its password (error messages). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** Comments, whitespace and a final semicolon do not make a definition different. */
function normalize(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, '')
    .replace(/;\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

export async function planViewsUp(ctx: ViewsContext, conn: ViewsConnection): Promise<ViewChange[]> {
  const { views, state } = ctx;
  if (views.externalSchemas.length === 0 && views.materializedViews.length === 0) return [];
  const schemas = new Set<string>();
  const existing = new Map<string, string>();
  try {
    const c = await conn.get();
    for (const r of (await c.query('SELECT name FROM freshet_views.external_schemas')).rows) schemas.add(String(r.name));
    for (const r of (await c.query('SELECT name, definition FROM freshet_views.views')).rows) existing.set(String(r.name), String(r.definition));
  } finally {
    await conn.close();
  }
  const changes: ViewChange[] = [];
  for (const s of views.externalSchemas) {
    const key = `external-schema/${s.name}`;
    if (schemas.has(s.name)) {
      changes.push({ resource: 'external-schema', name: s.name, action: 'unchanged', details: [] });
      continue;
    }
    const role = s.iamRole ?? ctx.defaultRoleArn;
    changes.push({
      resource: 'external-schema',
      name: s.name,
      action: 'create',
      details: [`FROM KINESIS IAM_ROLE '${role}'`],
      apply: async () => {
        await conn.run(`CREATE EXTERNAL SCHEMA ${quoteIdent(s.name)} FROM KINESIS IAM_ROLE ${quoteLiteral(role)}`);
        state.markCreated(key);
      },
    });
  }
  for (const v of views.materializedViews) {
    const key = `materialized-view/${v.name}`;
    const current = existing.get(v.name);
    if (current === undefined) {
      changes.push({
        resource: 'materialized-view',
        name: v.name,
        action: 'create',
        details: [],
        apply: async () => {
          await conn.run(v.sql);
          state.markCreated(key);
        },
      });
      continue;
    }
    if (normalize(current) === normalize(v.sql)) {
      changes.push({ resource: 'materialized-view', name: v.name, action: 'unchanged', details: [] });
      continue;
    }
    if (!state.created(key)) {
      throw new Error(
        `materialized view ${v.name} must be replaced because its definition changed, but this pipeline did not create it; drop it yourself or rename it in the file`,
      );
    }
    changes.push({
      resource: 'materialized-view',
      name: v.name,
      action: 'replace',
      details: ['definition changed: the view is dropped and created again (a streaming view reads its stream again from TRIM_HORIZON)'],
      apply: async () => {
        await conn.run(`DROP MATERIALIZED VIEW IF EXISTS ${quoteIdent(v.name)}`, v.sql);
        state.markCreated(key);
      },
    });
  }
  return changes;
}

export async function planViewsDown(ctx: ViewsContext, conn: ViewsConnection): Promise<ViewChange[]> {
  const { views, state } = ctx;
  if (views.externalSchemas.length === 0 && views.materializedViews.length === 0) return [];
  const schemas = new Set<string>();
  const existing = new Set<string>();
  try {
    const c = await conn.get();
    for (const r of (await c.query('SELECT name FROM freshet_views.external_schemas')).rows) schemas.add(String(r.name));
    for (const r of (await c.query('SELECT name FROM freshet_views.views')).rows) existing.add(String(r.name));
  } finally {
    await conn.close();
  }
  const changes: ViewChange[] = [];
  for (const v of [...views.materializedViews].reverse()) {
    if (!existing.has(v.name)) continue;
    const key = `materialized-view/${v.name}`;
    if (!state.created(key)) {
      changes.push({ resource: 'materialized-view', name: v.name, action: 'keep', details: [`not created by pipeline ${ctx.pipeline}`] });
      continue;
    }
    changes.push({
      resource: 'materialized-view',
      name: v.name,
      action: 'delete',
      details: [],
      apply: async () => {
        await conn.run(`DROP MATERIALIZED VIEW IF EXISTS ${quoteIdent(v.name)}`);
        state.markDeleted(key);
      },
    });
  }
  for (const s of [...views.externalSchemas].reverse()) {
    if (!schemas.has(s.name)) continue;
    const key = `external-schema/${s.name}`;
    if (!state.created(key)) {
      changes.push({ resource: 'external-schema', name: s.name, action: 'keep', details: [`not created by pipeline ${ctx.pipeline}`] });
      continue;
    }
    changes.push({
      resource: 'external-schema',
      name: s.name,
      action: 'delete',
      details: [],
      apply: async () => {
        await conn.run(`DROP SCHEMA ${quoteIdent(s.name)}`);
        state.markDeleted(key);
      },
    });
  }
  return changes;
}
