/**
 * One SQS queue: its messages in memory, made durable as an event log on
 * Freshet's storage (one ShardLog per queue).
 *
 * The log holds one CBOR record per event, the record key naming the kind:
 *   S  a message sent (its offset is the message's identity and, for FIFO, its sequence number)
 *   R  messages received: new visibility deadline, receipt nonces (receive count +1 each)
 *   V  a visibility change;  D  messages deleted (or moved to a dead-letter queue)
 *   P  a purge: every message sent before this record is gone
 * Opening the queue replays the log, so in-flight messages keep their
 * deadlines, receive counts and receipt handles across a restart. A send is
 * acknowledged once its record is durable; a delete likewise. Receives are
 * logged without waiting: a crash may forget a receive, which only makes the
 * message visible again sooner (SQS is at-least-once).
 *
 * Expiry (MessageRetentionPeriod) follows from each message's sent time, so it
 * needs no record. The log is trimmed behind the oldest live message: every
 * record before that message's S record concerns messages that are gone.
 */
import type { Clock, TimerHandle } from '../core/index.ts';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Encoder } from 'cbor-x';
import { sqsError } from './errors.ts';
import type { ShardLog } from '../storage/index.ts';
import { MinHeap } from './heap.ts';
import type { MessageAttributes } from './md5.ts';
import { md5Hex, md5OfAttributes } from './md5.ts';
import type { RedrivePolicy } from './model.ts';
import { LIMITS, parseRedrivePolicy } from './model.ts';

const cbor = new Encoder({ structuredClone: false, useRecords: false });

export interface QueueMeta {
  name: string;
  arn: string;
  fifo: boolean;
  /** Settable attributes as strings (defaults filled in). */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdMs: number;
  modifiedMs: number;
  /** The storage log holding this queue's events. */
  logId: string;
}

export interface StoredMessage {
  offset: number;
  id: string;
  body: string;
  attrs: MessageAttributes | undefined;
  md5Body: string;
  md5Attrs: string | undefined;
  traceHeader: string | undefined;
  sentMs: number;
  /** When the message's S record was appended (the log is trimmed behind the oldest live one). */
  recordTs: number;
  senderId: string;
  groupId: string | undefined;
  dedupId: string | undefined;
  dlqSourceArn: string | undefined;
  visibleAtMs: number;
  receiveCount: number;
  firstReceiveMs: number;
  /** Nonce of the latest receipt handle; '' until first received. */
  nonce: string;
  version: number;
  gone: boolean;
}

export interface SendInput {
  body: string;
  attributes?: MessageAttributes;
  traceHeader?: string;
  delaySeconds?: number;
  groupId?: string;
  dedupId?: string;
  /** For moves to a dead-letter queue: the original sent time and message id, and the source queue. */
  sentMs?: number;
  messageId?: string;
  dlqSourceArn?: string;
  senderId?: string;
}

export interface SendResult {
  messageId: string;
  md5OfBody: string;
  md5OfAttributes: string | undefined;
  sequenceNumber: string | undefined;
}

interface HeapEntry {
  m: StoredMessage;
  version: number;
  atMs: number;
}

interface Waiter {
  max: number;
  visibilityMs: number;
  resolve(msgs: StoredMessage[]): void;
  timer: TimerHandle | null;
  onAbort: (() => void) | null;
  signal: AbortSignal | undefined;
}

interface DedupEntry {
  result: SendResult;
  expiresMs: number;
}

interface SendEvent {
  i: string;
  b: string;
  a?: MessageAttributes;
  t?: string;
  s: number;
  snd: string;
  g?: string;
  d?: string;
  dl?: number;
  q?: string;
}

/** Hooks the engine gives a queue: moving a message to its dead-letter queue, and reporting background failures. */
export interface QueueHost {
  clock: Clock;
  moveToDeadLetter(source: Queue, target: RedrivePolicy, m: StoredMessage): Promise<void>;
  report(what: string, err?: unknown): void;
}

const RECORD_LIMITS = { maxRecords: 2000, maxBytes: 8 * 1024 * 1024 };
const SWEEP_MS = 60_000;

