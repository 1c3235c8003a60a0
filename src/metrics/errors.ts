/**
 * Errors the metrics engine raises, with CloudWatch's error codes (the query
 * protocol's `Code` values from the service model's awsQueryError entries) and
 * HTTP statuses. The API layer maps them onto the AWS toolkit's error class;
 * the engine itself stays free of wire concerns.
 */
export const METRICS_ERRORS = {
  InvalidParameterValue: 400,
  InvalidParameterCombination: 400,
  MissingParameter: 400,
  /** GetMetricData's request checks (AWS answers them as ValidationError). */
  ValidationError: 400,
  ResourceNotFound: 404,
  ResourceNotFoundException: 404,
  LimitExceeded: 400,
  InvalidNextToken: 400,
  InvalidFormat: 400,
  /** PutDashboard: the body failed validation; carries DashboardValidationMessages. */
  InvalidParameterInput: 400,
  InternalServiceError: 500,
} as const;

export type MetricsErrorCode = keyof typeof METRICS_ERRORS;

export interface DashboardValidationMessage {
  DataPath: string;
  Message: string;
}

export class MetricsError extends Error {
  readonly code: MetricsErrorCode;
  readonly httpStatus: number;
  readonly dashboardValidationMessages: DashboardValidationMessage[] | undefined;

  constructor(code: MetricsErrorCode, message: string, options: { dashboardValidationMessages?: DashboardValidationMessage[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MetricsError';
    this.code = code;
    this.httpStatus = METRICS_ERRORS[code];
    this.dashboardValidationMessages = options.dashboardValidationMessages;
  }
}

export function isMetricsError(e: unknown): e is MetricsError {
  return e instanceof MetricsError;
}
