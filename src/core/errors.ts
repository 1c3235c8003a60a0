/**
 * The one error class. Every error Freshet returns over an AWS API is an AwsError carrying an AWS
 * error code; only the wire codecs turn it into `{"__type": ..., "message": ...}`, an XML error
 * document or a CBOR map. Each service's catalog (src/<service>/errors.ts, made with src/aws's
 * defineErrors) lists its codes with status, retryability and message templates; the table here holds
 * only the front end's codes that every AWS JSON service shares (the toolkit's router, codecs and auth name
 * them directly). A service's own codes are in its catalog alone.
 */
export const ERROR_CATALOG = {
  // AWS JSON services' front end
  SerializationException: { httpStatus: 400, retryable: false },
  ValidationException: { httpStatus: 400, retryable: false },
  UnknownOperationException: { httpStatus: 400, retryable: false },
  MissingAuthenticationTokenException: { httpStatus: 400, retryable: false },
  IncompleteSignatureException: { httpStatus: 400, retryable: false },
  InvalidSignatureException: { httpStatus: 400, retryable: false },
  UnrecognizedClientException: { httpStatus: 400, retryable: false },
  AccessDeniedException: { httpStatus: 400, retryable: false },
  RequestEntityTooLargeException: { httpStatus: 413, retryable: false },
  InternalFailure: { httpStatus: 500, retryable: true },
  ServiceUnavailable: { httpStatus: 503, retryable: true },
} as const satisfies Record<string, { httpStatus: number; retryable: boolean }>;

export type AwsErrorCode = keyof typeof ERROR_CATALOG;

/**
 * One error as a service's catalog defines it (src/aws/errors.ts, defineErrors): AWS's code, HTTP status,
 * whether a client may retry, and for awsQuery and query-compatible services the query error code and
 * whether it is the sender's fault.
 */
export interface ErrorSpec {
  readonly code: string;
  readonly httpStatus: number;
  readonly retryable: boolean;
  /** The code awsQuery responses (and `x-amzn-query-error`) carry, when it is not `code` (SQS's `AWS.SimpleQueueService.NonExistentQueue`). */
  readonly queryCode?: string;
  /** `<Type>Sender</Type>` (true) or `Receiver`; by default from the status (5xx: Receiver). */
  readonly senderFault?: boolean;
}

export class AwsError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly retryable: boolean;
  /** Some AWS errors spell the message field `Message` (SerializationException). */
  readonly messageField: 'message' | 'Message';
  /**
   * Members of the error shape besides the message, written next to it on the wire
   * (Kinesis Analytics' UnableToDetectSchemaException carries RawInputRecords and ProcessedInputRecords).
   */
  readonly fields: Readonly<Record<string, unknown>> | undefined;
  /** The catalog entry the error was made from, when a service catalog made it. */
  readonly spec: ErrorSpec | undefined;

  /** `code`: one of the shared codes above, or a service catalog's entry (src/aws/errors.ts). */
  constructor(
    code: AwsErrorCode | ErrorSpec,
    message: string,
    options: { cause?: unknown; httpStatus?: number; messageField?: 'message' | 'Message'; wireCode?: string; fields?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AwsError';
    const entry = typeof code === 'string' ? ERROR_CATALOG[code] : code;
    // wireCode lets two catalog entries share an AWS name (Firehose's InvalidArgumentException).
    this.code = options.wireCode ?? (typeof code === 'string' ? code : code.code);
    this.httpStatus = options.httpStatus ?? entry.httpStatus;
    this.retryable = entry.retryable;
    this.messageField = options.messageField ?? 'message';
    this.fields = options.fields;
    this.spec = typeof code === 'string' ? undefined : code;
  }
}

export function isAwsError(e: unknown): e is AwsError {
  return e instanceof AwsError;
}
