/**
 * restJson1 (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html), as Lambda and Lookout for
 * Metrics speak it: an operation is found by HTTP method + the model's requestUri template
 * (`/2015-03-31/functions/{FunctionName}/invocations`, `{Key+}` greedy, a fixed query such as
 * `?List=ALL`); input members bound to labels, query strings and headers (`X-Amz-Invocation-Type`),
 * the rest from a JSON body — or, for an input with a payload member, the whole body (Invoke's raw
 * Payload). Responses put members in headers, the status code and the body the same way; errors carry
 * `x-amzn-ErrorType` and a JSON body. Pure: request parts ↔ values.
 */
import { AwsError } from '../../core/index.ts';
import type { MemberModel, OperationModel, ServiceModel, ShapeModel, StructureShapeModel } from '../model.ts';
import { blobBytes, formatTimestamp, parseTimestamp, shapeOf, structureOf, toJsonForms, wireName } from './shape-walk.ts';

interface Segment {
  readonly literal?: string;
  readonly label?: string;
  readonly greedy?: boolean;
}

export interface RestRoute {
  readonly operation: string;
  readonly method: string;
  readonly segments: readonly Segment[];
  /** Query keys (and values, when given) the requestUri fixes. */
  readonly fixedQuery: ReadonlyArray<readonly [string, string | undefined]>;
  /** Literal segments: a route with more wins over a looser one. */
  readonly specificity: number;
}

export interface RestMatch {
  readonly operation: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function compileRoute(operation: string, op: OperationModel): RestRoute {
  const [path = '/', query = ''] = op.http.requestUri.split('?');
  const segments: Segment[] = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^\{([^}+]+)(\+)?\}$/.exec(s);
      return m ? { label: m[1]!, greedy: m[2] === '+' } : { literal: s };
    });
  const fixedQuery = query
    .split('&')
    .filter((q) => q !== '')
    .map((q) => {
      const eq = q.indexOf('=');
      return eq < 0 ? ([q, undefined] as const) : ([q.slice(0, eq), q.slice(eq + 1)] as const);
    });
  return { operation, method: op.http.method, segments, fixedQuery, specificity: segments.filter((s) => s.literal !== undefined).length + fixedQuery.length };
}

/** A service's routes, most specific first. */
export function compileRoutes(model: ServiceModel): RestRoute[] {
  return Object.entries(model.operations)
    .map(([name, op]) => compileRoute(name, op))
    .sort((a, b) => b.specificity - a.specificity);
}

function matchSegments(segments: readonly Segment[], parts: readonly string[]): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  let i = 0;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    if (seg.greedy) {
      const rest = segments.length - s - 1;
      if (parts.length - i - rest < 1) return undefined;
      labels[seg.label!] = parts
        .slice(i, parts.length - rest)
        .map(decodeURIComponent)
        .join('/');
      i = parts.length - rest;
      continue;
    }
    const part = parts[i++];
    if (part === undefined) return undefined;
    if (seg.literal !== undefined) {
      if (part !== seg.literal) return undefined;
    } else {
      try {
        labels[seg.label!] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    }
  }
  return i === parts.length ? labels : undefined;
}

/** The route a request matches: method, path segments and fixed query. */
export function matchRoute(routes: readonly RestRoute[], method: string, path: string, query: URLSearchParams): RestMatch | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  for (const r of routes) {
    if (r.method !== method) continue;
    if (!r.fixedQuery.every(([k, v]) => query.has(k) && (v === undefined || query.get(k) === v))) continue;
    const labels = matchSegments(r.segments, parts);
    if (labels) return { operation: r.operation, labels };
  }
  return undefined;
}

function serialization(message = ''): AwsError {
  return new AwsError('SerializationException', message, { messageField: 'Message' });
}

/** A label, query or header text as the member's type, in JSON's forms. */
function fromText(text: string, s: ShapeModel, member: MemberModel, where: string): unknown {
  switch (s.type) {
    case 'integer':
    case 'long':
    case 'float':
    case 'double': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) throw serialization(`Invalid number in ${where}: ${text}`);
      return n;
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw serialization(`Invalid boolean in ${where}: ${text}`);
      return text === 'true';
    case 'timestamp': {
      const n = parseTimestamp(text);
      if (Number.isNaN(n)) throw serialization(`Invalid timestamp in ${where}: ${text}`);
      return n;
    }
    case 'string':
      if (member.jsonvalue && member.location === 'header') return Buffer.from(text, 'base64').toString('utf8');
      return text;
    default:
      return text;
  }
}

