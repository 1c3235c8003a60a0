/**
 * CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, GetQueueAttributes,
 * SetQueueAttributes, PurgeQueue, TagQueue, UntagQueue, ListQueueTags,
 * ListDeadLetterSourceQueues (SQS API reference).
 */
import { defineAction } from '../../aws/index.ts';
import { sqsModel } from '../../aws/models/sqs.ts';
import { sqsError } from '../errors.ts';
import { queueName, queueUrl } from './common.ts';
import type { SqsContext } from './common.ts';

export const createQueue = defineAction(sqsModel, 'CreateQueue', async (input, ctx: SqsContext) => {
  const meta = await ctx.deps.queues.createQueue(input.QueueName, input.Attributes ?? {}, input.tags ?? {});
  return { QueueUrl: queueUrl(ctx, meta.name) };
});

export const getQueueUrl = defineAction(sqsModel, 'GetQueueUrl', (input, ctx: SqsContext) => {
  if (input.QueueOwnerAWSAccountId !== undefined && input.QueueOwnerAWSAccountId !== ctx.deps.queues.accountId) {
    throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  }
  return { QueueUrl: queueUrl(ctx, ctx.deps.queues.queue(input.QueueName).name) };
});

export const listQueues = defineAction(sqsModel, 'ListQueues', (input, ctx: SqsContext) => {
  const { names, nextToken } = ctx.deps.queues.listQueues({
    ...(input.QueueNamePrefix !== undefined ? { prefix: input.QueueNamePrefix } : {}),
    ...(input.MaxResults !== undefined ? { maxResults: input.MaxResults } : {}),
    ...(input.NextToken !== undefined ? { nextToken: input.NextToken } : {}),
  });
  return { ...(names.length ? { QueueUrls: names.map((n) => queueUrl(ctx, n)) } : {}), ...(nextToken ? { NextToken: nextToken } : {}) };
});

export const deleteQueue = defineAction(sqsModel, 'DeleteQueue', async (input, ctx: SqsContext) => {
  await ctx.deps.queues.deleteQueue(queueName(ctx, input.QueueUrl));
  return undefined;
});

export const getQueueAttributes = defineAction(sqsModel, 'GetQueueAttributes', (input, ctx: SqsContext) => {
  const attrs = ctx.deps.queues.getAttributes(queueName(ctx, input.QueueUrl), input.AttributeNames ?? []);
  return Object.keys(attrs).length ? { Attributes: attrs } : {};
});

export const setQueueAttributes = defineAction(sqsModel, 'SetQueueAttributes', async (input, ctx: SqsContext) => {
  await ctx.deps.queues.setAttributes(queueName(ctx, input.QueueUrl), input.Attributes);
  return undefined;
});

export const purgeQueue = defineAction(sqsModel, 'PurgeQueue', async (input, ctx: SqsContext) => {
  await ctx.deps.queues.purgeQueue(queueName(ctx, input.QueueUrl));
  return undefined;
});

export const tagQueue = defineAction(sqsModel, 'TagQueue', async (input, ctx: SqsContext) => {
  await ctx.deps.queues.tagQueue(queueName(ctx, input.QueueUrl), input.Tags);
  return undefined;
});

export const untagQueue = defineAction(sqsModel, 'UntagQueue', async (input, ctx: SqsContext) => {
  await ctx.deps.queues.untagQueue(queueName(ctx, input.QueueUrl), input.TagKeys);
  return undefined;
});

export const listQueueTags = defineAction(sqsModel, 'ListQueueTags', (input, ctx: SqsContext) => {
  const tags = ctx.deps.queues.listTags(queueName(ctx, input.QueueUrl));
  return Object.keys(tags).length ? { Tags: tags } : {};
});

export const listDeadLetterSourceQueues = defineAction(sqsModel, 'ListDeadLetterSourceQueues', (input, ctx: SqsContext) => {
  const names = ctx.deps.queues.deadLetterSources(queueName(ctx, input.QueueUrl));
  const start = input.NextToken !== undefined ? Number(Buffer.from(input.NextToken, 'base64').toString('utf8')) || 0 : 0;
  const size = input.MaxResults ?? names.length;
  const page = names.slice(start, start + size);
  const next = start + size < names.length ? Buffer.from(String(start + size), 'utf8').toString('base64') : undefined;
  return { queueUrls: page.map((n) => queueUrl(ctx, n)), ...(next ? { NextToken: next } : {}) };
});
