/**
 * The HTTP front door for every AWS service on the one port. A request is routed, in this order, by:
 *  1. a mounted non-AWS route (`GET /health`, `/console/…`, SSE: RouterOptions.routes), before its body is read;
 *  2. Smithy RPC v2 CBOR: `POST /service/<Service>/operation/<Op>` with `smithy-protocol: rpc-v2-cbor`;
 *  3. `X-Amz-Target: <targetPrefix>.<Action>` (AWS JSON 1.0/1.1, Kinesis's CBOR), the codec by Content-Type;
 *  4. awsQuery: `Action=…&Version=…` in a form body or the query string (the SigV4 credential scope's
 *     service decides between services that share an Action and version);
 *  5. restJson1: method + the models' requestUri templates;
 *  6. otherwise as 3, whose fallbacks answer as AWS's Kinesis front end does.
 * It checks auth (auth.ts), adds AWS's response headers and CORS, enforces the body limit, and turns
 * AwsError into each protocol's wire error. Transport-agnostic apart from the node:http request/response
 * pair, so h2c/TLS reuse it.
 *
 * For X-Amz-Target requests the order of checks follows AWS as observed by kinesalite: CORS preflight,
 * method, empty body, content type, body decode, unknown operation, auth, then the action.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError, isAwsError } from '../core/index.ts';
import { dataBuffers } from '../core/index.ts';
import type { Clock } from '../core/index.ts';
import type { ErrorSpec } from '../core/index.ts';
import { Authenticator, credentialScope, queryAuthError } from './auth.ts';
import type { AuthResult, Authorizer, CallerIdentity } from './auth.ts';
import { cborCodec, codecFor } from './codec/index.ts';
import type { WireCodec } from './codec/index.ts';
import { QUERY_CONTENT_TYPE, decodeQueryInput, encodeQueryError, encodeQueryOutput, parseForm } from './codec/query.ts';
import { compileRoutes, decodeRestJsonInput, encodeRestJsonError, encodeRestJsonOutput, matchRoute } from './codec/rest-json.ts';
import type { RestRoute } from './codec/rest-json.ts';
import { RPCV2_CONTENT_TYPE, RPCV2_PROTOCOL, decodeRpcV2, encodeRpcV2Error, encodeRpcV2Output, parseRpcV2Path } from './codec/rpcv2.ts';
import { toJsonForms } from './codec/shape-walk.ts';
import { modelErrors } from './errors.ts';
import { PreEncodedJson, StreamingResponse } from './service.ts';
import type { ActionHandler, AwsService, RequestContext, ResponseSink, WireProtocol } from './service.ts';

export const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/**
 * A non-AWS HTTP route mounted on the same port (`GET /health`, `/console/…`, `/metrics`, server-sent
 * events). Matched before AWS routing and before the body is read: the handler owns the request.
 */
export interface HttpRoute {
  /** Any method when absent. */
  readonly method?: string;
  /** The path (without query); with `prefix`, every path under it too. */
  readonly path: string;
  readonly prefix?: boolean;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface RouterOptions {
  services: readonly AwsService[];
  /** Non-AWS routes (see HttpRoute). */
  routes?: readonly HttpRoute[];
  clock: Clock;
  region: string;
  accountId: string;
  /** How requests are authenticated (default: `any`, any well-formed signature, every caller the account's root). */
  authenticator?: Authenticator;
  /** Checks callers other than the account's root against their policies (src/iam); none: everything is allowed. */
  authorizer?: Authorizer;
  /** Called with unexpected (non-AwsError) failures; the request gets a 500 InternalFailure. */
  onInternalError?: (e: unknown, action: string) => void;
}

const EXPOSE_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';
const NO_OPERATION = 'Unable to determine service/operation name to be authorized';

/** x-amz-id-2 values: 72 random bytes base64-encoded, cut from a pool refilled in bulk. */
let idPool = Buffer.alloc(0);
let idPoolPos = 0;
function amzId2(): string {
  if (idPoolPos + 72 > idPool.length) {
    idPool = randomBytes(72 * 256);
    idPoolPos = 0;
  }
  const s = idPool.toString('base64', idPoolPos, idPoolPos + 72);
  idPoolPos += 72;
  return s;
}

function xmlError(res: ServerResponse, type: string, status: number, message?: string): void {
  const body = message === undefined ? `<${type}/>\n` : `<${type}>\n  <Message>${message}</Message>\n</${type}>\n`;
  res.statusCode = status;
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function send(res: ServerResponse, codec: WireCodec, status: number, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', codec.contentType);
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.end(body);
}

function sendError(res: ServerResponse, codec: WireCodec, err: AwsError): void {
  if (!res.headersSent) res.setHeader('x-amzn-ErrorType', err.code);
  send(res, codec, err.httpStatus, codec.encodeError(err));
}

/** Sends the head of a streaming response and hands its body to the handler. */
function startStreaming(res: ServerResponse, result: StreamingResponse): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', result.contentType);
  res.flushHeaders();
  let closed = false;
  const closeListeners: Array<() => void> = [];
  const onClosed = (): void => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners.splice(0)) l();
  };
  res.on('close', onClosed);
  const sink: ResponseSink = {
    write: (chunk) => (closed ? false : res.write(chunk)),
    drained: () =>
      closed || !res.writableNeedDrain
        ? Promise.resolve()
        : new Promise((resolve) => {
            const done = (): void => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          }),
    end: () => {
      if (!closed) res.end();
      onClosed();
    },
    onClose: (l) => {
      if (closed) l();
      else closeListeners.push(l);
    },
    get closed() {
      return closed;
    },
  };
  result.start(sink);
}

