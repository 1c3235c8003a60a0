/**
 * The views engine: one embedded DuckDB database (`<data-dir>/views/views.duckdb`, in memory without a data
 * dir) holding every table and materialized view, the Redshift catalog Freshet keeps beside them
 * (external schemas, view definitions, per-shard stream positions), and the running views.
 *
 * DuckDB is loaded on first use (`ViewsEngine.open`), so a Freshet that never serves SQL never loads it.
 * Memory is bounded by DuckDB's `memory_limit` (spilling to `<data-dir>/views/tmp`) and by refresh batches.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Clock } from '../core/index.ts';
import type { StreamEngine } from '../analytics/index.ts';
import { PgError, SQLSTATE, fromDuckDbError } from './errors.ts';
import { GRANTS_DDL, Grants } from './grants.ts';
import { MACROS } from './sql/functions.ts';
import { CATALOG_SCHEMA, DEFAULT_SCHEMA, nowLiteral } from './names.ts';
import { quoteLiteral } from './sql/lexer.ts';
import { relationsInScope } from './sql/translate.ts';
import type { Command, QualifiedName } from './sql/commands.ts';
import { MaterializedView } from './view.ts';
import type { ViewDefinition, ViewStatus } from './view.ts';

/** The Kinesis engine as the views use it (structurally: src/kinesis's KinesisEngine). */
export interface ViewsStreamSource extends StreamEngine {
  listStreams(): string[];
}

export interface ViewsOptions {
  /** Freshet's data dir; the database is `<dataDir>/views/views.duckdb`. Undefined: in memory. */
  dataDir: string | undefined;
  streams: ViewsStreamSource;
  clock: Clock;
  /** DuckDB memory_limit (default '1GB'); beyond it DuckDB spills to `<dataDir>/views/tmp`. */
  memoryLimit?: string;
  /** DuckDB worker threads (default: DuckDB's, the number of cores). */
  threads?: number;
  /** AUTO REFRESH: least clock time between two refreshes of a view (default 500 ms). */
  autoRefreshIntervalMs?: number;
  /** AUTO REFRESH: a view with nothing new is still refreshed this often, to follow resharding (default 5 s). */
  idleRefreshMs?: number;
  /** Records staged per refresh transaction (default 100,000): bounds refresh memory. */
  refreshBatchRecords?: number;
  /** Switch off DuckDB's access to files, URLs and extensions (clients are not trusted: `--auth enforce`). */
  lockExternalAccess?: boolean;
  /** Where background refresh failures are reported (default: console.error, once per distinct message). */
  onError?: (message: string) => void;
}

