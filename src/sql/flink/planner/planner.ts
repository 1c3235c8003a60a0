/**
 * The Flink SQL planner: a script (DDL, SET, EXPLAIN, INSERT INTO, statement
 * sets, queries) → one ApplicationPlan, the same serialisable plan the KDA
 * front end produces, with the Flink additions of plan/flink.ts. Every INSERT
 * of a script runs as one job (a statement set), each a pump into its sink
 * table; a plain SELECT becomes a pump into a result stream (`sql run`).
 */
import { SqlError } from '../../errors.ts';
import type { ColumnSource, FlinkTablePlan } from '../../plan/flink.ts';
import type { ApplicationPlan, OpPlan, PExpr, PumpPlan, StreamPlan, TablePlan } from '../../plan/plan.ts';
import { inputsOf } from '../../plan/plan.ts';
import type { SqlType } from '../../plan/types.ts';
import type { CreateTable, Insert, Pos, Query, Statement } from '../ast.ts';
import { parseFlinkScript } from '../parser.ts';
import type { TableDef, ViewDef } from './catalog.ts';
import { connectorPlan, connectorSpec, sinkTakesUpdates } from './catalog.ts';
import type { PlannerContext } from './context.ts';
import { parseDuration } from './context.ts';
import { showCreateTable, showCreateView } from './show-create.ts';
import { explainPump } from './explain.ts';
import { bool, expr } from './expressions.ts';
import { functionNames } from './functions.ts';
import type { FCol, Rel } from './relation.ts';
import { finish, planQueryBody } from './select.ts';
import { FT, flinkType, insertable } from './types.ts';

export interface FlinkPlanOptions {
  /** Options in effect before the script's own SET statements (EnvironmentProperties, CLI flags). */
  options?: Record<string, string>;
}

/** What each statement of a script produced, for `sql run` and EXPLAIN. */
export interface StatementResult {
  kind: 'ddl' | 'set' | 'explain' | 'insert' | 'query' | 'show';
  pos: Pos;
  /** EXPLAIN output, SHOW / DESCRIBE listing, or a SET confirmation. */
  text?: string;
  /** For a query: the stream its rows go to. */
  stream?: string;
}

export interface FlinkScript {
  plan: ApplicationPlan;
  statements: StatementResult[];
}

type CteDef = { kind: 'cte'; name: string; query: Query; columns?: { name: string; pos: Pos }[] };

const SUPPORTED_TIME_ZONES = new Set(['UTC', 'GMT', 'Z', 'Etc/UTC', '+00:00']);

class FlinkPlanner implements PlannerContext {
  readonly catalog = new Map<string, TableDef | ViewDef>();
  readonly options: Record<string, string>;
  private readonly ctes: Map<string, CteDef>[] = [];
  private readonly streams = new Map<string, StreamPlan>();
  private readonly tables = new Map<string, TablePlan>();
  private readonly pumps: PumpPlan[] = [];
  private readonly sinks: Record<string, string | null> = {};
  private readonly results: StatementResult[] = [];
  private readonly sinkCounts = new Map<string, number>();
  private valuesCount = 0;
  private queryCount = 0;
  /** Set while planning an EXPLAIN: pumps go to a scratch list. */
  private scratch: PumpPlan[] | null = null;

  constructor(options: FlinkPlanOptions) {
    this.options = { ...(options.options ?? {}) };
  }

  // ---- PlannerContext ----
  lookup(name: string): TableDef | ViewDef | CteDef | undefined {
    for (let i = this.ctes.length - 1; i >= 0; i--) {
      const c = this.ctes[i]!.get(name);
      if (c) return c;
    }
    return this.catalog.get(name);
  }

