/**
 * The errors KinesisAnalytics_20150814 returns, as its model declares them
 * (https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_Reference.html, each action's "Errors").
 * All are HTTP 400 on AWS JSON 1.1; the engine's messages are its own (AWS documents no texts).
 */
import { defineErrors } from '../aws/index.ts';
import { kinesisAnalyticsModel } from '../aws/models/kinesisanalytics.ts';

export const analyticsErrors = defineErrors(kinesisAnalyticsModel, {
  CodeValidationException: { httpStatus: 400, retryable: false },
  ConcurrentModificationException: { httpStatus: 400, retryable: true },
  InvalidApplicationConfigurationException: { httpStatus: 400, retryable: false },
  InvalidArgumentException: { httpStatus: 400, retryable: false },
  LimitExceededException: { httpStatus: 400, retryable: true },
  ResourceInUseException: { httpStatus: 400, retryable: false },
  ResourceNotFoundException: { httpStatus: 400, retryable: false, messages: { application: 'Application {name} is not found' } },
  ResourceProvisionedThroughputExceededException: { httpStatus: 400, retryable: true },
  ServiceUnavailableException: { httpStatus: 503, retryable: true },
  TooManyTagsException: { httpStatus: 400, retryable: false },
  UnableToDetectSchemaException: { httpStatus: 400, retryable: false },
  UnsupportedOperationException: { httpStatus: 400, retryable: false },
  // Front-end errors every AWS JSON service returns.
  SerializationException: { httpStatus: 400, retryable: false },
  ValidationException: { httpStatus: 400, retryable: false },
  UnknownOperationException: { httpStatus: 400, retryable: false },
});
