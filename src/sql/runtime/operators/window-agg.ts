/**
 * Flink's window aggregation (window TVFs TUMBLE/HOP/CUMULATE/SESSION and
 * legacy GROUP BY TUMBLE/HOP/SESSION) by event or processing time.
 *
 * A row's time (its rowtime attribute) puts it into every window it belongs
 * to; a window [start, end) fires once the watermark reaches end − 1 (Flink's
 * maxTimestamp), and its groups come out as rows with time end − 1
 * (window_time). A row whose windows have all fired is late: dropped and
 * counted. Session windows are per group key, start with a row, grow by the
 * gap and merge when rows bridge them; they keep their rows until they fire.
 * Processing-time windows fire by the clock (onProcessingTime) instead.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { accFromJson, accToJson, compileAggregateMerge, compileAggregates, ExprCompiler, type AggCode } from '../compile.ts';
import type { ColumnBatch } from '../column-batch.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { keySource, TimerQueue, windowsOf } from './flink-common.ts';
import { KeyedSlots } from './key-index.ts';

interface Group {
  keys: unknown[];
  acc: unknown[];
}

interface Win {
  start: number;
  end: number;
  groups: Map<unknown, Group>;
}

interface Session {
  key: unknown;
  /** The group's key values; null when there is at most one key (then it is `key` itself). */
  keys: unknown[] | null;
  start: number;
  end: number;
  /** The accumulators when the aggregates can be merged; otherwise the rows, aggregated when the session fires. */
  acc: unknown[] | null;
  rows: Row[] | null;
  dead: boolean;
}

type Plan = Extract<OpPlan, { op: 'windowAgg' }>;

/** Aggregates whose partial results merge into exactly what one pass over the rows gives, in any order (HOP slicing). */
const SLICEABLE = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX']);

export class WindowAggOperator implements Operator {
  private readonly agg: AggCode;
  private readonly merge: ((a: unknown[], b: unknown[]) => void) | null;
  private readonly time: (r: Row) => unknown;
  private readonly key: (r: Row) => unknown;
  private readonly keyValues: (r: Row) => unknown[];
  private readonly having: ((post: Row) => unknown) | null;
  private readonly project: (post: Row) => Row;
  private readonly nKeys: number;
  private readonly loop: ((batch: Row[], self: WindowAggOperator) => void) | null;
  /** The loop over a columnar batch (processColumns), when there is a row loop and the aggregates read only columns. */
  private readonly colLoop: ((b: ColumnBatch, self: WindowAggOperator, k: unknown[]) => void) | null;
  /** colLoop's constants (it is shared by every operator with the same loop: ExprCompiler.buildShared). */
  private readonly colConsts: unknown[];
  /** A new group's key values from row i of a columnar batch (shared between operators: constants as the last argument). */
  private readonly keyValuesAt: ((b: ColumnBatch, i: number, k: unknown[]) => unknown[]) | null;
  private readonly keyConsts: unknown[] = [];
  /** The aggregates' update from row i of a columnar batch (a new session's first row). */
  private readonly updateAt: ((a: unknown[], b: ColumnBatch, i: number, k: unknown[]) => void) | null;
  private readonly updateConsts: unknown[] = [];
  /** @internal read by the generated loop */
  wm = -Infinity;
  /** Windows by end (unique per window for TUMBLE, HOP and CUMULATE). */
  private windows = new Map<number, Win>();
  /** Open window ends, ascending. */
  private ends: number[] = [];
  /**
   * Open sessions per key: one Session (the usual case), or several while a closed one waits for the
   * watermark. KeyedSlots: int keys (bidders, users) in a typed-array hash table, so keys that come and go
   * with their sessions cost no Map churn.
   */
  private sessions = new KeyedSlots<Session | Session[]>();
  /** Session ends in due order; an extended session gets a new entry, the stale one is skipped. */
  private readonly sessionHeap = new TimerQueue<Session>();
  private readonly bounds: number[] = [];
  /**
   * Sessions that fired, for reuse with their accumulator arrays: a session lives for its gap and more, so
   * it outlives young-generation collections; reusing it keeps a steady stream of sessions from being
   * copied and promoted by each one. Only sessions that fired at their own timer come here (every earlier
   * timer of theirs has been popped by then), never ones merged away (their stale timers are still queued).
   */
  private readonly pool: Session[] = [];
  /** Groups of open windows plus sessions (or, unmerged, their rows): what stateRows() reports, kept as they change. */
  private kept = 0;
  /** The pre-projection row of a fired group, reused: projection and HAVING read it, the projection copies it out. */
  private readonly post: Row;
  /**
   * HOP by event time with mergeable aggregates is sliced, as Flink does: `windows` holds slices of one
   * slide each, a row updates only its own slice's group, and a window's groups are its slices' merged when
   * it fires. So each row costs one lookup and update instead of size/slide, and the groups kept for the
   * watermark's wait are a slide's worth per key, not a window's worth per window.
   */
  private readonly sliced: boolean;
  private readonly sliceMerge: ((a: unknown[], b: unknown[]) => void) | null;
  /** Sliced: window ends still to fire, ascending (each slice registers the windows it belongs to). */
  private hopEnds: number[] = [];
  /** Sliced: whole windows restored from a checkpoint taken before slicing, merged in when they fire. */
  private readonly legacy = new Map<number, Win>();
  /** Sliced: the merged groups of the window being fired, reused from one firing to the next. */
  private readonly fireGroups = new Map<unknown, Group>();
  private readonly fireFree: Group[] = [];

