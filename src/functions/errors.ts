/**
 * The errors the AWSLambda service and the functions engine return, as
 * Lambda's model declares them. Lambda's error bodies are
 * `{"Type": "User", "Message": "..."}` (capital M) with the code in
 * x-amzn-ErrorType; ResourceNotFoundException is a 404, ResourceConflict a
 * 409, TooManyRequests a 429 (with `Reason`).
 */
import { AwsError, defineErrors } from '../aws/index.ts';
import { lambdaModel } from '../aws/models/lambda.ts';

export const lambdaErrors = defineErrors(lambdaModel, {
  ResourceNotFoundException: { httpStatus: 404, retryable: false },
  ResourceConflictException: { httpStatus: 409, retryable: false },
  ResourceInUseException: { httpStatus: 400, retryable: false },
  InvalidParameterValueException: { httpStatus: 400, retryable: false },
  InvalidRequestContentException: { httpStatus: 400, retryable: false },
  RequestTooLargeException: { httpStatus: 413, retryable: false },
  TooManyRequestsException: { httpStatus: 429, retryable: true },
  PreconditionFailedException: { httpStatus: 412, retryable: false },
  ProvisionedConcurrencyConfigNotFoundException: { httpStatus: 404, retryable: false },
  ServiceException: { httpStatus: 500, retryable: true },
  ValidationException: { httpStatus: 400, retryable: false },
});

export type LambdaErrorCode = keyof typeof lambdaErrors.entries;

export function lambdaError(code: LambdaErrorCode, message: string, fields: Record<string, unknown> = { Type: 'User' }): AwsError {
  return new AwsError(lambdaErrors.spec(code)!, message, { fields, messageField: 'Message' });
}
