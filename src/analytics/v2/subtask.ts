/**
 * One parallel subtask of a Flink SQL job, in its own worker thread (parallel.ts starts and feeds it). It plans the
 * job's SQL itself and runs:
 * - 'source' layout: one FlinkApplication over the shards it was given (records decoded here);
 * - 'keyed' layout: a router (the job's source tables without its statements) over the shards it was given, which
 *   decodes records, fills computed columns and keeps each shard's watermark; its rows go by key group, over a
 *   MessagePort per pair of subtasks, to the subtask owning the group, each batch with the router's watermark and
 *   whether all its shards are idle. A subtask runs one FlinkApplication per key group it owns; a table's watermark
 *   there is the smallest of its upstream subtasks' (the idle ones left out unless all are), which is what a
 *   one-thread job computes over the shards. State stays per key group, so a checkpoint can be restored at another
 *   parallelism.
 * Processing time is the main thread's clock, sent with every message. Every message from the main thread gets one
 * reply, in order, carrying the rows the sinks received meanwhile (the main thread writes the sinks); rows that come
 * in from other subtasks are answered with an unsolicited reply. 'sync' (a barrier) is answered once every subtask's
 * rows sent before it have been handled here, with the state when it is a checkpoint.
 */
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { Clock } from '../../core/index.ts';
import { FlinkApplication, type FlinkState, type Row, keyGroupOf, subtaskOfKeyGroup } from '../../sql/index.ts';
import { type PackedRecords, type PackedRows, RowDecoder, RowEncoder, unpackRecords } from './wire.ts';

/** Where the worker code is (the main thread starts workers from it; in the built CLI, its own chunk). */
export const SUBTASK_URL = import.meta.url;

export type SubtaskInit = {
  sql: string;
  options: Record<string, string>;
  maxStateRows: number | undefined;
  nowMs: number;
  /** The sinks whose rows the main thread writes (a blackhole sink's rows are not sent back). */
  sinks: string[];
} & (
  | { mode: 'source'; state: FlinkState | undefined }
  | {
      mode: 'keyed';
      index: number;
      n: number;
      /** table → routing column slot. */
      keys: Record<string, number>;
      /** table → its shards this subtask reads; and per table, the subtasks that read some of its shards. */
      splits: Record<string, string[]>;
      upstreams: Record<string, number[]>;
      /** The router's restored state (its shards' watermarks). */
      router: FlinkState | undefined;
      /** groups: the key groups this subtask owns, with their state when restored. */
      groups: number[];
      state: Record<string, FlinkState>;
      /** Per other subtask j: the port rows to j go out by, and the port rows from j come in by (null for itself). */
      out: (MessagePort | null)[];
      in: (MessagePort | null)[];
    }
);

export type SubtaskMessage =
  /** A pooled worker takes a job (answered once it is planned), or drops it (not answered). */
  | { t: 'init'; job: number; init: SubtaskInit }
  | { t: 'reset' }
  /** Records read from one shard (wire.ts; the buffer is transferred). */
  | { t: 'records'; table: string; split: string; packed: PackedRecords; arrivalMs: number; now: number }
  | { t: 'splits'; table: string; ids: string[]; now: number }
  /** 'keyed': a table whose shards attached after the start (its stream was CREATING): the subtasks that read them. */
  | { t: 'upstreams'; table: string; owners: number[]; now: number }
  | { t: 'advance'; now: number }
  /** A barrier: answered once every subtask's rows sent before it are handled (with the state when `checkpoint`). */
  | { t: 'sync'; now: number; checkpoint: boolean };

/** Between subtasks ('keyed'): rows of the receiver's key groups (wire.ts; the buffer is transferred), and the sender's watermark of the table. */
type Exchange = { t: 'x'; table: string; packed: PackedRows | null; wm: number; idle: boolean; now: number } | { t: 'barrier' };

export interface SubtaskReply {
  /** The job the reply belongs to (a pooled worker's earlier job may still be answering). */
  job: number;
  /** Not the answer to a message: rows the sinks received from other subtasks' rows. */
  extra?: true;
  /** Rows the sinks received, per sink, in order. */
  out: [string, Row[]][];
  /** 'source' layout: per table, its watermark (null: none yet) and how many splits this subtask reads. */
  wms: Record<string, [number | null, number]>;
  /** 'keyed': per table, the router's watermark (null: none yet) and whether this subtask reads any of its shards. */
  state?: { router?: FlinkState; flink?: FlinkState; groups?: Record<string, FlinkState> };
  error?: string;
}