/** Request bodies at least this large (and in more than one chunk) are gathered into pooled buffers. */
const POOLED_BODY_BYTES = 64 * 1024;

/** `application/json` (parameters and spaces aside): Coral's old JSON envelope, which AWS no longer serves. */
function isPlainJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/**
 * AWS's answer to a non-empty `application/json` request (kinesalite's recording of AWS): a body that is not a
 * JSON object is a 400 SerializationException, any other a 404 UnknownOperationException, both in Coral's old
 * `{"Output": {"__type": …}, "Version": "1.0"}` envelope, before auth or the target are looked at.
 */
function deprecatedJsonError(res: ServerResponse, body: Buffer): void {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    value = undefined;
  }
  const ok = typeof value === 'object' && value !== null;
  const type = ok ? 'UnknownOperationException' : 'SerializationException';
  const text = `{"Output":{"__type":"com.amazon.coral.service#${type}"},"Version":"1.0"}`;
  res.statusCode = ok ? 404 : 400;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.startsWith('application/x-amz-json') === true;
}

const INTERNAL_MESSAGE = 'The request processing has failed because of an unknown error, exception or failure.';

/** An error's wire form for awsQuery and query-compatible services: the query code and fault, from the error or the service. */
function errorSpec(service: AwsService | undefined, err: AwsError): ErrorSpec | undefined {
  if (err.spec) return err.spec;
  const fromCatalog = service?.errors?.spec(err.code);
  if (fromCatalog) return fromCatalog;
  if (!service?.model) return undefined;
  const m = modelErrors(service.model).get(err.code);
  return m ? { code: err.code, httpStatus: m.httpStatus ?? err.httpStatus, retryable: err.retryable, ...m } : undefined;
}

/** `x-amzn-query-error: <query code>;<Sender|Receiver>`, which SDKs of query-compatible services read the error code from. */
function queryErrorHeader(service: AwsService | undefined, err: AwsError): string | undefined {
  if (!service?.model?.metadata.awsQueryCompatible) return undefined;
  const spec = errorSpec(service, err);
  const sender = spec?.senderFault ?? err.httpStatus < 500;
  return `${spec?.queryCode ?? err.code};${sender ? 'Sender' : 'Receiver'}`;
}

function internalFailure(e: unknown): AwsError {
  return new AwsError('InternalFailure', INTERNAL_MESSAGE, { cause: e });
}

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}

function queryOf(url: string | undefined): URLSearchParams {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : u.slice(q + 1));
}

export class Router {
  private readonly byPrefix = new Map<string, AwsService>();
  private readonly rpcv2 = new Map<string, AwsService>();
  private readonly query: AwsService[] = [];
  private readonly rest: Array<{ service: AwsService; routes: RestRoute[] }> = [];
  private readonly routes: readonly HttpRoute[];
  private readonly maxBytes: number;
  private readonly auth: Authenticator;
  private inFlight = 0;
  private drained: Array<() => void> = [];

