/**
 * How the console talks to Freshet: the AWS JSON APIs on the same origin, SigV4-signed like any client
 * (aws4fetch, WebCrypto), and the console's read-only JSON/SSE endpoints under /console/api/.
 */
import { AwsClient } from 'aws4fetch';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveSnapshot } from '../snapshot.ts';

/** Signing name and X-Amz-Target prefix of each API the console calls. */
const SERVICES = {
  kinesis: { signingName: 'kinesis', target: 'Kinesis_20131202', json: '1.1' },
  firehose: { signingName: 'firehose', target: 'Firehose_20150804', json: '1.1' },
  analytics: { signingName: 'kinesisanalytics', target: 'KinesisAnalytics_20150814', json: '1.1' },
  /** Managed Service for Apache Flink (KinesisAnalyticsV2): the Flink applications beside the SQL ones. */
  analyticsV2: { signingName: 'kinesisanalytics', target: 'KinesisAnalytics_20180523', json: '1.1' },
  cloudwatch: { signingName: 'monitoring', target: 'GraniteServiceVersion20100801', json: '1.0' },
  logs: { signingName: 'logs', target: 'Logs_20140328', json: '1.1' },
} as const;
export type ServiceName = keyof typeof SERVICES;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** STS credentials (`ASIA…`) come with one. */
  sessionToken?: string;
}

/** The SigV4 service name of the console's own API (src/console/server.ts CONSOLE_SIGNING_NAME). */
const CONSOLE_SIGNING_NAME = 'freshet';
const CREDENTIALS_KEY = 'freshet.credentials';

/**
 * The signed-in credentials, kept in sessionStorage (this tab only, gone when it closes). Without a sign-in
 * (the server does not enforce credentials) any key does.
 */
function credentials(): Credentials {
  const stored = sessionStorage.getItem(CREDENTIALS_KEY);
  if (stored) return JSON.parse(stored) as Credentials;
  return { accessKeyId: 'freshet-console', secretAccessKey: 'freshet-console' };
}

export function signedIn(): { accessKeyId: string; arn: string } | undefined {
  const who = sessionStorage.getItem('freshet.caller');
  return who && sessionStorage.getItem(CREDENTIALS_KEY) ? { accessKeyId: credentials().accessKeyId, arn: who } : undefined;
}

export function signOut(): void {
  sessionStorage.removeItem(CREDENTIALS_KEY);
  sessionStorage.removeItem('freshet.caller');
  location.reload();
}

/**
 * Signs in: STS GetCallerIdentity signed with the keys (it answers any valid caller), then the keys are kept
 * for this tab. Throws the server's error (an unknown key, a wrong secret, an expired session token).
 */
export async function signIn(c: Credentials): Promise<string> {
  const client = new AwsClient({ ...c, service: 'sts', region, retries: 0 });
  const res = await client.fetch(`${location.origin}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
  });
  const xml = await res.text();
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const field = (name: string) => doc.getElementsByTagName(name)[0]?.textContent ?? undefined;
  // A signature mismatch's message goes on with the canonical request after a blank line: the first part says it.
  if (!res.ok) throw new ApiError(field('Code') ?? String(res.status), (field('Message') ?? xml).split('\n\n')[0]!);
  const arn = field('Arn') ?? c.accessKeyId;
  sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify(c));
  sessionStorage.setItem('freshet.caller', arn);
  return arn;
}

let region = 'us-east-1';
let authMode = 'open';
/** The AWS APIs the server mounts (their X-Amz-Target prefixes), from /console/api/config. */
let mounted: readonly string[] = [];
export function configure(c: { region: string; auth?: string; services?: string[] }): void {
  region = c.region;
  authMode = c.auth ?? 'open';
  mounted = c.services ?? [];
}

/** The server checks signatures (`--auth enforce`): the console asks for credentials first. */
export function authEnforced(): boolean {
  return authMode === 'enforce';
}

function consoleClient(): AwsClient {
  return new AwsClient({ ...credentials(), service: CONSOLE_SIGNING_NAME, region, retries: 0 });
}

/** A console API URL an EventSource can open: presigned (EventSource sends no headers) when credentials are enforced. */
async function eventsUrl(path: string): Promise<string> {
  if (!authEnforced()) return path;
  const url = new URL(path, location.origin);
  url.searchParams.set('X-Amz-Expires', '3600');
  const signed = await consoleClient().sign(url.toString(), { method: 'GET', aws: { signQuery: true } });
  return signed.url;
}

/** Fetches a console API path, signed when credentials are enforced. */
export function consoleFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return authEnforced() ? consoleClient().fetch(new URL(path, location.origin).toString(), init) : fetch(path, init);
}

/** The message of a refused console API call (`AccessDeniedException: User … is not authorized …`). */
async function refusal(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as { __type?: string; message?: string };
  return new ApiError(body.__type ?? String(res.status), body.message ?? res.statusText);
}

/** Whether the server has the CloudWatch-compatible API (pages and charts that need it show only then). */
export function hasCloudWatch(): boolean {
  return mounted.includes(SERVICES.cloudwatch.target);
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One AWS JSON call, e.g. aws('kinesis', 'ListStreams', {}). */
export async function aws<T = Record<string, unknown>>(service: ServiceName, action: string, body: unknown): Promise<T> {
  const s = SERVICES[service];
  const client = new AwsClient({ ...credentials(), service: s.signingName, region, retries: 0 });
  const res = await client.fetch(`${location.origin}/`, {
    method: 'POST',
    headers: { 'content-type': `application/x-amz-json-${s.json}`, 'x-amz-target': `${s.target}.${action}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    const type = String(json.__type ?? res.status);
    throw new ApiError(type.slice(type.lastIndexOf('#') + 1), String(json.message ?? json.Message ?? text));
  }
  return json as T;
}