const CATALOG_DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${CATALOG_SCHEMA}`,
  `CREATE SCHEMA IF NOT EXISTS ${DEFAULT_SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.external_schemas (name VARCHAR, source VARCHAR, iam_role VARCHAR, created_at TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.views (schema_name VARCHAR, name VARCHAR, definition VARCHAR, query VARCHAR,
     kind VARCHAR, external_schema VARCHAR, stream_name VARCHAR, auto_refresh BOOLEAN, backup BOOLEAN, created_at TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.positions (schema_name VARCHAR, view_name VARCHAR, stream_created_ms DOUBLE, shard_id VARCHAR, next_offset BIGINT)`,
  GRANTS_DDL,
];

/** Redshift's view of materialized views (SVV_MV_INFO), with Freshet's lag and row counts. */
const STATUS_VIEW = `CREATE OR REPLACE VIEW ${CATALOG_SCHEMA}.svv_mv_info AS SELECT current_database() AS database_name,
  schema_name AS schema, 'freshet' AS user_name, name, false AS is_stale, 1 AS state,
  CASE WHEN auto_refresh THEN 1 ELSE 0 END AS autorefresh, 0 AS autorewrite FROM ${CATALOG_SCHEMA}.views`;

export class ViewsEngine {
  /** Views by "schema.name". */
  private readonly views = new Map<string, MaterializedView>();
  private jsonCache = new Map<string, Set<string>>();
  private jsonDirty = true;
  private closed = false;
  private readonly reported = new Set<string>();
  /** GRANT/REVOKE records (grants.ts). */
  readonly grants: Grants;

  private constructor(
    readonly db: DuckDBInstance,
    /** Autocommit connection for catalog changes (never inside a client's transaction). */
    private readonly admin: DuckDBConnection,
    readonly opts: ViewsOptions,
  ) {
    this.grants = new Grants(admin, () => this.externalSchemaNames());
  }

  static async open(opts: ViewsOptions): Promise<ViewsEngine> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    let path = ':memory:';
    // Typed macro parameters (json_parse(x BLOB) / (x VARCHAR)) need DuckDB's v1.4 storage format.
    const config: Record<string, string> = { memory_limit: opts.memoryLimit ?? '1GB', storage_compatibility_version: 'v1.4.0' };
    if (opts.threads !== undefined) config.threads = String(opts.threads);
    if (opts.dataDir !== undefined) {
      const dir = join(opts.dataDir, 'views');
      await mkdir(join(dir, 'tmp'), { recursive: true });
      path = join(dir, 'views.duckdb');
      config.temp_directory = join(dir, 'tmp');
    }
    const db = await DuckDBInstance.create(path, config);
    const admin = await db.connect();
    try {
      for (const s of CATALOG_DDL) await admin.run(s);
      for (const m of MACROS) await admin.run(m);
      await admin.run(STATUS_VIEW);
      await admin.run(`SET search_path = '${DEFAULT_SCHEMA},main,${CATALOG_SCHEMA}'`);
      if (opts.lockExternalAccess) {
        // DuckDB lets this only be switched off while running, so a client cannot switch it back on.
        await admin.run('SET enable_external_access = false');
      }
    } catch (e) {
      admin.closeSync();
      db.closeSync();
      throw e;
    }
    const engine = new ViewsEngine(db, admin, opts);
    await engine.loadExternalSchemas();
    await engine.loadViews();
    return engine;
  }

  /** A new connection for a client session, with Postgres-like name resolution (public, then main). */
  async connect(): Promise<DuckDBConnection> {
    const c = await this.db.connect();
    await c.run(`SET search_path = '${DEFAULT_SCHEMA},main,${CATALOG_SCHEMA}'`);
    return c;
  }

  report(message: string): void {
    if (this.reported.has(message)) return;
    this.reported.add(message);
    if (this.reported.size > 1000) this.reported.clear();
    (this.opts.onError ?? ((m: string) => console.error(`freshet views: ${m}`)))(message);
  }

  // ---- JSON (SUPER) columns, for the translator ----

  /** Marks the JSON-column cache stale (after any DDL). */
  schemaChanged(): void {
    this.jsonDirty = true;
  }

  /** Reloads the JSON-column cache if DDL ran since the last load. */
  async refreshSchemaCache(): Promise<void> {
    if (!this.jsonDirty) return;
    this.jsonDirty = false;
    const r = await this.admin.runAndReadAll(`SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE data_type = 'JSON' AND NOT internal`);
    const next = new Map<string, Set<string>>();
    for (const row of r.getRows()) {
      const [schema, table, column] = row as [string, string, string];
      for (const key of [table.toLowerCase(), `${schema.toLowerCase()}.${table.toLowerCase()}`]) {
        let s = next.get(key);
        if (!s) next.set(key, (s = new Set()));
        s.add(column.toLowerCase());
      }
    }
    this.jsonCache = next;
  }

  jsonColumns(relation: string): ReadonlySet<string> | undefined {
    return this.jsonCache.get(relation);
  }

  // ---- catalog ----

  private async loadViews(): Promise<void> {
    const r = await this.admin.runAndReadAll(
      `SELECT schema_name, name, definition, query, kind, external_schema, stream_name, auto_refresh, backup FROM ${CATALOG_SCHEMA}.views ORDER BY created_at`,
    );
    for (const row of r.getRowObjects()) {
      const def: ViewDefinition = {
        schema: row.schema_name as string,
        name: row.name as string,
        definition: row.definition as string,
        query: row.query as string,
        kind: row.kind as ViewDefinition['kind'],
        externalSchema: (row.external_schema as string | null) ?? undefined,
        streamName: (row.stream_name as string | null) ?? undefined,
        autoRefresh: row.auto_refresh as boolean,
        backup: row.backup as boolean,
      };
      const view = await MaterializedView.load(this, def);
      this.views.set(key(def.schema, def.name), view);
    }
    for (const v of this.views.values()) v.start();
  }

  /** External (Kinesis) schemas by name, with their IAM role. */
  private externals = new Map<string, { iamRole: string | null }>();

  private async loadExternalSchemas(): Promise<void> {
    const r = await this.admin.runAndReadAll(`SELECT name, iam_role FROM ${CATALOG_SCHEMA}.external_schemas`);
    this.externals = new Map();
    for (const [name, role] of r.getRows() as Array<[string, string | null]>) this.externals.set(name, { iamRole: role });
  }

  private async externalSchemas(): Promise<Map<string, { iamRole: string | null }>> {
    return this.externals;
  }

  /** The IAM role an external schema was created with (null: `default` or none; undefined: no such schema). */
  externalSchemaRole(name: string): string | null | undefined {
    return this.externals.get(name)?.iamRole;
  }

  /** Names of the external (Kinesis) schemas. */
  externalSchemaNames(): ReadonlySet<string> {
    return new Set(this.externals.keys());
  }

  /** Runs one of the Redshift materialized-view / external-schema commands; returns the command tag. */
  async execute(cmd: Command): Promise<string> {
    try {
      switch (cmd.kind) {
        case 'createExternalSchema':
          return await this.createExternalSchema(cmd.name, cmd.ifNotExists, cmd.iamRole);
        case 'createMaterializedView':
          return await this.createMaterializedView(cmd);
        case 'refreshMaterializedView':
          await this.view(cmd.name).refresh();
          return 'REFRESH MATERIALIZED VIEW';
        case 'dropMaterializedView':
          return await this.dropMaterializedView(cmd.name, cmd.ifExists);
        case 'alterMaterializedView':
          await this.view(cmd.name).setAutoRefresh(cmd.autoRefresh);
          return 'ALTER MATERIALIZED VIEW';
        default:
          throw new PgError(SQLSTATE.internal_error, `not a views command: ${cmd.kind}`);
      }
    } finally {
      this.schemaChanged();
    }
  }

  private async createExternalSchema(name: string, ifNotExists: boolean, iamRole: string | undefined): Promise<string> {
    const existing = await this.externalSchemas();
    const schemas = await this.admin.runAndReadAll(`SELECT schema_name FROM duckdb_schemas() WHERE lower(schema_name) = ${quoteLiteral(name.toLowerCase())}`);
    if (existing.has(name) || schemas.currentRowCount > 0) {
      if (ifNotExists) return 'CREATE SCHEMA';
      throw new PgError(SQLSTATE.duplicate_schema, `schema "${name}" already exists`);
    }
    // The IAM role is recorded, and checked once Freshet has IAM (it accepts any role until then).
    await this.admin.run(
      `INSERT INTO ${CATALOG_SCHEMA}.external_schemas VALUES (${quoteLiteral(name)}, 'KINESIS', ${iamRole === undefined ? 'NULL' : quoteLiteral(iamRole)}, ${nowLiteral(this.opts.clock)})`,
    );
    this.externals.set(name, { iamRole: iamRole ?? null });
    return 'CREATE SCHEMA';
  }

  /** Drops external schemas named in a DROP SCHEMA; returns the names that are not external (for DuckDB). */
  async dropExternalSchemas(names: readonly string[], cascade: boolean): Promise<string[]> {
    const existing = await this.externalSchemas();
    const rest: string[] = [];
    for (const n of names) {
      if (!existing.has(n)) {
        rest.push(n);
        continue;
      }
      const dependents = [...this.views.values()].filter((v) => v.def.externalSchema === n);
      if (dependents.length > 0 && !cascade) {
        throw new PgError(SQLSTATE.dependent_objects_still_exist, `cannot drop schema ${n} because other objects depend on it`, {
          detail: dependents.map((v) => `materialized view ${v.qualifiedName} depends on schema ${n}`).join('\n'),
          hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
        });
      }
      for (const v of dependents) await this.dropMaterializedView({ schema: v.def.schema, name: v.def.name }, false);
      await this.admin.run(`DELETE FROM ${CATALOG_SCHEMA}.external_schemas WHERE name = ${quoteLiteral(n)}`);
      await this.grants.dropSchema(n);
      this.externals.delete(n);
    }
    return rest;
  }

  /** True when `name` is an external (Kinesis) schema. */
  async isExternalSchema(name: string): Promise<boolean> {
    return (await this.externalSchemas()).has(name);
  }

  private async createMaterializedView(cmd: Extract<Command, { kind: 'createMaterializedView' }>): Promise<string> {
    const schema = cmd.name.schema ?? DEFAULT_SCHEMA;
    const name = cmd.name.name;
    if (this.views.has(key(schema, name))) throw new PgError(SQLSTATE.duplicate_table, `relation "${name}" already exists`);
    const externals = await this.externalSchemas();
    // A streaming view reads exactly one stream, named schema."stream-name" with an external schema.
    const scope = relationsInScope(cmd.query);
    const streams = new Set<string>();
    for (const rel of scope.values()) {
      const dot = rel.indexOf('.');
      if (dot > 0 && externals.has(rel.slice(0, dot))) streams.add(rel);
    }
    if (streams.size > 1) {
      throw new PgError(SQLSTATE.feature_not_supported, 'a streaming materialized view can reference only one stream', {
        hint: 'Create one materialized view per stream, and join those views in another view.',
      });
    }
    const queryText = cmd.query.map((t) => t.text).join('');
    const streamRef = [...streams][0];
    const def: ViewDefinition = {
      schema,
      name,
      definition: cmd.text,
      query: queryText,
      kind: streamRef !== undefined ? 'streaming' : 'regular',
      externalSchema: streamRef?.slice(0, streamRef.indexOf('.')),
      streamName: streamRef?.slice(streamRef.indexOf('.') + 1),
      autoRefresh: cmd.autoRefresh,
      backup: cmd.backup,
    };
    if (def.streamName !== undefined && !this.opts.streams.listStreams().includes(def.streamName)) {
      throw new PgError(SQLSTATE.undefined_table, `stream "${def.streamName}" does not exist in Kinesis (external schema ${def.externalSchema})`, {
        hint: 'Create the stream first (aws kinesis create-stream, or streams: in freshet.yaml); stream names are case-sensitive: quote them, e.g. kds."my-stream".',
      });
    }
    await this.refreshSchemaCache();
    const view = await MaterializedView.create(this, def);
    try {
      await this.admin.run(
        `INSERT INTO ${CATALOG_SCHEMA}.views VALUES (${quoteLiteral(schema)}, ${quoteLiteral(name)}, ${quoteLiteral(def.definition)}, ${quoteLiteral(def.query)},
          ${quoteLiteral(def.kind)}, ${def.externalSchema === undefined ? 'NULL' : quoteLiteral(def.externalSchema)},
          ${def.streamName === undefined ? 'NULL' : quoteLiteral(def.streamName)}, ${def.autoRefresh}, ${def.backup}, ${nowLiteral(this.opts.clock)})`,
      );
    } catch (e) {
      await view.destroy();
      throw e;
    }
    this.views.set(key(schema, name), view);
    view.start();
    return 'CREATE MATERIALIZED VIEW';
  }

  private async dropMaterializedView(name: QualifiedName, ifExists: boolean): Promise<string> {
    const v = this.findView(name);
    if (v === undefined) {
      if (ifExists) return 'DROP MATERIALIZED VIEW';
      throw new PgError(SQLSTATE.undefined_table, `materialized view "${name.name}" does not exist`);
    }
    this.views.delete(key(v.def.schema, v.def.name));
    await v.destroy();
    await this.admin.run(`DELETE FROM ${CATALOG_SCHEMA}.views WHERE schema_name = ${quoteLiteral(v.def.schema)} AND name = ${quoteLiteral(v.def.name)}`);
    await this.admin.run(
      `DELETE FROM ${CATALOG_SCHEMA}.positions WHERE schema_name = ${quoteLiteral(v.def.schema)} AND view_name = ${quoteLiteral(v.def.name)}`,
    );
    await this.grants.dropRelation(v.def.schema, v.def.name);
    return 'DROP MATERIALIZED VIEW';
  }

  private findView(name: QualifiedName): MaterializedView | undefined {
    if (name.schema !== undefined) return this.views.get(key(name.schema, name.name));
    return this.views.get(key(DEFAULT_SCHEMA, name.name)) ?? [...this.views.values()].find((v) => v.def.name === name.name);
  }

  private view(name: QualifiedName): MaterializedView {
    const v = this.findView(name);
    if (v === undefined) throw new PgError(SQLSTATE.undefined_table, `materialized view "${name.name}" does not exist`);
    return v;
  }

  /** A view by name (tests, console). */
  getView(name: string, schema = DEFAULT_SCHEMA): MaterializedView | undefined {
    return this.views.get(key(schema, name));
  }

  /** Regular views that read `source` (directly), for AUTO REFRESH after it changes. */
  dependentsOf(source: MaterializedView): MaterializedView[] {
    const out: MaterializedView[] = [];
    for (const v of this.views.values()) if (v !== source && v.readsFrom(source)) out.push(v);
    return out;
  }

  /** Every view with its kind, rows, lag and refresh state (for the console and `freshet` status). */
  async list(): Promise<ViewStatus[]> {
    const out: ViewStatus[] = [];
    for (const v of this.views.values()) out.push(await v.status());
    return out;
  }

  /** Resolves once no refresh is running or scheduled to run now. */
  async whenIdle(): Promise<void> {
    for (const v of this.views.values()) await v.whenIdle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const v of this.views.values()) await v.stop();
    try {
      // A checkpoint folds the WAL into the database file, so the next open does not replay it.
      await this.admin.run('CHECKPOINT');
    } catch (e) {
      this.report(`checkpoint on close failed: ${fromDuckDbError(e).message}`);
    }
    this.admin.closeSync();
    this.db.closeSync();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

function key(schema: string, name: string): string {
  return `${schema}.${name}`;
}
