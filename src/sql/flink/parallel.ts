/**
 * How a Flink SQL job's plan can run as N parallel subtasks (analytics/v2 runs them on worker threads):
 *
 * - 'source': every operator is stateless (filter/project, UNNEST, UNION ALL), so each subtask runs the whole
 *   plan over the shards it was given (shard i → subtask i mod N) and nothing has to move between subtasks.
 * - 'keyed': every stateful operator (window and group aggregations, OVER, Top-N, MATCH_RECOGNIZE, joins) keeps
 *   its state per key, and for each source table one column of the source is part of every such key. Rows are
 *   routed by that column's value to its key group (hash mod KEY_GROUPS, like Flink's max parallelism), key
 *   groups to subtasks in contiguous ranges, and watermarks are broadcast to every subtask. State is kept per
 *   key group, so a checkpoint restores at any parallelism.
 * - 'single': anything else (a global aggregate, ORDER BY, LIMIT, a lookup join, VALUES, keys computed by an
 *   expression, statements keyed by different columns), with the reason, for the application's log.
 */
import type { ApplicationPlan, OpPlan, PExpr } from '../plan/plan.ts';
import type { FlinkOpPlan } from '../plan/flink.ts';

/** Key groups (Flink's max parallelism): the unit of keyed state a restore reassigns; also the largest parallelism. */
export const KEY_GROUPS = 32;

export type ParallelLayout =
  | { mode: 'source' }
  /** keys: source table → the column slot (1-based, as in rows) its rows are routed by. */
  | { mode: 'keyed'; keys: Record<string, number> }
  | { mode: 'single'; reason: string };

type AnyOp = OpPlan | FlinkOpPlan;
/** Where a column of an operator's output comes from: source table and slot, for each input it may come from. */
type Origin = { stream: string; slot: number }[];

/** The source column an output column of `op` is, through projections and pass-through operators; null when computed. */
function trace(op: AnyOp, col: number): Origin | null {
  if (col < 1) return null;
  switch (op.op) {
    case 'scan':
      return [{ stream: op.stream, slot: col }];
    case 'filterProject': {
      if (op.project === null) return trace(op.input, col);
      const e = op.project[col - 1];
      return e !== undefined && e.k === 'col' ? trace(op.input, e.i) : null;
    }
    case 'unnest':
    case 'windowAssign':
      return col < op.width ? trace(op.input, col) : null;
    case 'windowAgg':
    case 'groupAgg': {
      // Rows out: [t, ...project(post)], post = [t, ...keys, ...]: a projected key is the key's column.
      const e = op.project[col - 1];
      if (e === undefined || e.k !== 'col' || e.i < 1 || e.i > op.keys.length) return null;
      const key = op.keys[e.i - 1]!;
      return key.k === 'col' ? trace(op.input, key.i) : null;
    }
    case 'unionAll': {
      const out: Origin = [];
      for (const x of op.inputs) {
        const o = trace(x, col);
        if (o === null) return null;
        out.push(...o);
      }
      return out;
    }
    default:
      return null;
  }
}

const STATELESS = new Set(['scan', 'filterProject', 'unnest', 'unionAll']);

class Analysis {
  stateful = 0;
  /** source table → the slots every keyed operator so far could be routed by. */
  readonly candidates = new Map<string, Set<number>>();
  reason: string | null = null;

  refuse(reason: string): void {
    this.reason ??= reason;
  }

  /** A keyed operator: some key column must trace to a source column (the same one for every operator). */
  keyed(what: string, input: AnyOp, keys: PExpr[]): void {
    this.stateful++;
    if (keys.length === 0) {
      this.refuse(`${what} has no key (a global aggregate or an unpartitioned operator keeps all its state in one place)`);
      return;
    }
    const found = new Map<string, Set<number>>();
    for (const k of keys) {
      if (k.k !== 'col') continue;
      const o = trace(input, k.i);
      if (o === null) continue;
      const per = new Map<string, Set<number>>();
      for (const { stream, slot } of o) {
        let s = per.get(stream);
        if (!s) per.set(stream, (s = new Set()));
        s.add(slot);
      }
      for (const [stream, slots] of per) {
        let s = found.get(stream);
        if (!s) found.set(stream, (s = new Set()));
        for (const x of slots) s.add(x);
      }
    }
    if (found.size === 0) {
      this.refuse(`${what} is keyed by values computed in the query, not by a column of a source table`);
      return;
    }
    for (const [stream, slots] of found) {
      const before = this.candidates.get(stream);
      if (!before) {
        this.candidates.set(stream, slots);
        continue;
      }
      const both = new Set([...before].filter((x) => slots.has(x)));
      if (both.size === 0) {
        this.refuse(`the statements key table ${stream} by different columns, so no one exchange serves them all`);
        return;
      }
      this.candidates.set(stream, both);
    }
  }