  constructor(private readonly opts: RouterOptions) {
    let max = 0;
    for (const s of opts.services) {
      const protocols = s.model?.metadata.protocols;
      if (!protocols || protocols.includes('json')) this.byPrefix.set(s.targetPrefix, s);
      if (protocols?.includes('smithy-rpc-v2-cbor') && s.model?.metadata.targetPrefix) this.rpcv2.set(s.model.metadata.targetPrefix, s);
      if (protocols?.includes('query')) this.query.push(s);
      if (protocols?.includes('rest-json')) this.rest.push({ service: s, routes: compileRoutes(s.model!) });
      max = Math.max(max, s.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES);
    }
    this.routes = opts.routes ?? [];
    this.auth = opts.authenticator ?? new Authenticator({ mode: 'any', accountId: opts.accountId });
    this.maxBytes = max || DEFAULT_MAX_REQUEST_BYTES;
  }

  /** The node:http 'request' listener. Never throws. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    req.on('error', () => res.destroy());
    res.on('error', () => undefined);
    if (this.routes.length) {
      const route = this.routeFor(req);
      if (route) {
        this.inFlight++;
        Promise.resolve()
          .then(() => route.handle(req, res))
          .catch((e) => {
            this.opts.onInternalError?.(e, `${req.method} ${pathOf(req.url)}`);
            if (!res.headersSent) {
              res.statusCode = 500;
              res.end();
            } else res.destroy();
          })
          .finally(() => {
            if (--this.inFlight === 0) for (const d of this.drained.splice(0)) d();
          });
        return;
      }
    }
    const limit = this.limitFor(req.headers['x-amz-target']);
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      this.tooLarge(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > limit) {
        aborted = true;
        chunks.length = 0;
        this.tooLarge(req, res);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (aborted) return;
      // A large JSON body is gathered into a pooled buffer, given back once the request is answered:
      // JSON handlers keep no reference into it (decoding copies), unlike CBOR's decoder.
      let pooled: Buffer | undefined;
      let body: Buffer;
      if (chunks.length === 1) body = chunks[0]!;
      else if (size >= POOLED_BODY_BYTES && isJson(req.headers['content-type'])) {
        pooled = dataBuffers.acquire(size);
        let p = 0;
        for (let i = 0; i < chunks.length; i++) p += chunks[i]!.copy(pooled, p);
        body = pooled.subarray(0, size);
      } else body = Buffer.concat(chunks, size);
      chunks.length = 0;
      this.inFlight++;
      this.handle(req, res, body)
        .catch((e) => {
          this.opts.onInternalError?.(e, 'request');
          if (!res.headersSent) {
            res.statusCode = 500;
            res.end();
          } else res.destroy();
        })
        .finally(() => {
          if (pooled !== undefined) dataBuffers.release(pooled);
          if (--this.inFlight === 0) for (const d of this.drained.splice(0)) d();
        });
    });
  };

  private routeFor(req: IncomingMessage): HttpRoute | undefined {
    const path = pathOf(req.url);
    // A query-protocol request on `/` (e.g. a presigned `GET /?Action=GetCallerIdentity&X-Amz-Signature=…`) is a service's, not a route's.
    if (path === '/' && /[?&]Action=/.test(req.url ?? '')) return undefined;
    for (const r of this.routes) {
      if (r.method !== undefined && r.method !== req.method) continue;
      if (path === r.path || (r.prefix === true && path.startsWith(r.path.endsWith('/') ? r.path : `${r.path}/`))) return r;
    }
    return undefined;
  }

  /** Resolves once no request is being handled (or after `timeoutMs`). */
  drain(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref();
      this.drained.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The body limit of the service a request is for (the largest of all when its target is unknown). */
  private limitFor(target: string | string[] | undefined): number {
    if (typeof target !== 'string') return this.maxBytes;
    const dot = target.indexOf('.');
    const service = this.byPrefix.get(dot > 0 ? target.slice(0, dot) : target);
    return service?.maxRequestBytes ?? this.maxBytes;
  }

  private tooLarge(req: IncomingMessage, res: ServerResponse): void {
    // AWS answers an oversized body with a bare 413: no error type, no body (boto3 shows
    // "An error occurred (413) when calling the PutRecords operation:"). The rest of the body
    // is not read: answer and close the connection.
    if (req.httpVersionMajor === 1) res.setHeader('Connection', 'close');
    res.setHeader('x-amzn-RequestId', randomUUID());
    res.statusCode = 413;
    res.setHeader('Content-Length', 0);
    res.end();
    req.resume();
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const headers = req.headers;
    const requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    const origin = headers.origin;
    if (req.method !== 'OPTIONS' || !origin) res.setHeader('x-amz-id-2', amzId2());

    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      if (req.method === 'OPTIONS') {
        const reqHeaders = headers['access-control-request-headers'];
        const reqMethod = headers['access-control-request-method'];
        if (reqHeaders) res.setHeader('Access-Control-Allow-Headers', reqHeaders);
        if (reqMethod) res.setHeader('Access-Control-Allow-Methods', reqMethod);
        res.setHeader('Access-Control-Max-Age', '172800');
        res.statusCode = 200;
        res.setHeader('Content-Length', 0);
        res.end();
        return;
      }
      res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    }

    if (headers['smithy-protocol'] === RPCV2_PROTOCOL && req.method === 'POST') {
      const names = parseRpcV2Path(pathOf(req.url));
      if (names) return this.handleRpcV2(req, res, body, requestId, names.service, names.operation);
    }
    if (headers['x-amz-target'] === undefined) {
      if (this.query.length) {
        const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        const params = req.method === 'POST' && contentType === QUERY_CONTENT_TYPE ? parseForm(body.toString('utf8')) : undefined;
        const urlParams = queryOf(req.url);
        if (params?.has('Action') || urlParams.has('Action')) {
          const all = params ?? new Map<string, string>();
          for (const [k, v] of urlParams) if (!all.has(k)) all.set(k, v);
          return this.handleQuery(req, res, body, requestId, all);
        }
      }
      if (this.rest.length) {
        const match = this.restMatch(req);
        if (match) return this.handleRest(req, res, body, requestId, match.service, match.operation, match.labels);
      }
    }

    if (req.method !== 'POST') return xmlError(res, 'AccessDeniedException', 403, NO_OPERATION);

    const codec = codecFor(headers['content-type']);
    const rawTarget = headers['x-amz-target'];
    const target = typeof rawTarget === 'string' ? rawTarget : '';
    const dot = target.indexOf('.');
    const prefix = dot > 0 ? target.slice(0, dot) : target;
    const actionName = dot > 0 ? target.slice(dot + 1) : '';
    const service = this.byPrefix.get(prefix);
    const handler = service && Object.hasOwn(service.actions, actionName) ? service.actions[actionName] : undefined;
    const known = handler !== undefined;

    if (body.length === 0) {
      // AWS answers an empty body in JSON only to a JSON request; without a content type, or with one it
      // does not take (application/json too), it answers in CBOR (kinesalite's recordings of AWS).
      const c = codec?.protocol === 'json' ? codec : cborCodec;
      return sendError(res, c, new AwsError(known ? 'SerializationException' : 'UnknownOperationException', ''));
    }
    if (!codec) {
      if (isPlainJson(headers['content-type'])) return deprecatedJsonError(res, body);
      if (!prefix || !actionName) return xmlError(res, 'AccessDeniedException', 403, NO_OPERATION);
      return xmlError(res, 'UnknownOperationException', 404);
    }

    const raw = known && codec.protocol === 'json' ? service!.rawJsonActions?.[actionName] : undefined;
    let result: unknown;
    let pending: Promise<unknown> | undefined;
    let ctx: RequestContext | undefined;
    if (raw !== undefined) {
      // The fast path runs only for a request that passes auth; otherwise the ordinary order of checks words the error.
      let auth: AuthResult | undefined;
      try {
        auth = this.authenticateRequest(req, body, service!, actionName);
      } catch {
        auth = undefined;
      }
      if (auth !== undefined) {
        ctx = this.requestContext(req, requestId, codec.protocol, auth, service!, actionName);
        try {
          pending = raw(body, ctx);
        } catch (e) {
          pending = Promise.reject(e);
        }
      }
    }

    if (pending === undefined) {
      let input: Record<string, unknown>;
      try {
        input = codec.decode(body);
      } catch (e) {
        return sendError(res, codec, isAwsError(e) ? e : new AwsError('SerializationException', '', { messageField: 'Message' }));
      }
      if (!known) return sendError(res, codec, new AwsError('UnknownOperationException', ''));

      try {
        const auth = this.authenticateRequest(req, body, service!, actionName);
        ctx = this.requestContext(req, requestId, codec.protocol, auth, service!, actionName);
      } catch (e) {
        return sendError(res, codec, isAwsError(e) ? e : internalFailure(e));
      }
      try {
        ctx.authorize?.(input);
        pending = Promise.resolve(handler!(input, ctx));
      } catch (e) {
        pending = Promise.reject(e);
      }
    }

    try {
      result = await pending;
    } catch (e) {
      const err = isAwsError(e) ? e : internalFailure(e);
      if (!isAwsError(e)) this.opts.onInternalError?.(e, `${prefix}.${actionName}`);
      const queryError = queryErrorHeader(service, err);
      if (queryError !== undefined && !res.headersSent) res.setHeader('x-amzn-query-error', queryError);
      return sendError(res, codec, err);
    }
    if (result instanceof StreamingResponse) return startStreaming(res, result);
    if (result instanceof PreEncodedJson && codec.protocol === 'json') {
      if (result.onSent) res.once('finish', result.onSent);
      return send(res, codec, 200, result.body);
    }
    if (result instanceof PreEncodedJson) {
      // A non-JSON codec re-encodes the pre-built JSON (rare: CBOR clients).
      const text = typeof result.body === 'string' ? result.body : result.body.toString('utf8');
      result.onSent?.();
      return send(res, codec, 200, codec.encode(JSON.parse(text)));
    }
    const outputShape = service!.model?.operations[actionName]?.output;
    return send(res, codec, 200, codec.encode(outputShape ? toJsonForms(service!.model!, result, outputShape) : result));
  }

