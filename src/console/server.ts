/**
 * The console's routes, mounted on the Freshet server through `startServer({ httpRoutes })`:
 *
 *   GET  /console/                   the single-page app (index.html; assets under /console/assets/, built by
 *                                    scripts/build.mjs into dist/console/)
 *   GET  /console/api/config         region and auth mode (`open` or `enforce`), for the sign-in page and the signer
 *   GET  /console/api/live           Server-Sent Events: a LiveSnapshot once a second (streams, apps, deliveries)
 *   GET  /console/api/rows?app=A     Server-Sent Events: the latest rows of each in-application stream of A
 *   POST /console/api/sql-check      {code, application?} → {errors: [{line, column, message}]}
 *   GET  /console/api/objects?bucket=B[&prefix=P]   delivered objects (key, size, modified), newest first
 *   GET  /console/api/object?bucket=B&key=K         one object's bytes
 *   GET  /console/api/views          the Postgres endpoint's materialized views (rows, lag, refresh state)
 *   POST /console/api/views/statement  {action: create|refresh|drop|alter|schema|dropSchema, schema?, name,
 *                                    query?, autoRefresh?} → the
 *                                    statement sent to the Postgres endpoint as the caller (views-statement.ts)
 *   POST /console/api/presigned-session  {authToken} → a session scoped to the application a presigned link names
 *                                    (under --auth enforce; presigned-session.ts)
 *   POST /console/api/decode         {records: [{data, partitionKey, sequenceNumber}]} (GetRecords' output) →
 *                                    {records: [{text, json, subRecords?}]}: the live tail's records as text or
 *                                    JSON, KPL aggregates de-aggregated into their user records by src/kinesis
 *
 * Under `--auth enforce` every API route but config takes a SigV4 signature (header, or a presigned query for
 * the event streams, which EventSource cannot give headers), scoped to the service name `freshet`, by the same
 * keys the AWS APIs take (src/iam), and is authorised as the AWS action it shows the data of (CONSOLE_ACTIONS).
 * An open event stream is authorised again at each of its 1 s ticks: once its key is deleted or made inactive, its
 * presigned signature expires or its policies no longer allow it, it gets a `refused` event and ends (the page's
 * reconnection is then refused with the reason).
 *
 * Everything else the console does (create, put, reshard, start/stop/update, describe) goes through the AWS
 * APIs on the same port, signed in the browser like any client. These routes are read-only, apart from the views
 * statement, which goes to the Postgres endpoint as psql's would; the other POSTs compile code or decode records
 * without running or storing anything.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Authenticator, AwsError, isAwsError } from '../aws/index.ts';
import type { HttpRoute } from '../aws/index.ts';
import { IamAuthorizer, accessDeniedMessage } from '../iam/index.ts';
import { inAppStreamNames, verifyPresignedToken } from '../analytics/index.ts';
import { deaggregate, isAggregated } from '../kinesis/index.ts';
import type { ApplicationConfig } from '../analytics/index.ts';
import { parseApplication, parseType, SqlApplication, SqlError } from '../sql/index.ts';
import type { ColumnDef } from '../sql/index.ts';
import { analyticsOf, LiveSampler } from './live.ts';
import type { ConsoleTarget } from './live.ts';
import type { DecodedData, DecodedRecord } from './snapshot.ts';
import { runViewStatement } from './views-statement.ts';
import { presignedSession } from './presigned-session.ts';

/** The live feed's cadence: the issue asks for at most one refresh a second. */
export const LIVE_INTERVAL_MS = 1000;
/** Rows kept per in-application stream for the live table. */
const ROWS_KEPT = 200;
const MAX_CHECK_BYTES = 1024 * 1024;
const MAX_OBJECTS_LISTED = 2000;
/** A decode request: a few GetRecords pages (10 MiB each at most on AWS; the tail asks for about 100 records a second). */
const MAX_DECODE_BYTES = 16 * 1024 * 1024;
const EMPTY: Buffer = Buffer.alloc(0);

/** The SigV4 service name console API requests are signed for (`Credential=…/us-east-1/freshet/aws4_request`). */
export const CONSOLE_SIGNING_NAME = 'freshet';

/**
 * The IAM action and resource each console API route is authorised as under `--auth enforce`: the AWS call
 * that reads the same data. The live feed shows every stream, application and delivery stream (ListStreams);
 * delivered objects are S3's. Decoding records reads nothing, so any signed-in caller may.
 */
