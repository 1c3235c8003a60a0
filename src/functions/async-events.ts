/**
 * Event (asynchronous) invocations, kept durably until they are done: Invoke
 * with InvocationType Event answers 202 only once the event is in this log,
 * so an acknowledged event survives a crash and runs after the restart.
 *
 * The log (`functions/async-events`) holds `E` records (an event: request id,
 * function, qualifier, payload, first arrival) and `D` records (that event is
 * done: succeeded, delivered to its destination, or given up). Opening
 * replays it; events without a `D` run again (at least once, as Lambda's
 * asynchronous invocations are). The log is trimmed behind the oldest event
 * still pending.
 */
import type { Clock } from '../core/index.ts';
import { Encoder } from 'cbor-x';
import type { LogStorage, ShardLog } from '../storage/index.ts';

const cbor = new Encoder({ structuredClone: false, useRecords: false });
export const ASYNC_LOG_ID = 'functions/async-events';
const TRIM_EVERY = 500;

export interface AsyncEvent {
  requestId: string;
  name: string;
  qualifier: string | undefined;
  payload: Buffer;
  attempts: number;
  firstMs: number;
}

interface StoredEvent {
  i: string;
  n: string;
  q?: string;
  p: Uint8Array;
  f: number;
}

export class AsyncEventLog {
  private log: ShardLog | undefined;
  private lastTs = 0;
  /** Pending events by request id, with the time their record was appended. */
  private readonly pending = new Map<string, number>();
  private completions = 0;

  constructor(
    private readonly storage: LogStorage,
    private readonly clock: Clock,
    private readonly report: (what: string, err?: unknown) => void,
  ) {}

  /** Replays the log and returns the events not done yet, oldest first. */
  async open(): Promise<AsyncEvent[]> {
    // The log is made by the first Event invocation: a server that never gets one keeps no such log.
    const log = this.storage.getLog(ASYNC_LOG_ID);
    if (!log) return [];
    this.log = log;
    this.lastTs = log.lastTimestampMs ?? 0;
    const events = new Map<string, AsyncEvent>();
    let offset = log.startOffset;
    while (offset < log.endOffset) {
      const { records, nextOffset } = await log.read(offset, { maxRecords: 1000, maxBytes: 16 * 1024 * 1024 });
      for (const r of records) {
        if (r.key === 'E') {
          const e = cbor.decode(r.data) as StoredEvent;
          events.set(e.i, { requestId: e.i, name: e.n, qualifier: e.q, payload: Buffer.from(e.p), attempts: 0, firstMs: e.f });
          this.pending.set(e.i, r.timestampMs);
        } else if (r.key === 'D') {
          const id = (cbor.decode(r.data) as { i: string }).i;
          events.delete(id);
          this.pending.delete(id);
        }
      }
      if (nextOffset <= offset) break;
      offset = nextOffset;
    }
    return [...events.values()];
  }

  private creating: Promise<ShardLog> | undefined;

  private async append(key: string, value: unknown): Promise<void> {
    // Shared storage: another node may have made the log since this one opened (its create would fail with EXISTS).
    const s = this.storage;
    const log =
      this.log ?? (await (this.creating ??= (async () => s.getLog(ASYNC_LOG_ID) ?? (s.openLog ? s.openLog(ASYNC_LOG_ID) : s.createLog(ASYNC_LOG_ID)))()));
    this.log = log;
    const ts = Math.max(this.lastTs, this.clock.now());
    this.lastTs = ts;
    await log.append([{ key, data: cbor.encode(value), timestampMs: ts }]).durable;
  }

  /** Records a new event; resolves once it is durable. */
  async add(ev: AsyncEvent): Promise<void> {
    const stored: StoredEvent = { i: ev.requestId, n: ev.name, p: ev.payload, f: ev.firstMs };
    if (ev.qualifier !== undefined) stored.q = ev.qualifier;
    await this.append('E', stored);
    this.pending.set(ev.requestId, this.lastTs);
  }

  /** Records that an event is done (not awaited: if it is lost, the event runs again after a restart). */
  done(requestId: string): void {
    if (!this.pending.delete(requestId)) return;
    this.append('D', { i: requestId }).catch((e: unknown) => this.report(`async events`, e));
    if (++this.completions % TRIM_EVERY === 0) {
      let oldest = this.lastTs + 1;
      for (const ts of this.pending.values()) if (ts < oldest) oldest = ts;
      this.log!.trimBefore(oldest).catch((e: unknown) => this.report(`async events: trim failed`, e));
    }
  }
}
