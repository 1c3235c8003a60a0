/**
 * The errors KinesisAnalytics_20180523 returns, as its model declares them
 * (https://docs.aws.amazon.com/managed-flink/latest/apiv2/CommonErrors.html and each action's "Errors").
 * All are HTTP 400 on AWS JSON 1.1 but ServiceUnavailableException; the messages are Freshet's.
 */
import { defineErrors } from '../../aws/index.ts';
import { kinesisAnalyticsV2Model } from '../../aws/models/kinesisanalyticsv2.ts';

export const analyticsV2Errors = defineErrors(kinesisAnalyticsV2Model, {
  CodeValidationException: { httpStatus: 400, retryable: false },
  ConcurrentModificationException: { httpStatus: 400, retryable: true },
  InvalidApplicationConfigurationException: { httpStatus: 400, retryable: false },
  InvalidArgumentException: { httpStatus: 400, retryable: false },
  InvalidRequestException: { httpStatus: 400, retryable: false },
  LimitExceededException: { httpStatus: 400, retryable: true },
  ResourceInUseException: { httpStatus: 400, retryable: false },
  ResourceNotFoundException: { httpStatus: 400, retryable: false },
  ResourceProvisionedThroughputExceededException: { httpStatus: 400, retryable: true },
  ServiceUnavailableException: { httpStatus: 503, retryable: true },
  TooManyTagsException: { httpStatus: 400, retryable: false },
  UnableToDetectSchemaException: { httpStatus: 400, retryable: false },
  UnsupportedOperationException: { httpStatus: 400, retryable: false },
  SerializationException: { httpStatus: 400, retryable: false },
  ValidationException: { httpStatus: 400, retryable: false },
  UnknownOperationException: { httpStatus: 400, retryable: false },
});