interface Job {
  /** Handles a message of the main thread; null when the answer comes later (a barrier waiting for others). */
  handle(m: SubtaskMessage): SubtaskReply | null;
  /** Rows the sinks received since the last reply. */
  readonly out: Map<string, Row[]>;
  close(): void;
}

function plan(job: number, init: SubtaskInit, post: (r: SubtaskReply) => void): Job {
  let now = init.nowMs;
  const clock: Clock = { now: () => now, setTimer: () => ({ cancel: () => undefined }) };
  const options = { options: init.options, clock, ...(init.maxStateRows !== undefined ? { maxStateRows: init.maxStateRows } : {}) };
  const first = FlinkApplication.compile(init.sql, options);
  const out = new Map<string, Row[]>();
  const listen = (app: FlinkApplication): void => {
    for (const sink of init.sinks)
      app.onOutput(sink, (rows) => {
        const list = out.get(sink);
        if (list === undefined) out.set(sink, rows.slice());
        else for (let i = 0; i < rows.length; i++) list.push(rows[i]!);
      });
  };
  const tables = first.sourceNames();
  if (init.mode === 'source') {
    if (init.state) first.restore(init.state);
    listen(first);
    const splits = new Map<string, number>();
    return {
      out,
      close: () => first.close(),
      handle(m) {
        const reply: SubtaskReply = { job, out: [], wms: {} };
        if (m.t === 'init' || m.t === 'reset' || m.t === 'upstreams') return reply;
        if (m.now > now) now = m.now;
        if (m.t === 'records') first.pushRecords(m.table, unpackRecords(m.packed, m.split, readsText(first, m.table)), m.arrivalMs, m.split);
        else if (m.t === 'splits') {
          first.registerSplits(m.table, m.ids, m.now);
          splits.set(m.table, (splits.get(m.table) ?? 0) + m.ids.length);
        } else if (m.t === 'advance') first.advanceTime(m.now);
        else if (m.t === 'sync' && m.checkpoint) reply.state = { flink: first.checkpoint() };
        for (const t of tables) reply.wms[t] = [first.watermark(t), splits.get(t) ?? 0];
        return reply;
      },
    };
  }
  return keyed(job, init, first, options, listen, out, post, (ms) => {
    if (ms > now) now = ms;
  });
}