export function sequenceNumberOf(offset: number): string {
  return (10_000_000_000_000_000_000n + BigInt(offset)).toString();
}

export class Queue {
  readonly messages = new Map<number, StoredMessage>();
  /** FIFO: live messages per group, in send order. */
  private readonly groups = new Map<string, StoredMessage[]>();
  /** Standard queues: every live message by (visible-at, offset), the receive order. Stale entries are skipped. */
  private readonly byVisibility = new MinHeap<HeapEntry>(earlier);
  /** Future visibility deadlines (delays, in-flight messages), for waking long polls. Stale entries are skipped. */
  private readonly pending = new MinHeap<HeapEntry>(earlier);
  private readonly dedup = new Map<string, DedupEntry>();
  private readonly receiveAttempts = new Map<string, { offsets: number[]; nonces: string[]; expiresMs: number }>();
  private readonly waiters = new Set<Waiter>();
  private wakeTimer: TimerHandle | null = null;
  private wakeAtMs = Number.POSITIVE_INFINITY;
  private sweepTimer: TimerHandle | null = null;
  private lastTs = 0;
  lastPurgeMs = Number.NEGATIVE_INFINITY;
  closed = false;

  constructor(
    public meta: QueueMeta,
    readonly log: ShardLog,
    private readonly host: QueueHost,
  ) {
    this.lastTs = log.lastTimestampMs ?? 0;
  }

  get name(): string {
    return this.meta.name;
  }

  private get now(): number {
    return this.host.clock.now();
  }

  private intAttr(name: string): number {
    return Number(this.meta.attributes[name]);
  }

  get visibilityTimeoutSeconds(): number {
    return this.intAttr('VisibilityTimeout');
  }

  get receiveWaitSeconds(): number {
    return this.intAttr('ReceiveMessageWaitTimeSeconds');
  }

  get redrivePolicy(): RedrivePolicy | undefined {
    const v = this.meta.attributes.RedrivePolicy;
    return v ? parseRedrivePolicy(v) : undefined;
  }

  private get retentionMs(): number {
    return this.intAttr('MessageRetentionPeriod') * 1000;
  }

  // ---- durable events --------------------------------------------------------------------------

  private append(kind: string, payload: unknown): { offset: number; durable: Promise<void> } {
    const ts = Math.max(this.lastTs, this.now);
    this.lastTs = ts;
    const { firstOffset, durable } = this.log.append([{ key: kind, data: cbor.encode(payload), timestampMs: ts }]);
    return { offset: firstOffset, durable };
  }

  /** An event whose durability nobody waits for (receives): a failure is reported, not thrown. */
  private appendQuietly(kind: string, payload: unknown): void {
    try {
      this.append(kind, payload).durable.catch((e: unknown) => this.host.report(`queue ${this.name}`, e));
    } catch (e) {
      this.host.report(`queue ${this.name}`, e);
    }
  }

  /** Rebuilds the queue's state from its log. */
  async replay(): Promise<void> {
    let offset = this.log.startOffset;
    const end = this.log.endOffset;
    while (offset < end) {
      const { records, nextOffset } = await this.log.read(offset, RECORD_LIMITS);
      for (const r of records) this.apply(r.key, cbor.decode(r.data), r.offset, r.timestampMs);
      if (nextOffset <= offset) break;
      offset = nextOffset;
    }
    this.sweep(false);
    this.scheduleSweep();
  }

  private apply(kind: string, e: unknown, offset: number, ts: number): void {
    switch (kind) {
      case 'S':
        this.insert(this.fromSendEvent(e as SendEvent, offset, ts));
        break;
      case 'R': {
        const r = e as { o: number[]; v: number; n: string[] };
        for (let i = 0; i < r.o.length; i++) {
          const m = this.messages.get(r.o[i]!);
          if (!m) continue;
          m.receiveCount++;
          if (m.firstReceiveMs === 0) m.firstReceiveMs = ts;
          m.nonce = r.n[i]!;
          this.setVisibleAt(m, r.v);
        }
        break;
      }
      case 'V': {
        const v = e as { o: number; v: number };
        const m = this.messages.get(v.o);
        if (m) this.setVisibleAt(m, v.v);
        break;
      }
      case 'D':
        for (const o of (e as { o: number[] }).o) {
          const m = this.messages.get(o);
          if (m) this.remove(m);
        }
        break;
      case 'P':
        this.lastPurgeMs = ts;
        for (const m of [...this.messages.values()]) if (m.offset < offset) this.remove(m);
        break;
    }
  }

