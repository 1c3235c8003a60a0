/**
 * The errors the AmazonSQS service and the queues engine return, as SQS's
 * model declares them (each with its awsQuery code, e.g.
 * AWS.SimpleQueueService.NonExistentQueue, which the router sends over the
 * query protocol and in x-amzn-query-error), plus the common
 * InvalidParameterValue and MissingParameter. Statuses as SQS answers them
 * over JSON (@aws-sdk/client-sqs's error schemas).
 */
import { defineErrors } from '../aws/index.ts';
import type { AwsError } from '../aws/index.ts';
import { sqsModel } from '../aws/models/sqs.ts';

export const sqsErrors = defineErrors(sqsModel, {
  QueueDoesNotExist: { httpStatus: 400, retryable: false },
  QueueNameExists: { httpStatus: 400, retryable: false },
  QueueDeletedRecently: { httpStatus: 400, retryable: false },
  PurgeQueueInProgress: { httpStatus: 403, retryable: false },
  ReceiptHandleIsInvalid: { httpStatus: 404, retryable: false },
  MessageNotInflight: { httpStatus: 400, retryable: false },
  InvalidAttributeName: { httpStatus: 400, retryable: false },
  InvalidAttributeValue: { httpStatus: 400, retryable: false },
  InvalidMessageContents: { httpStatus: 400, retryable: false },
  InvalidIdFormat: { httpStatus: 400, retryable: false },
  TooManyEntriesInBatchRequest: { httpStatus: 400, retryable: false },
  EmptyBatchRequest: { httpStatus: 400, retryable: false },
  BatchEntryIdsNotDistinct: { httpStatus: 400, retryable: false },
  InvalidBatchEntryId: { httpStatus: 400, retryable: false },
  BatchRequestTooLong: { httpStatus: 400, retryable: false },
  OverLimit: { httpStatus: 403, retryable: false },
  UnsupportedOperation: { httpStatus: 400, retryable: false },
  InvalidAddress: { httpStatus: 404, retryable: false },
  // Common errors SQS words its own way.
  InvalidParameterValue: { httpStatus: 400, retryable: false },
  MissingParameter: { httpStatus: 400, retryable: false },
});

export type SqsErrorCode = keyof typeof sqsErrors.entries;

export function sqsError(code: SqsErrorCode, message: string): AwsError {
  return sqsErrors.create(code, message);
}