function keyed(
  job: number,
  init: Extract<SubtaskInit, { mode: 'keyed' }>,
  first: FlinkApplication,
  options: { options: Record<string, string>; clock: Clock; maxStateRows?: number },
  listen: (app: FlinkApplication) => void,
  out: Map<string, Row[]>,
  post: (r: SubtaskReply) => void,
  setNow: (ms: number) => void,
): Job {
  const { index, n } = init;
  const tables = first.sourceNames();
  const router = new FlinkApplication({ ...first.plan, pumps: [] }, options, null);
  let routed: Row[] = [];
  for (const t of tables)
    router.onOutput(t, (rows) => {
      routed = rows;
    });
  for (const [t, ids] of Object.entries(init.splits)) router.registerSplits(t, ids);
  if (init.router) router.restore(init.router);
  const byGroup: (FlinkApplication | undefined)[] = [];
  const apps: FlinkApplication[] = [];
  for (const g of init.groups) {
    const app = apps.length === 0 ? first : new FlinkApplication(first.plan, options, first.script);
    const st = init.state[String(g)];
    if (st) app.restore(st);
    listen(app);
    apps.push(app);
    byGroup[g] = app;
  }
  if (apps.length === 0) first.close();
  /** Per table, per upstream subtask: its last watermark and whether all its shards are idle. */
  const upWm = new Map<string, Map<number, { wm: number; idle: boolean }>>();
  /** Per table, the subtasks that read its shards, once known (until then its watermark waits). */
  const owners = new Map<string, number[]>();
  for (const t of tables) {
    upWm.set(t, new Map());
    const u = init.upstreams[t];
    if (u && u.length > 0) owners.set(t, u);
  }
  const splitsOf = new Map<string, number>();
  for (const [t, ids] of Object.entries(init.splits)) splitsOf.set(t, ids.length);
  /** Per table: the watermark the key groups were last given. */
  const given = new Map<string, number>();
  /** Per table, per downstream subtask: the watermark and idleness last sent. */
  const sent = new Map<string, { wm: number; idle: boolean }[]>();
  const buckets: Row[][] = [];
  let barriers = 0;
  let waiting: { checkpoint: boolean } | null = null;

  const tableWm = (t: string): number => {
    const from = owners.get(t);
    if (from === undefined) return -Infinity;
    const per = upWm.get(t)!;
    let min = Infinity;
    let max = -Infinity;
    let active = 0;
    for (const i of from) {
      const u = per.get(i) ?? { wm: -Infinity, idle: false };
      if (u.wm > max) max = u.wm;
      if (u.idle) continue;
      active++;
      if (u.wm < min) min = u.wm;
    }
    return active > 0 ? min : max;
  };

  /** hot path: rows of this subtask's key groups (and each row's group) from upstream `from`, with its watermark. */
  const receive = (from: number, table: string, rows: Row[], groups: ArrayLike<number>, upWmMs: number, idle: boolean, nowMs: number): void => {
    setNow(nowMs);
    const ups = upWm.get(table)!;
    const u = ups.get(from);
    if (u === undefined) ups.set(from, { wm: upWmMs, idle });
    else {
      if (upWmMs > u.wm) u.wm = upWmMs;
      u.idle = idle;
    }
    const wm = tableWm(table);
    const moved = wm > (given.get(table) ?? -Infinity);
    if (moved) given.set(table, wm);
    for (let i = 0; i < rows.length; i++) {
      const g = groups[i]!;
      let b = buckets[g];
      if (b === undefined) buckets[g] = b = [];
      b.push(rows[i]!);
    }
    for (const g of init.groups) {
      const b = buckets[g];
      if (b !== undefined && b.length > 0) {
        byGroup[g]!.pushExchanged(table, b, wm, nowMs);
        buckets[g] = [];
      } else if (moved) byGroup[g]!.pushExchanged(table, [], wm, nowMs);
    }
  };

  const barrier = (): SubtaskReply | null => {
    barriers++;
    if (barriers < n || waiting === null) return null;
    barriers = 0;
    const reply: SubtaskReply = { job, out: [], wms: {} };
    if (waiting.checkpoint) {
      const groups: Record<string, FlinkState> = {};
      for (const g of init.groups) groups[String(g)] = byGroup[g]!.checkpoint();
      reply.state = { router: router.checkpoint(), groups };
    }
    waiting = null;
    return reply;
  };

  const flushOut = (reply: SubtaskReply): void => {
    for (const [sink, rows] of out) reply.out.push([sink, rows]);
    out.clear();
  };

  const routerIdle = (t: string): boolean => {
    const k = splitsOf.get(t) ?? 0;
    return k > 0 && router.metrics().sources[t]?.idleSplits === k;
  };

  /** Per other subtask: the encoder of the rows sent to it (wire.ts); per upstream subtask, the decoder of its rows. */
  const encoders = Array.from({ length: n }, (_, j) => (j === index ? null : new RowEncoder()));
  const decoders = Array.from({ length: n }, (_, j) => (j === index ? null : new RowDecoder()));
  /** This subtask's own rows of a batch, and their key groups. */
  let ownRows: Row[] = [];
  let ownGroups: number[] = [];

  /** hot path: sends each subtask its rows of the batch (or, with none, the watermark when it moved). */
  const route = (table: string, rows: Row[], idle: boolean, nowMs: number): void => {
    const wm = router.watermark(table) ?? -Infinity;
    const slot = init.keys[table]!;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const g = keyGroupOf(r[slot]);
      const j = subtaskOfKeyGroup(g, n);
      if (j === index) {
        ownRows.push(r);
        ownGroups.push(g);
      } else encoders[j]!.add(r, g);
    }
    let last = sent.get(table);
    if (!last) sent.set(table, (last = Array.from({ length: n }, () => ({ wm: -Infinity, idle: false }))));
    for (let j = 0; j < n; j++) {
      const s = last[j]!;
      const enc = encoders[j];
      const count = enc ? enc.size : ownRows.length;
      if (count === 0 && s.wm >= wm && s.idle === idle) continue;
      s.wm = wm;
      s.idle = idle;
      if (enc === null) {
        const mine = ownRows;
        const groups = ownGroups;
        ownRows = [];
        ownGroups = [];
        receive(index, table, mine, groups, wm, idle, nowMs);
      } else {
        const packed = count > 0 ? enc!.take() : null;
        const x: Exchange = { t: 'x', table, packed, wm, idle, now: nowMs };
        init.out[j]!.postMessage(x, packed ? [packed.buf] : []);
      }
    }
  };

  for (let j = 0; j < n; j++) {
    const port = init.in[j];
    if (!port) continue;
    const from = j;
    port.on('message', (x: Exchange) => {
      let reply: SubtaskReply | null = null;
      try {
        if (x.t === 'barrier') reply = barrier();
        else if (x.packed === null) receive(from, x.table, [], [], x.wm, x.idle, x.now);
        else {
          const { rows, groups } = decoders[from]!.read(x.packed);
          receive(from, x.table, rows, groups, x.wm, x.idle, x.now);
        }
      } catch (e) {
        reply = { job, out: [], wms: {}, error: e instanceof Error ? e.message : String(e) };
        if (waiting === null) reply.extra = true;
      }
      if (reply === null) {
        if (out.size === 0) return;
        reply = { job, extra: true, out: [], wms: {} };
      }
      flushOut(reply);
      post(reply);
    });
  }

  return {
    out,
    close: () => {
      for (const p of init.in) p?.close();
      for (const p of init.out) p?.close();
      router.close();
      for (const app of apps) app.close();
    },
    handle(m) {
      const reply: SubtaskReply = { job, out: [], wms: {} };
      if (m.t === 'init' || m.t === 'reset') return reply;
      setNow(m.now);
      switch (m.t) {
        case 'records':
          routed = [];
          router.pushRecords(m.table, unpackRecords(m.packed, m.split, readsText(first, m.table)), m.arrivalMs, m.split);
          route(m.table, routed, false, m.now);
          routed = [];
          break;
        case 'advance':
          router.advanceTime(m.now);
          for (const t of tables) if ((splitsOf.get(t) ?? 0) > 0) route(t, [], routerIdle(t), m.now);
          for (const app of apps) app.advanceTime(m.now);
          break;
        case 'sync':
          waiting = { checkpoint: m.checkpoint };
          for (let j = 0; j < n; j++) if (j !== index) init.out[j]!.postMessage({ t: 'barrier' } satisfies Exchange);
          return barrier();
        case 'splits':
          router.registerSplits(m.table, m.ids, m.now);
          splitsOf.set(m.table, (splitsOf.get(m.table) ?? 0) + m.ids.length);
          break;
        case 'upstreams': {
          owners.set(m.table, m.owners);
          const wm = tableWm(m.table);
          if (wm > (given.get(m.table) ?? -Infinity)) {
            given.set(m.table, wm);
            for (const app of apps) app.pushExchanged(m.table, [], wm, m.now);
          }
          break;
        }
      }
      return reply;
    },
  };
}

