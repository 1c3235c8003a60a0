/**
 * QueuesEngine: SQS queues on Freshet's storage — the in-process API the
 * AmazonSQS service and event source mappings use. Queues are named; the
 * service turns queue URLs into names. Metadata lives in the MetaStore under
 * `queues/q/<name>`, messages in one storage log per queue (see queue.ts).
 *
 * Reference: SQS API reference (CreateQueue, SendMessage, ReceiveMessage,
 * DeleteMessage, ChangeMessageVisibility, PurgeQueue, GetQueueAttributes…),
 * the quotas page, and the developer guide on FIFO queues, dead-letter queues
 * and message attributes.
 */
import { AwsError, log } from '../core/index.ts';
import type { Clock, Logger } from '../core/index.ts';
import { randomUUID } from 'node:crypto';
import { sqsError } from './errors.ts';
import type { LogStorage } from '../storage/index.ts';
import type { MessageAttributes } from './md5.ts';
import type { RedrivePolicy } from './model.ts';
import { LIMITS, MESSAGE_SYSTEM_ATTRIBUTES, READABLE_ATTRIBUTES, SETTABLE_DEFAULTS, queueNameFromArn, validateAttributes, validateQueueName } from './model.ts';
import { Queue, sequenceNumberOf } from './queue.ts';
import { QueueMetrics } from './metrics.ts';
import type { MetricsRegistry } from '../metrics/index.ts';
import type { QueueHost, QueueMeta, SendResult, StoredMessage } from './queue.ts';

export const META_PREFIX = 'queues/q/';

export interface QueuesEngineOptions {
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  /** Where background failures (a receive that could not be logged, a failed redrive) are reported (default: the `queues` logger). */
  logger?: Logger;
}

export interface SendMessageInput {
  body: string;
  delaySeconds?: number;
  messageAttributes?: MessageAttributes;
  /** MessageSystemAttributes: only AWSTraceHeader exists. */
  traceHeader?: string;
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

export interface ReceiveInput {
  maxNumberOfMessages?: number;
  visibilityTimeout?: number;
  waitTimeSeconds?: number;
  /** System attributes to return ('All' for every one). */
  attributeNames?: readonly string[];
  /** Message attributes to return ('All', '.*', 'prefix.*' or names). */
  messageAttributeNames?: readonly string[];
  receiveRequestAttemptId?: string;
  signal?: AbortSignal;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  md5OfBody: string;
  body: string;
  attributes: Record<string, string>;
  md5OfMessageAttributes: string | undefined;
  messageAttributes: MessageAttributes | undefined;
}

const VALID_BODY = /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;

export class QueuesEngine implements QueueHost {
  readonly storage: LogStorage;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  private readonly queues = new Map<string, Queue>();
  private readonly deletedAt = new Map<string, number>();
  private readonly logger: Logger;
  private creating = new Map<string, Promise<Queue>>();
  /** AWS/SQS emission, once `emitMetrics` attached a registry. */
  private metrics: QueueMetrics | undefined;

  private constructor(opts: QueuesEngineOptions) {
    this.storage = opts.storage;
    this.clock = opts.clock;
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.logger = opts.logger ?? log.child('queues');
  }

  /** Opens every queue in the storage and replays its log. */
  static async open(opts: QueuesEngineOptions): Promise<QueuesEngine> {
    const engine = new QueuesEngine(opts);
    for (const key of opts.storage.meta.keys(META_PREFIX)) {
      const meta = opts.storage.meta.get<QueueMeta>(key);
      if (!meta) continue;
      const log = opts.storage.getLog(meta.logId) ?? (await opts.storage.createLog(meta.logId));
      const q = new Queue(meta, log, engine);
      await q.replay();
      engine.queues.set(meta.name, q);
    }
    return engine;
  }

  /** A background failure (caught, not rethrown) or, without `err`, a warning. */
  report(what: string, err?: unknown): void {
    if (err === undefined) this.logger.warn(what);
    else this.logger.swallowed(what, err);
  }

