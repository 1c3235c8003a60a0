/**
 * The errors GraniteServiceVersion20100801 returns, as its model declares them (shape names; the
 * query protocol's codes — InvalidParameterValue, MissingParameter, ResourceNotFound… — come from the
 * model's awsQueryError entries), plus the front-end ValidationError the API answers for malformed
 * requests. The metrics engine raises MetricsError with the query code; `toAwsError` maps it here.
 */
import { defineErrors } from '../aws/index.ts';
import type { AwsError } from '../aws/index.ts';
import { cloudWatchModel } from '../aws/models/cloudwatch.ts';
import type { MetricsError } from '../metrics/index.ts';

export const cloudWatchErrors = defineErrors(cloudWatchModel, {
  ConcurrentModificationException: { httpStatus: 429, retryable: true },
  DashboardInvalidInputError: { httpStatus: 400, retryable: false },
  DashboardNotFoundError: { httpStatus: 404, retryable: false },
  InternalServiceFault: { httpStatus: 500, retryable: true },
  InvalidFormatFault: { httpStatus: 400, retryable: false },
  InvalidNextToken: { httpStatus: 400, retryable: false },
  InvalidParameterCombinationException: { httpStatus: 400, retryable: false },
  InvalidParameterValueException: { httpStatus: 400, retryable: false },
  LimitExceededFault: { httpStatus: 400, retryable: true },
  MissingRequiredParameterException: { httpStatus: 400, retryable: false },
  ResourceNotFound: { httpStatus: 404, retryable: false },
  ResourceNotFoundException: { httpStatus: 404, retryable: false },
  // Front-end errors of the API.
  ValidationError: { httpStatus: 400, retryable: false },
  UnknownOperationException: { httpStatus: 400, retryable: false },
});

/** The catalog entry for an engine error: `dashboard` picks DashboardNotFoundError for ResourceNotFound. */
export function toAwsError(e: MetricsError, opts: { dashboard?: boolean } = {}): AwsError {
  switch (e.code) {
    case 'InvalidParameterValue':
      return cloudWatchErrors.create('InvalidParameterValueException', e.message);
    case 'InvalidParameterCombination':
      return cloudWatchErrors.create('InvalidParameterCombinationException', e.message);
    case 'MissingParameter':
      return cloudWatchErrors.create('MissingRequiredParameterException', e.message);
    case 'ValidationError':
      return cloudWatchErrors.create('ValidationError', e.message);
    case 'ResourceNotFound':
      return cloudWatchErrors.create(opts.dashboard ? 'DashboardNotFoundError' : 'ResourceNotFound', e.message);
    case 'ResourceNotFoundException':
      return cloudWatchErrors.create('ResourceNotFoundException', e.message);
    case 'LimitExceeded':
      return cloudWatchErrors.create('LimitExceededFault', e.message);
    case 'InvalidNextToken':
      return cloudWatchErrors.create('InvalidNextToken', e.message);
    case 'InvalidFormat':
      return cloudWatchErrors.create('InvalidFormatFault', e.message);
    case 'InvalidParameterInput':
      return cloudWatchErrors.create('DashboardInvalidInputError', e.message, {
        fields: { dashboardValidationMessages: e.dashboardValidationMessages ?? [] },
      });
    case 'InternalServiceError':
      return cloudWatchErrors.create('InternalServiceFault', e.message);
  }
}