  private fromSendEvent(e: SendEvent, offset: number, ts: number): StoredMessage {
    const m: StoredMessage = {
      offset,
      id: e.i,
      body: e.b,
      attrs: e.a,
      md5Body: md5Hex(e.b),
      md5Attrs: md5OfAttributes(e.a),
      traceHeader: e.t,
      sentMs: e.s,
      recordTs: ts,
      senderId: e.snd,
      groupId: e.g,
      dedupId: e.d,
      dlqSourceArn: e.q,
      visibleAtMs: ts + (e.dl ?? 0) * 1000,
      receiveCount: 0,
      firstReceiveMs: 0,
      nonce: '',
      version: 0,
      gone: false,
    };
    if (this.meta.fifo && e.d !== undefined && ts + LIMITS.dedupWindowMs > this.now) {
      this.dedup.set(this.dedupKey(e.g, e.d), {
        result: { messageId: e.i, md5OfBody: m.md5Body, md5OfAttributes: m.md5Attrs, sequenceNumber: sequenceNumberOf(offset) },
        expiresMs: ts + LIMITS.dedupWindowMs,
      });
    }
    return m;
  }

  // ---- in-memory structure -----------------------------------------------------------------------

  private insert(m: StoredMessage): void {
    this.messages.set(m.offset, m);
    if (this.meta.fifo) {
      const g = m.groupId ?? '';
      let list = this.groups.get(g);
      if (!list) this.groups.set(g, (list = []));
      list.push(m);
    }
    this.track(m);
  }

  private track(m: StoredMessage): void {
    const e = { m, version: m.version, atMs: m.visibleAtMs };
    if (!this.meta.fifo) this.byVisibility.push(e);
    if (m.visibleAtMs > this.now) this.pending.push(e);
  }

  private remove(m: StoredMessage): void {
    if (m.gone) return;
    m.gone = true;
    this.messages.delete(m.offset);
    if (this.meta.fifo) {
      const g = m.groupId ?? '';
      const list = this.groups.get(g);
      if (list) {
        const i = list.indexOf(m);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.groups.delete(g);
      }
    }
  }

  private setVisibleAt(m: StoredMessage, atMs: number): void {
    m.visibleAtMs = atMs;
    m.version++;
    this.track(m);
  }

  private expired(m: StoredMessage, now: number): boolean {
    return now >= m.sentMs + this.retentionMs;
  }

  private inFlight(m: StoredMessage, now: number): boolean {
    return m.nonce !== '' && m.visibleAtMs > now;
  }

  private dedupKey(groupId: string | undefined, dedupId: string): string {
    return this.meta.attributes.DeduplicationScope === 'messageGroup' ? `${groupId ?? ''}\u0000${dedupId}` : dedupId;
  }

  // ---- operations ------------------------------------------------------------------------------

