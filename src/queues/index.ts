/**
 * SQS-compatible queues on Freshet's storage: the engine the AmazonSQS service
 * and event source mappings use in-process.
 *
 *   const queues = await QueuesEngine.open({ storage, clock, region, accountId });
 *   await queues.createQueue('jobs', { VisibilityTimeout: '30' });
 *   await queues.sendMessage('jobs', { body: 'hello' });
 *   const [m] = await queues.receiveMessage('jobs', { waitTimeSeconds: 20 });
 *   await queues.deleteMessage('jobs', m.receiptHandle);
 */
export { QueuesEngine, META_PREFIX as QUEUE_META_PREFIX } from './engine.ts';
export { createSqsService, SQS_ACTIONS } from './service.ts';
export type { SqsService } from './service.ts';
export { sqsErrors } from './errors.ts';
export type { QueuesEngineOptions, SendMessageInput, ReceiveInput, ReceivedMessage } from './engine.ts';
export type { QueueMeta, SendResult } from './queue.ts';
export { md5Hex, md5OfAttributes } from './md5.ts';
export type { MessageAttributes, MessageAttributeValue } from './md5.ts';
export { LIMITS as QUEUE_LIMITS, READABLE_ATTRIBUTES, MESSAGE_SYSTEM_ATTRIBUTES, queueNameFromArn } from './model.ts';