  /** Calls an action with the request's context; an unexpected failure becomes InternalFailure. */
  private async invoke(handler: ActionHandler, input: Record<string, unknown>, ctx: RequestContext, name: string): Promise<unknown> {
    try {
      return await handler(input, ctx);
    } catch (e) {
      if (isAwsError(e)) throw e;
      this.opts.onInternalError?.(e, name);
      throw internalFailure(e);
    }
  }

  /** Authenticates a request routed to `service`'s `operation` (throws AWS's authentication errors). */
  private authenticateRequest(req: IncomingMessage, body: Buffer, service: AwsService, operation: string): AuthResult {
    return this.auth.authenticate({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
      signingName: service.signingName,
      allowUnsigned: service.unsignedActions?.has(operation) === true,
      nowMs: this.opts.clock.now(),
    });
  }

  /** The action's context; with `authorize` when the caller's policies must be checked. */
  private requestContext(
    req: IncomingMessage,
    requestId: string,
    protocol: WireProtocol,
    auth: AuthResult,
    service: AwsService,
    operation: string,
  ): RequestContext {
    const region = auth.region || this.opts.region;
    const ctx: RequestContext = { requestId, region, accountId: this.opts.accountId, clock: this.opts.clock, protocol };
    const identity = auth.identity;
    if (identity !== undefined) ctx.identity = identity;
    const authorizer = this.opts.authorizer;
    if (authorizer !== undefined && identity !== undefined && identity.kind !== 'root') {
      ctx.authorize = (input) => this.authorizeCall(authorizer, req, identity, service, operation, input, region);
    }
    return ctx;
  }

