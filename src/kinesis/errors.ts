/**
 * The errors Kinesis_20131202 returns (Amazon Kinesis Data Streams API Reference, each action's "Errors",
 * and its common errors), all HTTP 400 on AWS JSON 1.1 and CBOR except InternalFailure (500). Message
 * templates are AWS's texts as kinesalite and user reports recorded them.
 */
import { defineErrors } from '../aws/index.ts';
import { kinesisModel } from '../aws/models/kinesis.ts';

export const kinesisErrors = defineErrors(kinesisModel, {
  AccessDeniedException: { httpStatus: 400, retryable: false },
  ExpiredIteratorException: {
    httpStatus: 400,
    retryable: false,
    messages: {
      expired:
        'Iterator expired. The iterator was created at time {created} while right now it is {now} which is further in the future than the tolerated delay of 300000 milliseconds.',
    },
  },
  ExpiredNextTokenException: { httpStatus: 400, retryable: false, messages: { expired: 'The NextToken {token} has expired.' } },
  InternalFailureException: { httpStatus: 500, retryable: true },
  InvalidArgumentException: {
    httpStatus: 400,
    retryable: false,
    messages: { noStream: 'Either StreamName or StreamARN must be provided.', badNextToken: 'Invalid NextToken: {token}' },
  },
  KMSAccessDeniedException: { httpStatus: 400, retryable: false },
  KMSDisabledException: { httpStatus: 400, retryable: false },
  KMSInvalidStateException: { httpStatus: 400, retryable: false },
  KMSNotFoundException: { httpStatus: 400, retryable: false },
  KMSOptInRequired: { httpStatus: 400, retryable: false },
  KMSThrottlingException: { httpStatus: 400, retryable: true },
  LimitExceededException: { httpStatus: 400, retryable: true },
  ProvisionedThroughputExceededException: {
    httpStatus: 400,
    retryable: true,
    messages: { rate: 'Rate exceeded for shard {shard} in stream {stream} under account {account}.' },
  },
  ResourceInUseException: { httpStatus: 400, retryable: false },
  ResourceNotFoundException: { httpStatus: 400, retryable: false, messages: { stream: 'Stream {stream} under account {account} not found.' } },
  ValidationException: { httpStatus: 400, retryable: false },
  // Front-end errors (AWS's common errors for JSON services).
  SerializationException: { httpStatus: 400, retryable: false },
  UnknownOperationException: { httpStatus: 400, retryable: false },
  InternalFailure: { httpStatus: 500, retryable: true },
  MissingAuthenticationTokenException: { httpStatus: 400, retryable: false },
  IncompleteSignatureException: { httpStatus: 400, retryable: false },
  InvalidSignatureException: { httpStatus: 400, retryable: false },
});
