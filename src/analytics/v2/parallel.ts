/**
 * A Flink SQL job's N parallel subtasks on worker threads (subtask.ts), for the plans parallelLayout() allows:
 *
 * - 'source': shards are assigned to subtasks as they attach (the i-th shard of a table → subtask i mod N); each
 *   batch of records read from a shard goes, as read, to its subtask, which decodes and runs the whole plan.
 * - 'keyed': the main thread's router (the job's source tables without its statements) decodes each batch, fills
 *   computed columns and keeps the per-shard watermarks, exactly as a one-thread job does; its rows are hashed by
 *   the routing column into KEY_GROUPS key groups and sent, one message per subtask per batch, to the subtask that
 *   owns the group, with the table's watermark (so every subtask sees the same watermark, as Flink broadcasts it).
 *
 * Every message is answered in order with the rows the subtask's sinks received; the main thread hands them to
 * the job's sink writers. A checkpoint is a barrier: once every message sent before it is answered, each subtask
 * returns its state ('keyed': per key group, so a restore reassigns groups to any number of subtasks).
 */
import { Worker } from 'node:worker_threads';
import { FlinkApplication, type FlinkState, type Row, type SourceRecord } from '../../sql/index.ts';
import { KEY_GROUPS, keyGroupOf, parallelLayout, subtaskOfKeyGroup } from '../../sql/index.ts';
import type { Clock } from '../../core/index.ts';
import type { SubtaskInit, SubtaskMessage, SubtaskReply } from './subtask.ts';

/** Messages a subtask may have unanswered before the reader waits (backpressure). */
const MAX_IN_FLIGHT = 8;

export type ParallelMode = { mode: 'source' } | { mode: 'keyed'; keys: Record<string, number> };

/** Per key group, its state (a checkpoint of a keyed parallel job). */
export type KeyGroupStates = Record<string, FlinkState>;

export interface SubtasksOptions {
  sql: string;
  options: Record<string, string>;
  maxStateRows: number | undefined;
  clock: Clock;
  n: number;
  layout: ParallelMode;
  /** The main application (its plan builds the router). */
  app: FlinkApplication;
  /** Restored state: 'source' a plain FlinkState; 'keyed' the router's plus each key group's. */
  state?: { flink: FlinkState; keyGroups?: KeyGroupStates | undefined } | undefined;
  onOutput: (sink: string, rows: Row[]) => void;
  onError: (e: Error) => void;
}

/** How a job runs: n subtasks (layout null: one, in the server's thread) and, for the application's log, why. */
export interface ParallelPlan {
  n: number;
  layout: ParallelMode | null;
  note: string | null;
}

/**
 * The degree of parallelism a job gets: `requested` (ParallelismConfiguration) where the plan allows it (capped at
 * KEY_GROUPS); 1 otherwise, with the reason. A checkpoint with key groups is restored by a keyed job (at any
 * parallelism, 1 included); keyed operator state taken by a one-thread job cannot be split, so that job stays at 1.
 */
export function planParallelism(
  app: FlinkApplication,
  requested: number,
  state: { flink: FlinkState; keyGroups?: KeyGroupStates | undefined } | undefined,
): ParallelPlan {
  const layout = parallelLayout(app.plan);
  const want = Math.max(1, Math.floor(requested));
  let n = Math.min(want, KEY_GROUPS);
  const capped = n < want ? `; Freshet runs at most ${KEY_GROUPS} subtasks (its key groups)` : '';
  if (state?.keyGroups !== undefined && layout.mode === 'keyed')
    return { n, layout, note: `Job runs as ${n} parallel subtask${n === 1 ? '' : 's'} (${describe(app, layout)}), restoring key-grouped state${capped}` };
  if (want <= 1) return { n: 1, layout: null, note: null };
  if (layout.mode === 'single') return { n: 1, layout: null, note: `Parallelism ${want} requested; the job runs as 1 subtask: ${layout.reason}` };
  if (layout.mode === 'keyed' && state !== undefined && Object.values(state.flink.pumps).some((ops) => ops.some((x) => x !== null && x !== undefined))) {
    return {
      n: 1,
      layout: null,
      note: `Parallelism ${want} requested; the job runs as 1 subtask: its restored state was taken by a job running as 1 subtask and is not split into key groups (start it once with SKIP_RESTORE to run in parallel)`,
    };
  }
  n = Math.max(1, n);
  return { n, layout, note: `Job runs as ${n} parallel subtasks (${describe(app, layout)})${capped}` };
}