  /** SendMessage (validated by the engine). Resolves once the message is durable. */
  async send(input: SendInput): Promise<SendResult> {
    const now = this.now;
    let dedupId = input.dedupId;
    if (this.meta.fifo && dedupId === undefined && this.meta.attributes.ContentBasedDeduplication === 'true') {
      dedupId = createHash('sha256').update(input.body, 'utf8').digest('hex');
    }
    if (this.meta.fifo && dedupId !== undefined) {
      const hit = this.dedup.get(this.dedupKey(input.groupId, dedupId));
      if (hit && hit.expiresMs > now) return hit.result;
    }
    const delay = input.delaySeconds ?? this.intAttr('DelaySeconds');
    const event: SendEvent = { i: input.messageId ?? randomUUID(), b: input.body, s: input.sentMs ?? now, snd: input.senderId ?? '' };
    if (input.attributes && Object.keys(input.attributes).length) event.a = input.attributes;
    if (input.traceHeader !== undefined) event.t = input.traceHeader;
    if (input.groupId !== undefined) event.g = input.groupId;
    if (dedupId !== undefined) event.d = dedupId;
    if (delay > 0) event.dl = delay;
    if (input.dlqSourceArn !== undefined) event.q = input.dlqSourceArn;
    const { offset, durable } = this.append('S', event);
    const m = this.fromSendEvent(event, offset, this.lastTs);
    const result: SendResult = {
      messageId: m.id,
      md5OfBody: m.md5Body,
      md5OfAttributes: m.md5Attrs,
      sequenceNumber: this.meta.fifo ? sequenceNumberOf(offset) : undefined,
    };
    await durable;
    if (this.closed) return result;
    this.insert(m);
    if (m.visibleAtMs <= this.now) this.serveWaiters();
    else this.armWake();
    return result;
  }

