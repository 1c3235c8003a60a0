/**
 * SendMessage, SendMessageBatch, ReceiveMessage, DeleteMessage,
 * DeleteMessageBatch, ChangeMessageVisibility, ChangeMessageVisibilityBatch
 * (SQS API reference). Batch entries succeed or fail one by one; failures
 * carry the entry's error code with SenderFault.
 */
import type { AwsError } from '../../aws/index.ts';
import { defineAction } from '../../aws/index.ts';
import { sqsModel } from '../../aws/models/sqs.ts';
import type { BatchResultErrorEntry, MessageSystemAttributeValue } from '../../aws/models/sqs.ts';
import type { SendMessageInput } from '../engine.ts';
import { md5OfAttributes } from '../md5.ts';
import { attributesFrom, attributesTo, queueName } from './common.ts';
import type { SqsContext } from './common.ts';

interface WireSend {
  MessageBody: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }>;
  MessageSystemAttributes?: Record<string, MessageSystemAttributeValue>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

function sendInput(w: WireSend): SendMessageInput {
  const attrs = attributesFrom(w.MessageAttributes);
  const trace = w.MessageSystemAttributes?.AWSTraceHeader?.StringValue;
  return {
    body: w.MessageBody,
    ...(w.DelaySeconds !== undefined ? { delaySeconds: w.DelaySeconds } : {}),
    ...(attrs ? { messageAttributes: attrs } : {}),
    ...(trace !== undefined ? { traceHeader: trace } : {}),
    ...(w.MessageGroupId !== undefined ? { messageGroupId: w.MessageGroupId } : {}),
    ...(w.MessageDeduplicationId !== undefined ? { messageDeduplicationId: w.MessageDeduplicationId } : {}),
  };
}

function systemMd5(w: WireSend): string | undefined {
  const trace = w.MessageSystemAttributes?.AWSTraceHeader?.StringValue;
  return trace === undefined ? undefined : md5OfAttributes({ AWSTraceHeader: { dataType: 'String', stringValue: trace } });
}

function failure(id: string, e: AwsError): BatchResultErrorEntry {
  return { Id: id, SenderFault: e.httpStatus < 500, Code: e.spec?.queryCode ?? e.code, Message: e.message };
}

export const sendMessage = defineAction(sqsModel, 'SendMessage', async (input, ctx: SqsContext) => {
  const r = await ctx.deps.queues.sendMessage(queueName(ctx, input.QueueUrl), sendInput(input));
  const sys = systemMd5(input);
  return {
    MD5OfMessageBody: r.md5OfBody,
    ...(r.md5OfAttributes ? { MD5OfMessageAttributes: r.md5OfAttributes } : {}),
    ...(sys ? { MD5OfMessageSystemAttributes: sys } : {}),
    MessageId: r.messageId,
    ...(r.sequenceNumber ? { SequenceNumber: r.sequenceNumber } : {}),
  };
});

export const sendMessageBatch = defineAction(sqsModel, 'SendMessageBatch', async (input, ctx: SqsContext) => {
  const results = await ctx.deps.queues.sendMessageBatch(
    queueName(ctx, input.QueueUrl),
    input.Entries.map((e) => ({ id: e.Id, ...sendInput(e) })),
  );
  const byId = new Map(input.Entries.map((e) => [e.Id, e]));
  return {
    Successful: results
      .filter((r) => r.result)
      .map((r) => {
        const sys = systemMd5(byId.get(r.id)!);
        return {
          Id: r.id,
          MessageId: r.result!.messageId,
          MD5OfMessageBody: r.result!.md5OfBody,
          ...(r.result!.md5OfAttributes ? { MD5OfMessageAttributes: r.result!.md5OfAttributes } : {}),
          ...(sys ? { MD5OfMessageSystemAttributes: sys } : {}),
          ...(r.result!.sequenceNumber ? { SequenceNumber: r.result!.sequenceNumber } : {}),
        };
      }),
    Failed: results.filter((r) => r.error).map((r) => failure(r.id, r.error!)),
  };
});

export const receiveMessage = defineAction(sqsModel, 'ReceiveMessage', async (input, ctx: SqsContext) => {
  const names: string[] = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
  const msgs = await ctx.deps.queues.receiveMessage(queueName(ctx, input.QueueUrl), {
    ...(input.MaxNumberOfMessages !== undefined ? { maxNumberOfMessages: input.MaxNumberOfMessages } : {}),
    ...(input.VisibilityTimeout !== undefined ? { visibilityTimeout: input.VisibilityTimeout } : {}),
    ...(input.WaitTimeSeconds !== undefined ? { waitTimeSeconds: input.WaitTimeSeconds } : {}),
    ...(names.length ? { attributeNames: names } : {}),
    ...(input.MessageAttributeNames ? { messageAttributeNames: input.MessageAttributeNames } : {}),
    ...(input.ReceiveRequestAttemptId !== undefined ? { receiveRequestAttemptId: input.ReceiveRequestAttemptId } : {}),
  });
  if (msgs.length === 0) return {};
  return {
    Messages: msgs.map((m) => {
      const attrs = attributesTo(m.messageAttributes);
      return {
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5OfBody,
        Body: m.body,
        ...(Object.keys(m.attributes).length ? { Attributes: m.attributes } : {}),
        ...(m.md5OfMessageAttributes ? { MD5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
        ...(attrs ? { MessageAttributes: attrs } : {}),
      };
    }),
  };
});

export const deleteMessage = defineAction(sqsModel, 'DeleteMessage', async (input, ctx: SqsContext) => {
  await ctx.deps.queues.deleteMessage(queueName(ctx, input.QueueUrl), input.ReceiptHandle);
  return undefined;
});

export const deleteMessageBatch = defineAction(sqsModel, 'DeleteMessageBatch', async (input, ctx: SqsContext) => {
  const results = await ctx.deps.queues.deleteMessageBatch(
    queueName(ctx, input.QueueUrl),
    input.Entries.map((e) => ({ id: e.Id, receiptHandle: e.ReceiptHandle })),
  );
  return {
    Successful: results.filter((r) => !r.error).map((r) => ({ Id: r.id })),
    Failed: results.filter((r) => r.error).map((r) => failure(r.id, r.error!)),
  };
});

export const changeMessageVisibility = defineAction(sqsModel, 'ChangeMessageVisibility', async (input, ctx: SqsContext) => {
  await ctx.deps.queues.changeMessageVisibility(queueName(ctx, input.QueueUrl), input.ReceiptHandle, input.VisibilityTimeout);
  return undefined;
});

export const changeMessageVisibilityBatch = defineAction(sqsModel, 'ChangeMessageVisibilityBatch', async (input, ctx: SqsContext) => {
  const results = await ctx.deps.queues.changeMessageVisibilityBatch(
    queueName(ctx, input.QueueUrl),
    input.Entries.map((e) => ({ id: e.Id, receiptHandle: e.ReceiptHandle, visibilityTimeout: e.VisibilityTimeout ?? 0 })),
  );
  return {
    Successful: results.filter((r) => !r.error).map((r) => ({ Id: r.id })),
    Failed: results.filter((r) => r.error).map((r) => failure(r.id, r.error!)),
  };
});