  scan(def: TableDef, pos: Pos, hints?: Record<string, string>): Rel {
    const spec = connectorSpec(def.connector.connector);
    if (!spec.source) throw new SqlError(`Connector '${def.connector.connector}' can only be used as a sink. It cannot be used as a source.`, pos);
    let st = this.streams.get(def.name);
    if (st && st.kind !== 'input')
      throw new SqlError(`Table \`${def.name}\` is written by this job; reading it too is not supported (use a view to reuse a query)`, pos);
    if (!st) {
      st = { name: def.name, kind: 'input', columns: def.columns.map((c) => ({ name: c.name, type: c.type })), flink: this.tablePlan(def) };
      this.streams.set(def.name, st);
    }
    if (hints && Object.keys(hints).length > 0) Object.assign(st.flink!.connector.options, hints);
    const cols: FCol[] = def.columns.map((c, i) => ({ name: c.name, type: c.type, slot: i + 1, quals: [def.name], ...(c.time ? { time: c.time } : {}) }));
    const n = def.columns.length;
    return {
      root: { op: 'scan', stream: def.name },
      cols,
      width: n + 1,
      kind: def.changelog ? n + 1 : null,
      table: def,
      ...(def.changelog ? { producer: `TableSourceScan(table=[${def.name}], format=[debezium-json])` } : {}),
    };
  }

  lookupTable(def: TableDef, pos: Pos): string {
    void pos;
    const name = def.name;
    if (!this.tables.has(name)) this.tables.set(name, { name, columns: def.columns.map((c) => ({ name: c.name, type: c.type })) });
    const t = this.tables.get(name)!;
    // The host reads the reference file with the table's connector options.
    (t as TablePlan & { flink?: FlinkTablePlan }).flink = this.tablePlan(def);
    return name;
  }

  values(rows: unknown[][], columns: { name: string; type: SqlType }[]): Rel {
    const name = `$values_${++this.valuesCount}`;
    const st: StreamPlan = {
      name,
      kind: 'input',
      columns,
      flink: {
        connector: { connector: 'values', options: {} },
        sources: columns.map(() => ({ kind: 'physical' as const })),
        changelog: false,
        temporary: true,
        values: rows as PExpr[][],
      },
    };
    this.streams.set(name, st);
    return {
      root: { op: 'scan', stream: name },
      cols: columns.map((c, i) => ({ name: c.name, type: c.type, slot: i + 1, quals: [] })),
      width: columns.length + 1,
      kind: null,
    };
  }

  planQuery(q: Query): Rel {
    const scope = new Map<string, CteDef>();
    this.ctes.push(scope);
    try {
      for (const w of q.with)
        scope.set(w.name.name, {
          kind: 'cte',
          name: w.name.name,
          query: w.query,
          ...(w.columns ? { columns: w.columns.map((c) => ({ name: c.name, pos: c.pos })) } : {}),
        });
      return planQueryBody(this, q);
    } finally {
      this.ctes.pop();
    }
  }

  stateTtlMs(): number {
    const v = this.options['table.exec.state.ttl'];
    return v === undefined ? 0 : parseDuration(v, 'table.exec.state.ttl');
  }

  // ---- statements ----
  run(stmts: Statement[]): FlinkScript {
    for (const s of stmts) this.statement(s);
    return { plan: this.finishPlan(), statements: this.results };
  }