function consoleAction(path: string, q: URLSearchParams, region: string, accountId: string): { action: string; resource: string } | undefined {
  switch (path) {
    case '/console/api/live':
      return { action: 'kinesis:ListStreams', resource: '*' };
    case '/console/api/rows':
      return { action: 'kinesisanalytics:DescribeApplication', resource: `arn:aws:kinesisanalytics:${region}:${accountId}:application/${q.get('app') ?? ''}` };
    case '/console/api/sql-check':
      return { action: 'kinesisanalytics:DescribeApplication', resource: '*' };
    case '/console/api/views':
      return { action: 'freshet:ListViews', resource: '*' };
    case '/console/api/objects':
      return { action: 's3:ListBucket', resource: `arn:aws:s3:::${q.get('bucket') ?? ''}` };
    case '/console/api/object':
      return { action: 's3:GetObject', resource: `arn:aws:s3:::${q.get('bucket') ?? ''}/${q.get('key') ?? ''}` };
    default:
      return undefined;
  }
}

export interface ConsoleOptions {
  /** Where the built assets are (default: dist/console of the Freshet package). */
  assetsDir?: string;
  /** Wall-clock time for the live feed's timestamps (default Date.now). */
  now?: () => number;
}

export interface Console {
  /** Pass to startServer({ httpRoutes }). */
  readonly routes: readonly HttpRoute[];
  /** Connects the routes to the started server's engines; until then the API answers 503. */
  attach(target: ConsoleTarget): void;
  /** Ends open live feeds (their timers and taps). */
  close(): void;
}

/** The package root: the nearest folder above this module holding Freshet's package.json. */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'freshet') return dir;
      } catch {
        // not ours; keep looking upwards
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function defaultAssetsDir(): string | undefined {
  const root = packageRoot();
  return root === undefined ? undefined : join(root, 'dist', 'console');
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Freshet console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/console/assets/app.js"></script>
</body>
</html>
`;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, jsonValue);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Rows carry bigints, Dates and byte arrays; JSON gets numbers, ISO text and base64. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

function queryOf(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return new URLSearchParams(q >= 0 ? url.slice(q + 1) : '');
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Whether an open event stream may go on; when not, it has been sent why and ended. */
type StillAllowed = (send: (event: string, data: unknown) => void, end: () => void) => boolean;

/** Opens a Server-Sent Events response; returns a writer of one event. */
function openEvents(req: IncomingMessage, res: ServerResponse, onClose: () => void): (event: string, data: unknown) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 2000\n\n');
  req.on('close', onClose);
  return (event, data) => {
    if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data, jsonValue)}\n\n`);
  };
}

/**
 * Why a state-changing console request is refused as possibly sent by another site: a JSON content type (which a
 * cross-origin page can only send after a CORS preflight this route does not grant) and, when the browser names
 * the page's origin, the same host as the request's.
 */
function crossSiteRefusal(req: IncomingMessage): { status: number; type: string; message: string } | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return { status: 415, type: 'UnsupportedMediaTypeException', message: 'send the statement as application/json' };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      host = '';
    }
    if (host !== req.headers.host)
      return { status: 403, type: 'AccessDeniedException', message: `requests from ${origin} may not change views: open the console itself` };
  } else if (origin === 'null') {
    return { status: 403, type: 'AccessDeniedException', message: 'requests from an opaque origin may not change views' };
  }
  return undefined;
}

export interface CheckError {
  line: number;
  column: number;
  message: string;
}

/** Compiles code against an application's inputs (or only parses it without one): what `freshet sql check` does. */
export function checkSql(code: string, app: ApplicationConfig | undefined): CheckError[] {
  try {
    if (!app || app.inputs.length === 0) {
      parseApplication(code);
      return [];
    }
    const inputs: Array<{ name: string; columns: ColumnDef[] }> = [];
    for (const input of app.inputs) {
      const columns = input.schema.columns.map((c) =>
        c.mapping === undefined ? { name: c.name, type: parseType(c.sqlType) } : { name: c.name, type: parseType(c.sqlType), mapping: c.mapping },
      ) as ColumnDef[];
      for (const name of inAppStreamNames(input)) inputs.push({ name, columns });
    }
    const tables = app.references.map((r) => ({
      name: r.tableName,
      columns: r.schema.columns.map((c) => ({ name: c.name, type: parseType(c.sqlType) })) as ColumnDef[],
    }));
    SqlApplication.compile(code, { inputs, tables }).close();
    return [];
  } catch (e) {
    if (e instanceof SqlError) return [{ line: e.line || 1, column: e.column || 1, message: e.reason }];
    return [{ line: 1, column: 1, message: e instanceof Error ? e.message : String(e) }];
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A record's bytes as the tail shows them: compact JSON when they parse as an object or array, else UTF-8, else base64. */
function decodeData(data: Uint8Array): DecodedData {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { text: `base64:${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}`, json: false };
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed)), json: true };
    } catch {
      // not JSON after all: shown as text
    }
  }
  return { text, json: false };
}

