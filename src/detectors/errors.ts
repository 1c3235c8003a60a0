/**
 * The errors LookoutMetrics (2017-07-25, restJson1) returns, as its model declares them (Amazon Lookout for
 * Metrics API Reference, each action's "Errors"), with the texts Freshet uses. The error shapes spell the
 * message `Message`; the rest-json codec writes it so.
 */
import { defineErrors } from '../aws/index.ts';
import { lookoutMetricsModel } from '../aws/models/lookoutmetrics.ts';

export const lookoutMetricsErrors = defineErrors(lookoutMetricsModel, {
  AccessDeniedException: { httpStatus: 403, retryable: false },
  ConflictException: { httpStatus: 409, retryable: false },
  InternalServerException: { httpStatus: 500, retryable: true },
  ResourceNotFoundException: {
    httpStatus: 400,
    retryable: false,
    messages: { arn: '{arn} does not exist.', group: 'Anomaly group {id} does not exist.' },
  },
  ServiceQuotaExceededException: { httpStatus: 402, retryable: false },
  TooManyRequestsException: { httpStatus: 429, retryable: true },
  ValidationException: { httpStatus: 400, retryable: false },
  SerializationException: { httpStatus: 400, retryable: false },
});

export function validation(message: string) {
  return lookoutMetricsErrors.create('ValidationException', message);
}

export function notFound(arn: string, resourceType: string) {
  return lookoutMetricsErrors.create('ResourceNotFoundException', `${arn} does not exist.`, { fields: { ResourceId: arn, ResourceType: resourceType } });
}

export function conflict(message: string, resourceId: string, resourceType: string) {
  return lookoutMetricsErrors.create('ConflictException', message, { fields: { ResourceId: resourceId, ResourceType: resourceType } });
}