  private statement(s: Statement): void {
    switch (s.kind) {
      case 'createTable':
        if (s.asQuery) {
          this.createTableAs(s, s.asQuery);
          return;
        }
        this.createTable(s);
        this.results.push({ kind: 'ddl', pos: s.pos });
        return;
      case 'createView': {
        if (this.catalog.has(s.name.name)) {
          if (s.ifNotExists) return;
          throw new SqlError(
            `Could not execute CreateTable in path \`default_catalog\`.\`default_database\`.\`${s.name.name}\`: it already exists`,
            s.name.pos,
          );
        }
        const view: ViewDef = {
          kind: 'view',
          name: s.name.name,
          query: s.query,
          sql: s.sql,
          temporary: s.temporary,
          pos: s.pos,
          ...(s.columns ? { columns: s.columns } : {}),
        };
        // Plan it once now so mistakes are reported at CREATE VIEW; streams it reads are kept only if a job uses them.
        const rel = finish(this, this.planQuery(s.query), s.pos);
        if (s.columns && s.columns.length !== rel.cols.length)
          throw new SqlError(
            `VIEW definition and input fields not match: the view lists ${s.columns.length} columns, its query returns ${rel.cols.length}`,
            s.pos,
          );
        this.catalog.set(s.name.name, view);
        this.results.push({ kind: 'ddl', pos: s.pos });
        return;
      }
      case 'drop': {
        const d = this.catalog.get(s.name.name);
        if (!d || (d.kind === 'view') !== (s.what === 'VIEW')) {
          if (s.ifExists) return;
          throw new SqlError(
            `${s.what === 'VIEW' ? 'View' : 'Table'} with identifier 'default_catalog.default_database.${s.name.name}' does not exist.`,
            s.name.pos,
          );
        }
        this.catalog.delete(s.name.name);
        this.results.push({ kind: 'ddl', pos: s.pos });
        return;
      }
      case 'set':
        if (s.key === undefined) {
          this.results.push({
            kind: 'set',
            pos: s.pos,
            text: Object.entries(this.options)
              .map(([k, v]) => `'${k}' = '${v}'`)
              .join('\n'),
          });
          return;
        }
        this.checkOption(s.key, s.value!, s.pos);
        this.options[s.key] = s.value!;
        this.results.push({ kind: 'set', pos: s.pos, text: '[INFO] Execute statement succeed.' });
        return;
      case 'reset':
        if (s.key === undefined) for (const k of Object.keys(this.options)) delete this.options[k];
        else delete this.options[s.key];
        this.results.push({ kind: 'set', pos: s.pos, text: '[INFO] Execute statement succeed.' });
        return;
      case 'explain': {
        this.scratch = [];
        try {
          const t = s.target;
          if (t.kind === 'insert') this.insert(t);
          else if (t.kind === 'statementSet') for (const i of t.inserts) this.insert(i);
          else this.query(t.query, t.pos);
          const text = this.scratch.map((p) => explainPump(p, this.streams, s.details.includes('CHANGELOG_MODE'))).join('\n\n');
          this.results.push({ kind: 'explain', pos: s.pos, text: `== Optimized Physical Plan ==\n${text}` });
        } finally {
          this.scratch = null;
        }
        return;
      }
      case 'insert':
        this.insert(s);
        return;
      case 'statementSet':
        for (const i of s.inserts) this.insert(i);
        return;
      case 'query':
        this.query(s.query, s.pos);
        return;
      case 'show': {
        let names: string[];
        if (s.what === 'FUNCTIONS') names = functionNames();
        else
          names = [...this.catalog.values()]
            .filter((d) => (s.what === 'VIEWS' ? d.kind === 'view' : true))
            .map((d) => d.name)
            .sort();
        this.results.push({ kind: 'show', pos: s.pos, text: names.join('\n') });
        return;
      }
      case 'showCreate': {
        const d = this.catalog.get(s.name.name);
        const id = `\`default_catalog\`.\`default_database\`.\`${s.name.name}\``;
        if (!d)
          throw new SqlError(
            `Could not execute SHOW CREATE ${s.what}. ${s.what === 'TABLE' ? 'Table' : 'View'} with identifier ${id} does not exist.`,
            s.name.pos,
          );
        if (s.what === 'TABLE' && d.kind === 'view')
          throw new SqlError(`SHOW CREATE TABLE is only supported for tables, but ${id} is a view. Please use SHOW CREATE VIEW instead.`, s.name.pos);
        if (s.what === 'VIEW' && d.kind === 'table')
          throw new SqlError(`SHOW CREATE VIEW is only supported for views, but ${id} is a table. Please use SHOW CREATE TABLE instead.`, s.name.pos);
        const text =
          d.kind === 'table'
            ? showCreateTable(d, (n) => this.catalog.get(n))
            : showCreateView(d, d.columns?.map((c) => c.name) ?? finish(this, this.planQuery(d.query), d.pos).cols.map((c) => c.name));
        this.results.push({ kind: 'show', pos: s.pos, text });
        return;
      }
      case 'describe': {
        const d = this.catalog.get(s.name.name);
        if (!d) throw new SqlError(`Tables or views with the identifier 'default_catalog.default_database.${s.name.name}' doesn't exist`, s.name.pos);
        this.results.push({ kind: 'show', pos: s.pos, text: this.describeText(d) });
        return;
      }
      case 'unsupported':
        throw new SqlError(s.hint, s.pos);
    }
  }

