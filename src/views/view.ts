/**
 * One materialized view: its DuckDB table, and how it is refreshed.
 *
 * - Streaming (Redshift streaming ingestion: the query reads `schema."stream"` of an external schema):
 *   each refresh reads the stream's shards from where the last one stopped (a position per shard, stored in
 *   `freshet_views.positions` in the same transaction as the rows, so a crash never loses or repeats a
 *   record), parents before children across resharding (ShardFollower, the same as SQL applications),
 *   KPL aggregates split into user records. Records are staged in a temporary table with Redshift's columns
 *   (approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, kinesis_data)
 *   and the view's query runs over them:
 *     - a query without aggregation, DISTINCT, window functions or LIMIT appends its rows (incremental);
 *     - any other query keeps the stream's rows in `freshet_views."<view>$stream"` and is recomputed over
 *       them, which gives the same rows Redshift's incremental refresh does.
 *   The first refresh starts at TRIM_HORIZON, as Redshift's does.
 * - Regular (over tables and other views): recomputed in one transaction (DELETE + INSERT).
 *
 * AUTO REFRESH YES: a streaming view refreshes when records arrive (at most every `autoRefreshIntervalMs`),
 * and a regular view after a view it reads has changed. Refreshes of one view never overlap.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { log } from '../core/index.ts';
import type { TimerHandle } from '../core/index.ts';
import { ShardFollower } from '../analytics/index.ts';
import type { FollowedFeed, StreamShardReader } from '../analytics/index.ts';
import { deaggregate, isAggregated } from '../kinesis/index.ts';
import { PgError, SQLSTATE, fromDuckDbError } from './errors.ts';
import { identName, isTrivia, lex, quoteIdent, quoteLiteral } from './sql/lexer.ts';
import type { Token } from './sql/lexer.ts';
import { relationsInScope, translateTokens } from './sql/translate.ts';
import { CATALOG_SCHEMA, timestampLiteral } from './names.ts';
import type { ViewsEngine } from './engine.ts';

const logger = log.child('views');

export interface ViewDefinition {
  schema: string;
  name: string;
  /** The CREATE statement as written. */
  definition: string;
  /** The query after AS, as written. */
  query: string;
  kind: 'streaming' | 'regular';
  externalSchema: string | undefined;
  streamName: string | undefined;
  autoRefresh: boolean;
  backup: boolean;
}

export interface ViewStatus {
  schema: string;
  name: string;
  kind: 'streaming' | 'regular';
  stream: string | undefined;
  autoRefresh: boolean;
  rows: number;
  /** Clock time since the oldest record not yet in the view arrived; 0 when caught up. */
  lagMs: number;
  lastRefreshMs: number | undefined;
  /** Records read from the stream by refreshes since the server started. */
  recordsIngested: number;
  state: 'ok' | 'error';
  lastError: string | undefined;
}

interface Feed extends FollowedFeed {
  readonly reader: StreamShardReader;
}

/** The staged stream records' table, as Redshift's stream columns. */
const STAGE = 'temp.main.freshet_stage';

const DEFAULT_BATCH_RECORDS = 100_000;
/** Staged bytes per refresh transaction. */
const BATCH_BYTES = 64 * 1024 * 1024;
const READ_LIMIT = 10_000;
const RETRY_MS = 5_000;

const AGGREGATE_FUNCTIONS = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'listagg',
  'string_agg',
  'array_agg',
  'median',
  'stddev',
  'stddev_samp',
  'stddev_pop',
  'variance',
  'var_samp',
  'var_pop',
  'bool_and',
  'bool_or',
  'bit_and',
  'bit_or',
  'percentile_cont',
  'percentile_disc',
  'approx_count_distinct',
  'any_value',
  'first',
  'last',
  'arg_max',
  'arg_min',
]);

/** True when a query's rows for new input depend on earlier input (so it cannot simply append). */
export function needsRecompute(tokens: readonly Token[]): boolean {
  const m = tokens.filter((t) => !isTrivia(t));
  for (let i = 0; i < m.length; i++) {
    const t = m[i]!;
    if (t.kind !== 'ident') continue;
    const w = t.text.toLowerCase();
    if (w === 'group' || w === 'distinct' || w === 'over' || w === 'having' || w === 'limit' || w === 'qualify' || w === 'window') return true;
    if (AGGREGATE_FUNCTIONS.has(w) && m[i + 1]?.text === '(') return true;
  }
  return false;
}