/**
 * One call of a REST-JSON AWS API (Lambda, Lookout for Metrics), e.g.
 * awsRest('lambda', 'GET', '/2015-03-31/functions/'); AWS's error type and message on failure.
 */
export async function awsRest<T = Record<string, unknown>>(signingName: string, method: string, path: string, body?: unknown): Promise<T> {
  const client = new AwsClient({ ...credentials(), service: signingName, region, retries: 0 });
  const res = await client.fetch(`${location.origin}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    const type = res.headers.get('x-amzn-errortype') ?? String(json.__type ?? res.status);
    throw new ApiError(type.split(':')[0]!.slice(type.lastIndexOf('#') + 1), String(json.message ?? json.Message ?? text));
  }
  return json as T;
}

/**
 * One REST call whose answer is not JSON or whose headers matter (Lambda's Invoke): the status, the headers and the
 * body as text, whatever the status; the caller reads AWS's error from them.
 */
export async function awsRestRaw(
  signingName: string,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const client = new AwsClient({ ...credentials(), service: signingName, region, retries: 0 });
  const res = await client.fetch(`${location.origin}${path}`, { method, headers, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export async function consoleGet<T>(path: string): Promise<T> {
  const res = await consoleFetch(`/console/api/${path}`);
  if (!res.ok) throw await refusal(res);
  return (await res.json()) as T;
}

export async function consolePost<T>(path: string, body: unknown): Promise<T> {
  const res = await consoleFetch(`/console/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw await refusal(res);
  return (await res.json()) as T;
}

/**
 * An EventSource on a console API path that opens again, freshly signed, when the server ends it or refuses it
 * (a presigned URL expires; a refusal is reported through onRefused, found by asking once with fetch).
 */
function openEvents(path: string, on: (es: EventSource) => void, onRefused: (e: ApiError) => void): () => void {
  let closed = false;
  let es: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const open = async () => {
    const url = await eventsUrl(path);
    if (closed) return;
    es = new EventSource(url);
    on(es);
    es.addEventListener('error', () => {
      if (closed || es?.readyState !== EventSource.CLOSED) return;
      // Closed for good (a refusal or an expired signature): ask why, then try again with a new signature.
      void consoleFetch(path).then(async (res) => {
        if (!res.ok) onRefused(await refusal(res));
        else void res.body?.cancel();
      });
      retry = setTimeout(() => void open(), 5000);
    });
  };
  void open();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    es?.close();
  };
}

/** Keeps this many live snapshots (one a second) for sparklines and charts. */
export const HISTORY = 120;

export interface LiveState {
  latest: LiveSnapshot | undefined;
  history: LiveSnapshot[];
  connected: boolean;
  /** Why the server refuses the live feed (e.g. the signed-in user may not kinesis:ListStreams). */
  refused?: string;
}

type LiveListener = (s: LiveState) => void;
const liveListeners = new Set<LiveListener>();
let liveState: LiveState = { latest: undefined, history: [], connected: false };
let liveOpen = false;

/** One shared EventSource on /console/api/live for every component. */
function ensureLive(): void {
  if (liveOpen) return;
  liveOpen = true;
  const publish = (s: LiveState) => {
    liveState = s;
    for (const l of liveListeners) l(liveState);
  };
  openEvents(
    '/console/api/live',
    (source) => {
      source.addEventListener('snapshot', (e) => {
        const snap = JSON.parse((e as MessageEvent<string>).data) as LiveSnapshot;
        const history = liveState.history.length >= HISTORY ? liveState.history.slice(1) : liveState.history.slice();
        history.push(snap);
        publish({ latest: snap, history, connected: true });
      });
      source.addEventListener('error', () => publish({ ...liveState, connected: false }));
    },
    (e) => publish({ ...liveState, connected: false, refused: `${e.code}: ${e.message}` }),
  );
}