  private checkOption(key: string, value: string, pos: Pos): void {
    if (
      key === 'table.exec.state.ttl' ||
      key === 'table.exec.source.idle-timeout' ||
      key === 'execution.checkpointing.interval' ||
      key === 'pipeline.auto-watermark-interval'
    )
      parseDuration(value, key, pos);
    if (key === 'table.local-time-zone' && !SUPPORTED_TIME_ZONES.has(value))
      throw new SqlError(`Freshet runs Flink SQL in UTC; 'table.local-time-zone' = '${value}' is not supported`, pos);
    if (key === 'execution.runtime-mode' && value.toLowerCase() !== 'streaming')
      throw new SqlError(`Freshet runs Flink SQL in streaming mode only; 'execution.runtime-mode' = '${value}' is not supported`, pos);
    if ((key === 'parallelism.default' || key === 'table.exec.resource.default-parallelism') && !/^-?\d+$/.test(value.trim()))
      throw new SqlError(`Could not parse value '${value}' for key '${key}': an integer`, pos);
  }

  private describeText(d: TableDef | ViewDef): string {
    if (d.kind === 'view') {
      const rel = finish(this, this.planQuery(d.query), d.pos);
      return rel.cols.map((c) => `${c.name}\t${flinkType(c.type)}${c.time ? ` *${c.time.toUpperCase()}*` : ''}`).join('\n');
    }
    return d.columns
      .map((c, i) => {
        const extra =
          c.source.kind === 'metadata'
            ? `METADATA FROM '${c.source.key}'${c.source.virtual ? ' VIRTUAL' : ''}`
            : c.source.kind === 'proctime'
              ? 'AS PROCTIME()'
              : c.source.kind === 'computed'
                ? 'AS <expression>'
                : '';
        const wm = d.watermark?.column === i ? ' (watermark)' : '';
        const pk = d.primaryKey?.includes(c.name) ? ' PRI' : '';
        return `${c.name}\t${flinkType(c.type)}${c.time ? ` *${c.time.toUpperCase()}*` : ''}${pk}${extra ? `\t${extra}` : ''}${wm}`;
      })
      .join('\n');
  }

  private tablePlan(def: TableDef): FlinkTablePlan {
    return {
      connector: structuredClone(def.connector),
      sources: def.columns.map((c) => c.source),
      ...(def.watermark ? { watermark: def.watermark } : {}),
      ...(def.primaryKey ? { primaryKey: def.primaryKey } : {}),
      ...(def.partitionedBy ? { partitionedBy: def.partitionedBy } : {}),
      changelog: def.changelog,
      temporary: def.temporary,
    };
  }