export interface RestRequest {
  readonly labels: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** A restJson1 request's input for `op`, in JSON's forms. */
export function decodeRestJsonInput(model: ServiceModel, op: OperationModel, req: RestRequest): Record<string, unknown> {
  if (!op.input) return {};
  const s = structureOf(model, op.input);
  const out: Record<string, unknown> = {};
  const bodyMembers: Array<[string, MemberModel]> = [];
  for (const [name, m] of Object.entries(s.members)) {
    const ms = shapeOf(model, m.shape);
    const key = wireName(name, m);
    switch (m.location) {
      case 'uri': {
        const v = req.labels[key];
        if (v !== undefined) out[name] = fromText(v, ms, m, `label ${key}`);
        break;
      }
      case 'querystring': {
        if (ms.type === 'map') {
          const map: Record<string, unknown> = {};
          for (const [k, v] of req.query) map[k] = v;
          out[name] = map;
        } else if (ms.type === 'list') {
          const all = req.query.getAll(key);
          if (all.length) out[name] = all.map((v) => fromText(v, shapeOf(model, ms.member.shape), ms.member, `query ${key}`));
        } else {
          const v = req.query.get(key);
          if (v !== null) out[name] = fromText(v, ms, m, `query ${key}`);
        }
        break;
      }
      case 'header': {
        const raw = req.headers[key.toLowerCase()];
        const v = Array.isArray(raw) ? raw.join(', ') : raw;
        if (v === undefined) break;
        out[name] =
          ms.type === 'list'
            ? v.split(',').map((x) => fromText(x.trim(), shapeOf(model, ms.member.shape), ms.member, `header ${key}`))
            : fromText(v, ms, m, `header ${key}`);
        break;
      }
      case 'headers': {
        const prefix = key.toLowerCase();
        const map: Record<string, string> = {};
        for (const [h, v] of Object.entries(req.headers)) if (h.startsWith(prefix) && typeof v === 'string') map[h.slice(prefix.length)] = v;
        if (Object.keys(map).length) out[name] = map;
        break;
      }
      default:
        bodyMembers.push([name, m]);
    }
  }
  if (s.payload !== undefined) {
    const m = s.members[s.payload]!;
    const ps = shapeOf(model, m.shape);
    if (ps.type === 'blob') {
      if (req.body.length) out[s.payload] = req.body;
    } else if (ps.type === 'string') {
      if (req.body.length) out[s.payload] = req.body.toString('utf8');
    } else if (req.body.length) out[s.payload] = parseJsonObject(req.body);
    return out;
  }
  if (bodyMembers.length && req.body.length) {
    const json = parseJsonObject(req.body);
    for (const [name, m] of bodyMembers) {
      const v = json[wireName(name, m)];
      if (v !== undefined) out[name] = v;
    }
  }
  return out;
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw serialization();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw serialization();
  return value as Record<string, unknown>;
}

export interface RestResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
  contentType: string | undefined;
}

function headerText(value: unknown, s: ShapeModel, m: MemberModel): string {
  if (s.type === 'timestamp') return formatTimestamp(value, m.timestampFormat ?? s.timestampFormat ?? 'rfc822');
  if (s.type === 'blob') return blobBytes(value).toString('base64');
  if (m.jsonvalue) return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** An operation's output as status, headers and body. */
export function encodeRestJsonOutput(model: ServiceModel, op: OperationModel, output: unknown): RestResponse {
  const res: RestResponse = { status: op.http.responseCode ?? 200, headers: {}, body: '', contentType: undefined };
  if (!op.output) return res;
  const s: StructureShapeModel = structureOf(model, op.output);
  const obj = (output ?? {}) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(s.members)) {
    const v = obj[name];
    if (v === undefined || v === null) continue;
    const ms = shapeOf(model, m.shape);
    const key = wireName(name, m);
    if (m.location === 'header') res.headers[key] = headerText(v, ms, m);
    else if (m.location === 'headers') for (const [k, x] of Object.entries(v as Record<string, unknown>)) res.headers[`${key}${k}`] = String(x);
    else if (m.location === 'statusCode') res.status = Number(v);
    else if (name !== s.payload) body[key] = toJsonForms(model, v, m.shape);
  }
  if (s.payload !== undefined) {
    const v = obj[s.payload];
    const ps = shapeOf(model, s.members[s.payload]!.shape);
    if (v === undefined || v === null) return res;
    if (ps.type === 'blob') {
      res.body = blobBytes(v);
      res.contentType = 'application/octet-stream';
    } else if (ps.type === 'string') {
      res.body = String(v);
      res.contentType = 'text/plain';
    } else {
      res.body = JSON.stringify(toJsonForms(model, v, s.members[s.payload]!.shape));
      res.contentType = 'application/json';
    }
    return res;
  }
  res.body = JSON.stringify(body);
  res.contentType = 'application/json';
  return res;
}

/**
 * An error's JSON body: the message (named as the error shape names it, `Message` or `message`) and the
 * shape's other members; the code goes in `x-amzn-ErrorType`.
 */
export function encodeRestJsonError(model: ServiceModel | undefined, err: AwsError): string {
  const shape = model?.shapes[err.code];
  const field = shape?.type === 'structure' && shape.members.Message && !shape.members.message ? 'Message' : 'message';
  const out: Record<string, unknown> = {};
  if (shape?.type === 'structure' && shape.members.Type && !(err.fields && 'Type' in err.fields)) out.Type = err.httpStatus >= 500 ? 'Service' : 'User';
  out[field] = err.message;
  if (err.fields) Object.assign(out, err.fields);
  return JSON.stringify(out);
}
