/**
 * Planner: syntax tree → ApplicationPlan. Resolves names with KDA's case
 * rules, types every expression, picks the operator for each query shape
 * (projection/filter, tumbling GROUP BY, STAGGER, sliding OVER, ORDER BY in a
 * time window, joins, table functions) and reports mistakes with line:column.
 */
import { checkKdaRcfParameters } from '../../anomaly/index.ts';
import { SqlError } from '../errors.ts';
import type { CreatePump, Expr, FromItem, Ident, Pos, Select, Statement, WindowSpec } from '../parser/ast.ts';
import { parseApplication, parseColumnList } from '../parser/index.ts';
import type { AggFn, AggPlan, ApplicationPlan, OpPlan, PExpr, PumpPlan, StreamPlan, TablePlan } from '../plan/plan.ts';
import { APPROXIMATE_ARRIVAL_TIME, ERROR_STREAM, ERROR_STREAM_COLUMNS } from '../plan/plan.ts';
import type { ColumnDef, SqlType } from '../plan/types.ts';
import { T, isDatetime, isIntegral, isNumeric, isString, typeToString, widerNumeric } from '../plan/types.ts';
import { AGGREGATE_FUNCTIONS, ANALYTIC_ONLY, SCALAR_FUNCTIONS, TABLE_FUNCTIONS, UNSUPPORTED_FUNCTIONS } from './functions.ts';

export interface PlanOptions {
  /** The application's input in-application streams (e.g. SOURCE_SQL_STREAM_001) and their columns. */
  inputs: { name: string; columns: ColumnDef[] }[];
  /** Reference tables (AddApplicationReferenceDataSource). */
  tables?: { name: string; columns: ColumnDef[] }[];
}

interface ScopeCol {
  quals: string[];
  name: string;
  type: SqlType;
  index: number;
  hidden: boolean;
}

interface Scope {
  cols: ScopeCol[];
  /** Slots per row, including ROWTIME at 0. */
  width: number;
  /** Qualifiers that name this relation's ROWTIME (slot 0). */
  rowtimeQuals: string[];
  /** Extra ROWTIME slots of joined relations: qualifier → slot. */
  extraRowtimes: Map<string, number>;
}

interface Relation {
  root: OpPlan;
  scope: Scope;
}

interface OrderInfo {
  keys: { i: number; desc: boolean }[];
  extra: PExpr[];
  timeKey: number;
  granularityMs: number;
  timeKeyExpr: PExpr | null;
}

/** A hook lets aggregation and sliding contexts replace sub-expressions before normal planning. */
type Hook = (e: Expr) => PExpr | undefined;

function describeIdent(id: Ident): string {
  return id.quoted ? `"${id.name}"` : id.name;
}

function canon(p: PExpr): string {
  return JSON.stringify(p);
}

/** STEP/FLOOR of ROWTIME: the value is the start of a fixed-size window. (CEIL gives the end, so it is windowed as a general monotonic key.) */
function isRowtimeBased(p: PExpr): boolean {
  return p.k === 'call' && (p.fn === 'floorTo' || p.fn === 'step') && p.args[0]!.k === 'col' && p.args[0]!.i === 0;
}

function isMonotonicTime(p: PExpr): boolean {
  return (p.k === 'col' && p.i === 0) || isRowtimeBased(p) || (p.k === 'call' && slotsOf(p).length > 0 && slotsOf(p).every((i) => i === 0) && monotonic(p));
}

/**
 * MONOTONIC(x) over columns other than ROWTIME: the user asserts x never changes direction (KDA's
 * Monotonic Function), so a group or an ORDER BY granule ends when x takes another value. Only
 * a new row can tell that; the clock cannot.
 */
function isDeclaredMonotonic(p: PExpr): boolean {
  return p.k === 'call' && p.fn === 'monotonic' && slotsOf(p).some((i) => i !== 0);
}

function lit(v: string | number | boolean | null, t: SqlType): PExpr {
  return { k: 'lit', v, t };
}

function compatible(from: SqlType, to: SqlType): boolean {
  if (from.name === 'ROW' || to.name === 'ROW') return false;
  if (from.name === 'NULL' || from.name === 'ANY' || to.name === 'ANY') return true;
  if (isNumeric(to) && isNumeric(from)) return true;
  if (isString(to)) return true; // anything can be written as text
  if (isDatetime(to) && (isDatetime(from) || isString(from) || isIntegral(from))) return true;
  if (to.name === 'BOOLEAN' && from.name === 'BOOLEAN') return true;
  if (to.name === from.name) return true;
  return false;
}

/** Slots an expression reads. */
function slotsOf(p: PExpr, out: number[] = []): number[] {
  if (p.k === 'col') out.push(p.i);
  else if (p.k === 'call') for (const a of p.args) slotsOf(a, out);
  else if (p.k === 'case') {
    for (const w of p.whens) {
      slotsOf(w.when, out);
      slotsOf(w.then, out);
    }
    if (p.else) slotsOf(p.else, out);
  }
  return out;
}

function shiftSlots(p: PExpr, by: number): PExpr {
  if (p.k === 'col') return { ...p, i: p.i + by };
  if (p.k === 'call') return { ...p, args: p.args.map((a) => shiftSlots(a, by)) };
  if (p.k === 'case')
    return { ...p, whens: p.whens.map((w) => ({ when: shiftSlots(w.when, by), then: shiftSlots(w.then, by) })), else: p.else ? shiftSlots(p.else, by) : null };
  return p;
}

/** Output columns whose expression is exactly ROWTIME. */
function rowtimeCols(exprs: PExpr[]): Set<number> {
  const out = new Set<number>();
  exprs.forEach((e, i) => {
    if (e.k === 'col' && e.i === 0) out.add(i);
  });
  return out;
}

const LOG_PARSERS = new Set([
  'REGEX_LOG_PARSE',
  'FAST_REGEX_LOG_PARSER',
  'VARIABLE_COLUMN_LOG_PARSE',
  'SYS_LOG_PARSE',
  'W3C_LOG_PARSE',
  'FIXED_COLUMN_LOG_PARSE',
]);

const W3C_PREDEFINED: Record<string, string> = {
  COMMON: '%h %l %u %t "%r" %>s %b',
  'COMMON WITH VHOST': '%v %h %l %u %t "%r" %>s %b',
  'NCSA EXTENDED': '%h %l %u %t "%r" %>s %b "%[Referer]i" "%[User-agent]i"',
  REFERER: '%[Referer]i ---> %U',
  AGENT: '%[User-agent]i',
};

/**
 * 'IIS': Microsoft IIS's (non-W3C) log file format, one request per line, fields separated by
 * ", " with a trailing comma: client IP, user name, date, time, service and instance, server name,
 * server IP, time taken, client bytes sent, server bytes sent, service status, Windows status,
 * request type, target, parameters. KDA names the format without listing its columns; these follow
 * IIS's field order. '-' in a numeric field is NULL.
 */
const IIS_FORMAT: { regex: string; types: SqlType[] } = (() => {
  const text: SqlType = { name: 'VARCHAR', length: 4096 };
  const types: SqlType[] = [text, text, text, text, text, text, text, T.BIGINT, T.BIGINT, T.BIGINT, T.INTEGER, T.INTEGER, text, text, text];
  const groups = types.map((t) => (t === text ? '([^,]*)' : '(\\d+|-)'));
  return { regex: `^\\s*${groups.join(',\\s*')},?\\s*$`, types };
})();

/**
 * An Apache log format (or a W3C predefined name) → a regular expression with one group per
 * specifier and the column types (KDA: "one column for each specifier", typed by what it can hold).
 */
function w3cFormat(format: string): { regex: string; types: SqlType[] } {
  if (format.trim().toUpperCase() === 'IIS') return IIS_FORMAT;
  const f = W3C_PREDEFINED[format.trim().toUpperCase()] ?? format;
  const types: SqlType[] = [];
  let re = '';
  const text: SqlType = { name: 'VARCHAR', length: 4096 };
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c !== '%') {
      re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    i++;
    // Modifiers: status-code conditions, '<' / '>' (original / final request).
    while (i < f.length && /[<>!0-9,]/.test(f[i]!)) i++;
    let name = '';
    if (f[i] === '{' || f[i] === '[') {
      const close = f[i] === '{' ? '}' : ']';
      const j = f.indexOf(close, i);
      if (j < 0) throw new Error(`unclosed ${f[i]} in log format '${format}'`);
      name = f.slice(i + 1, j);
      i = j + 1;
    }
    const spec = f[i];
    if (spec === undefined) throw new Error(`log format '${format}' ends in the middle of a specifier`);
    void name;
    if (spec === '%') {
      re += '%';
      continue;
    }
    const quoted = re.endsWith('"');
    switch (spec) {
      case 's':
      case 'p':
      case 'P':
        re += '(\\d{3}|-)';
        types.push(T.INTEGER);
        break;
      case 'b':
      case 'D':
      case 'T':
      case 'I':
      case 'O':
        re += '(\\d+|-)';
        types.push(T.BIGINT);
        break;
      case 't':
        re += '(\\[[^\\]]*\\])';
        types.push(text);
        break;
      default:
        re += quoted ? '((?:[^"\\\\]|\\\\.)*)' : '(\\S*)';
        types.push(text);
        break;
    }
  }
  return { regex: `^${re}$`, types };
}

