/**
 * The errors Firehose_20150804 returns, as its model declares them (Amazon Data Firehose API Reference,
 * each action's "Errors"), with the texts Freshet uses. All are HTTP 400 on AWS JSON 1.1 except
 * ServiceUnavailableException.
 */
import { defineErrors } from '../aws/index.ts';
import { firehoseModel } from '../aws/models/firehose.ts';

export const firehoseErrors = defineErrors(firehoseModel, {
  ConcurrentModificationException: {
    httpStatus: 400,
    retryable: true,
    messages: {
      version: 'Cannot update firehose: {name} since the current version id: {current} and specified version id: {specified} do not match',
    },
  },
  InvalidArgumentException: { httpStatus: 400, retryable: false },
  InvalidKMSResourceException: { httpStatus: 400, retryable: false },
  InvalidSourceException: { httpStatus: 400, retryable: false },
  LimitExceededException: {
    httpStatus: 400,
    retryable: true,
    messages: { tags: 'Number of tags for delivery stream {name} exceeds the limit of {limit}.' },
  },
  ResourceInUseException: { httpStatus: 400, retryable: false, messages: { exists: 'Firehose {name} under accountId {account} already exists' } },
  ResourceNotFoundException: { httpStatus: 400, retryable: false, messages: { stream: 'Firehose {name} under account {account} not found.' } },
  ServiceUnavailableException: { httpStatus: 503, retryable: true },
  // Front-end errors every AWS JSON service returns.
  SerializationException: { httpStatus: 400, retryable: false },
  ValidationException: {
    httpStatus: 400,
    retryable: false,
    messages: { missing: "1 validation error detected: Value null at '{path}' failed to satisfy constraint: Member must not be null" },
  },
  UnknownOperationException: { httpStatus: 400, retryable: false },
});

/** Firehose's InvalidArgumentException (semantic rules the model cannot express). */
export function invalidArgument(message: string) {
  return firehoseErrors.create('InvalidArgumentException', message);
}
