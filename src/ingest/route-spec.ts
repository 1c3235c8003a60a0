/**
 * An ingest route: the HTTP-to-Kinesis proxy of S4.1 (what an API Gateway
 * "AWS service" integration with Kinesis does in front of a stream). The
 * spec is what `freshet.yaml`'s `ingest:` entries and the admin API
 * (`PUT /freshet/ingest-routes/<name>`) take; it is validated here, once.
 *
 *   name: readings
 *   path: /ingest/{stream}          # or a fixed path with `stream: <name>`
 *   partitionKey: { field: sensor_id }   # or { header: X-Partition-Key }; absent: random
 *   apiKey: secret                  # optional: requests must send x-api-key
 *   methods: [PUT, POST]            # the default
 */
import { createHash } from 'node:crypto';

export const INGEST_PREFIX = '/ingest/';
export const STREAM_VARIABLE = '{stream}';

export interface IngestRouteSpec {
  name: string;
  path: string;
  /** The stream written to, when the path has no `{stream}`. */
  stream?: string;
  /** Where each record's partition key comes from; a random key when absent. */
  partitionKey?: { header: string } | { field: string };
  /** Requests must carry this value in `x-api-key` (API Gateway's header). */
  apiKey?: string;
  methods?: Array<'PUT' | 'POST'>;
  /** The pipeline that created the route (set by `freshet up`). */
  pipeline?: string;
}

/** A route as the admin API lists it: the key itself is never returned, only its SHA-256 (for `freshet diff`). */
export type ListedRoute = Omit<IngestRouteSpec, 'apiKey'> & { apiKeySha256?: string };

export const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const SEGMENT = /^[a-zA-Z0-9_.~-]+$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export class IngestSpecError extends Error {
  override name = 'IngestSpecError';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a route spec (from JSON) and returns it typed, or throws IngestSpecError saying what to fix. */
export function parseRouteSpec(value: unknown, name?: string): IngestRouteSpec {
  if (!isRecord(value)) throw new IngestSpecError('an ingest route is a JSON object with name, path and (for a fixed path) stream');
  const known = new Set(['name', 'path', 'stream', 'partitionKey', 'apiKey', 'methods', 'pipeline']);
  for (const k of Object.keys(value)) if (!known.has(k)) throw new IngestSpecError(`unknown field '${k}' (known: ${[...known].join(', ')})`);
  const routeName = value.name ?? name;
  if (typeof routeName !== 'string' || !NAME_PATTERN.test(routeName)) throw new IngestSpecError('name: 1-64 letters, digits, _ or -');
  if (name !== undefined && routeName !== name) throw new IngestSpecError(`name '${routeName}' differs from the name in the URL ('${name}')`);
  const { path } = value;
  if (typeof path !== 'string' || !path.startsWith(INGEST_PREFIX) || path.length === INGEST_PREFIX.length) {
    throw new IngestSpecError(`path: must start with ${INGEST_PREFIX} and name at least one more segment, e.g. /ingest/{stream}`);
  }
  const segments = path.slice(1).split('/');
  let variables = 0;
  for (const s of segments) {
    if (s === STREAM_VARIABLE) variables++;
    else if (!SEGMENT.test(s)) throw new IngestSpecError(`path: segment '${s}' must be letters, digits, _ . ~ - or {stream}`);
  }
  if (variables > 1) throw new IngestSpecError('path: {stream} may appear once');
  const spec: IngestRouteSpec = { name: routeName, path };
  if (value.stream !== undefined) {
    if (typeof value.stream !== 'string' || !STREAM_NAME.test(value.stream)) throw new IngestSpecError('stream: a stream name (1-128 of a-z A-Z 0-9 _ . -)');
    if (variables) throw new IngestSpecError('stream: the path already takes the stream from {stream}; remove one of them');
    spec.stream = value.stream;
  } else if (!variables) throw new IngestSpecError('stream: required when the path has no {stream}');
  if (value.partitionKey !== undefined) {
    const pk = value.partitionKey;
    const keys = isRecord(pk) ? Object.keys(pk) : [];
    if (!isRecord(pk) || keys.length !== 1 || (keys[0] !== 'header' && keys[0] !== 'field') || typeof pk[keys[0]] !== 'string' || pk[keys[0]] === '') {
      throw new IngestSpecError('partitionKey: { header: <name> } or { field: <JSON field, dotted for nested> }; leave it out for random keys');
    }
    if (keys[0] === 'header') {
      if (!HEADER_NAME.test(pk.header as string)) throw new IngestSpecError(`partitionKey.header: '${String(pk.header)}' is not an HTTP header name`);
      spec.partitionKey = { header: (pk.header as string).toLowerCase() };
    } else spec.partitionKey = { field: pk.field as string };
  }
  if (value.apiKey !== undefined) {
    if (typeof value.apiKey !== 'string' || value.apiKey.length < 8) throw new IngestSpecError('apiKey: a string of at least 8 characters');
    spec.apiKey = value.apiKey;
  }
  if (value.methods !== undefined) {
    const m = value.methods;
    if (!Array.isArray(m) || m.length === 0 || m.some((x) => x !== 'PUT' && x !== 'POST')) throw new IngestSpecError('methods: a list of PUT and/or POST');
    spec.methods = [...new Set(m as Array<'PUT' | 'POST'>)].sort();
  }
  if (value.pipeline !== undefined) {
    if (typeof value.pipeline !== 'string') throw new IngestSpecError('pipeline: a pipeline name');
    spec.pipeline = value.pipeline;
  }
  return spec;
}

export function apiKeySha256(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function listed(spec: IngestRouteSpec): ListedRoute {
  const { apiKey, ...rest } = spec;
  return apiKey !== undefined ? { ...rest, apiKeySha256: apiKeySha256(apiKey) } : rest;
}