/** FIXED_COLUMN_LOG_PARSE's description: `name TYPE type [NOT NULL] START n [FOR m]`, comma-separated. */
function fixedColumns(desc: string): { name: string; type: SqlType; start: number; length: number | null; format: string | null }[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (const ch of desc) {
    if (ch === "'" || ch === '"') quote = !quote;
    if (!quote && ch === '(') depth++;
    if (!quote && ch === ')') depth--;
    if (!quote && depth === 0 && ch === ',') {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  return parts.map((p) => {
    const m = /^\s*("[^"]+"|[A-Za-z_][A-Za-z0-9_]*)\s+TYPE\s+(.+?)(?:\s+'([^']*)')?(?:\s+NOT\s+NULL)?\s+START\s+(\d+)(?:\s+FOR\s+(\d+))?\s*$/i.exec(p);
    if (!m) throw new Error(`cannot read the column description '${p.trim()}' (expected: name TYPE type START n [FOR m])`);
    const name = m[1]!.startsWith('"') ? m[1]!.slice(1, -1) : m[1]!.toUpperCase();
    const cols = parseColumnList(`x ${m[2]}`);
    return { name, type: cols[0]!.type, start: Number(m[4]), length: m[5] === undefined ? null : Number(m[5]), format: m[3] ?? null };
  });
}

/** Whether an expression never decreases when ROWTIME (slot 0) grows. */
function monotonic(p: PExpr): boolean {
  if (p.k === 'lit') return true;
  if (p.k === 'col') return p.i === 0;
  if (p.k !== 'call') return false;
  const [a, b] = p.args as [PExpr, PExpr | undefined];
  const positiveConst = (x: PExpr | undefined): boolean => !!x && x.k === 'lit' && typeof x.v === 'number' && x.v > 0;
  switch (p.fn) {
    case 'monotonic':
      return true; // declared by the user (KDA's MONOTONIC function)
    case 'add':
      return monotonic(a) && monotonic(b!);
    case 'sub':
      return monotonic(a) && b!.k === 'lit';
    case 'mul':
    case 'div':
    case 'idiv':
      return monotonic(a) && positiveConst(b);
    case 'floorTo':
    case 'ceilTo':
    case 'step':
    case 'cast':
    case 'real':
    case 'checkBigint':
    case 'floor':
    case 'ceil':
      return monotonic(a);
    default:
      return false;
  }
}

const UNIT_MS_PLAN: Record<string, number> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  MONTH: 30 * 86_400_000,
  YEAR: 365 * 86_400_000,
};

/** The first `l = r` conjunct of ON whose sides read only the left row and only the right row. */
function equiKeys(on: PExpr, leftWidth: number): { left: PExpr; right: PExpr } | null {
  if (on.k !== 'call') return null;
  if (on.fn === 'and') return equiKeys(on.args[0]!, leftWidth) ?? equiKeys(on.args[1]!, leftWidth);
  if (on.fn !== 'eq') return null;
  const [a, b] = on.args as [PExpr, PExpr];
  const side = (p: PExpr): 'L' | 'R' | null => {
    const s = slotsOf(p);
    if (s.length === 0) return null;
    if (s.every((i) => i > 0 && i < leftWidth)) return 'L';
    if (s.every((i) => i > leftWidth)) return 'R';
    return null;
  };
  const sa = side(a);
  const sb = side(b);
  if (sa === 'L' && sb === 'R') return { left: a, right: shiftSlots(b, -leftWidth) };
  if (sa === 'R' && sb === 'L') return { left: b, right: shiftSlots(a, -leftWidth) };
  return null;
}

class Planner {
  private streams = new Map<string, StreamPlan>();
  private tables = new Map<string, TablePlan>();

  constructor(private readonly options: PlanOptions) {}

  plan(stmts: Statement[]): ApplicationPlan {
    for (const input of this.options.inputs) {
      this.streams.set(input.name, { name: input.name, kind: 'input', columns: input.columns });
    }
    this.streams.set(ERROR_STREAM, { name: ERROR_STREAM, kind: 'error', columns: ERROR_STREAM_COLUMNS });
    for (const t of this.options.tables ?? []) this.tables.set(t.name, { name: t.name, columns: t.columns });
    const pumpNames = new Set<string>();
    for (const s of stmts) {
      if (s.kind !== 'createStream') continue;
      const existing = this.streams.get(s.name.name);
      if (existing && (existing.kind !== 'stream' || !s.orReplace)) {
        throw new SqlError(`stream ${describeIdent(s.name)} already exists${existing.kind === 'stream' ? ' (use CREATE OR REPLACE STREAM)' : ''}`, s.name.pos);
      }
      const seen = new Set<string>();
      for (const c of s.columns) {
        if (seen.has(c.name.name)) throw new SqlError(`column ${describeIdent(c.name)} appears twice in stream ${describeIdent(s.name)}`, c.name.pos);
        if (c.name.name === 'ROWTIME') throw new SqlError('ROWTIME is implicit in every stream; do not declare it', c.name.pos);
        seen.add(c.name.name);
      }
      this.streams.set(s.name.name, { name: s.name.name, kind: 'stream', columns: s.columns.map((c) => ({ name: c.name.name, type: c.type })) });
    }
    const pumps: PumpPlan[] = [];
    for (const s of stmts) {
      if (s.kind !== 'createPump') continue;
      if (pumpNames.has(s.name.name) && !s.orReplace)
        throw new SqlError(`pump ${describeIdent(s.name)} already exists (use CREATE OR REPLACE PUMP)`, s.name.pos);
      pumpNames.add(s.name.name);
      const i = pumps.findIndex((p) => p.name === s.name.name);
      const plan = this.pump(s);
      if (i >= 0) pumps[i] = plan;
      else pumps.push(plan);
    }
    return { version: 1, streams: [...this.streams.values()], tables: [...this.tables.values()], pumps };
  }

  private pump(s: CreatePump): PumpPlan {
    const target = this.streams.get(s.target.name);
    if (!target)
      throw new SqlError(
        `pump ${describeIdent(s.name)} inserts into ${describeIdent(s.target)}, which is not a stream; create it first with CREATE OR REPLACE STREAM ${describeIdent(s.target)} (...)`,
        s.target.pos,
      );
    if (target.kind !== 'stream') throw new SqlError(`cannot insert into ${target.kind} stream ${describeIdent(s.target)}`, s.target.pos);
    const { root, columns } = this.select(s.query);
    let targetIdx: number[];
    if (s.targetColumns) {
      targetIdx = s.targetColumns.map((c) => {
        const i = target.columns.findIndex((tc) => tc.name === c.name);
        if (i < 0) throw new SqlError(`stream ${describeIdent(s.target)} has no column ${describeIdent(c)}`, c.pos);
        return i;
      });
    } else targetIdx = target.columns.map((_c, i) => i);
    if (columns.length !== targetIdx.length) {
      throw new SqlError(
        `the SELECT returns ${columns.length} column(s) but ${describeIdent(s.target)} expects ${targetIdx.length} (${targetIdx.map((i) => target.columns[i]!.name).join(', ')})`,
        s.query.pos,
      );
    }
    const columnMap = target.columns.map(() => 0);
    targetIdx.forEach((ti, k) => {
      const from = columns[k]!.type;
      const to = target.columns[ti]!.type;
      if (from.name === 'ROW') {
        throw new SqlError(
          `column ${k + 1} of the SELECT is a ROW (a log parser's result); select its fields instead, e.g. t.r.${from.fields?.[0]?.name ?? 'COLUMN1'}`,
          s.query.items[Math.min(k, s.query.items.length - 1)]!.pos,
        );
      }
      if (!compatible(from, to)) {
        throw new SqlError(
          `column ${k + 1} of the SELECT is ${typeToString(from)} but ${describeIdent(s.target)}."${target.columns[ti]!.name}" is ${typeToString(to)}; use CAST`,
          s.query.items[Math.min(k, s.query.items.length - 1)]!.pos,
        );
      }
      columnMap[ti] = k + 1;
    });
    return { name: s.name.name, target: target.name, root, columnMap, sourceTypes: columns.map((c) => c.type) };
  }

  // ---- FROM ----
  private streamScope(name: string, columns: ColumnDef[], qual: string, input: boolean): Scope {
    const cols: ScopeCol[] = columns.map((c, i) => ({ quals: [qual], name: c.name, type: c.type, index: i + 1, hidden: false }));
    if (input) cols.push({ quals: [qual], name: APPROXIMATE_ARRIVAL_TIME, type: T.TIMESTAMP, index: columns.length + 1, hidden: true });
    void name;
    return { cols, width: cols.length + 1, rowtimeQuals: [qual], extraRowtimes: new Map() };
  }

  private fromStream(item: Extract<FromItem, { kind: 'stream' }>): Relation & { table?: TablePlan } {
    const qual = item.alias?.name ?? item.name.name;
    const st = this.streams.get(item.name.name);
    if (st) {
      if (st.kind === 'error') {
        return { root: { op: 'scan', stream: st.name }, scope: this.streamScope(st.name, st.columns, qual, false) };
      }
      return { root: { op: 'scan', stream: st.name }, scope: this.streamScope(st.name, st.columns, qual, st.kind === 'input') };
    }
    const tb = this.tables.get(item.name.name);
    if (tb) return { root: { op: 'scan', stream: tb.name }, scope: this.streamScope(tb.name, tb.columns, qual, false), table: tb };
    const hint = [...this.streams.keys(), ...this.tables.keys()].find((n) => n.toUpperCase() === item.name.name.toUpperCase());
    throw new SqlError(
      `unknown stream ${describeIdent(item.name)}${hint ? `; did you mean "${hint}"? (quoted names keep their case, unquoted names are upper-cased)` : ''}`,
      item.name.pos,
    );
  }

  private from(items: FromItem[], pos: Pos): Relation {
    if (items.length === 1) return this.fromItem(items[0]!);
    if (items.length !== 2) throw new SqlError('FROM lists more than two relations; join them with JOIN ... ON', pos);
    const [a, b] = items as [FromItem, FromItem];
    // The S2 pattern: TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM ... FROM X))) AS rcf, X AS source.
    const fnItem = a.kind === 'tableFn' ? a : b.kind === 'tableFn' ? b : undefined;
    const streamItem = a.kind === 'stream' ? a : b.kind === 'stream' ? b : undefined;
    if (fnItem && streamItem) {
      const cursor = fnItem.args[0];
      if (
        cursor?.kind === 'cursor' &&
        cursor.query.from.length === 1 &&
        cursor.query.from[0]!.kind === 'stream' &&
        cursor.query.from[0]!.name.name === streamItem.name.name
      ) {
        return this.tableFn(fnItem, streamItem);
      }
      throw new SqlError(
        'a table function can only be comma-joined with the stream its CURSOR reads (each output row pairs with the row it was computed from)',
        fnItem.pos,
      );
    }
    if (a.kind === 'stream' && b.kind === 'stream') {
      const left = this.fromStream(a);
      const right = this.fromStream(b);
      if (right.table && !left.table) return this.joinTable(left, right, 'INNER', undefined, b.pos);
      if (left.table && !right.table) return this.joinTable(right, left, 'INNER', undefined, a.pos, true);
      throw new SqlError("a comma join of two streams has no window; write s1 JOIN s2 OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS x ON ...", b.pos);
    }
    throw new SqlError('unsupported FROM list; use JOIN ... ON', pos);
  }

  private fromItem(item: FromItem): Relation {
    switch (item.kind) {
      case 'stream': {
        const r = this.fromStream(item);
        if (r.table)
          throw new SqlError(
            `${describeIdent(item.name)} is a reference table; join it to a stream (FROM s JOIN ${describeIdent(item.name)} ON ...)`,
            item.pos,
          );
        return r;
      }
      case 'tableFn':
        return this.tableFn(item);
      case 'subquery': {
        const { root, columns, rowtimeCols: rt } = this.select(item.query);
        const qual = item.alias?.name ?? '';
        return {
          root,
          scope: {
            // A column that is exactly ROWTIME (`ROWTIME AS window_time`) reads slot 0, so windows on it are windows on ROWTIME.
            cols: columns.map((c, i) => ({ quals: qual ? [qual] : [], name: c.name, type: c.type, index: rt.has(i) ? 0 : i + 1, hidden: false })),
            width: columns.length + 1,
            rowtimeQuals: qual ? [qual] : [],
            extraRowtimes: new Map(),
          },
        };
      }
      case 'join':
        return this.join(item);
    }
  }

  private join(item: Extract<FromItem, { kind: 'join' }>): Relation {
    // CROSS JOIN is an INNER JOIN without ON; RIGHT / FULL OUTER keep the right (or both) sides' unmatched rows.
    const joinType = item.joinType === 'CROSS' ? 'INNER' : item.joinType;
    if (item.left.kind === 'join' || item.right.kind === 'join')
      throw new SqlError('Freshet joins two relations per query; chain further joins through an intermediate stream and pump', item.pos);
    const left = item.left.kind === 'stream' ? this.fromStream(item.left) : this.fromItem(item.left);
    const right = item.right.kind === 'stream' ? this.fromStream(item.right) : this.fromItem(item.right);
    if ('table' in left && left.table) throw new SqlError('put the stream on the left of a join with a reference table', item.left.pos);
    if ('table' in right && right.table) {
      // A table row never stops being able to match a future stream row, so it could never come out unmatched.
      if (joinType === 'RIGHT' || joinType === 'FULL')
        throw new SqlError(
          `${joinType} OUTER JOIN with a reference table is not supported: its rows would wait for the stream forever; use INNER or LEFT OUTER JOIN with the stream on the left`,
          item.pos,
        );
      // Each stream row meets the table as it is when the row arrives: a window on either side would be ignored.
      const over = (item.right.kind === 'stream' ? item.right.over : undefined) ?? (item.left.kind === 'stream' ? item.left.over : undefined);
      if (over) throw new SqlError('a join with a reference table takes no window: each stream row meets the whole table as it is; drop OVER (...)', over.pos);
      return this.joinTable(left, right, joinType, item.on, item.pos);
    }
    // A side's PRECEDING window keeps that side's rows for the interval; its FOLLOWING window means rows
    // of that side may arrive up to the interval after the other side's row, so the other side keeps its rows.
    // A side without a window takes part with its current row only (reach 0).
    const lspec = item.left.kind === 'stream' ? item.left.over : undefined;
    const rspec = item.right.kind === 'stream' ? item.right.over : undefined;
    const lwin = lspec ? this.joinWindow(lspec) : { preceding: 0, following: 0, rows: null };
    const rwin = rspec ? this.joinWindow(rspec) : { preceding: 0, following: 0, rows: null };
    // A ROWS window counts the rows of its own stream, against the other side's current row (KDA: a side
    // without a window contributes its current row); it is not combined with a window on the other side.
    let rowsWindow: { side: 'left' | 'right'; n: number } | undefined;
    if (lwin.rows !== null || rwin.rows !== null) {
      const [mine, other, otherSpec] = lwin.rows !== null ? [lwin, rwin, rspec] : [rwin, lwin, lspec];
      if (other.rows !== null)
        throw new SqlError(
          'ROWS windows on both sides of a join are not supported: keep OVER (ROWS n PRECEDING) on one side and no window on the other',
          otherSpec!.pos,
        );
      if (other.preceding !== 0 || other.following !== 0)
        throw new SqlError(
          'a ROWS window on one side of a join cannot be combined with a RANGE window on the other: drop one of them, or use RANGE INTERVAL windows on both sides',
          otherSpec!.pos,
        );
      rowsWindow = { side: lwin.rows !== null ? 'left' : 'right', n: mine.rows! };
    }
    const lw = Math.max(lwin.preceding, rwin.following);
    const rw = Math.max(rwin.preceding, lwin.following);
    if (lw === 0 && rw === 0 && !rowsWindow)
      throw new SqlError(
        "a stream-to-stream join needs a window on at least one side, e.g. JOIN s2 OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS b ON ... or OVER (ROWS 10 PRECEDING)",
        item.pos,
      );
    const scope = this.concatScopes(left.scope, right.scope);
    const on = item.on ? this.bool(this.expr(item.on, scope), item.on) : null;
    const keys = on ? equiKeys(on, left.scope.width) : null;
    // When ON is just the key equality, the hash lookup decides it (NULL keys never match).
    const residual = keys && on && on.k === 'call' && on.fn === 'eq' ? null : on;
    return {
      root: {
        op: 'joinStream',
        left: left.root,
        right: right.root,
        joinType,
        on: residual,
        leftRangeMs: lw,
        rightRangeMs: rw,
        leftWidth: left.scope.width,
        rightWidth: right.scope.width,
        leftKey: keys?.left ?? null,
        rightKey: keys?.right ?? null,
        ...(rowsWindow ? { rowsWindow } : {}),
      },
      scope,
    };
  }

  /**
   * A join window: RANGE reaches in ms, or ROWS n PRECEDING (rows = n). SQLstream (KDA's engine) allows
   * neither PARTITION BY in a join window nor windows that reach into the future by a count of rows.
   */
  private joinWindow(w: WindowSpec): { preceding: number; following: number; rows: number | null } {
    if (w.ref)
      throw new SqlError(
        `a join window must be written in place, e.g. OVER (ROWS 10 PRECEDING) or OVER (RANGE INTERVAL '1' MINUTE PRECEDING); a named window (OVER ${describeIdent(w.ref)}) is not supported in a join`,
        w.ref.pos,
      );
    if (w.partitionBy.length)
      throw new SqlError(
        'a join window cannot have PARTITION BY (it holds the rows of the whole stream); put the key in ON instead, e.g. ON a.k = b.k',
        w.partitionBy[0]!.pos,
      );
    if (!w.frame) throw new SqlError("a join window needs a frame: RANGE INTERVAL 'n' unit PRECEDING (or FOLLOWING), or ROWS n PRECEDING", w.pos);
    if (w.frame.unit === 'ROWS') {
      const f = w.frame;
      if (f.following && f.following !== 'CURRENT')
        throw new SqlError(
          "a ROWS join window counts back only: write ROWS n PRECEDING, or use RANGE INTERVAL 'n' unit FOLLOWING for rows that come later",
          typeof f.following === 'object' ? f.following.pos : w.pos,
        );
      if (f.preceding === 'UNBOUNDED') throw new SqlError('ROWS UNBOUNDED PRECEDING would keep the whole stream; give a count, e.g. ROWS 10 PRECEDING', w.pos);
      if (f.preceding === 'CURRENT') return { preceding: 0, following: 0, rows: 0 };
      const n = f.preceding;
      if (n.kind !== 'literal' || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < 0)
        throw new SqlError('ROWS needs a non-negative integer, e.g. ROWS 10 PRECEDING', n.pos);
      return { preceding: 0, following: 0, rows: n.value };
    }
    if (w.frame.preceding === 'UNBOUNDED')
      throw new SqlError("RANGE UNBOUNDED PRECEDING would keep the whole stream; give an interval, e.g. RANGE INTERVAL '1' MINUTE PRECEDING", w.pos);
    const preceding = w.frame.preceding === 'CURRENT' ? 0 : this.constInterval(w.frame.preceding);
    const following = w.frame.following && w.frame.following !== 'CURRENT' ? this.constInterval(w.frame.following) : 0;
    return { preceding, following, rows: null };
  }

  private constInterval(e: Expr): number {
    if (e.kind === 'interval') return e.ms;
    throw new SqlError("expected an interval such as INTERVAL '1' MINUTE", e.pos);
  }

  private concatScopes(l: Scope, r: Scope): Scope {
    const cols = [...l.cols, ...r.cols.map((c) => ({ ...c, index: c.index + l.width }))];
    const extra = new Map(l.extraRowtimes);
    for (const q of r.rowtimeQuals) extra.set(q, l.width);
    for (const [q, i] of r.extraRowtimes) extra.set(q, i + l.width);
    return { cols, width: l.width + r.width, rowtimeQuals: l.rowtimeQuals, extraRowtimes: extra };
  }

  private joinTable(left: Relation, right: Relation, joinType: 'INNER' | 'LEFT', on: Expr | undefined, pos: Pos, swapped = false): Relation {
    void pos;
    void swapped;
    const scope = this.concatScopes(left.scope, right.scope);
    const onP = on ? this.bool(this.expr(on, scope), on) : null;
    // Equi-join on one column of the table → hash join.
    let leftKey: PExpr | null = null;
    let rightKeyColumn = -1;
    if (onP && onP.k === 'call' && onP.fn === 'eq') {
      const [x, y] = onP.args as [PExpr, PExpr];
      const inRight = (p: PExpr): boolean => p.k === 'col' && p.i >= left.scope.width;
      const usesRight = (p: PExpr): boolean => (p.k === 'col' ? p.i >= left.scope.width : p.k === 'call' ? p.args.some(usesRight) : p.k === 'case');
      if (inRight(x) && !usesRight(y)) {
        leftKey = y;
        rightKeyColumn = (x as { i: number }).i - left.scope.width;
      } else if (inRight(y) && !usesRight(x)) {
        leftKey = x;
        rightKeyColumn = (y as { i: number }).i - left.scope.width;
      }
    }
    const table = (right.root as { stream: string }).stream;
    return {
      root: {
        op: 'joinTable',
        input: left.root,
        table,
        joinType,
        on: onP,
        leftWidth: left.scope.width,
        rightWidth: right.scope.width,
        leftKey,
        rightKeyColumn,
      },
      scope,
    };
  }

  private tableFn(item: Extract<FromItem, { kind: 'tableFn' }>, zipWith?: Extract<FromItem, { kind: 'stream' }>): Relation {
    const fn = item.fn.name;
    if (!TABLE_FUNCTIONS.has(fn)) {
      if (UNSUPPORTED_FUNCTIONS.has(fn)) throw new SqlError(`table function ${fn} is not supported by Freshet yet`, item.fn.pos);
      throw new SqlError(`unknown table function ${fn}; Freshet supports ${[...TABLE_FUNCTIONS].join(', ')}`, item.fn.pos);
    }
    const cursor = item.args[0];
    if (cursor?.kind !== 'cursor') throw new SqlError(`the first argument of ${fn} must be CURSOR(SELECT STREAM ...)`, cursor?.pos ?? item.pos);
    if (fn === 'HOTSPOTS') {
      if (zipWith) throw new SqlError('HOTSPOTS cannot be comma-joined with a stream; its output already carries the cursor columns', item.pos);
      return this.hotspots(item, cursor.query);
    }
    if (fn === 'TOP_K_ITEMS_TUMBLING' || fn === 'COUNT_DISTINCT_ITEMS_TUMBLING') {
      if (zipWith) throw new SqlError(`${fn} cannot be comma-joined with a stream`, item.pos);
      return this.itemsFn(item, cursor.query);
    }
    if (fn === 'GROUP_RANK') {
      if (zipWith) throw new SqlError('GROUP_RANK cannot be comma-joined with a stream; its output already carries the cursor columns', item.pos);
      return this.groupRank(item, cursor.query);
    }
    const explain = fn === 'RANDOM_CUT_FOREST_WITH_EXPLANATION';
    const defaults: (number | boolean)[] = [100, 256, 100000, 1];
    if (explain) defaults.push(false);
    const limits: [number, number, string][] = [
      [1, 1000, 'numberOfTrees'],
      [10, 1000, 'subSampleSize'],
      [1, Number.MAX_SAFE_INTEGER, 'timeDecay'],
      [1, 30, 'shingleSize'],
    ];
    const rest = item.args.slice(1);
    if (rest.length > defaults.length) throw new SqlError(`${fn} takes at most ${defaults.length} parameters after the cursor`, rest[defaults.length]!.pos);
    const params: (number | boolean)[] = defaults.map((d, i) => {
      const a = rest[i];
      if (!a || (a.kind === 'literal' && a.value === null)) return d;
      if (i === 4) {
        if (a.kind !== 'literal' || typeof a.value !== 'boolean') throw new SqlError('withDirectionality must be TRUE or FALSE', a.pos);
        return a.value;
      }
      if (a.kind !== 'literal' || typeof a.value !== 'number' || !Number.isInteger(a.value))
        throw new SqlError(`${limits[i]![2]} must be an integer literal`, a.pos);
      const [lo, hi, nm] = limits[i]!;
      if (a.value < lo || a.value > hi) throw new SqlError(`${nm} must be between ${lo} and ${hi}, got ${a.value}`, a.pos);
      return a.value;
    });
    const rangeProblem = checkKdaRcfParameters({
      numberOfTrees: params[0] as number,
      subSampleSize: params[1] as number,
      timeDecay: params[2] as number,
      shingleSize: params[3] as number,
    });
    if (rangeProblem) throw new SqlError(rangeProblem, item.pos);
    const fnCols: ColumnDef[] = [{ name: 'ANOMALY_SCORE', type: T.DOUBLE }];
    if (explain) fnCols.push({ name: 'ANOMALY_EXPLANATION', type: { name: 'VARCHAR', length: 20480 } });
    const fnQual = item.alias?.name ?? fn;
    if (zipWith) {
      const q = cursor.query;
      if (q.groupBy || q.stagger || q.orderBy || q.windows.length)
        throw new SqlError('when a table function is joined with its source stream, its CURSOR must be a plain SELECT STREAM ... [WHERE ...]', q.pos);
      const src = this.fromStream(zipWith);
      const srcScope = this.streamScope(
        zipWith.name.name,
        this.streams.get(zipWith.name.name)!.columns,
        (q.from[0] as { alias?: Ident }).alias?.name ?? zipWith.name.name,
        this.streams.get(zipWith.name.name)!.kind === 'input',
      );
      const filter = q.where ? this.bool(this.expr(q.where, srcScope), q.where) : null;
      const { exprs, columns } = this.projectItems(q, srcScope, undefined);
      const cursorColumns = columns;
      const outScope: Scope = {
        cols: [
          ...src.scope.cols,
          ...[...cursorColumns, ...fnCols].map((c, i) => ({ quals: [fnQual], name: c.name, type: c.type, index: src.scope.width + i, hidden: false })),
        ],
        width: src.scope.width + cursorColumns.length + fnCols.length,
        rowtimeQuals: [...src.scope.rowtimeQuals, fnQual],
        extraRowtimes: new Map(),
      };
      return {
        root: { op: 'tableFn', fn, input: src.root, filter, project: exprs, passSource: true, sourceWidth: src.scope.width, cursorColumns, params },
        scope: outScope,
      };
    }
    const sub = this.select(cursor.query);
    const outCols = [...sub.columns, ...fnCols];
    return {
      root: {
        op: 'tableFn',
        fn,
        input: sub.root,
        filter: null,
        project: sub.columns.map((c, i) => ({ k: 'col', i: i + 1, t: c.type })),
        passSource: false,
        sourceWidth: 0,
        cursorColumns: sub.columns,
        params,
      },
      scope: {
        cols: outCols.map((c, i) => ({ quals: [fnQual], name: c.name, type: c.type, index: i + 1, hidden: false })),
        width: outCols.length + 1,
        rowtimeQuals: [fnQual],
        extraRowtimes: new Map(),
      },
    };
  }

  /** HOTSPOTS(CURSOR(...), windowSize, scanRadius, minimumNumberOfPointsInAHotspot) → cursor columns + HOTSPOTS_RESULT. */
  private hotspots(item: Extract<FromItem, { kind: 'tableFn' }>, query: Select): Relation {
    const rest = item.args.slice(1);
    if (rest.length !== 3) throw new SqlError('HOTSPOTS takes the cursor, windowSize, scanRadius and minimumNumberOfPointsInAHotspot', item.pos);
    const num = (a: Expr, name: string, lo: number, hi: number, integer: boolean): number => {
      if (a.kind !== 'literal' || typeof a.value !== 'number' || (integer && !Number.isInteger(a.value)))
        throw new SqlError(`${name} must be ${integer ? 'an integer' : 'a number'} literal`, a.pos);
      if (a.value < lo || a.value > hi) throw new SqlError(`${name} must be between ${lo} and ${hi}, got ${a.value}`, a.pos);
      return a.value;
    };
    const windowSize = num(rest[0]!, 'windowSize', 100, 1000, true);
    const scanRadius = num(rest[1]!, 'scanRadius', Number.MIN_VALUE, Number.MAX_VALUE, false);
    const minPoints = num(rest[2]!, 'minimumNumberOfPointsInAHotspot', 2, windowSize, true);
    const sub = this.select(query);
    if (!sub.columns.some((c) => isNumeric(c.type) && c.type.name !== 'NULL'))
      throw new SqlError('HOTSPOTS needs at least one numeric column in its cursor', query.pos);
    const outCols = [...sub.columns, { name: 'HOTSPOTS_RESULT', type: { name: 'VARCHAR', length: 10000 } } as ColumnDef];
    const qual = item.alias?.name ?? 'HOTSPOTS';
    return {
      root: {
        op: 'tableFn',
        fn: 'HOTSPOTS',
        input: sub.root,
        filter: null,
        project: sub.columns.map((c, i) => ({ k: 'col', i: i + 1, t: c.type })),
        passSource: false,
        sourceWidth: 0,
        cursorColumns: sub.columns,
        params: [windowSize, scanRadius, minPoints],
      },
      scope: {
        cols: outCols.map((c, i) => ({ quals: [qual], name: c.name, type: c.type, index: i + 1, hidden: false })),
        width: outCols.length + 1,
        rowtimeQuals: [qual],
        extraRowtimes: new Map(),
      },
    };
  }

  /**
   * TOP_K_ITEMS_TUMBLING(CURSOR(...), 'column', K, windowSizeSeconds) → (column, ITEM_COUNT) and
   * COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(...), 'column', windowSizeSeconds) → (NUMBER_OF_DISTINCT_ITEMS),
   * once per tumbling window of ROWTIME.
   */
  private itemsFn(item: Extract<FromItem, { kind: 'tableFn' }>, query: Select): Relation {
    const fn = item.fn.name;
    const topK = fn === 'TOP_K_ITEMS_TUMBLING';
    const rest = item.args.slice(1);
    const want = topK ? 3 : 2;
    if (rest.length !== want) throw new SqlError(`${fn} takes the cursor, 'columnName'${topK ? ', K' : ''} and windowSize (seconds)`, item.pos);
    const colArg = rest[0]!;
    if (colArg.kind !== 'literal' || typeof colArg.value !== 'string')
      throw new SqlError("columnName must be a quoted string such as 'TICKER_SYMBOL'", colArg.pos);
    const sub = this.select(query);
    const ci = sub.columns.findIndex((c) => c.name === colArg.value);
    if (ci < 0) throw new SqlError(`the cursor has no column '${colArg.value}'; it has ${sub.columns.map((c) => `'${c.name}'`).join(', ')}`, colArg.pos);
    const int = (a: Expr, name: string, lo: number, hi: number): number => {
      if (a.kind !== 'literal' || typeof a.value !== 'number' || !Number.isInteger(a.value)) throw new SqlError(`${name} must be an integer literal`, a.pos);
      if (a.value < lo || a.value > hi) throw new SqlError(`${name} must be between ${lo} and ${hi}, got ${a.value}`, a.pos);
      return a.value;
    };
    const k = topK ? int(rest[1]!, 'K', 1, 100000) : 0;
    const windowSeconds = int(rest[want - 1]!, 'windowSize', 1, 3600);
    const outCols: ColumnDef[] = topK
      ? [
          { name: sub.columns[ci]!.name, type: sub.columns[ci]!.type },
          { name: 'ITEM_COUNT', type: T.BIGINT },
        ]
      : [{ name: 'NUMBER_OF_DISTINCT_ITEMS', type: T.BIGINT }];
    const qual = item.alias?.name ?? fn;
    return {
      root: {
        op: 'tableFn',
        fn,
        input: sub.root,
        filter: null,
        project: [{ k: 'col', i: ci + 1, t: sub.columns[ci]!.type }],
        passSource: false,
        sourceWidth: 0,
        cursorColumns: sub.columns,
        params: [k, windowSeconds * 1000],
      },
      scope: {
        cols: outCols.map((c, i) => ({ quals: [qual], name: c.name, type: c.type, index: i + 1, hidden: false })),
        width: outCols.length + 1,
        rowtimeQuals: [qual],
        extraRowtimes: new Map(),
      },
    };
  }

  /**
   * GROUP_RANK(CURSOR(...), 'rankByColumnName', 'rankOutColumnName', sortOrder, outputOrder, maxIdle, outputMax)
   * → the cursor's columns and the rank (INTEGER) under rankOutColumnName (KDA's Group Rank: rows that
   * share a ROWTIME form a group; RANK() by the column; 'asc' | 'desc'; maxIdle ms, 0 = no idle timeout;
   * outputMax rows per group, 0 = all).
   */
  private groupRank(item: Extract<FromItem, { kind: 'tableFn' }>, query: Select): Relation {
    const rest = item.args.slice(1);
    if (rest.length !== 6) {
      throw new SqlError(
        `GROUP_RANK takes the cursor, 'rankByColumnName', 'rankOutColumnName', sortOrder ('asc' or 'desc'), outputOrder ('asc' or 'desc'), maxIdle (ms) and outputMax; got ${rest.length} parameter(s) after the cursor`,
        item.pos,
      );
    }
    const text = (a: Expr, name: string): string => {
      if (a.kind !== 'literal' || typeof a.value !== 'string') throw new SqlError(`${name} must be a quoted string`, a.pos);
      return a.value;
    };
    const order = (a: Expr, name: string): 'asc' | 'desc' => {
      const v = a.kind === 'literal' && typeof a.value === 'string' ? a.value.trim().toLowerCase() : '';
      if (v !== 'asc' && v !== 'desc') throw new SqlError(`${name} must be 'asc' or 'desc'`, a.pos);
      return v;
    };
    const int = (a: Expr, name: string): number => {
      if (a.kind !== 'literal' || typeof a.value !== 'number' || !Number.isInteger(a.value) || a.value < 0 || a.value > 2147483647) {
        throw new SqlError(`${name} must be a non-negative integer literal (0 = ${name === 'maxIdle' ? 'no idle timeout' : 'no limit'})`, a.pos);
      }
      return a.value;
    };
    const sub = this.select(query);
    const rankBy = text(rest[0]!, 'rankByColumnName');
    const ci = sub.columns.findIndex((c) => c.name === rankBy);
    if (ci < 0) {
      const hint = sub.columns.find((c) => c.name.toUpperCase() === rankBy.toUpperCase());
      throw new SqlError(
        `the cursor has no column '${rankBy}'${hint ? `; did you mean '${hint.name}'? (the name is matched exactly)` : `; it has ${sub.columns.map((c) => `'${c.name}'`).join(', ')}`}`,
        rest[0]!.pos,
      );
    }
    const t = sub.columns[ci]!.type;
    if (!isNumeric(t) && !isString(t) && !isDatetime(t))
      throw new SqlError(`GROUP_RANK ranks by a number, text or time column; '${rankBy}' is ${typeToString(t)}`, rest[0]!.pos);
    const rankOut = text(rest[1]!, 'rankOutColumnName');
    if (rankOut.length === 0) throw new SqlError('rankOutColumnName cannot be empty', rest[1]!.pos);
    if (sub.columns.some((c) => c.name === rankOut))
      throw new SqlError(`rankOutColumnName '${rankOut}' is already a column of the cursor; choose another name`, rest[1]!.pos);
    const sortOrder = order(rest[2]!, 'sortOrder');
    const outputOrder = order(rest[3]!, 'outputOrder');
    const maxIdle = int(rest[4]!, 'maxIdle');
    const outputMax = int(rest[5]!, 'outputMax');
    const outCols: ColumnDef[] = [...sub.columns, { name: rankOut, type: T.INTEGER }];
    const qual = item.alias?.name ?? 'GROUP_RANK';
    return {
      root: {
        op: 'tableFn',
        fn: 'GROUP_RANK',
        input: sub.root,
        filter: null,
        project: [{ k: 'col', i: ci + 1, t }],
        passSource: false,
        sourceWidth: 0,
        cursorColumns: sub.columns,
        params: [sortOrder, outputOrder, maxIdle, outputMax],
      },
      scope: {
        cols: outCols.map((c, i) => ({ quals: [qual], name: c.name, type: c.type, index: i + 1, hidden: false })),
        width: outCols.length + 1,
        rowtimeQuals: [qual],
        extraRowtimes: new Map(),
      },
    };
  }

  // ---- SELECT ----
  select(q: Select): { root: OpPlan; columns: ColumnDef[]; rowtimeCols: Set<number> } {
    if (q.unionAll) {
      const branches: Select[] = [];
      for (let b: Select | undefined = q; b; b = b.unionAll) branches.push({ ...b, unionAll: undefined });
      // An ORDER BY after the last branch belongs to the whole UNION ALL (SQL; KDA's ORDER BY reference
      // sorts `... UNION ALL ... ORDER BY ROWTIME, MOD(x, 5)`): it sorts the merged rows by their columns.
      const lastBranch = branches[branches.length - 1]!;
      const orderBy = lastBranch.orderBy;
      if (orderBy) branches[branches.length - 1] = { ...lastBranch, orderBy: undefined };
      const planned = branches.map((b) => this.select(b));
      const first = planned[0]!;
      planned.slice(1).forEach((p, n) => {
        const at = branches[n + 1]!.pos;
        if (p.columns.length !== first.columns.length)
          throw new SqlError(`each UNION ALL branch must return ${first.columns.length} column(s); this one returns ${p.columns.length}`, at);
        p.columns.forEach((c, i) => {
          if (!compatible(c.type, first.columns[i]!.type))
            throw new SqlError(`column ${i + 1} is ${typeToString(c.type)} here but ${typeToString(first.columns[i]!.type)} in the first UNION ALL branch`, at);
        });
      });
      let root: OpPlan = { op: 'union', inputs: planned.map((p) => p.root) };
      if (orderBy) {
        const cols = first.columns;
        const scope: Scope = {
          cols: cols.map((c, i) => ({ quals: [], name: c.name, type: c.type, index: i + 1, hidden: false })),
          width: cols.length + 1,
          rowtimeQuals: [],
          extraRowtimes: new Map(),
        };
        const exprs: PExpr[] = cols.map((c, i) => ({ k: 'col', i: i + 1, t: c.type }));
        const order = this.orderKeys({ ...q, items: [], orderBy }, scope, undefined, exprs, cols);
        if (order.extra.length > 0) root = { op: 'filterProject', input: root, filter: null, project: [...exprs, ...order.extra] };
        root = this.wrapOrder(root, order, exprs.length);
      }
      return { root, columns: first.columns, rowtimeCols: first.rowtimeCols };
    }
    if (!q.stream) throw new SqlError('queries on streams must say SELECT STREAM', q.pos);
    const rel = this.from(q.from, q.pos);
    let root = rel.root;
    const scope = rel.scope;
    const filter = q.where ? this.bool(this.expr(q.where, scope), q.where) : null;
    const hasAgg = !!q.groupBy || !!q.stagger || q.items.some((it) => it.kind === 'expr' && this.containsAgg(it.expr)) || !!q.having;
    const hasOver = q.items.some((it) => it.kind === 'expr' && this.containsOver(it.expr));
    if (q.distinct && (hasAgg || hasOver))
      throw new SqlError('SELECT STREAM DISTINCT with aggregates is not supported; drop DISTINCT (GROUP BY already gives one row per group)', q.pos);
    if (hasAgg && hasOver) throw new SqlError('a query cannot mix GROUP BY aggregates and OVER windows; split it into two pumps', q.pos);

    let exprs: PExpr[];
    let columns: ColumnDef[];
    let hook: Hook | undefined;
    const orderScope = scope;

    if (hasAgg) {
      if (filter) root = { op: 'filterProject', input: root, filter, project: null };
      // STAGGER without GROUP BY groups by its PARTITION BY expressions (the KDA reference's form).
      const keys = (q.groupBy ?? q.stagger?.partitionBy ?? []).map((g) => this.expr(g, scope));
      const keyCanon = keys.map(canon);
      const aggs: AggPlan[] = [];
      hook = this.aggHook(scope, keys, keyCanon, aggs);
      ({ exprs, columns } = this.projectItems(q, scope, hook));
      const having = q.having ? this.bool(this.expr(q.having, scope, hook), q.having) : null;
      const timeKeySlots = new Set(
        keys
          .map((k, j) =>
            isRowtimeBased(k) || isDeclaredMonotonic(k) || (slotsOf(k).length > 0 && slotsOf(k).every((i) => i === 0) && monotonic(k)) ? 1 + j : -1,
          )
          .filter((x) => x > 0),
      );
      const order = this.orderKeys(q, scope, hook, exprs, columns, timeKeySlots);
      const project = [...exprs, ...order.extra];
      if (q.stagger) {
        const partition = q.stagger.partitionBy.map((e) => this.expr(e, scope));
        const rangeMs = this.constInterval(q.stagger.range);
        if (rangeMs <= 0) throw new SqlError('the STAGGER range must be positive', q.stagger.range.pos);
        root = { op: 'stagger', input: root, partition, rangeMs, keys, aggs, having, project };
      } else {
        let wi = keys.findIndex(isRowtimeBased);
        if (wi < 0) {
          // Any other expression that only grows with ROWTIME also windows the stream, e.g.
          // FLOOR((s.ROWTIME - TIMESTAMP '1970-01-01 00:00:00') SECOND / 10 TO SECOND).
          wi = keys.findIndex((k) => k.k === 'call' && slotsOf(k).length > 0 && slotsOf(k).every((i) => i === 0) && monotonic(k));
          if (wi >= 0) {
            root = { op: 'tumble', input: root, windowStart: keys[wi]!, sizeMs: 0, keys, windowKey: wi, aggs, having, project };
            root = this.wrapOrder(root, order, exprs.length);
            return { root, columns, rowtimeCols: rowtimeCols(exprs) };
          }
          // GROUP BY MONOTONIC(orderId), ...: a group closes when a row brings another value (sizeMs -1).
          wi = keys.findIndex(isDeclaredMonotonic);
          if (wi >= 0) {
            root = { op: 'tumble', input: root, windowStart: keys[wi]!, sizeMs: -1, keys, windowKey: wi, aggs, having, project };
            root = this.wrapOrder(root, order, exprs.length);
            return { root, columns, rowtimeCols: rowtimeCols(exprs) };
          }
          throw new SqlError(
            "GROUP BY on a stream needs a time window on ROWTIME, e.g. GROUP BY STEP(s.ROWTIME BY INTERVAL '1' MINUTE), ... or FLOOR(s.ROWTIME TO MINUTE), or an expression declared MONOTONIC(...)",
            q.groupBy?.[0]?.pos ?? q.pos,
          );
        }
        const wk = keys[wi] as Extract<PExpr, { k: 'call' }>;
        const sizeMs = this.windowSize(wk, q.groupBy![wi]!);
        root = { op: 'tumble', input: root, windowStart: wk, sizeMs, keys, windowKey: wi, aggs, having, project };
      }
      root = this.wrapOrder(root, order, exprs.length);
      return { root, columns, rowtimeCols: rowtimeCols(exprs) };
    }

    if (hasOver) {
      if (filter) root = { op: 'filterProject', input: root, filter, project: null };
      const aggs: AggPlan[] = [];
      const win: { spec?: WindowSpec; canon?: string } = {};
      hook = this.overHook(q, scope, aggs, win);
      ({ exprs, columns } = this.projectItems(q, scope, hook));
      const order = this.orderKeys(q, scope, hook, exprs, columns);
      const spec = win.spec!;
      const partition = spec.partitionBy.map((e) => this.expr(e, scope));
      let rangeMs: number | null = null;
      let rows: number | null = null;
      const needRows = aggs.reduce((m, a) => (a.fn === 'LAG' || a.fn === 'NTH_VALUE' ? Math.max(m, a.param + 1) : m), 0);
      if (spec.frame) {
        if (spec.frame.following && spec.frame.following !== 'CURRENT')
          throw new SqlError('sliding windows over streams look back only: use ... PRECEDING', spec.pos);
        if (spec.frame.preceding === 'UNBOUNDED' || spec.frame.preceding === 'CURRENT') {
          if (spec.frame.preceding === 'UNBOUNDED')
            throw new SqlError('UNBOUNDED PRECEDING would keep the whole stream; give a RANGE INTERVAL or ROWS n', spec.pos);
          rows = 0;
        } else if (spec.frame.unit === 'RANGE') rangeMs = this.constInterval(spec.frame.preceding);
        else {
          const n = spec.frame.preceding;
          if (n.kind !== 'literal' || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < 0)
            throw new SqlError('ROWS needs a non-negative integer, e.g. ROWS 10 PRECEDING', n.pos);
          rows = n.value;
        }
      } else if (needRows > 0) rows = needRows - 1;
      else throw new SqlError("a sliding window needs a frame: RANGE INTERVAL '1' MINUTE PRECEDING or ROWS 10 PRECEDING", spec.pos);
      if (rows !== null && needRows - 1 > rows) rows = needRows - 1;
      root = { op: 'sliding', input: root, inputWidth: scope.width, partition, rangeMs, rows, aggs, filter: null, project: [...exprs, ...order.extra] };
      root = this.wrapOrder(root, order, exprs.length);
      return { root, columns, rowtimeCols: rowtimeCols(exprs) };
    }

    ({ exprs, columns } = this.projectItems(q, orderScope, undefined));
    if (q.having) throw new SqlError('HAVING needs GROUP BY', q.having.pos);
    const order = this.orderKeys(q, orderScope, undefined, exprs, columns);
    root = { op: 'filterProject', input: root, filter, project: [...exprs, ...order.extra] };
    if (q.distinct) {
      // KDA: DISTINCT on a stream needs a column that only grows with ROWTIME, which bounds the memory.
      const tk = exprs.findIndex((x) => isDeclaredMonotonic(x) || (slotsOf(x).every((i) => i === 0) && slotsOf(x).length > 0 && monotonic(x)));
      if (tk < 0)
        throw new SqlError(
          "SELECT STREAM DISTINCT needs a column based on ROWTIME in the SELECT list, e.g. ROWTIME or STEP(s.ROWTIME BY INTERVAL '5' SECOND)",
          q.pos,
        );
      root = { op: 'distinct', input: root, timeKey: tk + 1 };
    }
    root = this.wrapOrder(root, order, exprs.length);
    return { root, columns, rowtimeCols: rowtimeCols(exprs) };
  }

  private windowSize(wk: Extract<PExpr, { k: 'call' }>, e: Expr): number {
    if (wk.fn === 'step') {
      const by = wk.args[1]!;
      if (by.k !== 'lit' || typeof by.v !== 'number' || by.v <= 0) throw new SqlError('STEP needs a positive constant interval', e.pos);
      return by.v;
    }
    const unit = (wk.args[1] as { v: string }).v;
    const sizes: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
    const s = sizes[unit];
    if (s === undefined) throw new SqlError(`a tumbling window of one ${unit} has no fixed length; use DAY or a shorter unit`, e.pos);
    return s;
  }

  /** timeKeySlots: after GROUP BY, the post-aggregation slots of group keys that are windows on ROWTIME. */
  private orderKeys(q: Select, scope: Scope, hook: Hook | undefined, exprs: PExpr[], columns: ColumnDef[], timeKeySlots?: Set<number>): OrderInfo {
    if (!q.orderBy) return { keys: [], extra: [], timeKey: -1, granularityMs: 1, timeKeyExpr: null };
    let granularityMs = 1;
    let timeKeyExpr: PExpr | null = null;
    const extra: PExpr[] = [];
    const keys: { i: number; desc: boolean }[] = [];
    const aliases = q.items.map(
      (it, i) => (it.kind === 'expr' ? (it.alias?.name ?? (it.expr.kind === 'column' ? it.expr.name.name : undefined)) : undefined) ?? columns[i]?.name,
    );
    let timeKey = -1;
    q.orderBy.forEach((o, n) => {
      let slot = -1;
      let p: PExpr | undefined;
      if (o.expr.kind === 'literal' && typeof o.expr.value === 'number') {
        slot = o.expr.value;
        if (slot < 1 || slot > exprs.length) throw new SqlError(`ORDER BY ${slot} is out of range (1..${exprs.length})`, o.expr.pos);
        p = exprs[slot - 1];
      } else if (o.expr.kind === 'column' && !o.expr.qualifier && aliases.includes(o.expr.name.name) && !q.items.some((it) => it.kind === 'star')) {
        slot = aliases.indexOf(o.expr.name.name) + 1;
        p = exprs[slot - 1];
      } else {
        p = this.expr(o.expr, scope, hook);
        const same = exprs.findIndex((x) => canon(x) === canon(p!));
        if (same >= 0) slot = same + 1;
        else {
          extra.push(p);
          slot = exprs.length + extra.length;
        }
      }
      if (n === 0) {
        if (!isMonotonicTime(p!) && !isDeclaredMonotonic(p!) && !(hook && p!.k === 'col' && (p!.i === 0 || (timeKeySlots?.has(p!.i) ?? false)))) {
          throw new SqlError(
            'ORDER BY on a stream must start with a time window on ROWTIME, e.g. ORDER BY FLOOR(s.ROWTIME TO SECOND), ..., or an expression declared MONOTONIC(...)',
            o.expr.pos,
          );
        }
        timeKey = slot;
        // Rows are held until time passes the granule their key names (1 ms for keys that are not a STEP/FLOOR start).
        // A declared MONOTONIC key over other columns: held until a row brings another value (granularity 0: the clock never flushes).
        if (isDeclaredMonotonic(p!)) granularityMs = 0;
        else if (p!.k === 'call' && isRowtimeBased(p!))
          granularityMs = p!.fn === 'step' ? Number((p!.args[1] as { v: number }).v) : this.windowSize(p!, o.expr);
        else if (!hook && p!.k === 'call') timeKeyExpr = p!;
        // After GROUP BY the rows of one window share a ROWTIME, so the window itself is the granule.
        else if (hook) granularityMs = 1;
      }
      keys.push({ i: slot, desc: o.desc });
    });
    return { keys: keys.slice(1), extra, timeKey, granularityMs, timeKeyExpr };
  }

  private wrapOrder(root: OpPlan, order: OrderInfo, width: number): OpPlan {
    if (order.timeKey < 0) return root;
    return {
      op: 'orderWindow',
      input: root,
      timeKey: order.timeKey,
      granularityMs: order.granularityMs,
      keys: order.keys,
      width,
      timeKeyExpr: order.timeKeyExpr,
    };
  }

  private projectItems(q: Select, scope: Scope, hook: Hook | undefined): { exprs: PExpr[]; columns: ColumnDef[] } {
    const exprs: PExpr[] = [];
    const columns: ColumnDef[] = [];
    let n = 0;
    for (const it of q.items) {
      if (it.kind === 'star') {
        const cols = scope.cols.filter((c) => !c.hidden && (!it.qualifier || c.quals.includes(it.qualifier.name)));
        if (cols.length === 0) throw new SqlError(it.qualifier ? `no relation called ${describeIdent(it.qualifier)} in FROM` : 'nothing to select', it.pos);
        for (const c of cols) {
          const p: PExpr = { k: 'col', i: c.index, t: c.type };
          exprs.push(
            hook
              ? this.expr(
                  {
                    kind: 'column',
                    qualifier: { name: c.quals[0] ?? '', quoted: true, pos: it.pos },
                    name: { name: c.name, quoted: true, pos: it.pos },
                    pos: it.pos,
                  },
                  scope,
                  hook,
                )
              : p,
          );
          columns.push({ name: c.name, type: c.type });
        }
        continue;
      }
      n++;
      const p = this.expr(it.expr, scope, hook);
      exprs.push(p);
      const name = it.alias?.name ?? (it.expr.kind === 'column' ? it.expr.name.name : `EXPR$${n - 1}`);
      columns.push({ name, type: p.t });
    }
    return { exprs, columns };
  }

  // ---- aggregation contexts ----
  private containsAgg(e: Expr): boolean {
    let found = false;
    this.walk(e, (x) => {
      if (x.kind === 'call' && !x.over && AGGREGATE_FUNCTIONS.has(x.name)) found = true;
    });
    return found;
  }

  private containsOver(e: Expr): boolean {
    let found = false;
    this.walk(e, (x) => {
      if (x.kind === 'call' && x.over) found = true;
    });
    return found;
  }

  private walk(e: Expr, f: (e: Expr) => void): void {
    f(e);
    const kids: (Expr | undefined)[] = [];
    switch (e.kind) {
      case 'unary':
        kids.push(e.arg);
        break;
      case 'binary':
        kids.push(e.left, e.right);
        break;
      case 'call':
        kids.push(...e.args);
        break;
      case 'cast':
        kids.push(e.arg);
        break;
      case 'case':
        kids.push(e.operand, e.else, ...e.whens.flatMap((w) => [w.when, w.then]));
        break;
      case 'between':
        kids.push(e.arg, e.low, e.high);
        break;
      case 'in':
        kids.push(e.arg, ...e.list);
        break;
      case 'like':
        kids.push(e.arg, e.pattern, e.escape);
        break;
      case 'isNull':
        kids.push(e.arg);
        break;
      case 'floorTo':
        kids.push(e.arg);
        break;
      case 'intervalOf':
        kids.push(e.arg);
        break;
      case 'field':
        kids.push(e.arg);
        break;
      case 'step':
        kids.push(e.arg, e.by);
        break;
      case 'extract':
        kids.push(e.arg);
        break;
      case 'position':
        kids.push(e.sub, e.str, e.from);
        break;
      case 'trim':
        kids.push(e.chars, e.arg);
        break;
      case 'substring':
        kids.push(e.arg, e.from, e.for);
        break;
      default:
        break;
    }
    for (const k of kids) if (k) this.walk(k, f);
  }

  private aggPlan(e: Extract<Expr, { kind: 'call' }>, scope: Scope, analytic: boolean): AggPlan {
    const fn = e.name as AggFn;
    if (!analytic && ANALYTIC_ONLY.has(fn)) throw new SqlError(`${fn} needs an OVER window`, e.pos);
    if (e.args.some((a) => this.containsAgg(a))) throw new SqlError('aggregates cannot be nested', e.pos);
    if (e.star) {
      if (fn !== 'COUNT') throw new SqlError(`${fn}(*) is not valid; only COUNT(*)`, e.pos);
      return { fn, arg: null, param: 0, distinct: false, t: T.BIGINT };
    }
    if (e.args.length === 0) throw new SqlError(`${fn} needs an argument`, e.pos);
    if (e.distinct && fn !== 'COUNT') throw new SqlError(`DISTINCT is only supported in COUNT(DISTINCT ...)`, e.pos);
    const arg = this.expr(e.args[0]!, scope);
    let param = 0;
    if (fn === 'EXP_AVG') {
      const h = e.args[1];
      if (h?.kind !== 'interval') throw new SqlError("EXP_AVG needs a half-life interval: EXP_AVG(x, INTERVAL '10' SECOND)", e.pos);
      param = h.ms;
    } else if (fn === 'LAG' || fn === 'NTH_VALUE') {
      const n = e.args[1];
      param = fn === 'LAG' ? 1 : 1;
      if (n) {
        if (n.kind !== 'literal' || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < (fn === 'LAG' ? 0 : 1))
          throw new SqlError(`${fn} needs a constant integer offset`, n.pos);
        param = n.value;
      }
    } else if (e.args.length > 1) throw new SqlError(`${fn} takes one argument`, e.args[1]!.pos);
    const statistical = fn === 'STDDEV_POP' || fn === 'STDDEV_SAMP' || fn === 'VAR_POP' || fn === 'VAR_SAMP';
    if ((fn === 'SUM' || fn === 'AVG' || fn === 'EXP_AVG' || statistical) && !isNumeric(arg.t))
      throw new SqlError(`${fn} needs a numeric argument, got ${typeToString(arg.t)}`, e.args[0]!.pos);
    const t: SqlType = fn === 'COUNT' ? T.BIGINT : fn === 'EXP_AVG' || statistical ? T.DOUBLE : fn === 'SUM' && isIntegral(arg.t) ? T.BIGINT : { ...arg.t };
    return { fn, arg, param, distinct: e.distinct, t };
  }

  private aggHook(scope: Scope, keys: PExpr[], keyCanon: string[], aggs: AggPlan[]): Hook {
    const nKeys = keys.length;
    const hook: Hook = (e) => {
      if (e.kind === 'call' && !e.over && AGGREGATE_FUNCTIONS.has(e.name)) {
        const a = this.aggPlan(e, scope, false);
        const c = JSON.stringify(a);
        let idx = aggs.findIndex((x) => JSON.stringify(x) === c);
        if (idx < 0) {
          aggs.push(a);
          idx = aggs.length - 1;
        }
        return { k: 'col', i: 1 + nKeys + idx, t: a.t };
      }
      if (e.kind === 'literal' || e.kind === 'interval') return undefined;
      let p: PExpr | undefined;
      try {
        if (!this.containsAgg(e)) p = this.expr(e, scope);
      } catch {
        p = undefined;
      }
      if (p) {
        let j = keyCanon.indexOf(canon(p));
        // MONOTONIC(x) returns x, so a GROUP BY MONOTONIC(x) key also answers for x.
        if (j < 0) j = keyCanon.indexOf(canon({ k: 'call', fn: 'monotonic', args: [p], t: p.t }));
        if (j >= 0) return { k: 'col', i: 1 + j, t: p.t };
        if (p.k === 'col' && p.i === 0) return { k: 'col', i: 0, t: T.TIMESTAMP };
      }
      if (e.kind === 'column') {
        const name = describeIdent(e.name);
        throw new SqlError(`column ${name} must appear in GROUP BY or inside an aggregate such as SUM(${name})`, e.pos);
      }
      return undefined;
    };
    return hook;
  }

  private overHook(q: Select, scope: Scope, aggs: AggPlan[], win: { spec?: WindowSpec; canon?: string }): Hook {
    return (e) => {
      if (e.kind === 'call' && AGGREGATE_FUNCTIONS.has(e.name) && !e.over)
        throw new SqlError(`${e.name} without OVER in a query with sliding windows; add OVER to every aggregate`, e.pos);
      if (e.kind !== 'call' || !e.over) return undefined;
      if (!AGGREGATE_FUNCTIONS.has(e.name)) throw new SqlError(`${e.name} cannot be used with OVER`, e.pos);
      let spec = e.over;
      if (spec.ref) {
        const named = q.windows.find((w) => w.name.name === spec.ref!.name);
        if (!named) throw new SqlError(`no window called ${describeIdent(spec.ref)}; define it with WINDOW ${describeIdent(spec.ref)} AS (...)`, spec.ref.pos);
        spec = { ...named.spec, partitionBy: spec.partitionBy.length ? spec.partitionBy : named.spec.partitionBy, frame: spec.frame ?? named.spec.frame };
      }
      const c = JSON.stringify({
        p: spec.partitionBy.map((x) => canon(this.expr(x, scope))),
        f: spec.frame ? JSON.stringify(spec.frame, (k, v) => (k === 'pos' ? undefined : v)) : '',
      });
      if (win.canon === undefined) {
        win.canon = c;
        win.spec = spec;
      } else if (win.canon !== c) throw new SqlError('all OVER windows of one query must be the same; split different windows into separate pumps', e.pos);
      const a = this.aggPlan(e, scope, true);
      const key = JSON.stringify(a);
      let idx = aggs.findIndex((x) => JSON.stringify(x) === key);
      if (idx < 0) {
        aggs.push(a);
        idx = aggs.length - 1;
      }
      return { k: 'col', i: scope.width + idx, t: a.t };
    };
  }

  // ---- expressions ----
  private bool(p: PExpr, e: Expr): PExpr {
    if (p.t.name !== 'BOOLEAN' && p.t.name !== 'NULL' && p.t.name !== 'ANY')
      throw new SqlError(`expected a condition (BOOLEAN) but this is ${typeToString(p.t)}`, e.pos);
    return p;
  }

  private resolve(e: Extract<Expr, { kind: 'column' }>, scope: Scope): PExpr {
    if (e.field) return this.fieldOf(this.resolve({ kind: 'column', qualifier: e.qualifier, name: e.name, pos: e.pos }, scope), e.field);
    // `r.COLUMN1` where r is a ROW column (not a relation name): a field access.
    if (e.qualifier && !scope.cols.some((c) => c.quals.includes(e.qualifier!.name)) && !scope.rowtimeQuals.includes(e.qualifier.name)) {
      const row = scope.cols.filter((c) => c.name === e.qualifier!.name && c.type.name === 'ROW');
      if (row.length === 1) return this.fieldOf({ k: 'col', i: row[0]!.index, t: row[0]!.type }, e.name);
    }
    const name = e.name.name;
    const q = e.qualifier?.name;
    const matches = scope.cols.filter((c) => c.name === name && (!q || c.quals.includes(q)));
    if (matches.length === 1) return { k: 'col', i: matches[0]!.index, t: matches[0]!.type };
    if (matches.length > 1) {
      // The same slot visible under two names is not ambiguous.
      if (matches.every((m) => m.index === matches[0]!.index)) return { k: 'col', i: matches[0]!.index, t: matches[0]!.type };
      throw new SqlError(`column ${describeIdent(e.name)} is ambiguous; qualify it (${matches.map((m) => `${m.quals[0]}.${m.name}`).join(' or ')})`, e.pos);
    }
    if (name === 'ROWTIME') {
      if (!q || scope.rowtimeQuals.includes(q)) return { k: 'col', i: 0, t: T.TIMESTAMP };
      const x = scope.extraRowtimes.get(q);
      if (x !== undefined) return { k: 'col', i: x, t: T.TIMESTAMP };
    }
    if (q && !scope.cols.some((c) => c.quals.includes(q)) && !scope.rowtimeQuals.includes(q) && !scope.extraRowtimes.has(q)) {
      throw new SqlError(
        `unknown qualifier ${describeIdent(e.qualifier!)}; FROM names ${[...new Set(scope.cols.flatMap((c) => c.quals))].join(', ')}`,
        e.qualifier!.pos,
      );
    }
    const ci = scope.cols.find((c) => c.name.toUpperCase() === name.toUpperCase() && (!q || c.quals.includes(q)));
    const hint = ci
      ? `; did you mean "${ci.name}"? (quoted names keep their case, unquoted names are upper-cased)`
      : `; available: ${scope.cols
          .filter((c) => !c.hidden)
          .map((c) => `"${c.name}"`)
          .join(', ')}`;
    throw new SqlError(`unknown column ${q ? `${e.qualifier!.quoted ? `"${q}"` : q}.` : ''}${describeIdent(e.name)}${hint}`, e.pos);
  }

  expr(e: Expr, scope: Scope, hook?: Hook): PExpr {
    if (hook) {
      const h = hook(e);
      if (h) return h;
    }
    const sub = (x: Expr): PExpr => this.expr(x, scope, hook);
    switch (e.kind) {
      case 'literal':
        return lit(e.value, e.type);
      case 'interval':
        return lit(e.ms, T.INTERVAL);
      case 'column':
        if (e.name.name === 'CURRENT_ROW_TIMESTAMP' && !e.qualifier) return { k: 'call', fn: 'now', args: [], t: T.TIMESTAMP };
        return this.resolve(e, scope);
      case 'unary': {
        const a = sub(e.arg);
        if (e.op === 'NOT') return { k: 'call', fn: 'not', args: [this.bool(a, e.arg)], t: T.BOOLEAN };
        if (!isNumeric(a.t) && a.t.name !== 'INTERVAL') throw new SqlError(`unary ${e.op} needs a number, got ${typeToString(a.t)}`, e.pos);
        return e.op === '-' ? { k: 'call', fn: 'neg', args: [a], t: a.t } : a;
      }
      case 'binary':
        return this.binary(e, sub(e.left), sub(e.right));
      case 'cast': {
        const a = sub(e.arg);
        if (a.k === 'lit' && a.v !== null && (e.type.name === 'TIMESTAMP' || e.type.name === 'DATE' || e.type.name === 'TIME') && typeof a.v === 'string') {
          // Fold TIMESTAMP '...' literals at plan time so a bad literal is a plan error with a position.
          const folded = this.foldCast(a.v, e.type, e.pos);
          return lit(folded, e.type);
        }
        return { k: 'call', fn: 'cast', args: [a, lit(JSON.stringify(e.type), T.VARCHAR)], t: e.type };
      }
      case 'case': {
        const whens = e.whens.map((w) => {
          const when = e.operand ? { k: 'call' as const, fn: 'eq', args: [sub(e.operand), sub(w.when)], t: T.BOOLEAN } : this.bool(sub(w.when), w.when);
          return { when, then: sub(w.then) };
        });
        const els = e.else ? sub(e.else) : null;
        const types = [...whens.map((w) => w.then.t), ...(els ? [els.t] : [])].filter((t) => t.name !== 'NULL');
        let t = types[0] ?? T.NULL;
        for (const x of types.slice(1)) if (isNumeric(x) && isNumeric(t)) t = widerNumeric(t, x);
        return { k: 'case', whens, else: els, t };
      }
      case 'between': {
        const p: PExpr = { k: 'call', fn: 'between', args: [sub(e.arg), sub(e.low), sub(e.high)], t: T.BOOLEAN };
        return e.not ? { k: 'call', fn: 'not', args: [p], t: T.BOOLEAN } : p;
      }
      case 'in': {
        const p: PExpr = { k: 'call', fn: 'in', args: [sub(e.arg), ...e.list.map(sub)], t: T.BOOLEAN };
        return e.not ? { k: 'call', fn: 'not', args: [p], t: T.BOOLEAN } : p;
      }
      case 'like': {
        const p: PExpr = {
          k: 'call',
          fn: e.similar ? 'similar' : 'like',
          args: [sub(e.arg), sub(e.pattern), e.escape ? sub(e.escape) : lit(null, T.NULL)],
          t: T.BOOLEAN,
        };
        return e.not ? { k: 'call', fn: 'not', args: [p], t: T.BOOLEAN } : p;
      }
      case 'isNull':
        return { k: 'call', fn: e.not ? 'isNotNull' : 'isNull', args: [sub(e.arg)], t: T.BOOLEAN };
      case 'field':
        return this.fieldOf(sub(e.arg), e.field);
      case 'intervalOf': {
        const a = sub(e.arg);
        if (a.t.name === 'INTERVAL') return a; // intervals are milliseconds whatever their unit
        if (!isNumeric(a.t)) throw new SqlError(`(x) ${e.unit} needs an interval or a number, got ${typeToString(a.t)}`, e.pos);
        return { k: 'call', fn: 'mul', args: [a, lit(UNIT_MS_PLAN[e.unit]!, T.BIGINT)], t: T.INTERVAL };
      }
      case 'floorTo': {
        const a = sub(e.arg);
        if (!isDatetime(a.t) && a.t.name !== 'INTERVAL' && a.t.name !== 'ANY' && a.t.name !== 'NULL')
          throw new SqlError(`${e.ceil ? 'CEIL' : 'FLOOR'}(x TO ${e.unit}) needs a TIMESTAMP, got ${typeToString(a.t)}`, e.arg.pos);
        return { k: 'call', fn: e.ceil ? 'ceilTo' : 'floorTo', args: [a, lit(e.unit, T.VARCHAR)], t: a.t };
      }
      case 'step': {
        const a = sub(e.arg);
        const by = sub(e.by);
        if (by.k !== 'lit') throw new SqlError("STEP needs a constant: STEP(x BY INTERVAL '60' SECOND) or STEP(n BY 10)", e.by.pos);
        if (isDatetime(a.t) && by.t.name !== 'INTERVAL')
          throw new SqlError("STEP on a time needs an interval: STEP(s.ROWTIME BY INTERVAL '60' SECOND)", e.by.pos);
        return { k: 'call', fn: 'step', args: [a, by], t: a.t };
      }
      case 'extract':
        return { k: 'call', fn: 'extract', args: [lit(e.unit, T.VARCHAR), sub(e.arg)], t: T.BIGINT };
      case 'position':
        return { k: 'call', fn: 'position', args: [sub(e.sub), sub(e.str), e.from ? sub(e.from) : lit(null, T.NULL)], t: T.INTEGER };
      case 'trim':
        return { k: 'call', fn: 'trim', args: [lit(e.mode, T.VARCHAR), e.chars ? sub(e.chars) : lit(null, T.NULL), sub(e.arg)], t: T.VARCHAR };
      case 'substring':
        return { k: 'call', fn: 'substring', args: [sub(e.arg), sub(e.from), e.for ? sub(e.for) : lit(null, T.NULL)], t: T.VARCHAR };
      case 'cursor':
        throw new SqlError('CURSOR(...) is only valid as the first argument of a table function', e.pos);
      case 'call':
        return this.call(e, sub);
    }
  }

  private fieldOf(row: PExpr, field: Ident): PExpr {
    if (row.t.name !== 'ROW' || !row.t.fields)
      throw new SqlError(`${describeIdent(field)} is a field access, but the value is ${typeToString(row.t)}, not a ROW`, field.pos);
    const i = row.t.fields.findIndex((f) => f.name === field.name);
    if (i < 0) throw new SqlError(`the ROW has no field ${describeIdent(field)}; fields: ${row.t.fields.map((f) => f.name).join(', ')}`, field.pos);
    return { k: 'call', fn: 'field', args: [row, lit(i, T.INTEGER)], t: row.t.fields[i]!.type };
  }

  /** REGEX_LOG_PARSE / VARIABLE_COLUMN_LOG_PARSE: a ROW whose fields come from the pattern or the column spec. */
  private logParser(e: Extract<Expr, { kind: 'call' }>, sub: (x: Expr) => PExpr): PExpr {
    const args = e.args.map(sub);
    const specFields = (a: Expr | undefined, defaultCount: number): ColumnDef[] => {
      if (!a) return Array.from({ length: defaultCount }, (_x, i) => ({ name: `COLUMN${i + 1}`, type: { name: 'VARCHAR', length: 1024 } }));
      if (a.kind === 'literal' && typeof a.value === 'number' && Number.isInteger(a.value) && a.value > 0) return specFields(undefined, a.value);
      if (a.kind === 'literal' && typeof a.value === 'string') {
        try {
          return parseColumnList(a.value);
        } catch (err) {
          throw new SqlError(`cannot read the column list '${a.value}': ${err instanceof SqlError ? err.reason : String(err)}`, a.pos);
        }
      }
      throw new SqlError("columns must be a count or a quoted list such as 'NAME VARCHAR(16), AGE INTEGER'", a.pos);
    };
    if (e.name === 'REGEX_LOG_PARSE' || e.name === 'FAST_REGEX_LOG_PARSER') {
      if (e.args.length < 2 || e.args.length > 3) throw new SqlError(`${e.name} takes (text, regex[, columns])`, e.pos);
      const pat = e.args[1]!;
      if (pat.kind !== 'literal' || typeof pat.value !== 'string') throw new SqlError(`the ${e.name} pattern must be a quoted literal`, pat.pos);
      let re: RegExp;
      try {
        re = new RegExp(pat.value);
      } catch (err) {
        throw new SqlError(`invalid regular expression: ${(err as Error).message}`, pat.pos);
      }
      const groups = new RegExp(`${re.source}|`).exec('')!.length - 1;
      const fields = specFields(e.args[2], Math.max(1, groups));
      return {
        k: 'call',
        fn: 'regexLogParse',
        args: [args[0]!, args[1]!, lit(JSON.stringify(fields.map((f) => f.type)), T.VARCHAR)],
        t: { name: 'ROW', fields },
      };
    }
    if (e.name === 'SYS_LOG_PARSE') {
      if (e.args.length !== 1) throw new SqlError('SYS_LOG_PARSE takes one argument: the log line', e.pos);
      const fields: ColumnDef[] = [
        { name: 'COLUMN1', type: T.TIMESTAMP },
        { name: 'COLUMN2', type: { name: 'VARCHAR', length: 4096 } },
      ];
      return { k: 'call', fn: 'sysLogParse', args: [args[0]!], t: { name: 'ROW', fields } };
    }
    if (e.name === 'W3C_LOG_PARSE') {
      const fmt = e.args[1];
      if (e.args.length !== 2 || !fmt || fmt.kind !== 'literal' || typeof fmt.value !== 'string')
        throw new SqlError(
          "W3C_LOG_PARSE takes (text, 'COMMON' | 'COMMON WITH VHOST' | 'NCSA EXTENDED' | 'REFERER' | 'AGENT' | 'IIS' | an Apache format)",
          e.pos,
        );
      let spec: { regex: string; types: SqlType[] };
      try {
        spec = w3cFormat(fmt.value);
      } catch (err) {
        throw new SqlError(String((err as Error).message), fmt.pos);
      }
      const fields: ColumnDef[] = spec.types.map((t, i) => ({ name: `COLUMN${i + 1}`, type: t }));
      return {
        k: 'call',
        fn: 'regexLogParse',
        args: [args[0]!, lit(spec.regex, T.VARCHAR), lit(JSON.stringify(spec.types), T.VARCHAR)],
        t: { name: 'ROW', fields },
      };
    }
    if (e.name === 'FIXED_COLUMN_LOG_PARSE') {
      const d = e.args[1];
      if (e.args.length !== 2 || !d || d.kind !== 'literal' || typeof d.value !== 'string')
        throw new SqlError("FIXED_COLUMN_LOG_PARSE takes (text, 'name TYPE type START n [FOR m], ...')", e.pos);
      let cols: { name: string; type: SqlType; start: number; length: number | null; format: string | null }[];
      try {
        cols = fixedColumns(d.value);
      } catch (err) {
        throw new SqlError(String((err as Error).message), d.pos);
      }
      return {
        k: 'call',
        fn: 'fixedColumnLogParse',
        args: [args[0]!, lit(JSON.stringify(cols.map((c) => ({ type: c.type, start: c.start, length: c.length, format: c.format }))), T.VARCHAR)],
        t: { name: 'ROW', fields: cols.map((c) => ({ name: c.name, type: c.type })) },
      };
    }
    if (e.args.length < 3 || e.args.length > 5) throw new SqlError('VARIABLE_COLUMN_LOG_PARSE takes (text, columns, delimiter[, escape[, quote]])', e.pos);
    const fields = specFields(e.args[1], 1);
    return {
      k: 'call',
      fn: 'variableColumnLogParse',
      args: [args[0]!, args[2]!, args[3] ?? lit(null, T.NULL), args[4] ?? lit(null, T.NULL), lit(JSON.stringify(fields.map((f) => f.type)), T.VARCHAR)],
      t: { name: 'ROW', fields },
    };
  }

  private foldCast(s: string, t: SqlType, pos: Pos): number {
    const m = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*$/.exec(s);
    if (t.name === 'TIME') {
      const tm = /^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*$/.exec(s);
      if (!tm) throw new SqlError(`'${s}' is not a TIME literal (HH:MM:SS)`, pos);
      return ((Number(tm[1]) * 60 + Number(tm[2])) * 60 + Number(tm[3] ?? 0)) * 1000 + Number((tm[4] ?? '0').padEnd(3, '0'));
    }
    if (!m) throw new SqlError(`'${s}' is not a ${t.name} literal (YYYY-MM-DD${t.name === 'TIMESTAMP' ? ' HH:MM:SS[.fff]' : ''})`, pos);
    return Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
      Number((m[7] ?? '0').padEnd(3, '0')),
    );
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>, l: PExpr, r: PExpr): PExpr {
    const op = e.op;
    if (op === 'AND' || op === 'OR') {
      this.bool(l, e.left);
      this.bool(r, e.right);
      return { k: 'call', fn: op === 'AND' ? 'and' : 'or', args: [l, r], t: T.BOOLEAN };
    }
    if (op === 'IS_TRUE' || op === 'IS_FALSE') return { k: 'call', fn: op === 'IS_TRUE' ? 'isTrue' : 'isFalse', args: [l], t: T.BOOLEAN };
    const cmpFns: Record<string, string> = { '=': 'eq', '<>': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
    if (cmpFns[op]) {
      const okPair =
        (isNumeric(l.t) && isNumeric(r.t)) ||
        (isString(l.t) && isString(r.t)) ||
        (isDatetime(l.t) && (isDatetime(r.t) || isString(r.t))) ||
        (isDatetime(r.t) && isString(l.t)) ||
        l.t.name === r.t.name ||
        l.t.name === 'ANY' ||
        r.t.name === 'ANY';
      if (!okPair) throw new SqlError(`cannot compare ${typeToString(l.t)} with ${typeToString(r.t)}; use CAST`, e.pos);
      // Compare a TIMESTAMP with a text literal by converting the literal once at plan time.
      if (isDatetime(l.t) && r.k === 'lit' && typeof r.v === 'string') r = lit(this.foldCast(r.v, l.t, e.right.pos), l.t);
      if (isDatetime(r.t) && l.k === 'lit' && typeof l.v === 'string') l = lit(this.foldCast(l.v, r.t, e.left.pos), r.t);
      return { k: 'call', fn: cmpFns[op]!, args: [l, r], t: T.BOOLEAN };
    }
    if (op === '||') return { k: 'call', fn: 'concat', args: [l, r], t: T.VARCHAR };
    // arithmetic
    const timeArith = isDatetime(l.t) || isDatetime(r.t) || l.t.name === 'INTERVAL' || r.t.name === 'INTERVAL';
    if (timeArith) {
      if ((op === '+' || op === '-') && isDatetime(l.t) && (r.t.name === 'INTERVAL' || r.t.name === 'NULL'))
        return { k: 'call', fn: op === '+' ? 'add' : 'sub', args: [l, r], t: l.t };
      if (op === '+' && l.t.name === 'INTERVAL' && isDatetime(r.t)) return { k: 'call', fn: 'add', args: [l, r], t: r.t };
      if (op === '-' && isDatetime(l.t) && isDatetime(r.t)) return { k: 'call', fn: 'sub', args: [l, r], t: T.INTERVAL };
      if ((op === '+' || op === '-') && l.t.name === 'INTERVAL' && r.t.name === 'INTERVAL')
        return { k: 'call', fn: op === '+' ? 'add' : 'sub', args: [l, r], t: T.INTERVAL };
      if ((op === '*' || op === '/') && l.t.name === 'INTERVAL' && isNumeric(r.t))
        return { k: 'call', fn: op === '*' ? 'mul' : 'div', args: [l, r], t: T.INTERVAL };
      throw new SqlError(`cannot apply ${op} to ${typeToString(l.t)} and ${typeToString(r.t)}`, e.pos);
    }
    if (!isNumeric(l.t) || !isNumeric(r.t))
      throw new SqlError(`cannot apply ${op} to ${typeToString(l.t)} and ${typeToString(r.t)}; arithmetic needs numbers`, e.pos);
    const t = widerNumeric(l.t, r.t);
    if (op === '/') return { k: 'call', fn: isIntegral(t) ? 'idiv' : 'div', args: [l, r], t };
    const fn = op === '+' ? 'add' : op === '-' ? 'sub' : op === '*' ? 'mul' : 'mod';
    const p: PExpr = { k: 'call', fn, args: [l, r], t };
    // REAL arithmetic rounds to single precision, as Java floats do in KDA.
    if (t.name === 'REAL') return { k: 'call', fn: 'real', args: [p], t };
    // BIGINT values are doubles: a sum, difference or product beyond ±(2^53 − 1) is a row error rather than a rounded value.
    if (t.name === 'BIGINT' && fn !== 'mod') return { k: 'call', fn: 'checkBigint', args: [p], t };
    return p;
  }

  private call(e: Extract<Expr, { kind: 'call' }>, sub: (x: Expr) => PExpr): PExpr {
    if (AGGREGATE_FUNCTIONS.has(e.name)) {
      throw new SqlError(
        e.over ? `${e.name} OVER (...) is not allowed here` : `aggregate ${e.name} is only allowed in the SELECT list or HAVING of a GROUP BY query`,
        e.pos,
      );
    }
    if (e.over) throw new SqlError(`${e.name} cannot be used with OVER`, e.pos);
    if (TABLE_FUNCTIONS.has(e.name)) throw new SqlError(`${e.name} is a table function: use FROM TABLE(${e.name}(CURSOR(SELECT STREAM ...)))`, e.pos);
    if (LOG_PARSERS.has(e.name)) return this.logParser(e, sub);
    if (UNSUPPORTED_FUNCTIONS.has(e.name)) throw new SqlError(`function ${e.name} is not supported by Freshet yet`, e.pos);
    const f = SCALAR_FUNCTIONS[e.name];
    if (!f) throw new SqlError(`unknown function ${e.name}`, e.pos);
    if (e.star || e.args.length < f.min || e.args.length > f.max) {
      throw new SqlError(`${e.name} takes ${f.min === f.max ? f.min : `${f.min} to ${f.max}`} argument(s), got ${e.star ? '*' : e.args.length}`, e.pos);
    }
    const args = e.args.map(sub);
    if (e.name === 'MONOTONIC' && slotsOf(args[0]!).length === 0) {
      throw new SqlError('MONOTONIC needs an expression over a column (a constant cannot key a streaming GROUP BY), e.g. MONOTONIC("orderId")', e.args[0]!.pos);
    }
    if (e.name === 'MOD' && isIntegral(args[0]!.t)) return { k: 'call', fn: 'mod', args, t: args[0]!.t };
    return { k: 'call', fn: f.runtime, args, t: f.type(args.map((a) => a.t)) };
  }
}

/** Plans application code against its input streams; throws SqlError (with line:column) on mistakes. */
export function planApplication(code: string, options: PlanOptions): ApplicationPlan {
  const stmts = parseApplication(code);
  return new Planner(options).plan(stmts);
}
