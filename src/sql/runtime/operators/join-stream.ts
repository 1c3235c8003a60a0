/**
 * Stream-to-stream join over time windows (and, below, row windows):
 * `FROM a [LEFT|RIGHT|FULL [OUTER]] JOIN b OVER (RANGE INTERVAL 'n' unit PRECEDING|FOLLOWING) AS b ON ...`.
 *
 * The windows become one rule on ROWTIMEs (the planner folds them into two reaches):
 * a left row l and a right row r meet when  -leftRangeMs ≤ l.t − r.t ≤ rightRangeMs,
 * i.e. l's window on the right is [l.t − rightRangeMs, l.t + leftRangeMs] and r's on the
 * left is [r.t − leftRangeMs, r.t + rightRangeMs]. Rows meet whichever arrives first, so a
 * side that lags (an intermediate stream fed by a window) still meets the other side's rows.
 *
 * SQLstream's rules for window joins (which KDA runs) set the output: a matched pair's ROWTIME
 * is the later of the two rows'; an unmatched row of a preserved (outer) side is emitted,
 * null-extended, only when its window closes, with ROWTIME = that window end; output rows come in
 * non-decreasing ROWTIME. A window closes when the other side's time reaches its end; a side's
 * time is the later of its latest ROWTIME and the watermark (`advance`: the application clock),
 * so a quiet stream's pending rows still come out. Rows of the other side with exactly the end
 * ROWTIME match while the window is open: when they are what brings that side's time there
 * (matching runs before closing), not when the clock got there first. Closing at the end rather
 * than after it lets a PRECEDING-only row (end = its own ROWTIME) come out in the push that
 * brought it, and such a row is not kept at all when the other side is already there.
 *
 * Rows are kept while the other side could still meet them (window end > the other side's time).
 * Output rows wait in `pending` until both sides' times have reached their ROWTIME: nothing
 * produced later can be earlier (a future match involves a future row; a future null row's window
 * end is still ahead of the other side's time). An equality between the two sides in ON makes it a
 * hash join; the whole ON is still checked.
 *
 * ROWS windows (`JOIN b OVER (ROWS n PRECEDING) AS b`, on either side; the other side has no window,
 * so only its current row takes part — KDA's rule for a side without a window). A row of the other side
 * at time t meets the windowed side's last n+1 rows with ROWTIME ≤ t in arrival order (n preceding rows
 * plus the current one, the frame SQLstream's ROWS windows use); the window is not partitioned (SQLstream
 * forbids PARTITION BY in join windows), ON filters inside it. That window is known once the windowed
 * side's time reaches t, so the row waits until then (as a RANGE row waits for its window end) and meets
 * the whole window at once; its pairs carry ROWTIME t, which could not be emitted earlier anyway (output
 * waits for both sides' time). Unmatched, it comes out null-extended at t. A windowed row stays
 * while a row of the other side could still count it: until n+1 later rows of its own side have ROWTIMEs
 * the other side's time has reached. Only then is an unmatched one of a preserved windowed side (RIGHT
 * or FULL with the window on b; LEFT or FULL with it on a) known to be unmatched; it comes out null-extended with the ROWTIME of the (n+1)th later row, the row that
 * pushed it out of every future window. A count does not pass with the clock: on a quiet windowed
 * stream the last n+1 rows stay in the window, and an unmatched one of them waits for more rows of its
 * own stream (the clock alone cannot release it).
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

/**
 * One side's kept rows in arrival order (rows close in that order), numbered by arrival (seq), with
 * each row's join key kept (not recomputed, so closing always finds the row's index entry) and, when
 * hashing, an index from key to entries in arrival order.
 */
abstract class KeptRows<E> {
  rows: Row[] = [];
  keys: unknown[] = [];
  head = 0;
  /** seq of rows[head]. */
  base = 0;
  readonly index: Map<unknown, E[]> | null;
  /** Kept rows that met a row of the other side (only for a preserved side of an outer join). */
  readonly matched: Set<Row> | null;

  constructor(hashed: boolean, outer: boolean) {
    this.index = hashed ? new Map() : null;
    this.matched = outer ? new Set() : null;
  }

  /** What the key index lists for a row. */
  protected abstract entry(r: Row, seq: number): E;