/** Whether a table's format reads records as text (wire.ts then hands it an ASCII batch's records as substrings). */
function readsText(app: FlinkApplication, table: string): boolean {
  const f = app.stream(table).flink?.connector.format?.name;
  return f === 'json' || f === 'csv' || f === 'debezium-json';
}

/** A worker serves one job at a time; between jobs it waits in parallel.ts's pool. */
function serve(): void {
  const port = parentPort!;
  let job: Job | null = null;
  let id = 0;
  const post = (r: SubtaskReply): void => port.postMessage(r);
  port.on('message', (m: SubtaskMessage) => {
    if (m.t === 'reset') {
      job?.close();
      job = null;
      return;
    }
    let reply: SubtaskReply | null;
    try {
      if (m.t === 'init') {
        job?.close();
        job = null;
        id = m.job;
        job = plan(m.job, m.init, post);
        reply = { job: id, out: [], wms: {} };
      } else if (job === null) reply = { job: id, out: [], wms: {}, error: 'internal: a subtask got work before its job' };
      else reply = job.handle(m);
    } catch (e) {
      reply = { job: id, out: [], wms: {}, error: e instanceof Error ? e.message : String(e) };
    }
    if (reply === null) return;
    if (job !== null) {
      for (const [sink, rows] of job.out) reply.out.push([sink, rows]);
      job.out.clear();
    }
    port.postMessage(reply);
  });
}

const data = workerData as { freshetFlinkSubtask?: boolean } | null;
if (!isMainThread && data?.freshetFlinkSubtask === true) serve();
