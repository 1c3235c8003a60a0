/**
 * A Flink SQL job's N parallel subtasks on worker threads (subtask.ts), for the plans parallelLayout() allows:
 *
 * - 'source': shards are assigned to subtasks as they attach (the i-th shard of a table → subtask i mod N); each
 *   batch of records read from a shard goes, as read, to its subtask, which decodes and runs the whole plan.
 * - 'keyed': shards are assigned the same way when the job starts; each subtask decodes its shards' records in a
 *   router that keeps their watermarks as a one-thread job does, hashes the rows by the routing column into
 *   KEY_GROUPS key groups and sends them, one message per subtask per batch over a MessagePort between the two, to
 *   the subtask owning the group, with its watermark (see subtask.ts).
 *
 * Batches cross threads packed (wire.ts): a batch of records as one transferred ArrayBuffer, rows between subtasks
 * as tags and numbers with a string dictionary per pair of subtasks — structured clones of each record and row cost
 * as much CPU as the job itself.
 *
 * Every message is answered in order with the rows the subtask's sinks received; the main thread hands them to
 * the job's sink writers. A sync is a barrier: every subtask forwards it to every other after the rows it sent, and
 * answers once it has every other's, so the answer covers everything read before it; a checkpoint is a sync that
 * returns the state ('keyed': per key group, so a restore reassigns groups to any number of subtasks). While a sync
 * is under way no other message goes out, so nothing read after it reaches a subtask before it.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { FlinkApplication, FlinkState, Row, SourceRecord } from '../../sql/index.ts';
import { KEY_GROUPS, parallelLayout, subtaskOfKeyGroup } from '../../sql/index.ts';
import type { Clock } from '../../core/index.ts';
import type { SubtaskInit, SubtaskMessage, SubtaskReply } from './subtask.ts';
import { packRecords, type RecordNeeds } from './wire.ts';

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
  /** The main application (its plan names the source tables). */
  app: FlinkApplication;
  /** 'keyed': every source table's shards when the job starts (they are assigned to subtasks up front). */
  shards?: Record<string, string[]>;
  /** Restored state: 'source' a plain FlinkState; 'keyed' the router's plus each key group's. */
  state?: { flink: FlinkState; keyGroups?: KeyGroupStates | undefined } | undefined;
  onOutput: (sink: string, rows: Row[]) => void;
  /** The sinks that have writers (the subtasks send back only their rows). */
  sinks: string[];
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

/**
 * A table's watermark from its stored splits ([id, watermark, …, idle]): the smallest of the active ones', or the
 * largest when every split is idle — as a one-thread job computes it.
 */