export function useLive(): LiveState {
  const [state, setState] = useState(liveState);
  useEffect(() => {
    ensureLive();
    liveListeners.add(setState);
    return () => void liveListeners.delete(setState);
  }, []);
  return state;
}

/** An EventSource for the component's lifetime; `onEvent` always sees the latest props. */
export function useEvents(url: string | undefined, event: string, onEvent: (data: unknown) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!url) return;
    return openEvents(
      url,
      (es) => es.addEventListener(event, (e) => handler.current(JSON.parse((e as MessageEvent<string>).data))),
      () => undefined, // the page's other calls say why
    );
  }, [url, event]);
}

/** Runs `load` now and whenever `deps` change; `reload()` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => {
        if (live) {
          setData(d);
          setError(undefined);
        }
      },
      (e: unknown) => {
        if (live) setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------------------------
// Management forms (streams, SQL applications, delivery streams, functions): ARNs and helpers they share.
// ---------------------------------------------------------------------------------------------------------------

/** The account the server answers for, read once with STS GetCallerIdentity (the console's forms build ARNs with it). */
let accountPromise: Promise<string> | undefined;
export function accountId(): Promise<string> {
  accountPromise ??= (async () => {
    const client = new AwsClient({ ...credentials(), service: 'sts', region, retries: 0 });
    const res = await client.fetch(`${location.origin}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    const doc = new DOMParser().parseFromString(await res.text(), 'application/xml');
    const account = doc.getElementsByTagName('Account')[0]?.textContent;
    if (!account) throw new ApiError(String(res.status), 'GetCallerIdentity gave no account: the forms cannot build ARNs');
    return account;
  })();
  // A failure is not kept: the next form asks again.
  accountPromise.catch(() => (accountPromise = undefined));
  return accountPromise;
}

export function currentRegion(): string {
  return region;
}

/** `arn:aws:kinesis:<region>:<account>:stream/<name>`. */
export async function streamArn(name: string): Promise<string> {
  return `arn:aws:kinesis:${region}:${await accountId()}:stream/${name}`;
}

/** `arn:aws:firehose:<region>:<account>:deliverystream/<name>`. */
export async function deliveryStreamArn(name: string): Promise<string> {
  return `arn:aws:firehose:${region}:${await accountId()}:deliverystream/${name}`;
}

/** A role ARN in the server's account (the forms' default; the server checks roles only under `--auth enforce`). */
export async function roleArn(role: string): Promise<string> {
  return `arn:aws:iam::${await accountId()}:role/${role}`;
}

/** base64 of bytes (a zip for Lambda's ZipFile). */
export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

// Day-to-day actions part B (metrics, alarms, detectors, views): calls whose refusals carry more than a message.

type Detailed<T> = { ok: true; body: T } | { ok: false; code: string; message: string; body: Record<string, unknown> };

/**
 * One AWS JSON call whose error body matters besides its message (PutDashboard's
 * `dashboardValidationMessages`): the answer's body either way, with the error type and message on refusal.
 */
export async function awsDetailed<T = Record<string, unknown>>(service: ServiceName, action: string, body: unknown): Promise<Detailed<T>> {
  const s = SERVICES[service];
  const client = new AwsClient({ ...credentials(), service: s.signingName, region, retries: 0 });
  const res = await client.fetch(`${location.origin}/`, {
    method: 'POST',
    headers: { 'content-type': `application/x-amz-json-${s.json}`, 'x-amz-target': `${s.target}.${action}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (res.ok) return { ok: true, body: json as T };
  const type = String(json.__type ?? res.status);
  return { ok: false, code: type.slice(type.lastIndexOf('#') + 1), message: String(json.message ?? json.Message ?? text), body: json };
}

// Event source mappings from queues (functions page): the server's SQS-compatible queues, when it mounts them.

/** Whether the server has the SQS-compatible API (AWS JSON 1.0, X-Amz-Target AmazonSQS.<Action>). */
export function hasQueues(): boolean {
  return mounted.includes('AmazonSQS');
}

/** One AmazonSQS call (JSON 1.0); AWS's error type and message on refusal. */
async function sqs<T>(action: string, body: unknown): Promise<T> {
  const client = new AwsClient({ ...credentials(), service: 'sqs', region, retries: 0 });
  const res = await client.fetch(`${location.origin}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    const type = String(json.__type ?? res.status);
    throw new ApiError(type.slice(type.lastIndexOf('#') + 1), String(json.message ?? json.Message ?? text));
  }
  return json as T;
}

/** ListQueues: the queue URLs (names are their last path segment). */
export async function listQueueUrls(): Promise<string[]> {
  return (await sqs<{ QueueUrls?: string[] }>('ListQueues', {})).QueueUrls ?? [];
}

/** The queue's ARN, as GetQueueAttributes gives it (what CreateEventSourceMapping's EventSourceArn takes). */
export async function queueArn(url: string): Promise<string> {
  const r = await sqs<{ Attributes?: { QueueArn?: string } }>('GetQueueAttributes', { QueueUrl: url, AttributeNames: ['QueueArn'] });
  if (!r.Attributes?.QueueArn) throw new ApiError('QueueArn', `GetQueueAttributes gave no QueueArn for ${url}`);
  return r.Attributes.QueueArn;
}

// ---------------------------------------------------------------------------------------------------------------
// Presigned application links (CreateApplicationPresignedUrl) under --auth enforce.
// ---------------------------------------------------------------------------------------------------------------

/**
 * When the page was opened from a presigned application link (`?authToken=…`) on a server that enforces credentials,
 * and nobody is signed in in this tab: exchanges the token for a session scoped to that application
 * (POST /console/api/presigned-session), keeps it like a sign-in, and signs out when the link expires. Resolves to the
 * session's ARN, or undefined when there was nothing to do. The token leaves the address bar (a reload keeps the session).
 */
export async function signInWithLink(): Promise<string | undefined> {
  const token = new URLSearchParams(location.search).get('authToken');
  if (token === null || !authEnforced() || signedIn()) return undefined;
  const res = await fetch(`${location.origin}/console/api/presigned-session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ authToken: token }),
  });
  const body = (await res.json()) as {
    __type?: string;
    message?: string;
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    expiresAtMs: number;
    arn: string;
  };
  if (!res.ok) throw new ApiError(body.__type ?? String(res.status), body.message ?? res.statusText);
  const c: Credentials = { accessKeyId: body.accessKeyId, secretAccessKey: body.secretAccessKey, sessionToken: body.sessionToken };
  sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify(c));
  sessionStorage.setItem('freshet.caller', body.arn);
  sessionStorage.setItem(EXPIRES_KEY, JSON.stringify({ accessKeyId: c.accessKeyId, expiresAtMs: body.expiresAtMs }));
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  return body.arn;
}