  /**
   * CREATE TABLE t WITH (...) AS SELECT ...: the table gets the query's column names and types, then the query
   * is a job inserting into it. Refused in Flink's words: TEMPORARY, explicit columns, a watermark, PARTITIONED BY,
   * a primary key (and LIKE, which Flink's grammar does not take there).
   */
  private createTableAs(s: CreateTable, q: Query): void {
    const refuse = (what: string): never => {
      throw new SqlError(`CREATE TABLE AS SELECT syntax does not support ${what} yet.`, s.pos);
    };
    if (s.temporary) refuse('to create temporary table');
    if (s.columns.length > 0) refuse('to specify explicit columns');
    if (s.watermark) refuse('to specify explicit watermark');
    if (s.partitionedBy) refuse('to create partitioned table');
    if (s.primaryKey) refuse('primary key constraints');
    if (s.like) refuse('a LIKE clause');
    if (this.catalog.has(s.name.name) && s.ifNotExists) return;
    const rel = finish(this, this.planQuery(q), s.pos);
    const columns = rel.cols.map((c) => ({
      name: { name: c.name, pos: s.pos },
      type: c.type.name === 'NULL' ? FT.STRING : c.type,
      notNull: false,
      pos: s.pos,
    }));
    this.createTable({ ...s, columns });
    this.insert({ kind: 'insert', overwrite: false, target: s.name, query: q, pos: s.pos });
  }

  private createTable(s: CreateTable): void {
    const name = s.name.name;
    if (this.catalog.has(name)) {
      if (s.ifNotExists) return;
      throw new SqlError(`Could not execute CreateTable in path \`default_catalog\`.\`default_database\`.\`${name}\`: Table already exists`, s.name.pos);
    }
    let columnsAst = s.columns;
    let options = s.options;
    let watermark = s.watermark;
    let primaryKey = s.primaryKey;
    let partitionedBy = s.partitionedBy;
    if (s.like) {
      const base = this.catalog.get(s.like.name);
      if (base?.kind !== 'table') throw new SqlError(`Source table '${s.like.name}' of the LIKE clause not found`, s.like.pos);
      columnsAst = [...base.ast.columns, ...columnsAst];
      const merged = new Map(base.ast.options.map((o) => [o.key, o]));
      for (const o of options) merged.set(o.key, o);
      options = [...merged.values()];
      watermark ??= base.ast.watermark;
      primaryKey ??= base.ast.primaryKey;
      partitionedBy ??= base.ast.partitionedBy;
    }
    const connector = connectorPlan(options, s.pos);
    const spec = connectorSpec(connector.connector);
    const seen = new Set<string>();
    const cols: TableDef['columns'] = [];
    for (const c of columnsAst) {
      if (seen.has(c.name.name)) throw new SqlError(`A column named '${c.name.name}' already exists in the table`, c.name.pos);
      seen.add(c.name.name);
    }
    // Physical and metadata columns first: computed columns read them.
    const physicalScope: Rel = { root: { op: 'scan', stream: name }, cols: [], width: columnsAst.length + 1, kind: null };
    columnsAst.forEach((c, i) => {
      if (c.computed) return;
      physicalScope.cols.push({ name: c.name.name, type: c.type!, slot: i + 1, quals: [name] });
    });
    for (const c of columnsAst) {
      let source: ColumnSource;
      let type: SqlType;
      let time: 'proctime' | undefined;
      if (c.computed) {
        const isProctime = c.computed.kind === 'call' && c.computed.name === 'PROCTIME' && c.computed.args.length === 0;
        if (isProctime) {
          source = { kind: 'proctime' };
          type = FT.TIMESTAMP_LTZ3;
          time = 'proctime';
        } else {
          const p = expr(c.computed, { rel: physicalScope, where: 'a computed column' });
          source = { kind: 'computed', expr: p };
          type = p.t;
        }
      } else if (c.metadata) {
        const key = c.metadata.key ?? c.name.name;
        const mt = spec.metadata[key];
        if (!mt)
          throw new SqlError(
            `Invalid metadata key '${key}' in column '${c.name.name}' of table '${name}'. The ${connector.connector} table source${Object.keys(spec.metadata).length > 0 ? ` supports the following metadata keys for reading: ${Object.keys(spec.metadata).join(', ')}` : ' has no metadata'}`,
            c.metadata.pos,
          );
        source = { kind: 'metadata', key, virtual: c.metadata.virtual };
        type = c.type!;
      } else {
        source = { kind: 'physical' };
        type = c.type!;
      }
      cols.push({ name: c.name.name, type, source, ...(time ? { time } : {}) });
    }
    const def: TableDef = {
      kind: 'table',
      name,
      columns: cols,
      connector,
      temporary: s.temporary,
      changelog: connector.format?.name === 'debezium-json',
      pos: s.pos,
      ast: {
        ...s,
        columns: columnsAst,
        options,
        ...(watermark ? { watermark } : {}),
        ...(primaryKey ? { primaryKey } : {}),
        ...(partitionedBy ? { partitionedBy } : {}),
      },
    };
    if (watermark) {
      const ci = cols.findIndex((c) => c.name === watermark!.column.name);
      if (ci < 0)
        throw new SqlError(
          `The rowtime attribute field '${watermark.column.name}' is not defined in the table schema, at ${watermark.column.pos.line}:${watermark.column.pos.column}`,
          watermark.column.pos,
        );
      const col = cols[ci]!;
      if (col.type.name !== 'TIMESTAMP' || (col.type.precision ?? 6) > 3)
        throw new SqlError(
          `Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is ${flinkType(col.type)}`,
          watermark.column.pos,
        );
      const scope: Rel = {
        root: { op: 'scan', stream: name },
        cols: cols.map((c, i) => ({ name: c.name, type: c.type, slot: i + 1, quals: [name] })),
        width: cols.length + 1,
        kind: null,
      };
      const w = expr(watermark.expr, { rel: scope, where: 'the watermark' });
      if (w.t.name !== 'TIMESTAMP')
        throw new SqlError(`Watermark strategy ${'expression'} must be of type TIMESTAMP or TIMESTAMP_LTZ but is ${flinkType(w.t)}`, watermark.expr.pos);
      col.time = 'rowtime';
      def.watermark = { column: ci, expr: w };
    }
    if (primaryKey) {
      for (const k of primaryKey.columns) {
        const c = cols.find((x) => x.name === k.name);
        if (!c) throw new SqlError(`Could not create a PRIMARY KEY with column '${k.name}': the table has no such column`, k.pos);
        if (c.source.kind !== 'physical') throw new SqlError(`Could not create a PRIMARY KEY '${k.name}'. Column '${k.name}' is not a physical column.`, k.pos);
      }
      def.primaryKey = primaryKey.columns.map((k) => k.name);
    }
    if (partitionedBy) {
      if (connector.connector !== 'filesystem')
        throw new SqlError(`PARTITIONED BY is supported for 'filesystem' tables only; '${connector.connector}' tables are not partitioned`, s.pos);
      for (const p of partitionedBy)
        if (!cols.some((c) => c.name === p.name)) throw new SqlError(`Partition column '${p.name}' not defined in the table schema`, p.pos);
      def.partitionedBy = partitionedBy.map((p) => p.name);
    }
    this.catalog.set(name, def);
  }