function storedWatermark(splits: FlinkState['sources'][string]['splits']): number {
  let min = Infinity;
  let max = -Infinity;
  let active = 0;
  for (const [, wm, , idle] of splits) {
    const w = wm ?? -Infinity;
    if (w > max) max = w;
    if (idle) continue;
    active++;
    if (w < min) min = w;
  }
  return active > 0 ? min : max;
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
  /** Messages held back while a sync is under way, and the sync in progress (syncs go one at a time). */
  private held: [number, SubtaskMessage, ArrayBuffer[] | undefined][] | null = null;
  private syncing: Promise<unknown> = Promise.resolve();
  /** Table → shards attached so far (the next one's subtask) and shard → subtask. */
  private readonly splitCount = new Map<string, number>();
  private readonly splitOwner = new Map<string, number>();
  /** 'source': per subtask, per table, [watermark, splits] from its last reply. */
  private readonly wms: Record<string, [number | null, number]>[] = [];
  /** The table watermarks the restored checkpoint held (watermarks only move forward). */
  private readonly floor = new Map<string, number>();
  /** 'keyed': each subtask's router watermark per table, from checkpoints (what file sinks' commits wait for). */
  private keyedWm = new Map<string, number>();
  private readonly clock: Clock;
  private readonly onOutput: SubtasksOptions['onOutput'];
  private readonly onError: SubtasksOptions['onError'];
  /** Per source table, the metadata its records must carry to the subtasks (wire.ts). */
  private readonly needs = new Map<string, RecordNeeds>();

  private constructor(o: SubtasksOptions) {
    for (const table of o.app.sourceNames()) {
      const keys = new Set<string>();
      for (const src of o.app.stream(table).flink?.sources ?? []) if (src.kind === 'metadata') keys.add(src.key);
      this.needs.set(table, { keys: keys.has('partition-key'), seqs: keys.has('sequence-number') });
    }
    this.n = o.n;
    this.layout = o.layout;
    this.clock = o.clock;
    this.onOutput = o.onOutput;
    this.onError = o.onError;
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
    if (o.state) {
      for (const [table, st] of Object.entries(o.state.flink.sources)) {
        const w = storedWatermark(st.splits);
        if (Number.isFinite(w)) this.floor.set(table, w);
      }
    }
    // 'keyed': shards assigned up front, and a port for each ordered pair of subtasks.
    const mine: Record<string, string[]>[] = [];
    const upstreams: Record<string, number[]> = {};
    const outs: (MessagePort | null)[][] = [];
    const ins: (MessagePort | null)[][] = [];
    for (let i = 0; i < this.n; i++) {
      mine.push({});
      outs.push(new Array<MessagePort | null>(this.n).fill(null));
      ins.push(new Array<MessagePort | null>(this.n).fill(null));
    }
    if (o.layout.mode === 'keyed') {
      for (const [table, ids] of Object.entries(o.shards ?? {})) {
        const owners = new Set<number>();
        for (const id of ids) {
          const i = this.own(table, id);
          (mine[i]![table] ??= []).push(id);
          owners.add(i);
        }
        upstreams[table] = [...owners].sort((a, b) => a - b);
      }
      for (let i = 0; i < this.n; i++)
        for (let j = 0; j < this.n; j++) {
          if (i === j) continue;
          const ch = new MessageChannel();
          outs[i]![j] = ch.port1;
          ins[j]![i] = ch.port2;
        }
    }
    const ready: Promise<SubtaskReply>[] = [];
    for (let i = 0; i < this.n; i++) {
      let init: SubtaskInit;
      const base = { sql: o.sql, options: o.options, maxStateRows: o.maxStateRows, nowMs: this.clock.now(), sinks: o.sinks };
      const transfer: MessagePort[] = [];
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
        let router: FlinkState | undefined;
        if (o.state) {
          const sources: FlinkState['sources'] = {};
          for (const [table, st] of Object.entries(o.state.flink.sources)) {
            const own = new Set(mine[i]![table] ?? []);
            sources[table] = { splits: st.splits.filter(([id]) => own.has(id)) };
          }
          router = { ...o.state.flink, sources, pumps: {}, fingerprints: {} };
        }
        for (const p of [...outs[i]!, ...ins[i]!]) if (p) transfer.push(p);
        init = {
          ...base,
          mode: 'keyed',
          index: i,
          n: this.n,
          keys: o.layout.keys,
          splits: mine[i]!,
          upstreams,
          router,
          groups,
          state,
          out: outs[i]!,
          in: ins[i]!,
        };
      }
      const w = acquire(url, ts);
      this.workers.push(w);
      this.waiting.push([]);
      this.wms.push({});
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
      w.postMessage({ t: 'init', job: this.job, init } satisfies SubtaskMessage, transfer);
    }
    const replies = await Promise.all(ready);
    const bad = replies.find((r) => r.error !== undefined);
    if (bad) throw new Error(bad.error);
  }

  /** The subtask that reads a table's shard (the i-th shard attached → subtask i mod N). */
  private own(table: string, id: string): number {
    const key = `${table}\u0000${id}`;
    const known = this.splitOwner.get(key);
    if (known !== undefined) return known;
    const k = this.splitCount.get(table) ?? 0;
    this.splitCount.set(table, k + 1);
    this.splitOwner.set(key, k % this.n);
    return k % this.n;
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
    if (this.held !== null) {
      this.held.push([i, m, transfer]);
      return;
    }
    this.inFlight++;
    this.waiting[i]!.push({ resolve: null });
    this.workers[i]!.postMessage(m, transfer);
  }

  private reply(i: number, r: SubtaskReply): void {
    if (r.error !== undefined) this.fail(new Error(r.error));
    for (const [sink, rows] of r.out) this.onOutput(sink, rows);
    if (r.extra) return;
    const p = this.waiting[i]!.shift();
    this.inFlight--;
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

  private answered(): Promise<void> {
    if (this.inFlight === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once the subtasks have handled everything sent so far, rows passed between them included. */
  async idle(): Promise<void> {
    await this.answered();
    if (this.layout.mode === 'keyed' && !this.closed) await this.sync(false);
  }

  /** Resolves once the subtasks have room for more (at most MAX_IN_FLIGHT unanswered messages each). */
  room(): Promise<void> {
    if (this.inFlight < this.workers.length * MAX_IN_FLIGHT || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** The barrier (see the module comment): every subtask's answer, after everything sent before it. */
  private sync(checkpoint: boolean, atBarrier?: () => void): Promise<SubtaskReply[]> {
    const run = async (): Promise<SubtaskReply[]> => {
      if (this.closed) return [];
      atBarrier?.();
      const now = this.clock.now();
      const replies: Promise<SubtaskReply>[] = [];
      for (let i = 0; i < this.n; i++) {
        replies.push(this.expect(i));
        this.workers[i]!.postMessage({ t: 'sync', now, checkpoint } satisfies SubtaskMessage);
      }
      this.held = [];
      try {
        return await Promise.all(replies);
      } finally {
        const held = this.held;
        this.held = null;
        for (const [i, m, transfer] of held) this.send(i, m, transfer);
      }
    };
    const p = this.syncing.then(run, run);
    this.syncing = p.catch(() => undefined);
    return p;
  }

  /** A table's shards, as they attach: each goes to a subtask ('keyed': assigned when the job started). */
  registerSplits(table: string, ids: readonly string[]): void {
    const mine: string[][] = this.workers.map(() => []);
    for (const id of ids) {
      if (this.splitOwner.has(`${table}\u0000${id}`)) continue;
      mine[this.own(table, id)]!.push(id);
    }
    const now = this.clock.now();
    mine.forEach((list, i) => {
      if (list.length > 0) this.send(i, { t: 'splits', table, ids: list, now });
    });
    if (this.layout.mode === 'keyed' && mine.some((l) => l.length > 0)) {
      // Shards that attached after the start: every subtask learns who reads the table now.
      const owners = new Set<number>();
      for (const [key, i] of this.splitOwner) if (key.startsWith(`${table}\u0000`)) owners.add(i);
      for (let i = 0; i < this.n; i++) this.send(i, { t: 'upstreams', table, owners: [...owners].sort((a, b) => a - b), now });
    }
  }

  /** hot path: a batch of records read from one shard, packed into one transferred buffer, to the subtask that reads it. */
  push(table: string, records: SourceRecord[], arrivalMs: number, split: string): void {
    const i = this.splitOwner.get(`${table}\u0000${split}`) ?? 0;
    const packed = packRecords(records, this.needs.get(table) ?? { keys: true, seqs: true });
    this.send(i, { t: 'records', table, split, packed, arrivalMs, now: this.clock.now() }, [packed.buf]);
  }

  /** Processing time moved (idle shards, processing-time windows, TTL). */
  advance(nowMs: number): void {
    for (let i = 0; i < this.n; i++) this.send(i, { t: 'advance', now: nowMs });
  }

  /**
   * A table's watermark: the smallest of the subtasks that read its shards ('source'); 'keyed': as of the last
   * checkpoint (what file sinks' partition commits, made right after one, wait for).
   */
  watermark(table: string): number | null {
    const floor = this.floor.get(table) ?? -Infinity;
    if (this.layout.mode === 'keyed') {
      const w = Math.max(this.keyedWm.get(table) ?? -Infinity, floor);
      return Number.isFinite(w) || w === Infinity ? w : null;
    }
    let w = Infinity;
    let any = false;
    for (const per of this.wms) {
      const x = per[table];
      if (!x || x[1] === 0) continue;
      any = true;
      const v = x[0] ?? -Infinity;
      if (v < w) w = v;
    }
    if (!any) return Number.isFinite(floor) ? floor : null;
    w = Math.max(w, floor);
    return Number.isFinite(w) || w === Infinity ? w : null;
  }

  /**
   * The barrier with state: after every message sent so far, each subtask's state. `atBarrier` runs in the same
   * synchronous step as the barrier goes out (the job reads the offsets its records were pushed up to).
   */
  async checkpoint(atBarrier?: () => void): Promise<{ flink: FlinkState; keyGroups?: KeyGroupStates }> {
    const got = await this.sync(true, atBarrier);
    if (got.length < this.n) throw new Error('the job stopped during a checkpoint');
    const bad = got.find((r) => r.error !== undefined);
    if (bad) throw new Error(bad.error);
    const states = got.map((r) => (this.layout.mode === 'keyed' ? r.state!.router! : r.state!.flink!));
    const merged: FlinkState = { ...states[0]!, sources: {} };
    for (const st of states) {
      if (st.nowMs > merged.nowMs) merged.nowMs = st.nowMs;
      for (const [table, s] of Object.entries(st.sources)) (merged.sources[table] ??= { splits: [] }).splits.push(...s.splits);
    }
    if (this.layout.mode === 'source') return { flink: merged };
    const keyGroups: KeyGroupStates = {};
    for (const r of got) Object.assign(keyGroups, r.state!.groups);
    // The job's watermark per table: the smallest of its active shards', as a one-thread job computes it.
    const wm = new Map<string, number>();
    for (const [table, s] of Object.entries(merged.sources)) wm.set(table, storedWatermark(s.splits));
    this.keyedWm = wm;
    return { flink: merged, keyGroups };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) if (!this.exited.has(w)) release(w);
    for (const ws of this.waiting) for (const p of ws) p.resolve?.({ job: this.job, out: [], wms: {}, error: 'the job stopped' });
    for (const f of this.idleWaiters) f();
    for (const f of this.roomWaiters) f();
    this.idleWaiters = [];
    this.roomWaiters = [];
  }
}