/** A session that ends at a known time (a presigned link's) signs out then; a sign-in with keys has none. */
export function signOutWhenExpired(): void {
  const who = signedIn();
  const stored = sessionStorage.getItem(EXPIRES_KEY);
  if (!who || stored === null) return;
  const { accessKeyId, expiresAtMs } = JSON.parse(stored) as { accessKeyId: string; expiresAtMs: number };
  // Kept with the key it belongs to: after a sign-out and a sign-in with keys, an old link's expiry does not apply.
  if (accessKeyId !== who.accessKeyId) return;
  const end = () => {
    sessionStorage.removeItem(EXPIRES_KEY);
    signOut();
  };
  // setTimeout's delay is a 32-bit count of milliseconds (about 24.8 days); a link lasts 12 hours at most.
  setTimeout(end, Math.max(0, Math.min(expiresAtMs - Date.now(), 2 ** 31 - 1)));
}

const EXPIRES_KEY = 'freshet.expires';

// ---------------------------------------------------------------------------------------------------------------
// CloudWatch Logs (Logs_20140328): the log streams an application's logging options write to.
// ---------------------------------------------------------------------------------------------------------------

/** Whether the server has the CloudWatch Logs-compatible API (log views show only then). */
export function hasLogs(): boolean {
  return mounted.includes(SERVICES.logs.target);
}

/** One CloudWatch Logs call (AWS JSON 1.1), e.g. logs('GetLogEvents', { logGroupName, logStreamName }); AWS's error on failure. */
export function logs<T = Record<string, unknown>>(action: string, body: unknown): Promise<T> {
  return aws<T>('logs', action, body);
}

/** A log stream's ARN (`arn:aws:logs:…:log-group:<group>:log-stream:<stream>`) as its group and stream names. */
export function logStreamOfArn(arn: string): { group: string; stream: string } | undefined {
  const m = /^arn:aws[a-z-]*:logs:[^:]*:[^:]*:log-group:(.+?):log-stream:(.+)$/.exec(arn);
  return m ? { group: m[1]!, stream: m[2]! } : undefined;
}