/** One Kinesis record for the tail: a KPL aggregate lists its user records (src/kinesis's deaggregate), anything else is decoded as is. */
export function decodeRecord(data: Uint8Array, partitionKey: string, sequenceNumber: string): DecodedRecord {
  if (isAggregated(data)) {
    const users = deaggregate(data, partitionKey, sequenceNumber);
    if (users !== undefined) {
      return {
        text: `KPL aggregate of ${users.length} user record(s)`,
        json: false,
        subRecords: users.map((u) => ({ partitionKey: u.partitionKey, subSequenceNumber: u.subSequenceNumber, ...decodeData(u.data) })),
      };
    }
  }
  return decodeData(data);
}

/** The in-application streams an application's code creates (its outputs' sources), in code order. */
function inAppStreamsOf(app: ApplicationConfig): string[] {
  try {
    const inputs: Array<{ name: string; columns: ColumnDef[] }> = [];
    for (const input of app.inputs) {
      const columns = input.schema.columns.map((c) => ({ name: c.name, type: parseType(c.sqlType) })) as ColumnDef[];
      for (const name of inAppStreamNames(input)) inputs.push({ name, columns });
    }
    const compiled = SqlApplication.compile(app.code, { inputs });
    const names = compiled.plan.streams.filter((s) => s.kind === 'stream').map((s) => s.name);
    compiled.close();
    return names;
  } catch {
    return [];
  }
}