  /** seq the next row will get (one past the last kept row). */
  end(): number {
    return this.base + this.rows.length - this.head;
  }

  add(r: Row, k: unknown): void {
    const seq = this.end();
    this.rows.push(r);
    this.keys.push(k);
    if (this.index) {
      const list = this.index.get(k);
      if (list) list.push(this.entry(r, seq));
      else this.index.set(k, [this.entry(r, seq)]);
    }
  }

  /** Drops the first kept row (it is also the first entry under its key). */
  shift(): Row {
    const r = this.rows[this.head]!;
    const k = this.keys[this.head++];
    this.base++;
    if (this.index) {
      const list = this.index.get(k);
      if (list) {
        list.shift();
        if (list.length === 0) this.index.delete(k);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.keys = this.keys.slice(this.head);
      this.head = 0;
    }
    return r;
  }

  live(): Row[] {
    return this.rows.slice(this.head);
  }
}

/** A RANGE-windowed (or unwindowed) side: the index lists the rows themselves. */
class Side extends KeptRows<Row> {
  protected entry(r: Row): Row {
    return r;
  }

  /** The first kept row, or undefined. */
  first(): Row | undefined {
    return this.head < this.rows.length ? this.rows[this.head] : undefined;
  }
}

/** The ROWS-windowed side: a window is a seq range; the index lists each key's seqs in order. */
class CountedSide extends KeptRows<number> {
  protected entry(_r: Row, seq: number): number {
    return seq;
  }

  at(seq: number): Row {
    return this.rows[this.head + seq - this.base]!;
  }
}

const EMPTY: Row[] = [];
const NO_SEQS: number[] = [];

interface JoinState {
  left: Row[];
  right: Row[];
  /** Positions in `left`/`right` of rows that already met a row of the other side (outer sides only). */
  leftMatched?: number[];
  rightMatched?: number[];
  /** Latest ROWTIME seen per side and the watermark (null = none yet). */
  leftTime?: number | null;
  rightTime?: number | null;
  watermark?: number | null;
  /** Output rows waiting for both sides' time to reach their ROWTIME. */
  pending?: Row[];
}

export class JoinStreamOperator implements Operator {
  private left: Side;
  private right: Side;
  private readonly on: ((r: Row) => unknown) | null;
  private readonly leftKey: ((r: Row) => unknown) | null;
  private readonly rightKey: ((r: Row) => unknown) | null;
  private readonly leftOuter: boolean;
  private readonly rightOuter: boolean;
  private readonly leftNulls: Row;
  private readonly rightNulls: Row;
  /** Latest ROWTIME seen on each input, and the watermark from advance(). */
  private leftTime = -Infinity;
  private rightTime = -Infinity;
  private watermark = -Infinity;
  /** Produced rows not yet emitted; `pendingSorted` while they were produced in ROWTIME order. */
  private pending: Row[] = [];
  private pendingSorted = true;
  private pendingLast = -Infinity;
  /**
   * ROWS mode (plan.rowsWindow): `counted` holds the windowed side's rows, `waiting` the other side's rows
   * whose window is not known yet (the windowed side's time has not reached them). null in RANGE mode.
   */
  private counted: CountedSide | null = null;
  private waiting: Side | null = null;
  /** Which port is the windowed side, and its n (window = n+1 rows). */
  private readonly countedLeft: boolean;
  private readonly rowsN: number;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'joinStream' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.on = plan.on ? c.fn1(plan.on) : null;
    this.leftKey = plan.leftKey ? c.fn1(plan.leftKey) : null;
    this.rightKey = plan.rightKey ? c.fn1(plan.rightKey) : null;
    this.leftOuter = plan.joinType === 'LEFT' || plan.joinType === 'FULL';
    this.rightOuter = plan.joinType === 'RIGHT' || plan.joinType === 'FULL';
    this.leftNulls = new Array(plan.leftWidth).fill(null);
    this.rightNulls = new Array(plan.rightWidth).fill(null);
    this.left = new Side(this.leftKey !== null, this.leftOuter);
    this.right = new Side(this.rightKey !== null, this.rightOuter);
    this.countedLeft = plan.rowsWindow?.side === 'left';
    this.rowsN = plan.rowsWindow?.n ?? 0;
    if (plan.rowsWindow) this.resetRows();
  }