  private authorizeCall(
    authorizer: Authorizer,
    req: IncomingMessage,
    identity: CallerIdentity,
    service: AwsService,
    operation: string,
    input: Record<string, unknown>,
    region: string,
  ): void {
    authorizer.authorize({
      identity,
      service,
      operation,
      input,
      region,
      sourceIp: req.socket?.remoteAddress,
      secure: (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true,
      nowMs: this.opts.clock.now(),
    });
  }

  /** Authenticates, decodes and authorises a routed request: the context for its action. */
  private context(req: IncomingMessage, body: Buffer, requestId: string, protocol: WireProtocol, service: AwsService, operation: string): RequestContext {
    return this.requestContext(req, requestId, protocol, this.authenticateRequest(req, body, service, operation), service, operation);
  }

  private handleRpcV2(req: IncomingMessage, res: ServerResponse, body: Buffer, requestId: string, serviceName: string, opName: string): Promise<void> {
    const service = this.rpcv2.get(serviceName);
    const fail = (err: AwsError): void => {
      res.setHeader('smithy-protocol', RPCV2_PROTOCOL);
      if (!res.headersSent) res.setHeader('x-amzn-ErrorType', err.code);
      const queryError = queryErrorHeader(service, err);
      if (queryError !== undefined) res.setHeader('x-amzn-query-error', queryError);
      sendRaw(res, err.httpStatus, RPCV2_CONTENT_TYPE, encodeRpcV2Error(err));
    };
    return (async () => {
      const op = service?.model?.operations[opName];
      const handler = service && op && Object.hasOwn(service.actions, opName) ? service.actions[opName] : undefined;
      if (!service || !op || !handler) return fail(new AwsError('UnknownOperationException', '', { httpStatus: 404 }));
      const input = decodeRpcV2(body);
      const ctx = this.context(req, body, requestId, 'rpcv2-cbor', service, opName);
      ctx.authorize?.(input);
      const result = await this.invoke(handler, input, ctx, `${serviceName}.${opName}`);
      res.setHeader('smithy-protocol', RPCV2_PROTOCOL);
      sendRaw(res, 200, RPCV2_CONTENT_TYPE, encodeRpcV2Output(service.model!, op.output, result));
    })().catch((e) => fail(isAwsError(e) ? e : internalFailure(e)));
  }

  private handleQuery(req: IncomingMessage, res: ServerResponse, body: Buffer, requestId: string, params: Map<string, string>): Promise<void> {
    const action = params.get('Action') ?? '';
    const version = params.get('Version');
    let candidates = this.query.filter(
      (s) => Object.hasOwn(s.model!.operations, action) && (version === undefined || s.model!.metadata.apiVersion === version),
    );
    if (candidates.length > 1) {
      const scope = credentialScope(req.headers, req.url).service;
      const bySigning = candidates.filter((s) => s.signingName === scope || s.model!.metadata.endpointPrefix === scope);
      if (bySigning.length) candidates = bySigning;
    }
    const service = candidates[0];
    const fail = (error: AwsError): void => {
      const err = queryAuthError(error);
      sendRaw(res, err.httpStatus, 'text/xml', encodeQueryError(service?.model, err, errorSpec(service, err), requestId));
    };
    return (async () => {
      const handler = service && Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
      if (!service || !handler) {
        throw new AwsError('ValidationException', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`, {
          wireCode: 'InvalidAction',
        });
      }
      const op = service.model!.operations[action]!;
      const ctx = this.context(req, body, requestId, 'query', service, action);
      const input = decodeQueryInput(service.model!, op, params);
      ctx.authorize?.(input);
      const result = await this.invoke(handler, input, ctx, `${service.model!.metadata.serviceId}.${action}`);
      sendRaw(res, 200, 'text/xml', encodeQueryOutput(service.model!, action, op, result, requestId));
    })().catch((e) => fail(isAwsError(e) ? e : internalFailure(e)));
  }

  private restMatch(req: IncomingMessage): { service: AwsService; operation: string; labels: Readonly<Record<string, string>> } | undefined {
    const path = pathOf(req.url);
    const query = queryOf(req.url);
    const found: Array<{ service: AwsService; operation: string; labels: Readonly<Record<string, string>> }> = [];
    for (const { service, routes } of this.rest) {
      const m = matchRoute(routes, req.method ?? 'GET', path, query);
      if (m) found.push({ service, ...m });
    }
    if (found.length > 1) {
      const scope = credentialScope(req.headers, req.url).service;
      return found.find((f) => f.service.signingName === scope) ?? found[0];
    }
    return found[0];
  }

  private handleRest(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    requestId: string,
    service: AwsService,
    opName: string,
    labels: Readonly<Record<string, string>>,
  ): Promise<void> {
    const model = service.model!;
    const fail = (err: AwsError): void => {
      if (!res.headersSent) res.setHeader('x-amzn-ErrorType', err.code);
      sendRaw(res, err.httpStatus, 'application/json', encodeRestJsonError(model, err));
    };
    return (async () => {
      const op = model.operations[opName]!;
      const handler = Object.hasOwn(service.actions, opName) ? service.actions[opName] : undefined;
      if (!handler) throw new AwsError('UnknownOperationException', `The operation ${opName} is not supported by Freshet.`, { httpStatus: 404 });
      const ctx = this.context(req, body, requestId, 'rest-json', service, opName);
      const input = decodeRestJsonInput(model, op, { labels, query: queryOf(req.url), headers: req.headers, body });
      ctx.authorize?.(input);
      const result = await this.invoke(handler, input, ctx, `${model.metadata.serviceId}.${opName}`);
      if (result instanceof StreamingResponse) return startStreaming(res, result);
      const out = encodeRestJsonOutput(model, op, result);
      for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
      sendRaw(res, out.status, out.contentType, out.body);
    })().catch((e) => fail(isAwsError(e) ? e : internalFailure(e)));
  }
}

function sendRaw(res: ServerResponse, status: number, contentType: string | undefined, body: string | Buffer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  if (contentType !== undefined) res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.end(body);
}