/** The page a presigned console link that is forged, altered, from before a restart or expired opens instead. */
function refusalPage(reason: 'invalid' | 'expired'): string {
  const why =
    reason === 'expired'
      ? 'This application link has expired (its session lasted SessionExpirationDurationInSeconds).'
      : 'This application link is not valid: it was altered, or made by a Freshet server process that has since restarted.';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Freshet console: link refused</title></head><body><main data-testid="presigned-refused"><h1>Link refused</h1><p>${why}</p><p>Ask for a new one with CreateApplicationPresignedUrl (\`aws kinesisanalyticsv2 create-application-presigned-url\`), or open <a href="/console/">the console</a>.</p></main></body></html>`;
}

export function createConsole(options: ConsoleOptions = {}): Console {
  const now = options.now ?? Date.now;
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  let target: ConsoleTarget | undefined;
  let sampler: LiveSampler | undefined;
  const liveClients = new Set<(event: string, data: unknown) => void>();
  let liveTimer: NodeJS.Timeout | undefined;
  const closers = new Set<() => void>();
  /** Set when the server enforces credentials (attach). */
  let enforce: { authenticator: Authenticator; authorizer: IamAuthorizer } | undefined;

  const tickLive = (): void => {
    if (!sampler) return;
    const snapshot = sampler.sample(now());
    for (const send of liveClients) send('snapshot', snapshot);
  };

  const notReady = (res: ServerResponse): void => sendJson(res, 503, { message: 'the console is starting; try again in a moment' });

  const serveAsset = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?')[0]!;
    const name = path.slice('/console/assets/'.length);
    if (!assetsDir || !/^[\w.-]+$/.test(name) || name.startsWith('.')) {
      res.writeHead(404).end();
      return;
    }
    const file = join(assetsDir, name);
    if (!existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`${name} is missing: build the console with \`npm run build\``);
      return;
    }
    const ext = name.slice(name.lastIndexOf('.'));
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  };

  const bucketRoot = (bucket: string | null): string | undefined => {
    if (!target?.dataDir || !bucket || !/^[a-z0-9][a-z0-9.-]{1,62}$/.test(bucket)) return undefined;
    return join(resolve(target.dataDir), 's3', bucket);
  };

  const listObjects = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const q = queryOf(req);
    const root = bucketRoot(q.get('bucket'));
    if (!root) return sendJson(res, 400, { message: 'bucket must name a bucket of delivered objects' });
    const prefix = q.get('prefix') ?? '';
    const objects: Array<{ key: string; size: number; modifiedMs: number }> = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return; // no such bucket (yet): an empty listing
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(join(dir, e.name), key);
        else if (e.isFile() && key.startsWith(prefix) && !e.name.endsWith('.tmp')) {
          const st = await stat(join(dir, e.name));
          objects.push({ key, size: st.size, modifiedMs: st.mtimeMs });
        }
      }
    };
    await walk(root, '');
    objects.sort((a, b) => b.modifiedMs - a.modifiedMs || a.key.localeCompare(b.key));
    sendJson(res, 200, { bucket: q.get('bucket'), objects: objects.slice(0, MAX_OBJECTS_LISTED), truncated: objects.length > MAX_OBJECTS_LISTED });
  };

  const getObject = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const q = queryOf(req);
    const root = bucketRoot(q.get('bucket'));
    const key = q.get('key') ?? '';
    if (!root || !key) return sendJson(res, 400, { message: 'bucket and key are required' });
    const file = resolve(root, key);
    if (!file.startsWith(root + sep)) return sendJson(res, 400, { message: 'key must stay inside the bucket' });
    let size: number;
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      return sendJson(res, 404, { message: `no object ${key} in bucket ${q.get('bucket')}` });
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  };

  const sqlCheck = async (body: Buffer, res: ServerResponse): Promise<void> => {
    if (body.length > MAX_CHECK_BYTES) return sendJson(res, 413, { message: 'code over 1 MiB' });
    let input: { code?: unknown; application?: unknown };
    try {
      input = JSON.parse(body.toString('utf8')) as typeof input;
    } catch {
      return sendJson(res, 400, { message: 'expected a JSON body {"code": "...", "application": "..."}' });
    }
    if (typeof input.code !== 'string') return sendJson(res, 400, { message: 'code must be a string' });
    const registry = target ? analyticsOf(target)?.registry : undefined;
    const name = typeof input.application === 'string' ? input.application : undefined;
    const app = name !== undefined && registry?.has(name) ? registry.get(name) : undefined;
    sendJson(res, 200, { errors: checkSql(input.code, app) });
  };

  const decode = async (body: Buffer, res: ServerResponse): Promise<void> => {
    let records: unknown;
    try {
      records = (JSON.parse(body.toString('utf8')) as { records?: unknown }).records;
    } catch {
      return sendJson(res, 400, { message: 'expected a JSON body {"records": [{"data": "<base64>", "partitionKey": "...", "sequenceNumber": "..."}]}' });
    }
    if (!Array.isArray(records)) return sendJson(res, 400, { message: 'records must be a list of {data, partitionKey, sequenceNumber}' });
    const out: DecodedRecord[] = [];
    for (const r of records as Array<{ data?: unknown; partitionKey?: unknown; sequenceNumber?: unknown }>) {
      if (typeof r?.data !== 'string') return sendJson(res, 400, { message: 'each record needs its data as a base64 string' });
      out.push(decodeRecord(Buffer.from(r.data, 'base64'), String(r.partitionKey ?? ''), String(r.sequenceNumber ?? '0')));
    }
    sendJson(res, 200, { records: out });
  };

  const live = (req: IncomingMessage, res: ServerResponse, stillAllowed: StillAllowed): void => {
    if (!target || !sampler) {
      notReady(res);
      return;
    }
    const events = openEvents(req, res, () => {
      liveClients.delete(send);
      closers.delete(end);
      if (liveClients.size === 0 && liveTimer) {
        clearInterval(liveTimer);
        liveTimer = undefined;
      }
    });
    const end = () => res.end();
    // Authorised again at each tick: a revoked key or policy ends the stream then, not at its next reconnection.
    const send = (event: string, data: unknown): void => {
      if (stillAllowed(events, end)) events(event, data);
    };
    closers.add(end);
    liveClients.add(send);
    // The first snapshot at once (rates show from the second one on).
    send('snapshot', sampler.sample(now()));
    liveTimer ??= setInterval(tickLive, LIVE_INTERVAL_MS);
  };

  /** Taps every in-application stream of a running application and sends their latest rows once a second. */
  const rows = (req: IncomingMessage, res: ServerResponse, stillAllowed: StillAllowed): void => {
    const analytics = target ? analyticsOf(target) : undefined;
    const name = queryOf(req).get('app') ?? '';
    if (!analytics) {
      notReady(res);
      return;
    }
    if (!analytics.registry.has(name)) {
      sendJson(res, 404, { message: `Application ${name} is not found` });
      return;
    }
    const latest = new Map<string, Array<Record<string, unknown>>>();
    let untap: Array<() => void> = [];
    let tappedRunner: unknown;
    let tappedVersion = -1;
    let dirty = true;
    const retap = (): void => {
      for (const u of untap) u();
      untap = [];
      tappedRunner = analytics.host.stats(name);
      if (!analytics.registry.has(name)) return;
      const app = analytics.registry.get(name);
      tappedVersion = app.versionId;
      if (!tappedRunner) return;
      const streams = inAppStreamsOf(app);
      for (const s of [...latest.keys()]) if (!streams.includes(s)) latest.delete(s);
      for (const stream of streams) {
        if (!latest.has(stream)) latest.set(stream, []);
        try {
          untap.push(
            analytics.host.tap(name, stream, (batch) => {
              const kept = latest.get(stream)!;
              for (const row of batch) kept.push(row);
              if (kept.length > ROWS_KEPT) kept.splice(0, kept.length - ROWS_KEPT);
              dirty = true;
            }),
          );
        } catch {
          // stopped between the check and the tap: retried on the next tick
        }
      }
      dirty = true;
    };
    const tick = (): void => {
      if (!stillAllowed(send, end)) return;
      const runner = analytics.host.stats(name);
      const version = analytics.registry.has(name) ? analytics.registry.get(name).versionId : -1;
      if (runner !== tappedRunner || version !== tappedVersion) retap();
      if (!dirty) return;
      dirty = false;
      send('rows', { versionId: version, running: runner !== undefined, streams: Object.fromEntries(latest) });
    };
    const timer = setInterval(tick, LIVE_INTERVAL_MS);
    const end = () => res.end();
    const send = openEvents(req, res, () => {
      clearInterval(timer);
      for (const u of untap) u();
      closers.delete(end);
    });
    closers.add(end);
    tick();
  };

  /** The access key ID a request was signed with (its signature already checked by `authorized`). */
  const signedKey = (req: IncomingMessage): string | undefined => {
    const header = req.headers.authorization;
    const m = /Credential=([^/,\s]+)\//.exec(header ?? '') ?? /[?&]X-Amz-Credential=([^%/&]+)(?:%2F|\/)/i.exec(req.url ?? '');
    return m?.[1];
  };

  /**
   * Under `--auth enforce`: why the request may not read what the route shows at `nowMs` (an unknown, inactive or
   * deleted key, a bad or expired signature, no allowing policy), as AWS's error; undefined when it may.
   */
  const refusalOf = (req: IncomingMessage, path: string, body: Buffer, nowMs: number): AwsError | undefined => {
    if (!enforce || !target) return undefined;
    try {
      const { identity } = enforce.authenticator.authenticate({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body,
        signingName: CONSOLE_SIGNING_NAME,
        allowUnsigned: false,
        nowMs,
      });
      const wanted = consoleAction(path, queryOf(req), target.region, enforce.authorizer.store.accountId);
      if (identity && wanted) {
        const e = enforce.authorizer.check({
          identity,
          ...wanted,
          nowMs,
          region: target.region,
          sourceIp: req.socket.remoteAddress,
          secure: 'encrypted' in req.socket && req.socket.encrypted === true,
        });
        if (e.decision !== 'Allow') throw new AwsError('AccessDeniedException', accessDeniedMessage(identity.arn, wanted.action, wanted.resource, e));
      }
      return undefined;
    } catch (e) {
      if (!isAwsError(e)) throw e;
      return e;
    }
  };

  /** Under `--auth enforce`: who signed the request, and whether they may read what the route shows; answers the refusal itself. */
  const authorized = (req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): boolean => {
    const e = refusalOf(req, path, body, now());
    if (!e) return true;
    const status = e.code === 'AccessDeniedException' || e.code === 'MissingAuthenticationTokenException' ? 403 : e.httpStatus;
    sendJson(res, status, { __type: e.code, message: e.message });
    return false;
  };

  /**
   * An event stream's check at each tick: the request authorised again now (its key, signature and policies as they
   * are now). When it no longer is, the stream gets a `refused` event with AWS's error and ends.
   */
  const recheck =
    (req: IncomingMessage, path: string): StillAllowed =>
    (send, end) => {
      const e = refusalOf(req, path, EMPTY, now());
      if (!e) return true;
      send('refused', { __type: e.code, message: e.message });
      end();
      return false;
    };

  /**
   * A presigned link's token exchanged for a session scoped to its application (presigned-session.ts): the token is the
   * credential, so the request is not signed. Only under `--auth enforce` (otherwise the console needs no sign-in).
   */
  const presigned = async (req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> => {
    if (!enforce || !target?.iam)
      return sendJson(res, 400, { __type: 'InvalidRequestException', message: 'the server does not enforce credentials: no sign-in is needed' });
    if ((req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/json')
      return sendJson(res, 415, { __type: 'UnsupportedMediaTypeException', message: 'send {"authToken": …} as application/json' });
    let token: unknown;
    try {
      token = (JSON.parse(body.toString('utf8')) as { authToken?: unknown }).authToken;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string')
      return sendJson(res, 400, { __type: 'InvalidRequestException', message: 'the body must be {"authToken": "<the link\'s authToken>"}' });
    const nowMs = now();
    const check = verifyPresignedToken(token, nowMs);
    if (!check.ok) {
      const message = check.reason === 'expired' ? 'This application link has expired' : 'This application link is not valid';
      return sendJson(res, 403, { __type: 'AccessDeniedException', message });
    }
    sendJson(res, 200, await presignedSession(target.iam, target.region, check.application, check.expiresMs, nowMs));
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0]!;
    if (!target) return notReady(res);
    if (path === '/console/api/config' && req.method === 'GET') {
      return sendJson(res, 200, { region: target.region, auth: enforce ? 'enforce' : 'open', services: target.services.map((s) => s.targetPrefix) });
    }
    let body = EMPTY;
    if (req.method === 'POST') {
      const read = await readBody(req, MAX_DECODE_BYTES);
      if (!read) return sendJson(res, 413, { message: 'request body over 16 MiB' });
      body = read;
    }
    if (path === '/console/api/presigned-session' && req.method === 'POST') return presigned(req, body, res);
    if (!authorized(req, res, path, body)) return;
    if (path === '/console/api/live' && req.method === 'GET') return live(req, res, recheck(req, path));
    if (path === '/console/api/rows' && req.method === 'GET') return rows(req, res, recheck(req, path));
    if (path === '/console/api/sql-check' && req.method === 'POST') return sqlCheck(body, res);
    if (path === '/console/api/objects' && req.method === 'GET') return listObjects(req, res);
    if (path === '/console/api/object' && req.method === 'GET') return getObject(req, res);
    if (path === '/console/api/decode' && req.method === 'POST') return decode(body, res);
    if (path === '/console/api/views' && req.method === 'GET') {
      return sendJson(res, 200, { endpoint: target.views !== undefined, views: target.views ? await target.views() : [] });
    }
    if (path === '/console/api/views/statement' && req.method === 'POST') {
      // The one route that changes something: another site's page must not reach it through the visitor's browser
      // (a cross-origin form or text/plain POST needs no preflight, and without --auth enforce no signature).
      const refused = crossSiteRefusal(req);
      if (refused) return sendJson(res, refused.status, { __type: refused.type, message: refused.message });
      const r = await runViewStatement(target, body, enforce ? signedKey(req) : undefined);
      return sendJson(res, r.status, r.body);
    }
    sendJson(res, 404, { message: `no console API ${req.method} ${path}` });
  };

  const routes: HttpRoute[] = [
    {
      method: 'GET',
      path: '/console',
      handle(_req, res) {
        res.writeHead(302, { location: '/console/' }).end();
      },
    },
    {
      method: 'GET',
      path: '/console/',
      handle(req, res) {
        // CreateApplicationPresignedUrl's link (src/analytics/v2/presign.ts): a token this server process signed, not expired.
        const token = queryOf(req).get('authToken');
        if (token !== null) {
          const check = verifyPresignedToken(token, now());
          if (!check.ok) {
            res.writeHead(403, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(refusalPage(check.reason));
            return;
          }
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(INDEX_HTML);
      },
    },
    { method: 'GET', path: '/console/assets', prefix: true, handle: serveAsset },
    { path: '/console/api', prefix: true, handle: handleApi },
  ];

  return {
    routes,
    attach(t) {
      target = t;
      if (t.auth === 'enforce') {
        if (!t.iam) throw new Error("the console needs the server's identity store (iam) under --auth enforce");
        enforce = {
          authenticator: new Authenticator({ mode: 'enforce', accountId: t.iam.accountId, credentials: t.iam }),
          authorizer: new IamAuthorizer(t.iam),
        };
      }
      sampler = new LiveSampler(t);
    },
    close() {
      if (liveTimer) clearInterval(liveTimer);
      liveTimer = undefined;
      for (const end of [...closers]) end();
      liveClients.clear();
    },
  };
}
