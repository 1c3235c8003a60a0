/**
 * What an AWS API service plugs into the one Freshet HTTP server.
 * The server routes `X-Amz-Target: <targetPrefix>.<Action>` to `actions[Action]`.
 * Every action AWS defines for the service is listed; the ones Freshet does not
 * implement map to `undefined`, which the server answers with AWS's
 * UnknownOperationException.
 */
import type { Clock, ErrorSpec } from '../core/index.ts';
import type { ServiceModel } from './model.ts';
import type { CallerIdentity } from './auth.ts';

export interface RequestContext {
  requestId: string;
  /** Region taken from the SigV4 credential scope, or the server default. */
  region: string;
  accountId: string;
  clock: Clock;
  /**
   * The protocol the request came in: 'json' (application/x-amz-json-1.0/1.1), 'cbor' (Kinesis's
   * application/x-amz-cbor-1.1), 'rpcv2-cbor' (Smithy RPC v2), 'query' (awsQuery) or 'rest-json'.
   */
  protocol: WireProtocol;
  /** Who made the request (the account's root unless auth is `enforce`). */
  identity?: CallerIdentity;
  /**
   * Present when the caller's permissions must be checked and the router could not do it with the decoded
   * input: a raw fast path (RawJsonHandler) calls it with the members that name the resource
   * (`{ StreamName }`) before acting; it throws AccessDeniedException.
   */
  authorize?: (input: Record<string, unknown>) => void;
}

/**
 * A response the handler has already encoded as JSON text (hot paths such as
 * GetRecords build the body directly instead of allocating an object graph).
 * Only valid when ctx.protocol === 'json'.
 */
export class PreEncodedJson {
  /**
   * `onSent`: called once the transport no longer refers to `body` (the response finished), so a
   * pooled buffer can be reused; not called when the response is aborted (the GC reclaims it then).
   */
  constructor(
    readonly body: string | Buffer,
    readonly onSent?: () => void,
  ) {}
}

/** Where a streaming response writes (HTTP/1.1 chunked body or an HTTP/2 stream). */
export interface ResponseSink {
  /** Writes one chunk; false when the transport's buffer is full (wait for drained()). */
  write(chunk: Uint8Array): boolean;
  /** Resolves when buffered chunks have been handed to the transport (or the response closed). */
  drained(): Promise<void>;
  end(): void;
  /** Called once when the response closes, by end() or because the client or server went away. */
  onClose(listener: () => void): void;
  readonly closed: boolean;
}

/**
 * A response whose body is written over time (SubscribeToShard's event stream). The router sends
 * status 200 with `contentType`, then calls start(); the handler owns the body from there.
 */
export class StreamingResponse {
  constructor(
    readonly contentType: string,
    readonly start: (sink: ResponseSink) => void,
  ) {}
}

export type WireProtocol = 'json' | 'cbor' | 'rpcv2-cbor' | 'query' | 'rest-json';

export type ActionHandler = (input: Record<string, unknown>, ctx: RequestContext) => unknown | Promise<unknown>;

/**
 * A fast path over an action's raw AWS JSON body, tried before the body is decoded (PutRecords'
 * hot path reads its records in place). Returns undefined to decline — anything it does not
 * plainly understand, including every error case — and the router then decodes the body and calls
 * the action's ordinary handler, which words the error. It runs only once the request's checks
 * (content type, auth) have passed, and must not keep references into `body`. When `ctx.authorize` is
 * present it must call it with the members naming the resource before acting (the router cannot: it has
 * not decoded the body).
 */
export type RawJsonHandler = (body: Buffer, ctx: RequestContext) => Promise<unknown> | undefined;

export interface AwsService {
  /** e.g. 'Kinesis_20131202', 'Firehose_20150804', 'KinesisAnalytics_20150814'. */
  readonly targetPrefix: string;
  /** SigV4 signing name: 'kinesis', 'firehose', 'kinesisanalytics'. */
  readonly signingName: string;
  readonly actions: Readonly<Record<string, ActionHandler | undefined>>;
  /** Optional fast paths for some actions' JSON bodies (see RawJsonHandler). */
  readonly rawJsonActions?: Readonly<Record<string, RawJsonHandler | undefined>>;
  /** Largest request body the service accepts, in bytes. */
  readonly maxRequestBytes?: number;
  /**
   * The generated model of a service made with defineService: which protocols it speaks, its REST routes
   * and the output shapes responses are encoded from.
   */
  readonly model?: ServiceModel;
  /** Operations AWS lets callers invoke unsigned (STS AssumeRoleWithWebIdentity): no signature means an anonymous caller. */
  readonly unsignedActions?: ReadonlySet<string>;
  /**
   * IAM's name for the service's actions (`kinesis` in `kinesis:PutRecord`; the signing name when absent)
   * and the ARN of the resource an operation acts on, from its input (`*` when it acts on none).
   */
  readonly iam?: IamMapping;
  /** The service's error catalog: statuses and awsQuery codes of its errors. */
  readonly errors?: { spec(code: string): ErrorSpec | undefined };
  close?(): Promise<void>;
}

/** How a service's operations are named and scoped in IAM policies (see AwsService.iam). */
export interface IamMapping {
  readonly prefix: string;
  /** The ARN an operation acts on (`arn:aws:kinesis:us-east-1:000000000000:stream/orders`), or `*`. */
  resource(operation: string, input: Record<string, unknown>, region: string, accountId: string): string;
}
