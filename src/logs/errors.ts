/**
 * The errors Logs_20140328 (CloudWatch Logs) returns, as its model declares them, with AWS's texts for the
 * ones Freshet words itself. Statuses as @aws-sdk/client-cloudwatch-logs' error schemas read them (every
 * client error is 400 on this API; ServiceUnavailableException 500).
 */
import { defineErrors } from '../aws/index.ts';
import { logsModel } from '../aws/models/logs.ts';

export const logsErrors = defineErrors(logsModel, {
  InvalidParameterException: {
    httpStatus: 400,
    retryable: false,
    messages: {
      chronological: 'Log events in a single PutLogEvents request must be in chronological order.',
      span: 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
      uploadTooLarge: 'Upload too large: {bytes} bytes exceeds limit of 1048576',
      nextToken: 'The specified nextToken is invalid.',
      retention:
        "1 validation error detected: Value '{value}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{allowed}]",
      prefixAndPattern: 'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.',
      orderByPrefix: 'Cannot order by LastEventTime with a logStreamNamePrefix.',
      namesAndPrefix: 'logStreamNames and logStreamNamePrefix are mutually exclusive parameters.',
      groupAndIdentifier: 'LogGroup name and LogGroup ARN are mutually exclusive parameters.',
      noGroup: 'Either LogGroup name or LogGroup ARN must be provided.',
      filterPattern: "Invalid character(s) in term '{term}'",
      startAfterEnd: 'End time must be greater than start time.',
    },
  },
  ResourceNotFoundException: {
    httpStatus: 400,
    retryable: false,
    messages: {
      group: 'The specified log group does not exist.',
      stream: 'The specified log stream does not exist.',
    },
  },
  ResourceAlreadyExistsException: {
    httpStatus: 400,
    retryable: false,
    messages: {
      group: 'The specified log group already exists',
      stream: 'The specified log stream already exists',
    },
  },
  TooManyTagsException: { httpStatus: 400, retryable: false, messages: { tags: 'A resource can have no more than 50 tags.' } },
  LimitExceededException: { httpStatus: 400, retryable: false },
  OperationAbortedException: { httpStatus: 400, retryable: false },
  ServiceUnavailableException: { httpStatus: 500, retryable: true },
  UnknownOperationException: { httpStatus: 400, retryable: false },
});