  /** Both sides of a join are routed by the same key position, so equal keys meet in one subtask. */
  join(left: AnyOp, right: AnyOp, leftKeys: PExpr[], rightKeys: PExpr[]): void {
    for (let j = 0; j < leftKeys.length; j++) {
      const l = leftKeys[j]!;
      const r = rightKeys[j];
      if (l.k === 'col' && r?.k === 'col' && trace(left, l.i) !== null && trace(right, r.i) !== null) {
        this.keyed('a join', left, [l]);
        this.keyed('a join', right, [r]);
        return;
      }
    }
    this.stateful++;
    this.refuse('a join is keyed by values computed in the query, not by columns of its source tables');
  }

  visit(op: AnyOp): void {
    if (this.reason !== null) return;
    if (!STATELESS.has(op.op)) {
      switch (op.op) {
        case 'windowAgg':
          if (op.proctime) this.refuse('a processing-time window fires on each subtask’s own clock');
          this.keyed('a window aggregation', op.input, op.keys);
          break;
        case 'groupAgg':
          this.keyed('a GROUP BY', op.input, op.keys);
          break;
        case 'windowAssign':
          this.stateful++;
          if (op.partition.length > 0) this.keyed('a windowed relation', op.input, op.partition);
          break;
        case 'overAgg':
          this.keyed('an OVER aggregation', op.input, op.partition);
          break;
        case 'rank':
          this.keyed('a ROW_NUMBER() ranking', op.input, op.partition);
          break;
        case 'match':
          this.keyed('a MATCH_RECOGNIZE', op.input, op.partition);
          break;
        case 'intervalJoin':
        case 'regularJoin':
        case 'temporalJoin':
        case 'semiJoin':
          this.join(op.left, op.right, op.leftKeys, op.rightKeys);
          break;
        default:
          this.refuse(
            op.op === 'limit'
              ? 'LIMIT counts rows across the whole job'
              : op.op === 'timeSort'
                ? 'ORDER BY orders rows across the whole job'
                : op.op === 'joinTable'
                  ? 'a lookup join reads its reference table in one place'
                  : `${op.op} runs in one place`,
          );
          return;
      }
    }
    for (const x of inputsOf(op)) this.visit(x);
  }
}

function inputsOf(op: AnyOp): AnyOp[] {
  if ('input' in op && op.input !== undefined) return [op.input as AnyOp];
  if ('left' in op && 'right' in op) return [op.left as AnyOp, op.right as AnyOp];
  if ('inputs' in op) return op.inputs as AnyOp[];
  return [];
}

/** How `plan` can run in parallel subtasks (see the module comment). */
export function parallelLayout(plan: ApplicationPlan): ParallelLayout {
  for (const s of plan.streams) {
    if (s.kind !== 'input') continue;
    if (s.name.startsWith('$')) return { mode: 'single', reason: 'a VALUES source is read once, in one place' };
    if (s.flink?.connector.connector !== 'kinesis') return { mode: 'single', reason: `table ${s.name} is not a Kinesis source` };
  }
  if (plan.pumps.length === 0) return { mode: 'single', reason: 'the job has no INSERT INTO' };
  const a = new Analysis();
  for (const p of plan.pumps) a.visit(p.root as AnyOp);
  if (a.reason !== null) return { mode: 'single', reason: a.reason };
  if (a.stateful === 0) return { mode: 'source' };
  const keys: Record<string, number> = {};
  for (const s of plan.streams) {
    if (s.kind !== 'input') continue;
    const c = a.candidates.get(s.name);
    // A source no keyed operator reads through (only stateless statements read it) cannot be routed by key.
    if (c === undefined) return { mode: 'single', reason: `table ${s.name} is read by a statement without a key` };
    keys[s.name] = Math.min(...c);
  }
  return { mode: 'keyed', keys };
}

/** The key group of a key value: FNV-1a of its text (numbers, strings and times hash by their value). */
export function keyGroupOf(v: unknown): number {
  const text = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Finalise (murmur3's fmix32) so that keys differing in one character spread over the groups.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % KEY_GROUPS;
}

/** The subtask owning a key group at parallelism n (contiguous ranges, as Flink assigns them). */
export function subtaskOfKeyGroup(group: number, n: number): number {
  return Math.floor((group * n) / KEY_GROUPS);
}
