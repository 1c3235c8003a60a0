/**
 * The AmazonSQS API on the server's port: AWS JSON 1.0 (X-Amz-Target
 * AmazonSQS.<Action>, query-compatible errors) as current SDKs send it, and
 * awsQuery (Action=…&Version=2012-11-05) as Debian's AWS CLI and boto3 send
 * it — one table listing every operation of the generated model
 * (src/aws/models/sqs.ts), handled in src/queues/actions/.
 */
import { actionTable, defineService, noActions } from '../aws/index.ts';
import type { AwsService } from '../aws/index.ts';
import { sqsModel } from '../aws/models/sqs.ts';
import type { QueuesEngine } from './engine.ts';
import { sqsErrors } from './errors.ts';
import type { SqsDeps } from './actions/common.ts';
import {
  changeMessageVisibility,
  changeMessageVisibilityBatch,
  deleteMessage,
  deleteMessageBatch,
  receiveMessage,
  sendMessage,
  sendMessageBatch,
} from './actions/messages.ts';
import {
  createQueue,
  deleteQueue,
  getQueueAttributes,
  getQueueUrl,
  listDeadLetterSourceQueues,
  listQueueTags,
  listQueues,
  purgeQueue,
  setQueueAttributes,
  tagQueue,
  untagQueue,
} from './actions/queues.ts';

/** Every AmazonSQS operation; permissions and message move tasks are not implemented. */
export const SQS_ACTIONS = actionTable(sqsModel, {
  ...noActions(sqsModel),
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  DeleteQueue: deleteQueue,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  PurgeQueue: purgeQueue,
  TagQueue: tagQueue,
  UntagQueue: untagQueue,
  ListQueueTags: listQueueTags,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
});

export type SqsService = AwsService & { readonly queues: QueuesEngine };

export function createSqsService(deps: SqsDeps): SqsService {
  const service = defineService({ model: sqsModel, actions: SQS_ACTIONS, errors: sqsErrors, close: () => deps.queues.close() }, deps);
  return { ...service, queues: deps.queues };
}
