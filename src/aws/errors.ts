/**
 * Per-service error catalogs: each service lists the AWS errors it returns — code, HTTP status,
 * whether a client may retry, and message templates — in one table (src/<service>/errors.ts):
 *
 *   export const kinesisErrors = defineErrors(kinesisModel, {
 *     ResourceNotFoundException: { httpStatus: 400, retryable: false, messages: { stream: 'Stream {stream} under account {account} not found.' } },
 *   });
 *   throw kinesisErrors.format('ResourceNotFoundException', 'stream', { stream: name, account });
 *   throw kinesisErrors.create('InvalidArgumentException', `free text`);
 *
 * Codes must be errors the service's model declares or AWS's common front-end errors (COMMON_ERRORS);
 * test/aws/catalogs.test.ts checks every catalog against its model and docs/compatibility.md. For
 * awsQuery and query-compatible services the model's `error.code` (SQS's
 * `AWS.SimpleQueueService.NonExistentQueue`) and `senderFault` come along.
 */
import { AwsError } from '../core/index.ts';
import type { ErrorSpec } from '../core/index.ts';
import type { ServiceModel } from './model.ts';

/**
 * Errors any AWS service's front end may return, besides those its model declares
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/CommonErrors.html and its siblings).
 */
export const COMMON_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'InternalFailure',
  'InvalidAction',
  'InvalidClientTokenId',
  'InvalidParameterCombination',
  'InvalidParameterValue',
  'InvalidQueryParameter',
  'InvalidSignatureException',
  'MalformedQueryString',
  'MissingAction',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'MissingParameter',
  'NotAuthorized',
  'OptInRequired',
  'RequestEntityTooLargeException',
  'RequestExpired',
  'SerializationException',
  'ServiceUnavailable',
  'ThrottlingException',
  'UnknownOperationException',
  'UnrecognizedClientException',
  'ValidationError',
  'ValidationException',
]);

export interface ErrorEntry {
  readonly httpStatus: number;
  readonly retryable: boolean;
  /** Message templates by name; `{param}` placeholders are filled by `format`. */
  readonly messages?: Readonly<Record<string, string>>;
}

/** The `{name}` placeholders of a template, as a union of their names. */
export type TemplateParams<S extends string> = S extends `${string}{${infer P}}${infer R}` ? P | TemplateParams<R> : never;

type MessagesOf<E> = E extends { readonly messages: infer M } ? M : Record<string, never>;

export interface ErrorCatalog<E extends Readonly<Record<string, ErrorEntry>>> {
  /** The model's serviceId. */
  readonly service: string;
  readonly entries: E;
  /** The catalog entry of `code` (with the model's query code and fault), if the catalog has one. */
  spec(code: string): ErrorSpec | undefined;
  /** An error with a free-text message. */
  create<C extends keyof E & string>(code: C, message: string, options?: { cause?: unknown; fields?: Record<string, unknown> }): AwsError;
  /** An error from one of the code's message templates. */
  format<C extends keyof E & string, K extends keyof MessagesOf<E[C]> & string>(
    code: C,
    template: K,
    params: Record<TemplateParams<MessagesOf<E[C]>[K] & string>, string | number>,
  ): AwsError;
}

/** Fills `{name}` placeholders. */
export function fillTemplate(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** The errors a model declares: every shape some operation lists as an error, with its wire traits. */
export function modelErrors(model: ServiceModel): Map<string, { queryCode?: string; httpStatus?: number; senderFault?: boolean }> {
  const out = new Map<string, { queryCode?: string; httpStatus?: number; senderFault?: boolean }>();
  for (const op of Object.values(model.operations)) {
    for (const name of op.errors) {
      const s = model.shapes[name];
      const e = s?.type === 'structure' ? s.error : undefined;
      out.set(name, {
        ...(e?.code !== undefined ? { queryCode: e.code } : {}),
        ...(e?.httpStatusCode !== undefined ? { httpStatus: e.httpStatusCode } : {}),
        ...(e?.senderFault !== undefined ? { senderFault: e.senderFault } : {}),
      });
    }
  }
  return out;
}

export function defineErrors<const E extends Readonly<Record<string, ErrorEntry>>>(model: ServiceModel, entries: E): ErrorCatalog<E> {
  const declared = modelErrors(model);
  const specs = new Map<string, ErrorSpec>();
  for (const [code, entry] of Object.entries(entries)) {
    const m = declared.get(code);
    specs.set(code, {
      code,
      httpStatus: entry.httpStatus,
      retryable: entry.retryable,
      ...(m?.queryCode !== undefined ? { queryCode: m.queryCode } : {}),
      ...(m?.senderFault !== undefined ? { senderFault: m.senderFault } : {}),
    });
  }
  return {
    service: model.metadata.serviceId,
    entries,
    spec: (code) => specs.get(code),
    create(code, message, options = {}) {
      return new AwsError(specs.get(code)!, message, options);
    },
    format(code, template, params) {
      const text = entries[code]?.messages?.[template];
      if (text === undefined) throw new Error(`${model.metadata.serviceId} errors: ${code} has no message template ${template}`);
      return new AwsError(specs.get(code)!, fillTemplate(text, params));
    },
  };
}