  /** INSERT INTO sink SELECT ...: a pump writing the sink's physical columns. */
  private insert(s: Insert): void {
    const def = this.catalog.get(s.target.name);
    if (!def) throw new SqlError(`Object '${s.target.name}' not found`, s.target.pos);
    if (def.kind !== 'table') throw new SqlError(`${s.target.name} is a view; INSERT INTO writes to a table`, s.target.pos);
    const spec = connectorSpec(def.connector.connector);
    if (!spec.sink) throw new SqlError(`Connector '${def.connector.connector}' can only be used as a source. It cannot be used as a sink.`, s.target.pos);
    const existing = this.streams.get(def.name);
    if (existing && existing.kind === 'input') throw new SqlError(`Table \`${def.name}\` is read by this job; writing it too is not supported`, s.target.pos);
    const rel = finish(this, this.planQuery(s.query), s.pos);
    const physical = def.columns.map((c, i) => ({ c, i })).filter(({ c }) => c.source.kind === 'physical');
    // Static partition values (INSERT INTO t PARTITION (dt = '...')) fill those columns; the query gives the rest.
    const staticParts = new Map<string, PExpr>();
    for (const p of s.partition ?? []) {
      if (!def.partitionedBy?.includes(p.key.name)) throw new SqlError(`'${p.key.name}' is not a partition column of ${def.name}`, p.key.pos);
      staticParts.set(p.key.name, expr(p.value, { rel }));
    }
    let target = physical.filter(({ c }) => !staticParts.has(c.name));
    if (s.columns) {
      target = s.columns.map((id) => {
        const t = physical.find(({ c }) => c.name === id.name);
        if (!t) throw new SqlError(`Unknown target column '${id.name}'`, id.pos);
        return t;
      });
    }
    const q = rel.cols;
    if (q.length !== target.length) {
      throw new SqlError(
        `Column types of query result and sink for '${def.name}' do not match. Cause: Different number of columns. Query schema: [${q.map((c) => `${c.name}: ${flinkType(c.type)}`).join(', ')}] Sink schema: [${target.map(({ c }) => `${c.name}: ${flinkType(c.type)}`).join(', ')}]`,
        s.pos,
      );
    }
    q.forEach((c, k) => {
      const to = target[k]!.c;
      if (!insertable(c.type, to.type))
        throw new SqlError(
          `Column types of query result and sink for '${def.name}' do not match. Cause: Incompatible types for sink column '${to.name}' at position ${k}. Query schema: [${q.map((x) => `${x.name}: ${flinkType(x.type)}`).join(', ')}] Sink schema: [${physical.map(({ c: x }) => `${x.name}: ${flinkType(x.type)}`).join(', ')}]`,
          s.pos,
        );
    });
    if (rel.kind !== null && !sinkTakesUpdates(def.connector)) {
      throw new SqlError(
        `Table sink 'default_catalog.default_database.${def.name}' doesn't support consuming update changes which is produced by node ${rel.producer ?? 'an updating query'}; write to a 'print' table or use format 'debezium-json'`,
        s.pos,
      );
    }
    // Static partition values become extra select columns.
    let root = rel.root;
    let width = rel.width;
    let kindSlot = rel.kind;
    const extra: { name: string; slot: number; t: SqlType }[] = [];
    if (staticParts.size > 0) {
      const list: PExpr[] = q.map((c) => ({ k: 'col', i: c.slot, t: c.type }));
      for (const [k, p] of staticParts) {
        list.push(p);
        extra.push({ name: k, slot: list.length, t: p.t });
      }
      if (kindSlot !== null) list.push({ k: 'col', i: kindSlot, t: { name: 'TINYINT' } });
      root = { op: 'filterProject', input: root, filter: null, project: list };
      width = list.length + (kindSlot !== null ? 0 : 1);
      if (kindSlot !== null) kindSlot = list.length;
    }
    void width;
    const columnMap = physical.map(({ c }) => {
      const k = target.findIndex((t) => t.c.name === c.name);
      if (k >= 0) return q[k]!.slot;
      const e = extra.find((x) => x.name === c.name);
      return e ? e.slot : 0;
    });
    const sourceTypes = [...q.map((c) => c.type), ...extra.map((x) => x.t)];
    let st = this.streams.get(def.name);
    if (!st) {
      st = {
        name: def.name,
        kind: 'stream',
        columns: physical.map(({ c }) => ({ name: c.name, type: c.type })),
        flink: { ...this.tablePlan(def), sources: physical.map(() => ({ kind: 'physical' as const })), changelog: false },
      };
      if (!this.scratch) this.streams.set(def.name, st);
    }
    if (kindSlot !== null && !this.scratch) st.flink!.changelog = true;
    const n = (this.sinkCounts.get(def.name) ?? 0) + 1;
    if (!this.scratch) this.sinkCounts.set(def.name, n);
    const pump: PumpPlan = {
      name: `${def.name}#${n}`,
      target: def.name,
      root,
      columnMap,
      sourceTypes,
      ...(kindSlot !== null ? { kindSlot } : {}),
    };
    if (this.scratch) {
      this.scratch.push(pump);
      if (!this.streams.has(def.name)) this.streams.set(def.name, st);
      return;
    }
    this.pumps.push(pump);
    this.sinks[pump.name] = def.name;
    this.results.push({ kind: 'insert', pos: s.pos, stream: def.name });
  }

