/**
 * The HTTP front door: routes `POST /` by `X-Amz-Target: <targetPrefix>.<Action>`
 * to the registered AwsServices, picks the wire codec by Content-Type, checks
 * auth (auth.ts), adds AWS's response headers and CORS, enforces the body limit,
 * and turns AwsError into AWS's wire error. Transport-agnostic apart from the
 * node:http request/response pair, so h2c/TLS (issue 3) can reuse `handle`.
 *
 * Check order follows AWS as observed by kinesalite: CORS preflight, method,
 * empty body, content type, body decode, unknown operation, auth, then the action.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError, isAwsError } from '../core/index.ts';
import { dataBuffers } from '../core/index.ts';
import type { Clock } from '../core/index.ts';
import { authenticate } from './auth.ts';
import { codecFor } from './codec/index.ts';
import type { WireCodec } from './codec/index.ts';
import { PreEncodedJson, StreamingResponse } from './service.ts';
import type { AwsService, RequestContext, ResponseSink } from './service.ts';

export const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export interface RouterOptions {
  services: readonly AwsService[];
  clock: Clock;
  region: string;
  accountId: string;
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

function isJson(contentType: string | undefined): boolean {
  return contentType?.startsWith('application/x-amz-json') === true;
}

const INTERNAL_MESSAGE = 'The request processing has failed because of an unknown error, exception or failure.';

export class Router {
  private readonly byPrefix = new Map<string, AwsService>();
  private readonly maxBytes: number;
  private inFlight = 0;
  private drained: Array<() => void> = [];

  constructor(private readonly opts: RouterOptions) {
    let max = 0;
    for (const s of opts.services) {
      this.byPrefix.set(s.targetPrefix, s);
      max = Math.max(max, s.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES);
    }
    this.maxBytes = max || DEFAULT_MAX_REQUEST_BYTES;
  }

  /** The node:http 'request' listener. Never throws. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    req.on('error', () => res.destroy());
    res.on('error', () => undefined);
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
      const c = codec ?? codecFor('application/x-amz-json-1.1')!;
      return sendError(res, c, new AwsError(known ? 'SerializationException' : 'UnknownOperationException', ''));
    }
    if (!codec) {
      if (!prefix || !actionName) return xmlError(res, 'AccessDeniedException', 403, NO_OPERATION);
      return xmlError(res, 'UnknownOperationException', 404);
    }

    const raw = known && codec.protocol === 'json' ? service!.rawJsonActions?.[actionName] : undefined;
    let result: unknown;
    let pending: Promise<unknown> | undefined;
    let ctx: RequestContext | undefined;
    if (raw !== undefined) {
      // The fast path runs only for a request that passes auth; otherwise the ordinary order of checks words the error.
      let auth: ReturnType<typeof authenticate> | undefined;
      try {
        auth = authenticate(headers, req.url);
      } catch {
        auth = undefined;
      }
      if (auth !== undefined) {
        ctx = { requestId, region: auth.region || this.opts.region, accountId: this.opts.accountId, clock: this.opts.clock, protocol: codec.protocol };
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

      let region = this.opts.region;
      try {
        const auth = authenticate(headers, req.url);
        if (auth.region) region = auth.region;
      } catch (e) {
        return sendError(res, codec, e as AwsError);
      }
      ctx = { requestId, region, accountId: this.opts.accountId, clock: this.opts.clock, protocol: codec.protocol };
      try {
        pending = Promise.resolve(handler!(input, ctx));
      } catch (e) {
        pending = Promise.reject(e);
      }
    }

    try {
      result = await pending;
    } catch (e) {
      if (isAwsError(e)) return sendError(res, codec, e);
      this.opts.onInternalError?.(e, `${prefix}.${actionName}`);
      return sendError(res, codec, new AwsError('InternalFailure', INTERNAL_MESSAGE, { cause: e }));
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
    return send(res, codec, 200, codec.encode(result));
  }
}
