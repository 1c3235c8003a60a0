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
  cloudwatch: { signingName: 'monitoring', target: 'GraniteServiceVersion20100801', json: '1.0' },
} as const;
export type ServiceName = keyof typeof SERVICES;

/** Credentials: any key is accepted while the server does not enforce auth; kept in localStorage once given. */
function credentials(): { accessKeyId: string; secretAccessKey: string } {
  return {
    accessKeyId: localStorage.getItem('freshet.accessKeyId') ?? 'freshet-console',
    secretAccessKey: localStorage.getItem('freshet.secretAccessKey') ?? 'freshet-console',
  };
}

let region = 'us-east-1';
/** The AWS APIs the server mounts (their X-Amz-Target prefixes), from /console/api/config. */
let mounted: readonly string[] = [];
export function configure(c: { region: string; services?: string[] }): void {
  region = c.region;
  mounted = c.services ?? [];
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

export async function consoleGet<T>(path: string): Promise<T> {
  const res = await fetch(`/console/api/${path}`);
  if (!res.ok) throw new ApiError(String(res.status), ((await res.json()) as { message: string }).message);
  return (await res.json()) as T;
}

export async function consolePost<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`/console/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new ApiError(String(res.status), ((await res.json()) as { message: string }).message);
  return (await res.json()) as T;
}

/** Keeps this many live snapshots (one a second) for sparklines and charts. */
export const HISTORY = 120;

export interface LiveState {
  latest: LiveSnapshot | undefined;
  history: LiveSnapshot[];
  connected: boolean;
}

type LiveListener = (s: LiveState) => void;
const liveListeners = new Set<LiveListener>();
let liveState: LiveState = { latest: undefined, history: [], connected: false };
let source: EventSource | undefined;

/** One shared EventSource on /console/api/live for every component. */
function ensureLive(): void {
  if (source) return;
  source = new EventSource('/console/api/live');
  source.addEventListener('snapshot', (e) => {
    const snap = JSON.parse((e as MessageEvent<string>).data) as LiveSnapshot;
    const history = liveState.history.length >= HISTORY ? liveState.history.slice(1) : liveState.history.slice();
    history.push(snap);
    liveState = { latest: snap, history, connected: true };
    for (const l of liveListeners) l(liveState);
  });
  source.addEventListener('error', () => {
    liveState = { ...liveState, connected: false };
    for (const l of liveListeners) l(liveState);
  });
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
    const es = new EventSource(url);
    es.addEventListener(event, (e) => handler.current(JSON.parse((e as MessageEvent<string>).data)));
    return () => es.close();
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