  /** A query's rows go to a result stream (`sql run` shows them). */
  private query(q: Query, pos: Pos): void {
    const rel = finish(this, this.planQuery(q), pos);
    const name = `$query_${this.scratch ? 'explain' : ++this.queryCount}`;
    const st: StreamPlan = {
      name,
      kind: 'stream',
      columns: rel.cols.map((c) => ({ name: c.name, type: c.type })),
      flink: {
        connector: { connector: 'collect', options: {} },
        sources: rel.cols.map(() => ({ kind: 'physical' as const })),
        changelog: rel.kind !== null,
        temporary: true,
      },
    };
    const pump: PumpPlan = {
      name,
      target: name,
      root: rel.root,
      columnMap: rel.cols.map((c) => c.slot),
      sourceTypes: rel.cols.map((c) => c.type),
      ...(rel.kind !== null ? { kindSlot: rel.kind } : {}),
    };
    this.streams.set(name, st);
    if (this.scratch) {
      this.scratch.push(pump);
      return;
    }
    this.pumps.push(pump);
    this.sinks[name] = null;
    this.results.push({ kind: 'query', pos, stream: name });
  }

  /** Keeps the streams and tables the job's pumps use (their operator trees fused where that saves a pass). */
  private finishPlan(): ApplicationPlan {
    for (const p of this.pumps) p.root = fuse(p.root);
    const used = new Set<string>();
    const walk = (o: OpPlan): void => {
      if (o.op === 'scan') used.add(o.stream);
      if (o.op === 'joinTable') used.add(`table:${o.table}`);
      for (const x of inputsOf(o)) walk(x);
    };
    for (const p of this.pumps) {
      walk(p.root);
      used.add(p.target);
    }
    return {
      version: 1,
      dialect: 'flink',
      streams: [...this.streams.values()].filter((s) => used.has(s.name)),
      tables: [...this.tables.values()].filter((t) => used.has(`table:${t.name}`)),
      pumps: this.pumps,
      flink: { options: { ...this.options }, sinks: this.sinks },
    };
  }
}