export class MaterializedView {
  private conn: DuckDBConnection | undefined;
  private follower: ShardFollower<Feed> | undefined;
  private readonly feeds: Feed[] = [];
  /** Committed next offset per shard (what a failed refresh rewinds to). */
  private committed = new Map<string, number>();
  private running: Promise<void> | undefined;
  private again = false;
  private timer: TimerHandle | undefined;
  private timerDueMs = Infinity;
  private idleTimer: TimerHandle | undefined;
  private stopped = false;
  private pendingSinceMs: number | undefined;
  private lastRefreshMs: number | undefined;
  private lastRefreshEndMs = -Infinity;
  private recordsIngested = 0;
  private lastError: string | undefined;
  private readonly recompute: boolean;
  private readonly queryTokens: Token[];
  private readonly sources: Set<string>;

  private constructor(
    private readonly engine: ViewsEngine,
    readonly def: ViewDefinition,
  ) {
    this.queryTokens = lex(def.query);
    this.recompute = def.kind === 'regular' || needsRecompute(this.queryTokens);
    this.sources = new Set(relationsInScope(this.queryTokens).values());
  }

  get qualifiedName(): string {
    return `${quoteIdent(this.def.schema)}.${quoteIdent(this.def.name)}`;
  }

  private get baseTable(): string {
    return `${CATALOG_SCHEMA}.${quoteIdent(`${this.def.schema}.${this.def.name}$stream`)}`;
  }

  /** Creates the view's table(s) from the query's result types; a regular view is populated at once. */
  static async create(engine: ViewsEngine, def: ViewDefinition): Promise<MaterializedView> {
    const v = new MaterializedView(engine, def);
    const conn = await v.connection();
    try {
      if (def.kind === 'streaming') {
        await v.ensureStage(conn);
        if (v.recompute) await conn.run(`CREATE TABLE ${v.baseTable} AS SELECT * FROM ${v.sourceSql(Date.now())} LIMIT 0`);
        await conn.run(`CREATE TABLE ${v.qualifiedName} AS SELECT * FROM (${v.selectSql(Date.now())}) LIMIT 0`);
      } else {
        await conn.run(`CREATE TABLE ${v.qualifiedName} AS ${v.selectSql(Date.now())}`);
        v.lastRefreshMs = engine.opts.clock.now();
      }
    } catch (e) {
      await conn
        .run(`DROP TABLE IF EXISTS ${v.baseTable}`)
        .catch((err) => logger.swallowed('dropping the base table of a view that failed to create', err, { table: v.baseTable }));
      conn.closeSync();
      v.conn = undefined;
      throw fromDuckDbError(e);
    }
    return v;
  }

  static async load(engine: ViewsEngine, def: ViewDefinition): Promise<MaterializedView> {
    return new MaterializedView(engine, def);
  }

  private async connection(): Promise<DuckDBConnection> {
    this.conn ??= await this.engine.connect();
    return this.conn;
  }

  /** The stream's staged records as a relation with Redshift's columns. */
  private sourceSql(refreshMs: number): string {
    return `(SELECT epoch_ms(CAST(arrival_ms AS BIGINT)) AS approximate_arrival_timestamp, partition_key, shard_id, sequence_number,
      ${timestampLiteral(refreshMs)} AS refresh_time, kinesis_data FROM ${STAGE})`;
  }

