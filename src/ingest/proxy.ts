/**
 * The HTTP ingest proxy (S4.1's API Gateway in front of a stream), on the
 * server's one port:
 *
 *   PUT|POST /ingest/<…>   a body → PutRecord, answered 200 {"SequenceNumber","ShardId"};
 *                          a batch body → PutRecords, answered 200 {"FailedRecordCount":0,"Records":[…]}.
 *     A batch is a JSON array (Content-Type application/json: one record per element, each written as
 *     its JSON text) or JSON lines (application/x-ndjson or application/jsonl: one record per line).
 *     Any other body is one record, its bytes as sent.
 *     403 {"message":"Forbidden"} without the route's x-api-key (API Gateway's answer); Kinesis's own
 *     errors (an unknown stream, …) with their status and {"__type","message"}.
 *
 * and the admin API `freshet up` uses to manage routes:
 *
 *   GET /freshet/ingest-routes                 {"routes":[…]} (API keys as their SHA-256)
 *   GET|PUT|DELETE /freshet/ingest-routes/<name>
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAwsError } from '../aws/index.ts';
import type { HttpRoute } from '../aws/index.ts';
import { MAX_PUT_RECORDS, MAX_PUT_RECORDS_BYTES, MAX_RECORD_BYTES } from '../kinesis/index.ts';
import type { KinesisEngine, PutInput, PutResult } from '../kinesis/index.ts';
import type { MetaStore } from '../storage/index.ts';
import { IngestRegistry } from './registry.ts';
import { INGEST_PREFIX, IngestSpecError, NAME_PATTERN, listed, parseRouteSpec } from './route-spec.ts';
import type { IngestRouteSpec } from './route-spec.ts';

/** API Gateway's payload limit. */
export const MAX_INGEST_BODY_BYTES = 10 * 1024 * 1024;
export const ADMIN_ROUTE = '/freshet/ingest-routes';
const MAX_PARTITION_KEY_CHARS = 256;

class IngestHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The body, or an IngestHttpError 413 past `limit` (the rest of the upload is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) {
      reject(new IngestHttpError(413, `Request body over ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new IngestHttpError(413, `Request body over ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function fieldOf(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** The records of one request, with their partition keys. */
function recordsOf(spec: IngestRouteSpec, req: IncomingMessage, body: Buffer): { records: PutInput[]; batch: boolean } {
  if (body.length === 0) throw new IngestHttpError(400, 'Empty body: send the record (or a JSON array / JSON lines of records) as the request body');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const pk = spec.partitionKey;
  const headerKey = pk && 'header' in pk ? req.headers[pk.header] : undefined;
  if (pk && 'header' in pk && (typeof headerKey !== 'string' || headerKey === '')) {
    throw new IngestHttpError(400, `Missing header ${pk.header}: this route takes the partition key from it`);
  }
  const keyFor = (parsed: () => unknown, index: number | undefined): string => {
    const where = index === undefined ? 'the record' : `record ${index}`;
    if (!pk) return randomUUID();
    if ('header' in pk) return headerKey as string;
    const v = fieldOf(parsed(), pk.field);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new IngestHttpError(400, `${where} has no field ${pk.field} (a string or number): this route takes the partition key from it`);
    const key = String(v);
    if (key === '' || key.length > MAX_PARTITION_KEY_CHARS)
      throw new IngestHttpError(400, `${where}: partition key from ${pk.field} must be 1-${MAX_PARTITION_KEY_CHARS} characters`);
    return key;
  };
  const parse = (bytes: Buffer, where: string): unknown => {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new IngestHttpError(400, `${where} is not JSON, so its partition key field cannot be read`);
    }
  };
  const records: PutInput[] = [];
  const add = (data: Buffer, key: string, index: number | undefined) => {
    if (data.length + Buffer.byteLength(key) > MAX_RECORD_BYTES) {
      throw new IngestHttpError(400, `${index === undefined ? 'The record' : `Record ${index}`} is over ${MAX_RECORD_BYTES} bytes (Kinesis's record limit)`);
    }
    records.push({ partitionKey: key, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  };
  if (type === 'application/x-ndjson' || type === 'application/jsonl') {
    let start = 0;
    let i = 0;
    while (start < body.length) {
      let end = body.indexOf(0x0a, start);
      if (end < 0) end = body.length;
      let line = body.subarray(start, end);
      if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      start = end + 1;
      if (line.length === 0) continue;
      const n = i++;
      add(
        line,
        keyFor(() => parse(line, `line ${n}`), n),
        n,
      );
    }
    if (!records.length) throw new IngestHttpError(400, 'Empty batch: the body has no non-empty lines');
    return { records, batch: true };
  }
  if (type === 'application/json') {
    let first = 0;
    while (first < body.length && (body[first] === 0x20 || body[first] === 0x0a || body[first] === 0x0d || body[first] === 0x09)) first++;
    if (body[first] === 0x5b) {
      const items = parse(body, 'The body');
      if (!Array.isArray(items) || items.length === 0) throw new IngestHttpError(400, 'Empty batch: the JSON array has no records');
      items.forEach((item, n) =>
        add(
          Buffer.from(JSON.stringify(item)),
          keyFor(() => item, n),
          n,
        ),
      );
      return { records, batch: true };
    }
  }
  let parsed: unknown;
  add(
    body,
    keyFor(() => (parsed ??= parse(body, 'The body')), undefined),
    undefined,
  );
  return { records, batch: false };
}

/** PutRecords in chunks within Kinesis's per-call limits, in order. */
async function write(kinesis: KinesisEngine, stream: string, records: PutInput[]): Promise<PutResult[]> {
  const out: PutResult[] = [];
  let i = 0;
  while (i < records.length) {
    let bytes = 0;
    let j = i;
    while (j < records.length && j - i < MAX_PUT_RECORDS) {
      const size = records[j]!.data.byteLength + Buffer.byteLength(records[j]!.partitionKey);
      if (j > i && bytes + size > MAX_PUT_RECORDS_BYTES) break;
      bytes += size;
      j++;
    }
    out.push(...(await kinesis.putRecords(stream, records.slice(i, j))));
    i = j;
  }
  return out;
}

function keyMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface IngestOptions {
  kinesis: KinesisEngine;
  meta: MetaStore;
}

/** The proxy route and the admin route, over one registry kept in `meta`. */
export function ingestRoutes(opts: IngestOptions): HttpRoute[] {
  const registry = new IngestRegistry(opts.meta);
  const proxy: HttpRoute = {
    path: INGEST_PREFIX,
    prefix: true,
    async handle(req, res) {
      try {
        const pathname = new URL(req.url ?? '/', 'http://freshet').pathname;
        const match = registry.match(pathname.slice(1).split('/'));
        if (!match) throw new IngestHttpError(404, `No ingest route serves ${pathname} (freshet.yaml ingest: declares them)`);
        const { spec, stream } = match;
        if (req.method !== 'PUT' && req.method !== 'POST') throw new IngestHttpError(405, `Method ${req.method} not allowed: send PUT or POST`);
        if (spec.methods && !spec.methods.includes(req.method))
          throw new IngestHttpError(405, `Method ${req.method} not allowed on this route: send ${spec.methods.join(' or ')}`);
        if (spec.apiKey !== undefined && !keyMatches(spec.apiKey, req.headers['x-api-key'])) {
          req.resume();
          send(res, 403, { message: 'Forbidden' });
          return;
        }
        const body = await readBody(req, MAX_INGEST_BODY_BYTES);
        const { records, batch } = recordsOf(spec, req, body);
        const results = await write(opts.kinesis, stream, records);
        if (!batch) send(res, 200, { SequenceNumber: results[0]!.sequenceNumber, ShardId: results[0]!.shardId });
        else send(res, 200, { FailedRecordCount: 0, Records: results.map((r) => ({ SequenceNumber: r.sequenceNumber, ShardId: r.shardId })) });
      } catch (e) {
        if (!req.readableEnded) req.resume();
        if (e instanceof IngestHttpError) send(res, e.status, { message: e.message });
        else if (isAwsError(e)) send(res, e.httpStatus, { __type: e.code, message: e.message });
        else throw e;
      }
    },
  };
  const admin: HttpRoute = {
    path: ADMIN_ROUTE,
    prefix: true,
    async handle(req, res) {
      const pathname = new URL(req.url ?? '/', 'http://freshet').pathname;
      if (pathname === ADMIN_ROUTE || pathname === `${ADMIN_ROUTE}/`) {
        if (req.method !== 'GET') return send(res, 405, { message: `Method ${req.method} not allowed: GET lists routes` });
        return send(res, 200, { routes: registry.list().map(listed) });
      }
      let name = '';
      try {
        name = decodeURIComponent(pathname.slice(ADMIN_ROUTE.length + 1));
      } catch {
        // a malformed %-escape names no route
      }
      if (!NAME_PATTERN.test(name)) return send(res, 404, { message: `No ingest route ${name}` });
      if (req.method === 'GET') {
        const spec = registry.get(name);
        return spec ? send(res, 200, listed(spec)) : send(res, 404, { message: `No ingest route ${name}` });
      }
      if (req.method === 'DELETE') {
        return (await registry.delete(name)) ? send(res, 200, { deleted: name }) : send(res, 404, { message: `No ingest route ${name}` });
      }
      if (req.method !== 'PUT') return send(res, 405, { message: `Method ${req.method} not allowed: GET, PUT or DELETE` });
      let spec: IngestRouteSpec;
      try {
        const body = await readBody(req, 64 * 1024);
        spec = parseRouteSpec(JSON.parse(body.toString('utf8') || '{}'), name);
      } catch (e) {
        if (e instanceof IngestHttpError) return send(res, e.status, { message: e.message });
        return send(res, 400, { message: e instanceof IngestSpecError ? `ingest route ${name}: ${e.message}` : `ingest route ${name}: the body is not JSON` });
      }
      const other = registry.conflicting(spec);
      if (other) return send(res, 409, { message: `Path ${spec.path} is already served by ingest route ${other.name}` });
      await registry.put(spec);
      return send(res, 200, listed(spec));
    },
  };
  return [proxy, admin];
}