/**
 * A projection/filter right above an interval join is done by the join itself, reading both rows
 * directly (the joined row is never built): one array and one pass less per output row.
 */
function fuse(o: OpPlan): OpPlan {
  switch (o.op) {
    case 'scan':
      return o;
    case 'filterProject': {
      const input = fuse(o.input);
      if (input.op === 'intervalJoin' && !input.project && o.project) return { ...input, project: o.project, filter: o.filter };
      return { ...o, input };
    }
    case 'intervalJoin':
    case 'regularJoin':
    case 'temporalJoin':
    case 'semiJoin':
    case 'joinStream':
      return { ...o, left: fuse(o.left), right: fuse(o.right) };
    case 'union':
    case 'unionAll':
      return { ...o, inputs: o.inputs.map(fuse) };
    default:
      return { ...o, input: fuse(o.input) } as OpPlan;
  }
}

/** Plans a Flink SQL script; throws SqlError (line:column) on mistakes. */
export function planFlinkScript(code: string, options: FlinkPlanOptions = {}): FlinkScript {
  return new FlinkPlanner(options).run(parseFlinkScript(code));
}

/** Plans a Flink SQL script into its job's plan. */
export function planFlink(code: string, options: FlinkPlanOptions = {}): ApplicationPlan {
  return planFlinkScript(code, options).plan;
}

export { bool };