  /** The view's query in DuckDB SQL, the stream reference replaced by `source` (staged or stored rows). */
  private selectSql(refreshMs: number): string {
    if (this.def.kind === 'regular') return translateTokens(this.queryTokens, this.engine);
    const source = this.recompute ? this.baseTable : this.sourceSql(refreshMs);
    const toks = this.queryTokens;
    const out: Token[] = [];
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      if ((t.kind === 'ident' || t.kind === 'qident') && identName(t) === this.def.externalSchema) {
        let j = i + 1;
        while (j < toks.length && isTrivia(toks[j]!)) j++;
        if (toks[j]?.text === '.') {
          let k = j + 1;
          while (k < toks.length && isTrivia(toks[k]!)) k++;
          const s = toks[k];
          if (s !== undefined && (s.kind === 'ident' || s.kind === 'qident') && identName(s) === this.def.streamName) {
            // Keep the user's alias; without one, the stream's name is the alias (stream."col" still resolves).
            let a = k + 1;
            while (a < toks.length && isTrivia(toks[a]!)) a++;
            const next = toks[a];
            const hasAlias =
              next !== undefined &&
              (next.kind === 'qident' ||
                (next.kind === 'ident' && !/^(where|group|order|limit|join|inner|left|right|full|cross|on|union|having|window)$/i.test(next.text)));
            out.push({ kind: 'ident', text: hasAlias ? source : `${source} AS ${quoteIdent(this.def.streamName!)}`, start: t.start });
            i = k;
            continue;
          }
        }
      }
      out.push(t);
    }
    return translateTokens(out, this.engine);
  }

  /** True when this view's query reads `other` (by name or schema.name). */
  readsFrom(other: MaterializedView): boolean {
    return this.sources.has(other.def.name) || this.sources.has(`${other.def.schema}.${other.def.name}`);
  }

  /** Starts AUTO REFRESH (if set). */
  start(): void {
    if (!this.def.autoRefresh || this.stopped) return;
    this.kick();
    if (this.def.kind === 'streaming') this.armIdle();
  }

  async setAutoRefresh(on: boolean): Promise<void> {
    this.def.autoRefresh = on;
    await this.engine.db.connect().then(async (c) => {
      try {
        await c.run(
          `UPDATE ${CATALOG_SCHEMA}.views SET auto_refresh = ${on} WHERE schema_name = ${quoteLiteral(this.def.schema)} AND name = ${quoteLiteral(this.def.name)}`,
        );
      } finally {
        c.closeSync();
      }
    });
    if (on) this.start();
    else {
      this.timer?.cancel();
      this.timer = undefined;
      this.timerDueMs = Infinity;
      this.idleTimer?.cancel();
      this.idleTimer = undefined;
    }
  }

  private armIdle(): void {
    if (this.stopped || !this.def.autoRefresh) return;
    this.idleTimer = this.engine.opts.clock.setTimer(() => {
      this.idleTimer = undefined;
      this.kick();
      this.armIdle();
    }, this.engine.opts.idleRefreshMs ?? 5_000);
  }

  /** Records arrived (or a source view changed): refresh soon, no sooner than the interval after the last one. */
  kick(): void {
    if (this.stopped || !this.def.autoRefresh) return;
    const clock = this.engine.opts.clock;
    this.pendingSinceMs ??= clock.now();
    const due = Math.max(clock.now(), this.lastRefreshEndMs + (this.engine.opts.autoRefreshIntervalMs ?? 500));
    if (this.timer !== undefined && this.timerDueMs <= due) return;
    this.timer?.cancel();
    this.timerDueMs = due;
    this.timer = clock.setTimer(() => {
      this.timer = undefined;
      this.timerDueMs = Infinity;
      this.refresh().catch((e) => {
        this.engine.report(`AUTO REFRESH of ${this.def.schema}.${this.def.name} failed: ${fromDuckDbError(e).message}`);
        if (!this.stopped) this.timer = clock.setTimer(() => this.kick(), RETRY_MS);
      });
    }, due - clock.now());
  }

  /** Refreshes now (after a refresh in progress). Resolves when the view holds everything read. */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.reject(new PgError(SQLSTATE.object_not_in_prerequisite_state, `materialized view ${this.def.name} was dropped`));
    if (this.running) {
      this.again = true;
      return this.running.then(() => (this.running ? this.running : this.refresh()));
    }
    const run = (async () => {
      try {
        do {
          this.again = false;
          await (this.def.kind === 'streaming' ? this.refreshStream() : this.refreshRegular());
        } while (this.again && !this.stopped);
        this.lastError = undefined;
      } catch (e) {
        this.lastError = fromDuckDbError(e).message;
        throw fromDuckDbError(e);
      } finally {
        this.lastRefreshEndMs = this.engine.opts.clock.now();
        this.running = undefined;
      }
    })();
    this.running = run;
    return run;
  }

  private async refreshRegular(): Promise<void> {
    const conn = await this.connection();
    const start = this.engine.opts.clock.now();
    await conn.run('BEGIN');
    try {
      await conn.run(`DELETE FROM ${this.qualifiedName}`);
      await conn.run(`INSERT INTO ${this.qualifiedName} ${this.selectSql(start)}`);
      await conn.run('COMMIT');
    } catch (e) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
    this.rowCount = await this.countRows(conn);
    this.lastRefreshMs = start;
    this.pendingSinceMs = undefined;
    for (const d of this.engine.dependentsOf(this)) d.kick();
  }

  /** Opens the shard readers at the stored positions (first refresh: TRIM_HORIZON). */
  private async ensureFollower(conn: DuckDBConnection): Promise<ShardFollower<Feed>> {
    if (this.follower) return this.follower;
    const streams = this.engine.opts.streams;
    const stream = this.def.streamName!;
    let createdMs: number;
    try {
      createdMs = streams.describe(stream).createdMs;
    } catch {
      throw new PgError(SQLSTATE.undefined_table, `stream "${stream}" does not exist in Kinesis (external schema ${this.def.externalSchema})`);
    }
    const r = await conn.runAndReadAll(
      `SELECT stream_created_ms, shard_id, next_offset FROM ${CATALOG_SCHEMA}.positions WHERE schema_name = ${quoteLiteral(this.def.schema)} AND view_name = ${quoteLiteral(this.def.name)}`,
    );
    let saved: Record<string, { offset: number }> | undefined;
    for (const [created, shard, offset] of r.getRows() as Array<[number, string, bigint]>) {
      // Positions of an earlier stream of the same name (deleted and created again) do not apply.
      if (created !== createdMs) continue;
      saved ??= {};
      saved[shard] = { offset: Number(offset) };
      this.committed.set(shard, Number(offset));
    }
    const follower = new ShardFollower<Feed>(streams, stream, this.feeds, (reader) => ({
      reader,
      unsubscribe: reader.onAppend(() => this.onAppend()),
    }));
    await follower.start('TRIM_HORIZON', saved);
    this.streamCreatedMs = createdMs;
    this.follower = follower;
    await this.ensureStage(conn);
    return follower;
  }

  /** The connection's temporary table for staged stream records (Redshift's stream columns, raw). */
  private async ensureStage(conn: DuckDBConnection): Promise<void> {
    await conn.run(
      `CREATE TEMP TABLE IF NOT EXISTS freshet_stage (arrival_ms DOUBLE, partition_key VARCHAR, shard_id VARCHAR, sequence_number VARCHAR, kinesis_data BLOB)`,
    );
  }

  private streamCreatedMs = 0;

  private onAppend(): void {
    if (!this.def.autoRefresh) return;
    this.kick();
  }

  private async refreshStream(): Promise<void> {
    const conn = await this.connection();
    const follower = await this.ensureFollower(conn);
    await follower.refresh();
    follower.readableChanged();
    const clock = this.engine.opts.clock;
    const maxRecords = this.engine.opts.refreshBatchRecords ?? DEFAULT_BATCH_RECORDS;
    for (;;) {
      const refreshMs = clock.now();
      let staged = 0;
      let bytes = 0;
      let appender: DuckDBAppender | undefined;
      try {
        appender = await conn.createAppender('freshet_stage', 'main', 'temp');
        for (const feed of this.feeds) {
          if (!follower.readable(feed)) continue;
          const shardId = feed.reader.shardId;
          while (staged < maxRecords && bytes < BATCH_BYTES) {
            const { records } = await feed.reader.read(Math.min(READ_LIMIT, maxRecords - staged));
            if (records.length === 0) break;
            // hot path: one iteration per stream record.
            for (let i = 0; i < records.length; i++) {
              const r = records[i]!;
              if (isAggregated(r.data)) {
                const users = deaggregate(r.data, r.partitionKey, r.sequenceNumber);
                if (users !== undefined) {
                  for (let u = 0; u < users.length; u++) {
                    const user = users[u]!;
                    appender.appendDouble(r.approximateArrivalTimestampMs);
                    appender.appendVarchar(user.partitionKey);
                    appender.appendVarchar(shardId);
                    appender.appendVarchar(r.sequenceNumber);
                    appender.appendBlob(user.data);
                    appender.endRow();
                    bytes += user.data.length;
                  }
                  staged++;
                  continue;
                }
              }
              appender.appendDouble(r.approximateArrivalTimestampMs);
              appender.appendVarchar(r.partitionKey);
              appender.appendVarchar(shardId);
              appender.appendVarchar(r.sequenceNumber);
              appender.appendBlob(r.data);
              appender.endRow();
              bytes += r.data.length;
              staged++;
            }
          }
        }
        appender.closeSync();
        appender = undefined;
        await this.commitBatch(conn, refreshMs, staged);
      } catch (e) {
        appender?.closeSync();
        // Nothing was committed: read the same records again next time.
        for (const f of this.feeds) {
          const c = this.committed.get(f.reader.shardId);
          if (c !== undefined) f.reader.offset = c;
        }
        await conn
          .run(`DELETE FROM ${STAGE}`)
          .catch((err) => logger.swallowed('clearing staged rows after a failed refresh', err, { view: this.qualifiedName }));
        throw e;
      }
      this.recordsIngested += staged;
      this.lastRefreshMs = refreshMs;
      // More to read (the batch was full, or children of a finished parent became readable)?
      if (staged >= maxRecords || bytes >= BATCH_BYTES || follower.readableChanged()) continue;
      break;
    }
    this.pendingSinceMs = undefined;
  }

  /** One transaction: the view's new rows and the shards' next offsets. */
  private async commitBatch(conn: DuckDBConnection, refreshMs: number, staged: number): Promise<void> {
    const positions: string[] = [];
    let moved = false;
    for (const f of this.feeds) {
      const id = f.reader.shardId;
      if (this.committed.get(id) !== f.reader.offset) moved = true;
      positions.push(`(${quoteLiteral(this.def.schema)}, ${quoteLiteral(this.def.name)}, ${this.streamCreatedMs}, ${quoteLiteral(id)}, ${f.reader.offset})`);
    }
    if (staged === 0 && !moved) return;
    await conn.run('BEGIN');
    try {
      if (staged > 0) {
        if (this.recompute) {
          await conn.run(`INSERT INTO ${this.baseTable} SELECT * FROM ${this.sourceSql(refreshMs)}`);
          await conn.run(`DELETE FROM ${this.qualifiedName}`);
        }
        await conn.run(`INSERT INTO ${this.qualifiedName} ${this.selectSql(refreshMs)}`);
      }
      await conn.run(
        `DELETE FROM ${CATALOG_SCHEMA}.positions WHERE schema_name = ${quoteLiteral(this.def.schema)} AND view_name = ${quoteLiteral(this.def.name)}`,
      );
      if (positions.length > 0) await conn.run(`INSERT INTO ${CATALOG_SCHEMA}.positions VALUES ${positions.join(', ')}`);
      await conn.run('COMMIT');
    } catch (e) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
    await conn.run(`DELETE FROM ${STAGE}`);
    for (const f of this.feeds) this.committed.set(f.reader.shardId, f.reader.offset);
    if (staged > 0 || this.rowCount === undefined) this.rowCount = await this.countRows(conn);
    if (staged > 0) for (const d of this.engine.dependentsOf(this)) d.kick();
  }

  /** Rows in the view, counted on the refresh connection after each refresh (never concurrently with one). */
  private rowCount: number | undefined;

  private async countRows(conn: DuckDBConnection): Promise<number> {
    const r = await conn.runAndReadAll(`SELECT count(*) FROM ${this.qualifiedName}`);
    return Number(r.getRows()[0]?.[0] ?? 0);
  }

  async status(): Promise<ViewStatus> {
    let rows = this.rowCount;
    if (rows === undefined) {
      // Not refreshed since start-up: count on a connection of its own (the refresh connection may be busy).
      const conn = await this.engine.connect();
      try {
        rows = await this.countRows(conn);
      } catch {
        rows = 0;
      } finally {
        conn.closeSync();
      }
    }
    return {
      schema: this.def.schema,
      name: this.def.name,
      kind: this.def.kind,
      stream: this.def.streamName,
      autoRefresh: this.def.autoRefresh,
      rows,
      lagMs: this.pendingSinceMs === undefined ? 0 : Math.max(0, this.engine.opts.clock.now() - this.pendingSinceMs),
      lastRefreshMs: this.lastRefreshMs,
      recordsIngested: this.recordsIngested,
      state: this.lastError === undefined ? 'ok' : 'error',
      lastError: this.lastError,
    };
  }

  async whenIdle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  /** Stops refreshing (server shutdown); a refresh in progress finishes first. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.idleTimer?.cancel();
    await this.whenIdle();
    for (const f of this.feeds) f.unsubscribe();
    this.conn?.closeSync();
    this.conn = undefined;
  }

  /** Stops and drops the view's tables. */
  async destroy(): Promise<void> {
    await this.stop();
    const conn = await this.engine.db.connect();
    try {
      await conn.run(`DROP TABLE IF EXISTS ${this.qualifiedName}`);
      await conn.run(`DROP TABLE IF EXISTS ${this.baseTable}`);
    } finally {
      conn.closeSync();
    }
  }
}