function describe(app: FlinkApplication, layout: ParallelMode): string {
  if (layout.mode === 'source') return 'shards assigned to subtasks';
  const keys = Object.entries(layout.keys).map(([t, slot]) => `${t}.${app.stream(t).columns[slot - 1]?.name ?? slot}`);
  return `rows routed by key: ${keys.join(', ')}`;
}

async function workerUrl(): Promise<{ url: string; ts: boolean }> {
  const { SUBTASK_URL } = await import('./subtask.ts');
  return { url: SUBTASK_URL, ts: SUBTASK_URL.endsWith('.ts') };
}

/** Idle subtask workers, kept for the next job (a restart, a rescale, another application): starting one costs more than a job's planning. */
const pool: Worker[] = [];
const MAX_POOLED = 8;
let jobIds = 0;

function acquire(url: string, ts: boolean): Worker {
  const pooled = pool.pop();
  if (pooled) {
    pooled.ref();
    return pooled;
  }
  const options = { workerData: { freshetFlinkSubtask: true } };
  return ts
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`, {
        ...options,
        eval: true,
      })
    : new Worker(new URL(url), options);
}

/** Back to the pool (unreferenced, so an idle pool keeps no process alive), or ended when the pool is full. */
function release(w: Worker): void {
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  if (pool.length >= MAX_POOLED) {
    void w.terminate();
    return;
  }
  w.postMessage({ t: 'reset' } satisfies SubtaskMessage);
  w.unref();
  w.on('error', () => undefined);
  w.once('exit', () => {
    const i = pool.indexOf(w);
    if (i >= 0) pool.splice(i, 1);
  });
  pool.push(w);
}

interface Pending {
  resolve: ((r: SubtaskReply) => void) | null;
}

export class Subtasks {
  readonly n: number;
  readonly layout: ParallelMode;
  private readonly workers: Worker[] = [];
  private readonly waiting: Pending[][] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];
  private closed = false;
  private readonly job = ++jobIds;
  private readonly exited = new Set<Worker>();
  private readonly router: FlinkApplication | null;
  /** 'keyed': rows the router's source listener collected for the batch being routed. */
  private routed: Row[] = [];
  /** 'keyed': the watermark last sent per table to each subtask. */
  private readonly sentWm: Map<string, number>[] = [];
  /** 'source': table → shards attached so far (the next one's subtask) and shard → subtask. */
  private readonly splitCount = new Map<string, number>();
  private readonly splitOwner = new Map<string, number>();
  /** 'source': per subtask, per table, [watermark, splits] from its last reply. */
  private readonly wms: Record<string, [number | null, number]>[] = [];
  /** 'source': the table watermarks the restored checkpoint held (watermarks only move forward). */
  private readonly floor = new Map<string, number>();
  private readonly clock: Clock;
  private readonly onOutput: SubtasksOptions['onOutput'];
  private readonly onError: SubtasksOptions['onError'];
  private readonly tables: string[];

  private constructor(o: SubtasksOptions) {
    this.n = o.n;
    this.layout = o.layout;
    this.clock = o.clock;
    this.onOutput = o.onOutput;
    this.onError = o.onError;
    this.tables = o.app.sourceNames();
    this.router = o.layout.mode === 'keyed' ? new FlinkApplication({ ...o.app.plan, pumps: [] }, { clock: o.clock }, null) : null;
  }

  static async start(o: SubtasksOptions): Promise<Subtasks> {
    const s = new Subtasks(o);
    try {
      await s.spawn(o);
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  }

  private async spawn(o: SubtasksOptions): Promise<void> {
    const { url, ts } = await workerUrl();
    const router = this.router;
    if (router) {
      for (const t of this.tables)
        router.onOutput(t, (rows) => {
          this.routed = rows;
        });
      if (o.state) router.restore(o.state.flink);
    } else if (o.state) {
      for (const [table, st] of Object.entries(o.state.flink.sources)) {
        let min = Infinity;
        let max = -Infinity;
        let active = 0;
        for (const [, wm, , idle] of st.splits) {
          const w = wm ?? -Infinity;
          if (w > max) max = w;
          if (idle) continue;
          active++;
          if (w < min) min = w;
        }
        const w = active > 0 ? min : max;
        if (Number.isFinite(w)) this.floor.set(table, w);
      }
    }
    const ready: Promise<SubtaskReply>[] = [];
    for (let i = 0; i < this.n; i++) {
      let init: SubtaskInit;
      const base = { sql: o.sql, options: o.options, maxStateRows: o.maxStateRows, nowMs: this.clock.now() };
      if (o.layout.mode === 'source') {
        // Split watermarks are the main thread's (floor); operators of a source-partitioned plan keep no state.
        const st = o.state ? { ...o.state.flink, sources: {} } : undefined;
        init = { ...base, mode: 'source', state: st };
      } else {
        const groups: number[] = [];
        const state: Record<string, FlinkState> = {};
        for (let g = 0; g < KEY_GROUPS; g++) {
          if (subtaskOfKeyGroup(g, this.n) !== i) continue;
          groups.push(g);
          const st = o.state?.keyGroups?.[String(g)];
          if (st) state[String(g)] = st;
        }
        init = { ...base, mode: 'keyed', groups, state };
      }
      const w = acquire(url, ts);
      this.workers.push(w);
      this.waiting.push([]);
      this.wms.push({});
      this.sentWm.push(new Map());
      const index = i;
      w.on('message', (r: SubtaskReply) => {
        if (r.job === this.job) this.reply(index, r);
      });
      w.on('error', (e) => this.fail(new Error(`subtask ${index} of the job failed: ${e.message}`)));
      w.on('exit', (code) => {
        this.exited.add(w);
        if (!this.closed) this.fail(new Error(`subtask ${index} of the job exited (code ${code})`));
      });
      ready.push(this.expect(index));
      w.postMessage({ t: 'init', job: this.job, init } satisfies SubtaskMessage);
    }
    const replies = await Promise.all(ready);
    const bad = replies.find((r) => r.error !== undefined);
    if (bad) throw new Error(bad.error);
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.onError(e);
  }

  /** Registers an expected reply of subtask i (counts toward in-flight messages). */
  private expect(i: number): Promise<SubtaskReply> {
    this.inFlight++;
    return new Promise((resolve) => this.waiting[i]!.push({ resolve }));
  }

  private send(i: number, m: SubtaskMessage, transfer?: ArrayBuffer[]): void {
    this.inFlight++;
    this.waiting[i]!.push({ resolve: null });
    this.workers[i]!.postMessage(m, transfer);
  }

  private reply(i: number, r: SubtaskReply): void {
    const p = this.waiting[i]!.shift();
    this.inFlight--;
    if (r.error !== undefined) this.fail(new Error(r.error));
    for (const [sink, rows] of r.out) this.onOutput(sink, rows);
    if (this.layout.mode === 'source') this.wms[i] = r.wms;
    p?.resolve?.(r);
    if (this.inFlight <= this.workers.length * (MAX_IN_FLIGHT / 2) && this.roomWaiters.length > 0) {
      const w = this.roomWaiters;
      this.roomWaiters = [];
      for (const f of w) f();
    }
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  /** Resolves once the subtasks have answered every message sent so far. */
  idle(): Promise<void> {
    if (this.inFlight === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once the subtasks have room for more (at most MAX_IN_FLIGHT unanswered messages each). */
  room(): Promise<void> {
    if (this.inFlight < this.workers.length * MAX_IN_FLIGHT || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** A table's shards, as they attach: 'source' gives each to a subtask; 'keyed' the router tracks their watermarks. */
  registerSplits(table: string, ids: readonly string[]): void {
    if (this.router) {
      this.router.registerSplits(table, ids);
      return;
    }
    const mine: string[][] = this.workers.map(() => []);
    for (const id of ids) {
      const key = `${table}\u0000${id}`;
      if (this.splitOwner.has(key)) continue;
      const k = this.splitCount.get(table) ?? 0;
      this.splitCount.set(table, k + 1);
      this.splitOwner.set(key, k % this.n);
      mine[k % this.n]!.push(id);
    }
    const now = this.clock.now();
    mine.forEach((list, i) => {
      if (list.length > 0) this.send(i, { t: 'splits', table, ids: list, now });
    });
  }

  /** hot path: a batch of records read from one shard. */
  push(table: string, records: SourceRecord[], arrivalMs: number, split: string): void {
    const now = this.clock.now();
    const router = this.router;
    if (router === null) {
      const i = this.splitOwner.get(`${table}\u0000${split}`) ?? 0;
      this.send(i, { t: 'records', table, split, records, arrivalMs, now });
      return;
    }
    this.routed = [];
    router.pushRecords(table, records, arrivalMs, split);
    const rows = this.routed;
    this.routed = [];
    const wm = router.watermark(table) ?? -Infinity;
    const slot = (this.layout as { keys: Record<string, number> }).keys[table]!;
    const n = this.n;
    const parts: Row[][] = [];
    const groups: number[][] = [];
    for (let i = 0; i < n; i++) {
      parts.push([]);
      groups.push([]);
    }
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const g = keyGroupOf(r[slot]);
      const i = subtaskOfKeyGroup(g, n);
      parts[i]!.push(r);
      groups[i]!.push(g);
    }
    for (let i = 0; i < n; i++) {
      const sent = this.sentWm[i]!;
      if (parts[i]!.length === 0 && (sent.get(table) ?? -Infinity) >= wm) continue;
      sent.set(table, wm);
      const g = Uint8Array.from(groups[i]!);
      this.send(i, { t: 'rows', table, rows: parts[i]!, groups: g, wm, now }, [g.buffer as ArrayBuffer]);
    }
  }

  /** Processing time moved (idle shards, processing-time windows, TTL). */
  advance(nowMs: number): void {
    let wms: Record<string, number> | null = null;
    if (this.router) {
      this.router.advanceTime(nowMs);
      wms = {};
      for (const t of this.tables) wms[t] = this.router.watermark(t) ?? -Infinity;
      for (const sent of this.sentWm) for (const t of this.tables) if (wms[t]! > (sent.get(t) ?? -Infinity)) sent.set(t, wms[t]!);
    }
    for (let i = 0; i < this.n; i++) this.send(i, { t: 'advance', now: nowMs, wms });
  }

  /** A table's watermark: the router's ('keyed'), or the smallest of the subtasks that read its shards ('source'). */
  watermark(table: string): number | null {
    if (this.router) return this.router.watermark(table);
    let w = Infinity;
    let any = false;
    for (const per of this.wms) {
      const x = per[table];
      if (!x || x[1] === 0) continue;
      any = true;
      const v = x[0] ?? -Infinity;
      if (v < w) w = v;
    }
    const floor = this.floor.get(table) ?? -Infinity;
    if (!any) return Number.isFinite(floor) ? floor : null;
    w = Math.max(w, floor);
    return Number.isFinite(w) || w === Infinity ? w : null;
  }

  /** The barrier: after every message sent so far, each subtask's state. */
  async checkpoint(atBarrier?: () => void): Promise<{ flink: FlinkState; keyGroups?: KeyGroupStates }> {
    atBarrier?.();
    const now = this.clock.now();
    const replies: Promise<SubtaskReply>[] = [];
    for (let i = 0; i < this.n; i++) {
      replies.push(this.expect(i));
      this.workers[i]!.postMessage({ t: 'checkpoint', now } satisfies SubtaskMessage);
    }
    const got = await Promise.all(replies);
    const bad = got.find((r) => r.error !== undefined);
    if (bad) throw new Error(bad.error);
    if (this.router) {
      const keyGroups: KeyGroupStates = {};
      for (const r of got) Object.assign(keyGroups, r.state as KeyGroupStates);
      return { flink: this.router.checkpoint(), keyGroups };
    }
    const states = got.map((r) => r.state as FlinkState);
    const merged: FlinkState = { ...states[0]!, sources: {} };
    for (const st of states) {
      if (st.nowMs > merged.nowMs) merged.nowMs = st.nowMs;
      for (const [table, s] of Object.entries(st.sources)) (merged.sources[table] ??= { splits: [] }).splits.push(...s.splits);
    }
    return { flink: merged };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) if (!this.exited.has(w)) release(w);
    this.router?.close();
    for (const f of this.idleWaiters) f();
    for (const f of this.roomWaiters) f();
    this.idleWaiters = [];
    this.roomWaiters = [];
  }
}
