/**
 * One parallel subtask of a Flink SQL job, in its own worker thread (parallel.ts starts and feeds it). It plans the
 * job's SQL itself and runs:
 * - 'source' layout: one FlinkApplication over the shards it was given (records decoded here);
 * - 'keyed' layout: one FlinkApplication per key group it owns, fed rows the main thread's router decoded and
 *   routed by key, with the router's (broadcast) watermark. State stays per key group, so a checkpoint can be
 *   restored at another parallelism.
 * Processing time is the main thread's clock, sent with every message. Every message gets one reply, in order,
 * carrying the rows the sinks received meanwhile (the main thread writes the sinks).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Clock } from '../../core/index.ts';
import { FlinkApplication, type FlinkState, type Row, type SourceRecord } from '../../sql/index.ts';

/** Where the worker code is (the main thread starts workers from it; in the built CLI, its own chunk). */
export const SUBTASK_URL = import.meta.url;

export type SubtaskInit = {
  sql: string;
  options: Record<string, string>;
  maxStateRows: number | undefined;
  nowMs: number;
} & (
  | { mode: 'source'; state: FlinkState | undefined }
  /** groups: the key groups this subtask owns, with their state when restored. */
  | { mode: 'keyed'; groups: number[]; state: Record<string, FlinkState> }
);

export type SubtaskMessage =
  /** A pooled worker takes a job (answered once it is planned), or drops it (not answered). */
  | { t: 'init'; job: number; init: SubtaskInit }
  | { t: 'reset' }
  | { t: 'records'; table: string; split: string; records: SourceRecord[]; arrivalMs: number; now: number }
  | { t: 'splits'; table: string; ids: string[]; now: number }
  | { t: 'rows'; table: string; rows: Row[]; groups: Uint8Array; wm: number; now: number }
  | { t: 'advance'; now: number; wms: Record<string, number> | null }
  | { t: 'checkpoint'; now: number };

export interface SubtaskReply {
  /** The job the reply belongs to (a pooled worker's earlier job may still be answering). */
  job: number;
  /** Rows the sinks received, per sink, in order. */
  out: [string, Row[]][];
  /** 'source' layout: per table, its watermark (null: none yet) and how many splits this subtask reads. */
  wms: Record<string, [number | null, number]>;
  state?: FlinkState | Record<string, FlinkState>;
  error?: string;
}

interface Job {
  handle(m: SubtaskMessage): SubtaskReply;
  /** Rows the sinks received since the last reply. */
  readonly out: Map<string, Row[]>;
  close(): void;
}

function plan(job: number, init: SubtaskInit): Job {
  let now = init.nowMs;
  const clock: Clock = { now: () => now, setTimer: () => ({ cancel: () => undefined }) };
  const options = { options: init.options, clock, ...(init.maxStateRows !== undefined ? { maxStateRows: init.maxStateRows } : {}) };
  const first = FlinkApplication.compile(init.sql, options);
  const out = new Map<string, Row[]>();
  const listen = (app: FlinkApplication): void => {
    for (const sink of app.sinkNames())
      app.onOutput(sink, (rows) => {
        const list = out.get(sink);
        if (list === undefined) out.set(sink, rows.slice());
        else for (let i = 0; i < rows.length; i++) list.push(rows[i]!);
      });
  };
  const apps: FlinkApplication[] = [];
  /** key group → its application ('keyed'). */
  const byGroup: (FlinkApplication | undefined)[] = [];
  if (init.mode === 'source') {
    if (init.state) first.restore(init.state);
    apps.push(first);
  } else {
    for (const g of init.groups) {
      const app = apps.length === 0 ? first : new FlinkApplication(first.plan, options, first.script);
      const st = init.state[String(g)];
      if (st) app.restore(st);
      apps.push(app);
      byGroup[g] = app;
    }
    if (apps.length === 0) first.close();
  }
  for (const app of apps) listen(app);
  const tables = first.sourceNames();
  const splits = new Map<string, number>();
  /** Per key group: the rows of the message being handled (reused). */
  const buckets: Row[][] = [];

  const handle = (m: SubtaskMessage): SubtaskReply => {
    const reply: SubtaskReply = { job, out: [], wms: {} };
    if (m.t === 'init' || m.t === 'reset') return reply;
    if (m.now > now) now = m.now;
    switch (m.t) {
      case 'records':
        apps[0]!.pushRecords(m.table, m.records, m.arrivalMs, m.split);
        break;
      case 'splits':
        apps[0]!.registerSplits(m.table, m.ids, m.now);
        splits.set(m.table, (splits.get(m.table) ?? 0) + m.ids.length);
        break;
      case 'rows': {
        // hot path: split the batch by key group, then each group's application takes its rows and the watermark.
        const rows = m.rows;
        const groups = m.groups;
        for (let i = 0; i < rows.length; i++) {
          const g = groups[i]!;
          let b = buckets[g];
          if (b === undefined) buckets[g] = b = [];
          b.push(rows[i]!);
        }
        for (const g of init.mode === 'keyed' ? init.groups : []) {
          const b = buckets[g];
          byGroup[g]!.pushExchanged(m.table, b ?? [], m.wm, m.now);
          if (b !== undefined && b.length > 0) buckets[g] = [];
        }
        break;
      }
      case 'advance':
        for (const app of apps) {
          if (m.wms) for (const t of tables) app.pushExchanged(t, [], m.wms[t] ?? -Infinity, m.now);
          app.advanceTime(m.now);
        }
        break;
      case 'checkpoint':
        if (init.mode === 'source') reply.state = apps[0]!.checkpoint();
        else {
          const st: Record<string, FlinkState> = {};
          for (const g of init.groups) st[String(g)] = byGroup[g]!.checkpoint();
          reply.state = st;
        }
        break;
    }
    if (init.mode === 'source') for (const t of tables) reply.wms[t] = [apps[0]!.watermark(t), splits.get(t) ?? 0];
    return reply;
  };

  return {
    handle,
    out,
    close: () => {
      for (const app of apps) app.close();
    },
  };
}

/** A worker serves one job at a time; between jobs it waits in parallel.ts's pool. */
function serve(): void {
  const port = parentPort!;
  let job: Job | null = null;
  let id = 0;
  port.on('message', (m: SubtaskMessage) => {
    if (m.t === 'reset') {
      job?.close();
      job = null;
      return;
    }
    let reply: SubtaskReply;
    try {
      if (m.t === 'init') {
        job?.close();
        job = null;
        id = m.job;
        job = plan(m.job, m.init);
        reply = { job: id, out: [], wms: {} };
      } else if (job === null) reply = { job: id, out: [], wms: {}, error: 'internal: a subtask got work before its job' };
      else reply = job.handle(m);
    } catch (e) {
      reply = { job: id, out: [], wms: {}, error: e instanceof Error ? e.message : String(e) };
    }
    if (job !== null) {
      for (const [sink, rows] of job.out) reply.out.push([sink, rows]);
      job.out.clear();
    }
    port.postMessage(reply);
  });
}

const data = workerData as { freshetFlinkSubtask?: boolean } | null;
if (!isMainThread && data?.freshetFlinkSubtask === true) serve();
