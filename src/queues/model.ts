/**
 * Queue attributes, limits and validation in SQS's words.
 *
 * Reference: SQS API reference, CreateQueue / SetQueueAttributes /
 * GetQueueAttributes (attribute names, ranges, defaults) and the SQS quotas
 * page. Attribute values travel as strings, as on the wire.
 */
import type { AwsError } from '../core/index.ts';
import { sqsError } from './errors.ts';

/** Attributes a caller may set, with their defaults (strings, as SQS stores and returns them). */
export const SETTABLE_DEFAULTS = {
  DelaySeconds: '0',
  MaximumMessageSize: '262144',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  SqsManagedSseEnabled: 'true',
} as const;

const INTEGER_RANGES: Record<string, readonly [number, number]> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};

const SETTABLE = new Set([
  ...Object.keys(INTEGER_RANGES),
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'SqsManagedSseEnabled',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

/** Every attribute name GetQueueAttributes knows. */
export const READABLE_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesDelayed',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'DelaySeconds',
  'LastModifiedTimestamp',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'Policy',
  'QueueArn',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'VisibilityTimeout',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

/** System attributes a ReceiveMessage may ask for (AttributeNames / MessageSystemAttributeNames). */
export const MESSAGE_SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

export const LIMITS = {
  maxBatchEntries: 10,
  maxReceiveMessages: 10,
  maxWaitSeconds: 20,
  maxVisibilitySeconds: 43_200,
  maxDelaySeconds: 900,
  maxMessageAttributes: 10,
  /** FIFO deduplication interval. */
  dedupWindowMs: 5 * 60_000,
  /** PurgeQueue may run once per this long. */
  purgeIntervalMs: 60_000,
  /** A deleted queue's name may be reused after this long. */
  recreateAfterDeleteMs: 60_000,
  /** ReceiveRequestAttemptId deduplication interval (FIFO). */
  receiveAttemptWindowMs: 5 * 60_000,
} as const;

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** Checks a queue name (with `.fifo` for FIFO queues) in SQS's words. */
export function validateQueueName(name: string, fifo: boolean): void {
  if (fifo) {
    if (!name.endsWith('.fifo') || !QUEUE_NAME.test(`${name.slice(0, -5)}_fifo`)) {
      throw sqsError(
        'InvalidParameterValue',
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
      );
    }
    return;
  }
  if (!QUEUE_NAME.test(name)) {
    throw sqsError('InvalidParameterValue', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
}

function invalidValue(name: string): AwsError {
  return sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
}

function parseBool(name: string, v: string): boolean {
  const l = v.toLowerCase();
  if (l === 'true') return true;
  if (l === 'false') return false;
  throw invalidValue(name);
}

/** Parses and checks a RedrivePolicy attribute value (a JSON string). */
export function parseRedrivePolicy(value: string): RedrivePolicy | undefined {
  if (value === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw sqsError('InvalidAttributeValue', `Value ${value} for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.`);
  }
  const p = parsed as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  if (typeof p !== 'object' || p === null || typeof p.deadLetterTargetArn !== 'string') {
    throw sqsError(
      'InvalidAttributeValue',
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: deadLetterTargetArn.`,
    );
  }
  const count = typeof p.maxReceiveCount === 'string' ? Number(p.maxReceiveCount) : p.maxReceiveCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) {
    throw sqsError(
      'InvalidAttributeValue',
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: ${String(p.maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`,
    );
  }
  return { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: count };
}

/**
 * Validates attributes for CreateQueue (`creating`) or SetQueueAttributes and
 * returns them normalised (booleans lower-case). FIFO-only attributes on a
 * standard queue, and FifoQueue on SetQueueAttributes, are refused as SQS does.
 */
export function validateAttributes(attrs: Readonly<Record<string, string>>, fifo: boolean, creating: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(attrs)) {
    if (!SETTABLE.has(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    const value = String(raw);
    const range = INTEGER_RANGES[name];
    if (range) {
      if (!/^-?\d+$/.test(value.trim())) throw invalidValue(name);
      const n = Number(value.trim());
      if (n < range[0] || n > range[1]) throw invalidValue(name);
      out[name] = String(n);
      continue;
    }
    switch (name) {
      case 'FifoQueue':
        if (!creating) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
        if (parseBool(name, value) !== fifo) throw invalidValue(name);
        if (fifo) out[name] = 'true';
        break;
      case 'ContentBasedDeduplication':
      case 'SqsManagedSseEnabled':
        if (name === 'ContentBasedDeduplication' && !fifo) throw invalidValue(name);
        out[name] = String(parseBool(name, value));
        break;
      case 'DeduplicationScope':
        if (!fifo || (value !== 'messageGroup' && value !== 'queue')) throw invalidValue(name);
        out[name] = value;
        break;
      case 'FifoThroughputLimit':
        if (!fifo || (value !== 'perQueue' && value !== 'perMessageGroupId')) throw invalidValue(name);
        out[name] = value;
        break;
      case 'RedrivePolicy':
        parseRedrivePolicy(value);
        out[name] = value;
        break;
      case 'Policy':
      case 'RedriveAllowPolicy':
        if (value !== '') {
          try {
            JSON.parse(value);
          } catch {
            throw invalidValue(name);
          }
        }
        out[name] = value;
        break;
      default:
        out[name] = value;
    }
  }
  return out;
}

/** The queue name in an SQS ARN (`arn:aws:sqs:<region>:<account>:<name>`), or undefined. */
export function queueNameFromArn(arn: string): string | undefined {
  const m = /^arn:[^:]+:sqs:[^:]*:[^:]*:([^:]+)$/.exec(arn);
  return m ? m[1] : undefined;
}