  arnFor(name: string): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${name}`;
  }

  private notFound(): AwsError {
    return sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  }

  queue(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw this.notFound();
    return q;
  }

  has(name: string): boolean {
    return this.queues.has(name);
  }

  /** The queue an SQS ARN names (in this region and account). */
  queueByArn(arn: string): Queue {
    const name = queueNameFromArn(arn);
    if (name === undefined || arn !== this.arnFor(name)) throw this.notFound();
    return this.queue(name);
  }

  /**
   * CreateQueue. Creating an existing queue with the same attributes returns
   * it; different values fail with QueueNameExists, as in SQS.
   */
  async createQueue(name: string, attributes: Readonly<Record<string, string>> = {}, tags: Readonly<Record<string, string>> = {}): Promise<QueueMeta> {
    // FifoQueue=true makes a FIFO queue, whose name must end in .fifo; a standard queue's name cannot contain a dot.
    const fifo = attributes.FifoQueue?.toLowerCase() === 'true';
    validateQueueName(name, fifo);
    const attrs = validateAttributes(attributes, fifo, true);
    this.checkRedriveTarget(attrs.RedrivePolicy, fifo);
    const existing = this.queues.get(name) ?? (await this.creating.get(name));
    if (existing) {
      for (const [k, v] of Object.entries(attrs)) {
        const current = existing.meta.attributes[k] ?? (SETTABLE_DEFAULTS as Record<string, string>)[k];
        if (current !== v) throw sqsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${k}`);
      }
      return existing.meta;
    }
    const deleted = this.deletedAt.get(name);
    if (deleted !== undefined && this.clock.now() - deleted < LIMITS.recreateAfterDeleteMs) {
      throw sqsError('QueueDeletedRecently', 'You must wait 60 seconds after deleting a queue before you can create another with the same name.');
    }
    const p = (async () => {
      const now = this.clock.now();
      const meta: QueueMeta = {
        name,
        arn: this.arnFor(name),
        fifo,
        attributes: { ...SETTABLE_DEFAULTS, ...(fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {}), ...attrs },
        tags: { ...tags },
        createdMs: now,
        modifiedMs: now,
        logId: `queues/${randomUUID()}`,
      };
      const log = await this.storage.createLog(meta.logId);
      await this.storage.meta.put(META_PREFIX + name, meta);
      const q = new Queue(meta, log, this);
      await q.replay();
      this.queues.set(name, q);
      return q;
    })();
    this.creating.set(name, p);
    try {
      return (await p).meta;
    } finally {
      this.creating.delete(name);
    }
  }

  private checkRedriveTarget(value: string | undefined, fifo: boolean): void {
    if (!value) return;
    const policy = JSON.parse(value) as RedrivePolicy;
    const name = queueNameFromArn(policy.deadLetterTargetArn);
    const target = name !== undefined && policy.deadLetterTargetArn === this.arnFor(name) ? this.queues.get(name) : undefined;
    if (!target) {
      throw sqsError('InvalidParameterValue', `Value ${value} for parameter RedrivePolicy is invalid. Reason: Dead-letter target does not exist.`);
    }
    if (target.meta.fifo !== fifo) {
      throw sqsError(
        'InvalidParameterValue',
        `Value ${value} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.`,
      );
    }
  }

  async deleteQueue(name: string): Promise<void> {
    const q = this.queue(name);
    q.close();
    this.queues.delete(name);
    this.metrics?.forget(name);
    this.deletedAt.set(name, this.clock.now());
    await this.storage.meta.delete(META_PREFIX + name);
    await this.storage.deleteLog(q.meta.logId);
  }

  /** ListQueues: names in order, optionally by prefix, paginated by the last name returned. */
  listQueues(opts: { prefix?: string; maxResults?: number; nextToken?: string } = {}): { names: string[]; nextToken: string | undefined } {
    let names = [...this.queues.keys()].sort();
    if (opts.prefix) names = names.filter((n) => n.startsWith(opts.prefix!));
    if (opts.nextToken !== undefined) {
      const after = Buffer.from(opts.nextToken, 'base64').toString('utf8');
      names = names.filter((n) => n > after);
    }
    if (opts.maxResults !== undefined && names.length > opts.maxResults) {
      const page = names.slice(0, opts.maxResults);
      return { names: page, nextToken: Buffer.from(page.at(-1)!, 'utf8').toString('base64') };
    }
    // Without MaxResults SQS returns at most 1,000 queues.
    return { names: opts.maxResults === undefined ? names.slice(0, 1000) : names, nextToken: undefined };
  }

  /** Queues whose RedrivePolicy names this queue as their dead-letter queue. */
  deadLetterSources(name: string): string[] {
    const arn = this.queue(name).meta.arn;
    const out: string[] = [];
    for (const q of this.queues.values()) if (q.redrivePolicy?.deadLetterTargetArn === arn) out.push(q.name);
    return out.sort();
  }

  /** GetQueueAttributes: `All` or named attributes; unknown names fail with InvalidAttributeName. */
  getAttributes(name: string, names: readonly string[] = ['All']): Record<string, string> {
    const q = this.queue(name);
    const want = new Set<string>();
    for (const n of names) {
      if (n === 'All') for (const a of READABLE_ATTRIBUTES) want.add(a);
      else if ((READABLE_ATTRIBUTES as readonly string[]).includes(n)) want.add(n);
      else throw sqsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
    }
    const out: Record<string, string> = {};
    const c =
      want.has('ApproximateNumberOfMessages') || want.has('ApproximateNumberOfMessagesNotVisible') || want.has('ApproximateNumberOfMessagesDelayed')
        ? q.counts()
        : undefined;
    for (const a of READABLE_ATTRIBUTES) {
      if (!want.has(a)) continue;
      switch (a) {
        case 'ApproximateNumberOfMessages':
          out[a] = String(c!.visible);
          break;
        case 'ApproximateNumberOfMessagesNotVisible':
          out[a] = String(c!.notVisible);
          break;
        case 'ApproximateNumberOfMessagesDelayed':
          out[a] = String(c!.delayed);
          break;
        case 'CreatedTimestamp':
          out[a] = String(Math.floor(q.meta.createdMs / 1000));
          break;
        case 'LastModifiedTimestamp':
          out[a] = String(Math.floor(q.meta.modifiedMs / 1000));
          break;
        case 'QueueArn':
          out[a] = q.meta.arn;
          break;
        default: {
          const v = q.meta.attributes[a];
          if (v !== undefined) out[a] = v;
        }
      }
    }
    return out;
  }

  async setAttributes(name: string, attributes: Readonly<Record<string, string>>): Promise<void> {
    const q = this.queue(name);
    const attrs = validateAttributes(attributes, q.meta.fifo, false);
    this.checkRedriveTarget(attrs.RedrivePolicy, q.meta.fifo);
    const merged = { ...q.meta.attributes, ...attrs };
    for (const k of Object.keys(attrs)) if (attrs[k] === '' && k !== 'Policy') delete merged[k];
    q.meta = { ...q.meta, attributes: merged, modifiedMs: this.clock.now() };
    await this.storage.meta.put(META_PREFIX + name, q.meta);
  }

  async tagQueue(name: string, tags: Readonly<Record<string, string>>): Promise<void> {
    const q = this.queue(name);
    q.meta = { ...q.meta, tags: { ...q.meta.tags, ...tags } };
    await this.storage.meta.put(META_PREFIX + name, q.meta);
  }

  async untagQueue(name: string, keys: readonly string[]): Promise<void> {
    const q = this.queue(name);
    const tags = { ...q.meta.tags };
    for (const k of keys) delete tags[k];
    q.meta = { ...q.meta, tags };
    await this.storage.meta.put(META_PREFIX + name, q.meta);
  }

  listTags(name: string): Record<string, string> {
    return { ...this.queue(name).meta.tags };
  }

  /** Checks one message as SendMessage does and returns the delay to apply (undefined: the queue's). */
  private validateSend(q: Queue, m: SendMessageInput): void {
    if (m.body === undefined || m.body === '') throw sqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (!VALID_BODY.test(m.body)) {
      throw sqsError(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    let size = Buffer.byteLength(m.body, 'utf8');
    const attrs = m.messageAttributes ?? {};
    const names = Object.keys(attrs);
    if (names.length > LIMITS.maxMessageAttributes) {
      throw sqsError('InvalidParameterValue', `Number of message attributes [${names.length}] exceeds the allowed maximum [${LIMITS.maxMessageAttributes}].`);
    }
    for (const n of names) {
      const a = attrs[n]!;
      if (!ATTRIBUTE_NAME.test(n) || n.startsWith('.') || n.endsWith('.') || n.includes('..') || /^(aws\.|amazon\.)/i.test(n)) {
        throw sqsError('InvalidParameterValue', `Message (user) attribute name '${n}' is invalid.`);
      }
      const base = a.dataType?.split('.')[0];
      if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
        throw sqsError(
          'InvalidParameterValue',
          `The type of message (user) attribute '${n}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
        );
      }
      if (base === 'Binary' ? !a.binaryValue || a.binaryValue.length === 0 : a.stringValue === undefined || a.stringValue === '') {
        throw sqsError('InvalidParameterValue', `Message (user) attribute '${n}' must contain a non-empty value of type '${base}'.`);
      }
      if (base === 'Number' && !Number.isFinite(Number(a.stringValue))) {
        throw sqsError('InvalidParameterValue', `Can't cast the value of message (user) attribute '${n}' to a number.`);
      }
      size += Buffer.byteLength(n, 'utf8') + Buffer.byteLength(a.dataType, 'utf8') + (a.binaryValue?.length ?? Buffer.byteLength(a.stringValue ?? '', 'utf8'));
    }
    const max = Number(q.meta.attributes.MaximumMessageSize);
    if (size > max) throw sqsError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
    if (m.delaySeconds !== undefined) {
      if (q.meta.fifo) {
        throw sqsError(
          'InvalidParameterValue',
          `Value ${m.delaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
        );
      }
      if (!Number.isInteger(m.delaySeconds) || m.delaySeconds < 0 || m.delaySeconds > LIMITS.maxDelaySeconds) {
        throw sqsError('InvalidParameterValue', `Value ${m.delaySeconds} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`);
      }
    }
    if (q.meta.fifo) {
      if (!m.messageGroupId) throw sqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
      if (m.messageDeduplicationId === undefined && q.meta.attributes.ContentBasedDeduplication !== 'true') {
        throw sqsError('InvalidParameterValue', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      }
    } else if (m.messageDeduplicationId !== undefined) {
      throw sqsError(
        'InvalidParameterValue',
        `Value ${m.messageDeduplicationId} for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.`,
      );
    }
  }

  /** Emits AWS/SQS metrics (QueueName dimension) into `registry` from now on. */
  emitMetrics(registry: MetricsRegistry): void {
    this.metrics?.detach();
    const queues = this.queues;
    this.metrics = new QueueMetrics(registry, {
      *gauges() {
        for (const [name, q] of queues) if (!q.closed) yield [name, q.gauges()];
      },
    });
  }

  /** SendMessage: resolves once the message is durable. */
  async sendMessage(name: string, m: SendMessageInput): Promise<SendResult> {
    const q = this.queue(name);
    this.validateSend(q, m);
    const result = await this.enqueue(q, m);
    this.metrics?.sent(name, Buffer.byteLength(m.body, 'utf8'));
    return result;
  }

  private enqueue(q: Queue, m: SendMessageInput): Promise<SendResult> {
    return q.send({
      body: m.body,
      ...(m.messageAttributes ? { attributes: m.messageAttributes } : {}),
      ...(m.traceHeader !== undefined ? { traceHeader: m.traceHeader } : {}),
      ...(m.delaySeconds !== undefined ? { delaySeconds: m.delaySeconds } : {}),
      ...(m.messageGroupId !== undefined ? { groupId: m.messageGroupId } : {}),
      ...(m.messageDeduplicationId !== undefined ? { dedupId: m.messageDeduplicationId } : {}),
      senderId: this.accountId,
    });
  }

  /** SendMessageBatch's per-entry outcome: each entry succeeds or fails on its own. */
  async sendMessageBatch(
    name: string,
    entries: readonly (SendMessageInput & { id: string })[],
  ): Promise<Array<{ id: string; result?: SendResult; error?: AwsError }>> {
    const q = this.queue(name);
    checkBatch(
      entries.map((e) => e.id),
      'SendMessageBatchRequestEntry',
    );
    let total = 0;
    for (const e of entries) total += Buffer.byteLength(e.body ?? '', 'utf8');
    const max = Number(q.meta.attributes.MaximumMessageSize);
    if (total > max) throw sqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${max} bytes. You have sent ${total} bytes.`);
    return Promise.all(
      entries.map(async (e) => {
        try {
          return { id: e.id, result: await this.sendMessage(name, e) };
        } catch (err) {
          if (err instanceof AwsError) return { id: e.id, error: err };
          throw err;
        }
      }),
    );
  }

  /** ReceiveMessage, with long polling up to WaitTimeSeconds (the queue's ReceiveMessageWaitTimeSeconds by default). */
  async receiveMessage(name: string, input: ReceiveInput = {}): Promise<ReceivedMessage[]> {
    const q = this.queue(name);
    const max = input.maxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > LIMITS.maxReceiveMessages) {
      throw sqsError('InvalidParameterValue', `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
    }
    const vt = input.visibilityTimeout ?? q.visibilityTimeoutSeconds;
    if (!Number.isInteger(vt) || vt < 0 || vt > LIMITS.maxVisibilitySeconds) {
      throw sqsError('InvalidParameterValue', `Value ${vt} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.`);
    }
    const wait = input.waitTimeSeconds ?? q.receiveWaitSeconds;
    if (!Number.isInteger(wait) || wait < 0 || wait > LIMITS.maxWaitSeconds) {
      throw sqsError('InvalidParameterValue', `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
    }
    for (const n of input.attributeNames ?? []) {
      if (n !== 'All' && !(MESSAGE_SYSTEM_ATTRIBUTES as readonly string[]).includes(n)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
    }
    const msgs = await q.receive({
      max,
      visibilityMs: vt * 1000,
      waitSeconds: wait,
      ...(input.receiveRequestAttemptId !== undefined ? { attemptId: input.receiveRequestAttemptId } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
    this.metrics?.received(name, msgs.length);
    return msgs.map((m) => this.toReceived(q, m, input));
  }

  private toReceived(q: Queue, m: StoredMessage, input: ReceiveInput): ReceivedMessage {
    const want = new Set(input.attributeNames ?? []);
    const all = want.has('All');
    const attributes: Record<string, string> = {};
    const put = (k: string, v: string | undefined): void => {
      if (v !== undefined && (all || want.has(k))) attributes[k] = v;
    };
    put('SenderId', m.senderId);
    put('SentTimestamp', String(m.sentMs));
    put('ApproximateReceiveCount', String(m.receiveCount));
    put('ApproximateFirstReceiveTimestamp', String(m.firstReceiveMs));
    if (q.meta.fifo) {
      put('SequenceNumber', sequenceNumberOf(m.offset));
      put('MessageDeduplicationId', m.dedupId);
    }
    put('MessageGroupId', m.groupId);
    put('AWSTraceHeader', m.traceHeader);
    put('DeadLetterQueueSourceArn', m.dlqSourceArn);
    let messageAttributes: MessageAttributes | undefined;
    if (m.attrs && input.messageAttributeNames?.length) {
      for (const [n, v] of Object.entries(m.attrs)) {
        if (!matchesAttributeName(n, input.messageAttributeNames)) continue;
        (messageAttributes ??= {})[n] = v;
      }
    }
    return {
      messageId: m.id,
      receiptHandle: q.receiptHandleOf(m),
      md5OfBody: m.md5Body,
      body: m.body,
      attributes,
      // SQS returns the digest of all the message's attributes whenever it returns any of them.
      md5OfMessageAttributes: messageAttributes ? m.md5Attrs : undefined,
      messageAttributes,
    };
  }

  async deleteMessage(name: string, receiptHandle: string): Promise<void> {
    await this.queue(name).deleteMessage(receiptHandle);
    this.metrics?.deleted(name, 1);
  }

  async deleteMessageBatch(name: string, entries: readonly { id: string; receiptHandle: string }[]): Promise<Array<{ id: string; error?: AwsError }>> {
    const q = this.queue(name);
    checkBatch(
      entries.map((e) => e.id),
      'DeleteMessageBatchRequestEntry',
    );
    return Promise.all(
      entries.map(async (e) => {
        try {
          await q.deleteMessage(e.receiptHandle);
          this.metrics?.deleted(name, 1);
          return { id: e.id };
        } catch (err) {
          if (err instanceof AwsError) return { id: e.id, error: err };
          throw err;
        }
      }),
    );
  }

  async changeMessageVisibility(name: string, receiptHandle: string, visibilityTimeout: number): Promise<void> {
    if (!Number.isInteger(visibilityTimeout) || visibilityTimeout < 0 || visibilityTimeout > LIMITS.maxVisibilitySeconds) {
      throw sqsError(
        'InvalidParameterValue',
        `Value ${visibilityTimeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
      );
    }
    await this.queue(name).changeVisibility(receiptHandle, visibilityTimeout);
  }

  async changeMessageVisibilityBatch(
    name: string,
    entries: readonly { id: string; receiptHandle: string; visibilityTimeout: number }[],
  ): Promise<Array<{ id: string; error?: AwsError }>> {
    this.queue(name);
    checkBatch(
      entries.map((e) => e.id),
      'ChangeMessageVisibilityBatchRequestEntry',
    );
    return Promise.all(
      entries.map(async (e) => {
        try {
          await this.changeMessageVisibility(name, e.receiptHandle, e.visibilityTimeout);
          return { id: e.id };
        } catch (err) {
          if (err instanceof AwsError) return { id: e.id, error: err };
          throw err;
        }
      }),
    );
  }

  async purgeQueue(name: string): Promise<void> {
    await this.queue(name).purge();
  }

  /** Moves a message that reached maxReceiveCount to the dead-letter queue (same id, body, attributes and sent time). */
  async moveToDeadLetter(source: Queue, policy: RedrivePolicy, m: StoredMessage): Promise<void> {
    const name = queueNameFromArn(policy.deadLetterTargetArn);
    const target = name === undefined ? undefined : this.queues.get(name);
    if (!target) {
      // The dead-letter queue is gone: SQS keeps the message in the source queue.
      this.report(`queue ${source.name}: dead-letter queue ${policy.deadLetterTargetArn} does not exist; message ${m.id} stays`);
      return;
    }
    await target.send({
      body: m.body,
      ...(m.attrs ? { attributes: m.attrs } : {}),
      ...(m.traceHeader !== undefined ? { traceHeader: m.traceHeader } : {}),
      ...(m.groupId !== undefined ? { groupId: m.groupId } : {}),
      ...(m.dedupId !== undefined ? { dedupId: m.dedupId } : {}),
      messageId: m.id,
      // Standard queues keep the original enqueue time (expiry counts from it); FIFO dead-letter queues reset it.
      ...(source.meta.fifo ? {} : { sentMs: m.sentMs }),
      senderId: m.senderId,
      dlqSourceArn: source.meta.arn,
      delaySeconds: 0,
    });
    await source.forget(m);
  }

  async close(): Promise<void> {
    for (const q of this.queues.values()) q.close();
  }
}

function checkBatch(ids: readonly string[], entryName: string): void {
  if (ids.length === 0) throw sqsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  if (ids.length > LIMITS.maxBatchEntries) {
    throw sqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${LIMITS.maxBatchEntries}. You have sent ${ids.length}.`);
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
}

function matchesAttributeName(name: string, patterns: readonly string[]): boolean {
  for (const p of patterns) {
    if (p === 'All' || p === '.*' || p === name) return true;
    if (p.endsWith('.*') && name.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}