  constructor(
    private readonly plan: Plan,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.agg = compileAggregates(c, plan.aggs);
    this.merge = plan.window.kind === 'SESSION' ? compileAggregateMerge(c, plan.aggs, this.agg) : null;
    this.time = c.fn1(plan.time);
    const ks = keySource(c, plan.keys);
    this.key = c.build(['r'], `return ${ks};`);
    this.keyValues = c.build(['r'], `return [${plan.keys.map((k) => c.src(k)).join(', ')}];`);
    this.having = plan.having ? c.fn1(plan.having) : null;
    this.project = c.projector(plan.project);
    this.nKeys = plan.keys.length;
    this.post = new Array(3 + this.nKeys + plan.aggs.length);
    const w = plan.window;
    this.sliceMerge =
      w.kind === 'HOP' && !plan.proctime && w.sizeMs % w.slideMs === 0 && plan.aggs.every((a) => SLICEABLE.has(a.fn))
        ? compileAggregateMerge(c, plan.aggs, this.agg)
        : null;
    this.sliced = this.sliceMerge !== null;
    const body = this.loopBody(c, this.agg, ks, false);
    this.loop = body === null ? null : c.build(['batch', 'self'], body);
    // The same loop over columns, for batches straight from a columnar source (ColumnBatch): expressions read
    // the vectors. Not when an aggregate reads the row itself (EXP_AVG's time).
    const cc = new ExprCompiler();
    cc.columnar = new Set();
    this.colConsts = cc.consts;
    const cagg = compileAggregates(cc, plan.aggs);
    const cbody = body === null || /\br\[/.test(cagg.updateSrc) ? null : this.loopBody(cc, cagg, keySource(cc, plan.keys), true);
    if (cbody !== null) {
      this.colLoop = cc.buildShared(['B', 'self'], `${cc.columnPrelude()}\n${cbody}`);
      const kc = new ExprCompiler();
      kc.columnar = new Set();
      this.keyConsts = kc.consts;
      const kv = plan.keys.map((k) => kc.src(k)).join(', ');
      this.keyValuesAt = kc.buildShared(['B', 'i'], `${kc.columnPrelude()}\nreturn [${kv}];`);
      const uc = new ExprCompiler();
      uc.columnar = new Set();
      this.updateConsts = uc.consts;
      const upd = compileAggregates(uc, plan.aggs).updateSrc;
      this.updateAt = uc.buildShared(['a', 'B', 'i'], `${uc.columnPrelude()}\n${upd}`);
    } else {
      this.colLoop = null;
      this.keyValuesAt = null;
      this.updateAt = null;
    }
  }

  /**
   * The generated batch loop of this window (null: none; process() loops itself): over a Row[] `batch`, or —
   * `columnar` — over a ColumnBatch `B` whose vectors `c`'s expressions read (`c.columnar`).
   */
  private loopBody(c: ExprCompiler, agg: AggCode, ks: string, columnar: boolean): string | null {
    const plan = this.plan;
    const w = plan.window;
    const rowDecl = columnar ? '' : 'const r = batch[i];';
    const len = columnar ? 'B.length' : 'batch.length';
    const R = columnar ? 'B.row(i)' : 'r';
    const newGroup = columnar ? 'self.newGroupAt(B, i)' : 'self.newGroup(r)';
    // hot path: TUMBLE by event time is one generated loop — window, key and accumulator update inlined.
    if (plan.window.kind === 'TUMBLE' && !plan.proctime) {
      const size = plan.window.sizeMs;
      const off = plan.window.offsetMs;
      return `
        let curStart = NaN, curEnd = NaN, cur = null, curG = null;
        const wm = self.wm;
        for (let i = 0, n = ${len}; i < n; i++) {
          ${rowDecl}
          try {
            const t = ${c.src(plan.time)};
            if (t === null) { self.nullTime(${R}); continue; }
            // A row in the current window skips the division (rows mostly come in time order).
            if (!(t >= curStart && t < curEnd)) {
              const m = (t - ${off}) % ${size};
              const s = t - (m < 0 ? m + ${size} : m);
              if (s + ${size - 1} <= wm) { self.lateRow(); continue; }
              cur = self.windowFor(s, s + ${size}).groups; curStart = s; curEnd = s + ${size}; curG = null;
            }
            ${
              this.nKeys === 0
                ? `// No GROUP BY keys besides the window: its one group, looked up once per window.
            if (curG === null) { curG = cur.get(0); if (curG === undefined) { curG = ${newGroup}; cur.set(0, curG); } }
            const g = curG;`
                : `const k = ${ks};
            let g = cur.get(k);
            if (g === undefined) { g = ${newGroup}; cur.set(k, g); }`
            }
            const a = g.acc;
            ${agg.updateSrc}
          } catch (e) { self.rowError(e, ${R}); }
        }`;
    } else if (plan.window.kind === 'HOP' && this.sliced) {
      // hot path: sliced HOP by event time — a row updates its one slice's group; the slice's group map is
      // cached while rows stay in the same slice (they mostly come in time order).
      const { sizeMs: size, slideMs: slide, offsetMs: off } = plan.window;
      return `
        let curLast = NaN, curEnd = NaN, cur = null;
        const wm = self.wm;
        for (let i = 0, n = ${len}; i < n; i++) {
          ${rowDecl}
          try {
            const t = ${c.src(plan.time)};
            if (t === null) { self.nullTime(${R}); continue; }
            if (!(t >= curLast && t < curEnd)) {
              const m = (t - ${off}) % ${slide};
              const last = t - (m < 0 ? m + ${slide} : m);
              // Late once the last window holding the slice has fired.
              if (last + ${size - 1} <= wm) { self.lateRow(); continue; }
              cur = self.sliceFor(last).groups; curLast = last; curEnd = last + ${slide};
            }
            const k = ${ks};
            let g = cur.get(k);
            if (g === undefined) { g = ${newGroup}; cur.set(k, g); }
            const a = g.acc;
            ${agg.updateSrc}
          } catch (e) { self.rowError(e, ${R}); }
        }`;
    } else if (plan.window.kind === 'HOP' && !plan.proctime) {
      // hot path: HOP by event time — the row's size/slide windows, their group maps cached while the
      // last window start stays the same (rows mostly come in time order), the update inlined per window.
      const { sizeMs: size, slideMs: slide, offsetMs: off } = plan.window;
      const per = size / slide;
      return `
        let curLast = NaN;
        const wins = new Array(${per});
        const wm = self.wm;
        for (let i = 0, n = ${len}; i < n; i++) {
          ${rowDecl}
          try {
            const t = ${c.src(plan.time)};
            if (t === null) { self.nullTime(${R}); continue; }
            const m = (t - ${off}) % ${slide};
            const last = t - (m < 0 ? m + ${slide} : m);
            if (last !== curLast) {
              for (let j = 0; j < ${per}; j++) {
                const s = last - j * ${slide};
                wins[j] = s + ${size - 1} <= wm ? null : self.windowFor(s, s + ${size}).groups;
              }
              curLast = last;
            }
            if (wins[0] === null) { self.lateRow(); continue; }
            const k = ${ks};
            for (let j = 0; j < ${per}; j++) {
              const cur = wins[j];
              if (cur === null) break;
              let g = cur.get(k);
              if (g === undefined) { g = ${newGroup}; cur.set(k, g); }
              const a = g.acc;
              ${agg.updateSrc}
            }
          } catch (e) { self.rowError(e, ${R}); }
        }`;
    } else if (w.kind === 'SESSION' && this.merge !== null) {
      // hot path: a row that falls into (or extends) its key's only open session is handled inline;
      // anything else (a new session, several open ones, a late row) goes to sessionRow().
      const gap = w.gapMs;
      return `
        const sessions = self.sessionMap();
        for (let i = 0, n = ${len}; i < n; i++) {
          ${rowDecl}
          try {
            const t = ${c.src(plan.time)};
            if (t === null) { self.nullTime(${R}); continue; }
            const k = ${ks};
            const v = sessions.get(k);
            if (v !== undefined && v.acc !== undefined && t <= v.end && t + ${gap} >= v.start) {
              if (t < v.start) v.start = t;
              if (t + ${gap} > v.end) { v.end = t + ${gap}; self.sessionTimer(v); }
              const a = v.acc;
              ${agg.updateSrc}
              continue;
            }
            ${columnar ? 'self.sessionRowAt(B, i, t, k, v);' : 'self.sessionRow(r, t, k, v);'}
          } catch (e) { self.rowError(e, ${R}); }
        }`;
    }
    return null;
  }

  /** @internal read by the generated session loop */
  sessionMap(): KeyedSlots<Session | Session[]> {
    return this.sessions;
  }

  /** @internal */
  sessionTimer(s: Session): void {
    this.sessionHeap.push(s.end, s);
  }

  /** @internal */
  windowFor(start: number, end: number): Win {
    let w = this.windows.get(end);
    if (!w) {
      w = { start, end, groups: new Map() };
      this.windows.set(end, w);
      const ends = this.ends;
      if (ends.length === 0 || end > ends[ends.length - 1]!) ends.push(end);
      else {
        let lo = 0;
        let hi = ends.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ends[mid]! < end) lo = mid + 1;
          else hi = mid;
        }
        ends.splice(lo, 0, end);
      }
    }
    return w;
  }

  /** @internal Sliced HOP: the slice starting at `start`; a new one registers the windows it belongs to that have not fired. */
  sliceFor(start: number): Win {
    const { sizeMs: size, slideMs: slide } = this.plan.window as { sizeMs: number; slideMs: number };
    const end = start + slide;
    const known = this.windows.get(end);
    if (known) return known;
    for (let e = end; e <= start + size; e += slide) if (e - 1 > this.wm) this.addHopEnd(e);
    return this.windowFor(start, end);
  }

  private addHopEnd(e: number): void {
    const ends = this.hopEnds;
    if (ends.length === 0 || e > ends[ends.length - 1]!) {
      ends.push(e);
      return;
    }
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! < e) lo = mid + 1;
      else hi = mid;
    }
    if (ends[lo] !== e) ends.splice(lo, 0, e);
  }

  /** Sliced HOP: fires the window ending at `end` — its slices' groups merged (and a restored whole window's). */
  private fireHop(end: number, out: Row[]): void {
    const { sizeMs: size, slideMs: slide } = this.plan.window as { sizeMs: number; slideMs: number };
    const start = end - size;
    const merge = this.sliceMerge!;
    const groups = this.fireGroups;
    const free = this.fireFree;
    let used = 0;
    const whole = this.legacy.get(end);
    if (whole) {
      this.legacy.delete(end);
      this.kept -= whole.groups.size;
      for (const [k, g] of whole.groups) groups.set(k, g);
    }
    for (let e = start + slide; e <= end; e += slide) {
      const slice = this.windows.get(e);
      if (!slice) continue;
      for (const [k, g] of slice.groups) {
        let x = groups.get(k);
        if (x === undefined) {
          if (used < free.length) {
            x = free[used]!;
            this.agg.reset(x.acc);
          } else {
            x = { keys: g.keys, acc: this.agg.init() };
            free.push(x);
          }
          used++;
          x.keys = g.keys;
          groups.set(k, x);
        }
        merge(x.acc, g.acc);
      }
    }
    for (const [k, g] of groups) this.emitGroup(g.keys, k, g.acc, start, end, out);
    groups.clear();
    // The slice that starts this window has no window left.
    const ends = this.ends;
    let n = 0;
    while (n < ends.length && ends[n]! <= start + slide) {
      const slice = this.windows.get(ends[n]!)!;
      this.windows.delete(slice.end);
      this.kept -= slice.groups.size;
      n++;
    }
    if (n > 0) ends.splice(0, n);
  }

  /** @internal */
  newGroup(r: Row): Group {
    this.kept++;
    return { keys: this.keyValues(r), acc: this.agg.init() };
  }

  /** @internal the generated columnar loops' newGroup: row i of batch b. */
  newGroupAt(b: ColumnBatch, i: number): Group {
    this.kept++;
    return { keys: this.keyValuesAt!(b, i, this.keyConsts), acc: this.agg.init() };
  }

  /** @internal */
  lateRow(): void {
    this.ctx.flink?.late(1);
  }

  /** @internal */
  nullTime(r: Row): void {
    this.ctx.error({ errorName: 'NullRowtime', message: 'RowTime field should not be null, please convert it to a non-null long value.', row: r });
  }

  /** @internal */
  rowError(e: unknown, r: Row): void {
    this.ctx.error({ ...errorOf(e), row: r });
  }

  /** hot path: a batch straight from a columnar source. */
  processColumns(b: ColumnBatch): void {
    if (this.colLoop !== null) this.colLoop(b, this, this.colConsts);
    else this.process(b.toRows());
  }

  process(batch: Row[]): void {
    if (this.loop) {
      this.loop(batch, this);
      return;
    }
    if (this.plan.window.kind === 'SESSION') {
      this.processSessions(batch);
      return;
    }
    const proctime = this.plan.proctime;
    const b = this.bounds;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const t = this.time(r) as number | null;
        if (t === null) {
          this.nullTime(r);
          continue;
        }
        windowsOf(this.plan.window, t, b);
        let used = false;
        const k = this.key(r);
        for (let j = 0; j < b.length; j += 2) {
          const end = b[j + 1]!;
          // Processing-time windows are never late: a row goes to the window of its arrival time.
          if (!proctime && end - 1 <= this.wm) continue;
          used = true;
          const groups = this.windowFor(b[j]!, end).groups;
          let g = groups.get(k);
          if (g === undefined) {
            g = this.newGroup(r);
            groups.set(k, g);
          }
          this.agg.update(g.acc, r);
        }
        if (!used) this.lateRow();
      } catch (e) {
        this.rowError(e, r);
      }
    }
  }

  private processSessions(batch: Row[]): void {
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const t = this.time(r) as number | null;
        if (t === null) {
          this.nullTime(r);
          continue;
        }
        const k = this.key(r);
        this.sessionRow(r, t, k, this.sessions.get(k));
      } catch (e) {
        this.rowError(e, r);
      }
    }
  }

  /** @internal One row of a SESSION window: joins, extends, starts or bridges the key's open sessions, or is late. */
  sessionRow(r: Row, t: number, k: unknown, v: Session | Session[] | undefined): void {
    const gap = (this.plan.window as { gapMs: number }).gapMs;
    const proctime = this.plan.proctime;
    const sessions = this.sessions;
    if (v === undefined) {
      if (!proctime && t + gap - 1 <= this.wm) {
        this.lateRow();
        return;
      }
      sessions.set(k, this.newSession(k, r, t, t + gap, null));
      return;
    }
    if (!Array.isArray(v)) {
      if (t <= v.end && t + gap >= v.start) {
        if (t < v.start) v.start = t;
        if (t + gap > v.end) {
          v.end = t + gap;
          this.sessionHeap.push(v.end, v);
        }
        if (v.acc !== null) this.agg.update(v.acc, r);
        else {
          v.rows!.push(r);
          this.kept++;
        }
        return;
      }
      if (!proctime && t + gap - 1 <= this.wm) {
        this.lateRow();
        return;
      }
      sessions.set(k, [v, this.newSession(k, r, t, t + gap, null)]);
      return;
    }
    // Several open sessions: the row may join, extend or bridge some of them.
    const list = v;
    let start = t;
    let end = t + gap;
    let merged: Session[] | null = null;
    for (let j = list.length - 1; j >= 0; j--) {
      const s = list[j]!;
      if (t <= s.end && t + gap >= s.start) {
        start = Math.min(start, s.start);
        end = Math.max(end, s.end);
        (merged ??= []).push(s);
        s.dead = true;
        this.kept -= s.rows === null ? 1 : s.rows.length;
        list.splice(j, 1);
      }
    }
    if (merged === null && !proctime && end - 1 <= this.wm) {
      this.lateRow();
      return;
    }
    merged?.sort((a, b) => a.start - b.start);
    list.push(this.newSession(k, r, start, end, merged));
  }

  /**
   * @internal The columnar session loop's slow path: a new key's session from row i of the batch without
   * building the row; anything else goes to sessionRow with the row.
   */
  sessionRowAt(b: ColumnBatch, i: number, t: number, k: unknown, v: Session | Session[] | undefined): void {
    if (v !== undefined) {
      this.sessionRow(b.row(i), t, k, v);
      return;
    }
    const gap = (this.plan.window as { gapMs: number }).gapMs;
    if (!this.plan.proctime && t + gap - 1 <= this.wm) {
      this.lateRow();
      return;
    }
    const keys = this.nKeys <= 1 ? null : this.keyValuesAt!(b, i, this.keyConsts);
    const s = this.takeSession(k, keys, t, t + gap);
    this.updateAt!(s.acc!, b, i, this.updateConsts);
    this.kept++;
    this.sessions.set(k, s);
  }

  /** A session starting with row r (and the sessions it merges, oldest first). */
  private newSession(k: unknown, r: Row, start: number, end: number, merged: Session[] | null): Session {
    const keys = this.nKeys <= 1 ? null : (merged?.[0]?.keys ?? this.keyValues(r));
    const s = this.takeSession(k, keys, start, end);
    if (this.merge !== null) {
      if (merged) for (const m of merged) this.merge(s.acc!, m.acc!);
      this.agg.update(s.acc!, r);
      this.kept++;
    } else {
      s.rows = [];
      if (merged) for (const m of merged) for (const x of m.rows!) s.rows.push(x);
      s.rows.push(r);
      this.kept += s.rows.length;
    }
    return s;
  }

  /**
   * A new open session for [start, end), pooled if one is free, with its timer queued. With mergeable
   * aggregates its accumulator is fresh (init or reset); without, acc stays null and the caller sets rows.
   * The one place sessions are taken, so the row path (newSession) and the columnar one (sessionRowAt)
   * cannot drift apart.
   */
  private takeSession(k: unknown, keys: unknown[] | null, start: number, end: number): Session {
    const pooled = this.pool.pop();
    let s: Session;
    if (pooled !== undefined) {
      s = pooled;
      s.key = k;
      s.keys = keys;
      s.start = start;
      s.end = end;
      s.dead = false;
    } else s = { key: k, keys, start, end, acc: null, rows: null, dead: false };
    if (this.merge !== null) {
      if (s.acc === null) s.acc = this.agg.init();
      else this.agg.reset(s.acc);
    }
    this.sessionHeap.push(end, s);
    return s;
  }

  private dropSession(s: Session): void {
    // The usual case, the key's only session, in one probe.
    const v = this.sessions.deleteIf(s.key, s);
    if (v === s) return;
    if (Array.isArray(v)) {
      const i = v.indexOf(s);
      if (i >= 0) v.splice(i, 1);
      if (v.length === 1) this.sessions.set(s.key, v[0]!);
      else if (v.length === 0) this.sessions.delete(s.key);
    }
  }

  private fire(w: number): void {
    const out: Row[] = [];
    if (this.plan.window.kind === 'SESSION') {
      const heap = this.sessionHeap;
      while (heap.size > 0 && heap.peek() - 1 <= w) {
        const due = heap.peek();
        const s = heap.pop()!;
        if (s.dead) continue;
        // A session extended in place since this timer was set has a later one.
        if (s.end !== due) continue;
        s.dead = true;
        this.kept -= s.rows === null ? 1 : s.rows.length;
        this.dropSession(s);
        let acc = s.acc;
        if (acc === null) {
          acc = this.agg.init();
          for (const r of s.rows!) {
            try {
              this.agg.update(acc, r);
            } catch (e) {
              this.rowError(e, r);
            }
          }
        }
        this.emitGroup(s.keys, s.key, acc, s.start, s.end, out);
        if (s.acc !== null && this.pool.length < 65536) {
          s.key = null;
          s.keys = null;
          this.pool.push(s);
        }
      }
    } else if (this.sliced) {
      const ends = this.hopEnds;
      let n = 0;
      while (n < ends.length && ends[n]! - 1 <= w) this.fireHop(ends[n++]!, out);
      if (n > 0) ends.splice(0, n);
    } else {
      const ends = this.ends;
      let n = 0;
      while (n < ends.length && ends[n]! - 1 <= w) n++;
      for (let i = 0; i < n; i++) {
        const win = this.windows.get(ends[i]!)!;
        this.windows.delete(win.end);
        this.kept -= win.groups.size;
        for (const g of win.groups.values()) this.emitGroup(g.keys, null, g.acc, win.start, win.end, out);
      }
      if (n > 0) ends.splice(0, n);
    }
    if (out.length > 0) this.emit(out);
  }

  /** One fired group: [time, ...keys, start, end, ...aggregates] through HAVING and the projection. `keys` null: the one key is `key`. */
  private emitGroup(keys: unknown[] | null, key: unknown, acc: unknown[], start: number, end: number, out: Row[]): void {
    const nk = this.nKeys;
    const post = this.post;
    post[0] = end - 1;
    if (keys !== null) for (let k = 0; k < nk; k++) post[1 + k] = keys[k];
    else if (nk === 1) post[1] = key;
    post[1 + nk] = start;
    post[2 + nk] = end;
    try {
      this.agg.result(acc, post, 3 + nk);
      if (this.having && this.having(post) !== true) return;
      out.push(this.project(post));
    } catch (e) {
      this.ctx.error({ ...errorOf(e), row: post.slice() });
    }
  }

  advance(watermarkMs: number): void {
    if (this.plan.proctime || watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    this.fire(watermarkMs);
  }

  onProcessingTime(nowMs: number): void {
    if (!this.plan.proctime) return;
    this.wm = nowMs;
    this.fire(nowMs);
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    return this.kept;
  }

  checkpoint(): unknown {
    return {
      wm: Number.isFinite(this.wm) ? this.wm : null,
      windows: [...this.windows.values()].map((w) => [w.start, w.end, [...w.groups.entries()].map(([k, g]) => [k, g.keys, accToJson(g.acc)])]),
      // Sliced HOP: `windows` are slices; the window ends still to fire, and whole windows restored from before slicing.
      ...(this.sliced
        ? {
            sliced: true,
            hopEnds: this.hopEnds,
            legacy: [...this.legacy.values()].map((w) => [w.start, w.end, [...w.groups.entries()].map(([k, g]) => [k, g.keys, accToJson(g.acc)])]),
          }
        : {}),
      sessions: this.sessions
        .values()
        .flat()
        .map((s) => [s.key, s.keys ?? (this.nKeys === 1 ? [s.key] : []), s.start, s.end, s.acc ? accToJson(s.acc) : null, s.rows]),
    };
  }

  restore(state: unknown): void {
    const st = state as {
      wm: number | null;
      windows: [number, number, [unknown, unknown[], unknown[]][]][];
      sessions: [unknown, unknown[], number, number, unknown[] | null, Row[] | null][];
      sliced?: boolean;
      hopEnds?: number[];
      legacy?: [number, number, [unknown, unknown[], unknown[]][]][];
    };
    this.wm = st.wm ?? -Infinity;
    this.windows.clear();
    this.ends = [];
    this.hopEnds = [];
    this.legacy.clear();
    this.kept = 0;
    // A sliced operator restoring a checkpoint of whole windows (taken before slicing) keeps them whole and merges them in as they fire.
    const toLegacy = this.sliced && st.sliced !== true;
    for (const [start, end, groups] of st.windows) {
      let w: Win;
      if (toLegacy) {
        w = { start, end, groups: new Map() };
        this.legacy.set(end, w);
        this.addHopEnd(end);
      } else w = this.windowFor(start, end);
      for (const [k, keys, acc] of groups) w.groups.set(k, { keys, acc: accFromJson(acc) });
      this.kept += groups.length;
    }
    if (this.sliced && st.sliced === true) {
      for (const e of st.hopEnds ?? []) this.addHopEnd(e);
      for (const [start, end, groups] of st.legacy ?? []) {
        const w: Win = { start, end, groups: new Map() };
        this.legacy.set(end, w);
        for (const [k, keys, acc] of groups) w.groups.set(k, { keys, acc: accFromJson(acc) });
        this.kept += groups.length;
      }
    }
    this.sessions.clear();
    this.sessionHeap.clear();
    for (const [key, keys, start, end, acc, rows] of st.sessions) {
      const s: Session = { key, keys: this.nKeys <= 1 ? null : keys, start, end, acc: acc ? accFromJson(acc) : null, rows, dead: false };
      this.kept += rows === null ? 1 : rows.length;
      const v = this.sessions.get(key);
      this.sessions.set(key, v === undefined ? s : Array.isArray(v) ? [...v, s] : [v, s]);
      this.sessionHeap.push(end, s);
    }
  }

  close(): void {
    this.kept = 0;
    this.pool.length = 0;
    this.windows.clear();
    this.ends = [];
    this.hopEnds = [];
    this.legacy.clear();
    this.fireGroups.clear();
    this.fireFree.length = 0;
    this.sessions.clear();
    this.sessionHeap.clear();
  }
}