  /** Empty ROWS-mode sides. */
  private resetRows(): void {
    this.counted = new CountedSide(this.leftKey !== null, this.countedLeft ? this.leftOuter : this.rightOuter);
    this.waiting = new Side(false, false);
  }

  private put(r: Row): void {
    const t = r[0] as number;
    if (t < this.pendingLast) this.pendingSorted = false;
    else this.pendingLast = t;
    this.pending.push(r);
  }

  // hot path
  process(batch: Row[], port: number): void {
    if (this.counted !== null) {
      this.processRows(batch, port);
      return;
    }
    const { leftRangeMs, rightRangeMs } = this.plan;
    const on = this.on;
    const isLeft = port === 0;
    const other = isLeft ? this.right : this.left;
    const self = isLeft ? this.left : this.right;
    const keyOf = isLeft ? this.leftKey : this.rightKey;
    const selfOuter = isLeft ? this.leftOuter : this.rightOuter;
    // How far ahead this side's rows reach into the other side's time, and how far back.
    const ahead = isLeft ? leftRangeMs : rightRangeMs;
    const back = isLeft ? rightRangeMs : leftRangeMs;
    const otherTime = Math.max(isLeft ? this.rightTime : this.leftTime, this.watermark);
    let seen = isLeft ? this.leftTime : this.rightTime;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      const t = r[0] as number;
      if (t > seen) seen = t;
      try {
        const k = keyOf ? keyOf(r) : null;
        let matched = false;
        let cands: Row[];
        let from: number;
        if (other.index) {
          cands = k === null ? EMPTY : (other.index.get(k) ?? EMPTY);
          from = 0;
        } else {
          cands = other.rows;
          from = other.head;
        }
        for (let j = from, m = cands.length; j < m; j++) {
          const o = cands[j]!;
          const ot = o[0] as number;
          if (ot < t - back || ot > t + ahead) continue;
          const c = isLeft ? r.concat(o) : o.concat(r);
          c[0] = Math.max(ot, t);
          if (on === null || on(c) === true) {
            this.put(c);
            matched = true;
            if (other.matched) other.matched.add(o);
          }
        }
        // Keep the row while the other side can still reach it; else it is done now.
        if (t + ahead > otherTime) {
          self.add(r, k);
          if (matched && self.matched) self.matched.add(r);
        } else if (!matched && selfOuter) this.put(this.nullExtended(r, isLeft, t + ahead));
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (isLeft) this.leftTime = seen;
    else this.rightTime = seen;
    this.closeWindows();
    this.release();
  }

  // hot path: ROWS mode. Windowed rows are kept; the other side's rows meet their window once it is known.
  private processRows(batch: Row[], port: number): void {
    const isLeft = port === 0;
    const counted = this.counted!;
    const waiting = this.waiting!;
    const keyOf = isLeft ? this.leftKey : this.rightKey;
    let seen = isLeft ? this.leftTime : this.rightTime;
    if (isLeft === this.countedLeft) {
      for (let i = 0, n = batch.length; i < n; i++) {
        const r = batch[i]!;
        const t = r[0] as number;
        if (t > seen) seen = t;
        try {
          counted.add(r, keyOf ? keyOf(r) : null);
        } catch (e) {
          this.ctx.error({ ...errorOf(e), row: r });
        }
      }
    } else {
      const countedTime = Math.max(this.countedLeft ? this.leftTime : this.rightTime, this.watermark);
      for (let i = 0, n = batch.length; i < n; i++) {
        const r = batch[i]!;
        const t = r[0] as number;
        if (t > seen) seen = t;
        try {
          const k = keyOf ? keyOf(r) : null;
          // The windowed side is already at t: its window for this row is complete.
          if (t <= countedTime) this.meetWindow(r, k);
          else waiting.add(r, k);
        } catch (e) {
          this.ctx.error({ ...errorOf(e), row: r });
        }
      }
    }
    if (isLeft) this.leftTime = seen;
    else this.rightTime = seen;
    this.closeRows();
    this.release();
  }

  /**
   * A row of the unwindowed side (ROWTIME t, key k) meets the windowed side's last n+1 rows with
   * ROWTIME ≤ t; unmatched and preserved, it comes out null-extended at t.
   */
  private meetWindow(r: Row, k: unknown): void {
    const c = this.counted!;
    const t = r[0] as number;
    let hi = c.end() - 1;
    while (hi >= c.base && (c.at(hi)[0] as number) > t) hi--;
    const lo = Math.max(c.base, hi - this.rowsN);
    let matched = false;
    if (hi >= lo) {
      if (c.index) {
        const seqs = k === null ? NO_SEQS : (c.index.get(k) ?? NO_SEQS);
        let j = seqs.length - 1;
        while (j >= 0 && seqs[j]! > hi) j--;
        let i = j;
        while (i >= 0 && seqs[i]! >= lo) i--;
        for (let x = i + 1; x <= j; x++) if (this.pairWith(r, t, c.at(seqs[x]!))) matched = true;
      } else {
        for (let seq = lo; seq <= hi; seq++) if (this.pairWith(r, t, c.at(seq))) matched = true;
      }
    }
    if (!matched && (this.countedLeft ? this.rightOuter : this.leftOuter)) this.put(this.nullExtended(r, !this.countedLeft, t));
  }

  /** Pairs an unwindowed row with a windowed one if ON holds; ROWTIME = the later of the two. */
  private pairWith(r: Row, t: number, o: Row): boolean {
    const c = this.countedLeft ? o.concat(r) : r.concat(o);
    const ot = o[0] as number;
    c[0] = Math.max(ot, t);
    if (this.on !== null && this.on(c) !== true) return false;
    this.put(c);
    if (this.counted!.matched) this.counted!.matched.add(o);
    return true;
  }

  /**
   * ROWS mode: waiting rows the windowed side's time has reached meet their window; then windowed rows
   * that no row of the other side can count any more (n+1 later rows at or before its time) are dropped.
   */
  private closeRows(): void {
    const c = this.counted!;
    const waiting = this.waiting!;
    const countedTime = Math.max(this.countedLeft ? this.leftTime : this.rightTime, this.watermark);
    for (let r = waiting.first(); r !== undefined && (r[0] as number) <= countedTime; r = waiting.first()) {
      const k = waiting.keys[waiting.head];
      waiting.shift();
      try {
        this.meetWindow(r, k);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    // Later rows of the other side have ROWTIME ≥ its time: their windows all end at or after row p.
    const otherTime = Math.max(this.countedLeft ? this.rightTime : this.leftTime, this.watermark);
    let p = c.end() - 1;
    while (p >= c.base && (c.at(p)[0] as number) > otherTime) p--;
    const keepFrom = p - this.rowsN;
    while (c.base < keepFrom) {
      // The (n+1)th later row pushed it out of every window still to come.
      const outAt = c.at(c.base + this.rowsN + 1)[0] as number;
      const r = c.shift();
      if (c.matched && !c.matched.delete(r)) this.put(this.nullExtended(r, this.countedLeft, outAt));
    }
  }

  private nullExtended(r: Row, isLeft: boolean, t: number): Row {
    const c = isLeft ? r.concat(this.rightNulls) : this.leftNulls.concat(r);
    c[0] = t;
    return c;
  }

  /** Drops rows whose window end the other side's time has reached; an unmatched preserved row comes out null-extended. */
  private closeWindows(): void {
    if (this.counted !== null) {
      this.closeRows();
      return;
    }
    const leftTime = Math.max(this.leftTime, this.watermark);
    const rightTime = Math.max(this.rightTime, this.watermark);
    this.closeSide(this.left, this.plan.leftRangeMs, rightTime, true);
    this.closeSide(this.right, this.plan.rightRangeMs, leftTime, false);
  }

  private closeSide(side: Side, ahead: number, otherTime: number, isLeft: boolean): void {
    for (let r = side.first(); r !== undefined && (r[0] as number) + ahead <= otherTime; r = side.first()) {
      side.shift();
      if (side.matched && !side.matched.delete(r)) this.put(this.nullExtended(r, isLeft, (r[0] as number) + ahead));
    }
  }

  /** Emits pending rows whose ROWTIME both sides' time has reached, in ROWTIME order. */
  private release(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    const frontier = Math.min(Math.max(this.leftTime, this.watermark), Math.max(this.rightTime, this.watermark));
    if (!this.pendingSorted) {
      pending.sort((a, b) => (a[0] as number) - (b[0] as number)); // stable: production order within a ROWTIME
      this.pendingSorted = true;
    }
    let n = 0;
    while (n < pending.length && (pending[n]![0] as number) <= frontier) n++;
    if (n === 0) return;
    if (n === pending.length) {
      this.pending = [];
      this.pendingLast = -Infinity;
      this.emit(pending);
    } else {
      this.pending = pending.slice(n);
      this.emit(pending.slice(0, n));
    }
  }

  advance(watermarkMs: number): void {
    if (watermarkMs > this.watermark) this.watermark = watermarkMs;
    this.closeWindows();
    this.release();
  }

  checkpoint(): unknown {
    const positions = (rows: Row[], matched: Set<Row> | null): number[] | undefined => {
      if (!matched) return undefined;
      const out: number[] = [];
      for (let i = 0; i < rows.length; i++) if (matched.has(rows[i]!)) out.push(i);
      return out;
    };
    const time = (t: number): number | null => (t === -Infinity ? null : t);
    let left: Row[], right: Row[], leftMatched: number[] | undefined, rightMatched: number[] | undefined;
    if (this.counted !== null) {
      // ROWS mode: the windowed side's kept rows (with which already met a row), the other side's waiting rows.
      const kept = this.counted.live();
      const keptMatched = positions(kept, this.counted.matched);
      const waiting = this.waiting!.live();
      [left, right, leftMatched, rightMatched] = this.countedLeft ? [kept, waiting, keptMatched, undefined] : [waiting, kept, undefined, keptMatched];
    } else {
      left = this.left.live();
      right = this.right.live();
      leftMatched = positions(left, this.left.matched);
      rightMatched = positions(right, this.right.matched);
    }
    const state: JoinState = {
      left,
      right,
      leftMatched,
      rightMatched,
      leftTime: time(this.leftTime),
      rightTime: time(this.rightTime),
      watermark: time(this.watermark),
      pending: this.pending.slice(),
    };
    return state;
  }

  restore(state: unknown): void {
    const s = state as JoinState;
    this.left = new Side(this.leftKey !== null, this.leftOuter);
    this.right = new Side(this.rightKey !== null, this.rightOuter);
    const fill = (side: Side, rows: Row[], key: ((r: Row) => unknown) | null, matched: number[] | undefined): void => {
      const at = matched ? new Set(matched) : null;
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        side.add(r, key ? key(r) : null);
        // State from before outer rows waited for their window (no positions): those rows were already emitted.
        if (side.matched && (!at || at.has(i))) side.matched.add(r);
      }
    };
    if (this.counted !== null) {
      this.resetRows();
      const counted = this.counted as CountedSide;
      const [kept, keptKey, keptMatched, waiting, waitingKey] = this.countedLeft
        ? [s.left, this.leftKey, s.leftMatched, s.right, this.rightKey]
        : [s.right, this.rightKey, s.rightMatched, s.left, this.leftKey];
      const at = keptMatched ? new Set(keptMatched) : null;
      for (let i = 0; i < kept.length; i++) {
        const r = kept[i]!;
        counted.add(r, keptKey ? keptKey(r) : null);
        if (counted.matched && (!at || at.has(i))) counted.matched.add(r);
      }
      for (const r of waiting) this.waiting!.add(r, waitingKey ? waitingKey(r) : null);
    } else {
      fill(this.left, s.left, this.leftKey, s.leftMatched);
      fill(this.right, s.right, this.rightKey, s.rightMatched);
    }
    this.leftTime = s.leftTime ?? -Infinity;
    this.rightTime = s.rightTime ?? -Infinity;
    this.watermark = s.watermark ?? -Infinity;
    this.pending = [];
    this.pendingSorted = true;
    this.pendingLast = -Infinity;
    for (const r of s.pending ?? []) this.put(r);
  }

  stateRows(): number {
    return this.left.rows.length - this.left.head + this.right.rows.length - this.right.head + this.pending.length;
  }

  close(): void {
    this.left = new Side(this.leftKey !== null, this.leftOuter);
    this.right = new Side(this.rightKey !== null, this.rightOuter);
    if (this.counted !== null) this.resetRows();
    this.pending = [];
    this.pendingSorted = true;
    this.pendingLast = -Infinity;
  }
}
