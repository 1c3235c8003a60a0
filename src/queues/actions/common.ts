/**
 * What AmazonSQS actions share: their context (the queues engine and the
 * server's URL, which queue URLs are made of) and queue URLs ↔ names.
 */
import type { ActionContext } from '../../aws/index.ts';
import type { MessageAttributeValue as WireAttribute } from '../../aws/models/sqs.ts';
import type { QueuesEngine } from '../engine.ts';
import { sqsError } from '../errors.ts';
import type { MessageAttributes } from '../md5.ts';

export interface SqsDeps {
  queues: QueuesEngine;
  /** The server's base URL (`http://127.0.0.1:4567`): queue URLs are `<base>/<account>/<name>`. */
  baseUrl(): string;
}

export type SqsContext = ActionContext<SqsDeps>;

export function queueUrl(ctx: SqsContext, name: string): string {
  return `${ctx.deps.baseUrl()}/${ctx.deps.queues.accountId}/${name}`;
}

/** The queue a QueueUrl names: its last path segment, under this account (any host, as SDKs send AWS's). */
export function queueName(ctx: SqsContext, url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const parts = path.split('/').filter((p) => p !== '');
  const name = parts.at(-1);
  const account = parts.at(-2);
  if (name === undefined || (account !== undefined && account !== ctx.deps.queues.accountId) || !ctx.deps.queues.has(name)) {
    throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  }
  return name;
}

export function attributesFrom(wire: Record<string, WireAttribute> | undefined): MessageAttributes | undefined {
  if (!wire) return undefined;
  const out: MessageAttributes = {};
  for (const [k, v] of Object.entries(wire)) {
    out[k] = {
      dataType: v.DataType,
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: v.BinaryValue } : {}),
    };
  }
  return out;
}

export function attributesTo(attrs: MessageAttributes | undefined): Record<string, WireAttribute> | undefined {
  if (!attrs) return undefined;
  const out: Record<string, WireAttribute> = {};
  for (const [k, v] of Object.entries(attrs)) {
    out[k] = {
      DataType: v.dataType,
      ...(v.stringValue !== undefined ? { StringValue: v.stringValue } : {}),
      ...(v.binaryValue !== undefined ? { BinaryValue: v.binaryValue } : {}),
    };
  }
  return out;
}