  /**
   * Takes up to `max` visible messages and makes them invisible for
   * `visibilityMs`. Messages past their retention are dropped; messages
   * received maxReceiveCount times already go to the dead-letter queue.
   */
  private take(max: number, visibilityMs: number): StoredMessage[] {
    const now = this.now;
    const out: StoredMessage[] = [];
    const redrive = this.redrivePolicy;
    const accept = (m: StoredMessage): boolean => {
      if (this.expired(m, now)) {
        this.remove(m);
        return false;
      }
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        this.remove(m);
        void this.host.moveToDeadLetter(this, redrive, m).catch((e: unknown) => this.host.report(`queue ${this.name}: redrive failed`, e));
        return false;
      }
      return true;
    };
    if (!this.meta.fifo) {
      while (out.length < max) {
        const top = this.byVisibility.peek();
        if (!top) break;
        if (top.version !== top.m.version || top.m.gone) {
          this.byVisibility.pop();
          continue;
        }
        if (top.atMs > now) break;
        this.byVisibility.pop();
        if (accept(top.m)) out.push(top.m);
      }
    } else {
      const served: string[] = [];
      for (const [g, list] of this.groups) {
        if (out.length >= max) break;
        let locked = false;
        for (const m of list) {
          if (m.nonce === '') break;
          if (this.inFlight(m, now)) {
            locked = true;
            break;
          }
        }
        if (locked) continue;
        let took = false;
        for (let i = 0; i < list.length && out.length < max; ) {
          const m = list[i]!;
          if (m.visibleAtMs > now) break;
          if (accept(m)) {
            out.push(m);
            took = true;
            i++;
          }
          // accept() removed m from the list otherwise: the next message is now at i.
        }
        if (took) served.push(g);
      }
      // Served groups go to the back, so busy groups do not starve the rest.
      for (const g of served) {
        const list = this.groups.get(g);
        if (!list) continue;
        this.groups.delete(g);
        this.groups.set(g, list);
      }
    }
    if (out.length === 0) return out;
    const visibleAt = now + visibilityMs;
    const offsets: number[] = [];
    const nonces: string[] = [];
    for (const m of out) {
      m.receiveCount++;
      if (m.firstReceiveMs === 0) m.firstReceiveMs = now;
      m.nonce = randomBytes(8).toString('hex');
      this.setVisibleAt(m, visibleAt);
      offsets.push(m.offset);
      nonces.push(m.nonce);
    }
    this.appendQuietly('R', { o: offsets, v: visibleAt, n: nonces });
    this.armWake();
    return out;
  }

  /**
   * ReceiveMessage: returns at once when messages are visible, else waits up
   * to `waitSeconds` (long polling) for one to become visible.
   */
  receive(opts: { max: number; visibilityMs: number; waitSeconds: number; attemptId?: string; signal?: AbortSignal }): Promise<StoredMessage[]> {
    const now = this.now;
    if (this.meta.fifo && opts.attemptId !== undefined) {
      const prior = this.receiveAttempts.get(opts.attemptId);
      if (prior && prior.expiresMs > now) {
        const again: StoredMessage[] = [];
        for (let i = 0; i < prior.offsets.length; i++) {
          const m = this.messages.get(prior.offsets[i]!);
          if (m && m.nonce === prior.nonces[i] && this.inFlight(m, now)) again.push(m);
        }
        if (again.length === prior.offsets.length) return Promise.resolve(again);
      }
    }
    const remember = (msgs: StoredMessage[]): StoredMessage[] => {
      if (this.meta.fifo && opts.attemptId !== undefined && msgs.length) {
        this.receiveAttempts.set(opts.attemptId, {
          offsets: msgs.map((m) => m.offset),
          nonces: msgs.map((m) => m.nonce),
          expiresMs: this.now + LIMITS.receiveAttemptWindowMs,
        });
      }
      return msgs;
    };
    const got = this.take(opts.max, opts.visibilityMs);
    if (got.length || opts.waitSeconds <= 0 || this.closed) return Promise.resolve(remember(got));
    return new Promise<StoredMessage[]>((resolve) => {
      const w: Waiter = {
        max: opts.max,
        visibilityMs: opts.visibilityMs,
        resolve: (msgs) => {
          this.waiters.delete(w);
          w.timer?.cancel();
          if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
          resolve(remember(msgs));
        },
        timer: null,
        onAbort: null,
        signal: opts.signal,
      };
      w.timer = this.host.clock.setTimer(() => w.resolve([]), opts.waitSeconds * 1000);
      if (opts.signal) {
        w.onAbort = () => w.resolve([]);
        opts.signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.add(w);
      this.armWake();
    });
  }

  /** Hands visible messages to waiting long polls, oldest waiter first. */
  private serveWaiters(): void {
    for (const w of this.waiters) {
      const got = this.take(w.max, w.visibilityMs);
      if (got.length === 0) break;
      w.resolve(got);
    }
    this.armWake();
  }

  /**
   * While long polls wait, a timer fires at the next visibility deadline (a
   * delay ending, an in-flight message returning or, for FIFO, a group
   * unlocking). Deadlines already past were seen by the take() just before.
   */
  private armWake(): void {
    const now = this.now;
    let at = Number.POSITIVE_INFINITY;
    for (;;) {
      const top = this.pending.peek();
      if (!top) break;
      if (top.version !== top.m.version || top.m.gone || top.atMs <= now) {
        this.pending.pop();
        continue;
      }
      at = top.atMs;
      break;
    }
    if (this.waiters.size === 0 || this.closed) at = Number.POSITIVE_INFINITY;
    if (at === this.wakeAtMs) return;
    this.wakeTimer?.cancel();
    this.wakeTimer = null;
    this.wakeAtMs = at;
    if (at === Number.POSITIVE_INFINITY) return;
    this.wakeTimer = this.host.clock.setTimer(() => {
      this.wakeTimer = null;
      this.wakeAtMs = Number.POSITIVE_INFINITY;
      this.serveWaiters();
    }, at - now);
  }

  /** The live message a receipt handle names, checked against this queue. */
  private fromReceipt(handle: string): { m: StoredMessage | undefined; nonce: string } {
    const parsed = parseReceiptHandle(handle);
    if (!parsed || parsed.logId !== this.meta.logId) {
      throw sqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
    }
    return { m: this.messages.get(parsed.offset), nonce: parsed.nonce };
  }

  /** DeleteMessage. Deleting a message that is already gone succeeds, as in SQS. */
  async deleteMessage(handle: string): Promise<void> {
    const { m, nonce } = this.fromReceipt(handle);
    if (!m) return;
    if (this.meta.fifo && m.nonce !== nonce) {
      throw sqsError('InvalidParameterValue', `Value ${handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`);
    }
    this.remove(m);
    await this.append('D', { o: [m.offset] }).durable;
    if (this.meta.fifo) this.serveWaiters();
  }

  /** ChangeMessageVisibility: the message must be in flight under this receipt. */
  async changeVisibility(handle: string, seconds: number): Promise<void> {
    const { m, nonce } = this.fromReceipt(handle);
    const now = this.now;
    if (!m || m.nonce !== nonce || !this.inFlight(m, now)) {
      throw sqsError(
        'MessageNotInflight',
        `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    const at = now + seconds * 1000;
    this.setVisibleAt(m, at);
    await this.append('V', { o: m.offset, v: at }).durable;
    if (at <= now) this.serveWaiters();
    else this.armWake();
  }

  /** PurgeQueue: every message sent before now is deleted; once per 60 seconds. */
  async purge(): Promise<void> {
    const now = this.now;
    if (now - this.lastPurgeMs < LIMITS.purgeIntervalMs) {
      throw sqsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${this.name} is allowed every 60 seconds.`);
    }
    this.lastPurgeMs = now;
    for (const m of [...this.messages.values()]) this.remove(m);
    await this.append('P', {}).durable;
  }

  /** Records that messages left the queue (moved to a dead-letter queue). */
  async forget(m: StoredMessage): Promise<void> {
    this.remove(m);
    await this.append('D', { o: [m.offset] }).durable;
  }

  receiptHandleOf(m: StoredMessage): string {
    return Buffer.from(`${this.meta.logId} ${m.offset} ${m.nonce} ${m.id}`, 'utf8').toString('base64');
  }

  /** counts() and the sent time of the oldest live message (undefined when the queue is empty), in one pass. */
  gauges(): { visible: number; notVisible: number; delayed: number; oldestSentMs: number | undefined } {
    const now = this.now;
    let visible = 0;
    let notVisible = 0;
    let delayed = 0;
    let oldestSentMs: number | undefined;
    for (const m of this.messages.values()) {
      if (this.expired(m, now)) continue;
      if (m.visibleAtMs <= now) visible++;
      else if (m.nonce !== '') notVisible++;
      else delayed++;
      if (oldestSentMs === undefined || m.sentMs < oldestSentMs) oldestSentMs = m.sentMs;
    }
    return { visible, notVisible, delayed, oldestSentMs };
  }

  counts(): { visible: number; notVisible: number; delayed: number } {
    const now = this.now;
    let visible = 0;
    let notVisible = 0;
    let delayed = 0;
    for (const m of this.messages.values()) {
      if (this.expired(m, now)) continue;
      if (m.visibleAtMs <= now) visible++;
      else if (m.nonce !== '') notVisible++;
      else delayed++;
    }
    return { visible, notVisible, delayed };
  }

  /** Drops expired messages and trims the log behind the oldest live message. */
  private sweep(trim: boolean): void {
    const now = this.now;
    let oldest: StoredMessage | undefined;
    for (const m of [...this.messages.values()]) {
      if (this.expired(m, now)) this.remove(m);
      else if (!oldest || m.offset < oldest.offset) oldest = m;
    }
    for (const [k, d] of this.dedup) if (d.expiresMs <= now) this.dedup.delete(k);
    for (const [k, a] of this.receiveAttempts) if (a.expiresMs <= now) this.receiveAttempts.delete(k);
    if (!trim) return;
    // Every record before the oldest live message's S record concerns messages that are gone.
    const oldestTs = oldest ? oldest.recordTs : this.lastTs + 1;
    this.log.trimBefore(oldestTs).catch((e: unknown) => this.host.report(`queue ${this.name}: trim failed`, e));
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = this.host.clock.setTimer(() => {
      this.sweepTimer = null;
      this.sweep(true);
      this.scheduleSweep();
    }, SWEEP_MS);
  }

  close(): void {
    this.closed = true;
    this.sweepTimer?.cancel();
    this.wakeTimer?.cancel();
    for (const w of [...this.waiters]) w.resolve([]);
  }
}

function earlier(a: HeapEntry, b: HeapEntry): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.m.offset < b.m.offset);
}

export function parseReceiptHandle(handle: string): { logId: string; offset: number; nonce: string } | undefined {
  let text: string;
  try {
    text = Buffer.from(handle, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  const parts = text.split(' ');
  if (parts.length !== 4) return undefined;
  const offset = Number(parts[1]);
  if (!Number.isInteger(offset) || offset < 0) return undefined;
  return { logId: parts[0]!, offset, nonce: parts[2]! };
}
