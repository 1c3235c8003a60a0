/** Shared set-up for Kinesis tests: a real server on a loopback port and a real SDK client. */
import { KinesisClient, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer, StartServerOptions } from '../../src/server/index.ts';

let counter = 0;
/** A stream name unique to this process and test. */
export function uniqueName(prefix = 'test'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

export function clientFor(server: FreshetServer): KinesisClient {
  return new KinesisClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

export async function startTestServer(opts: StartServerOptions = {}): Promise<{ server: FreshetServer; client: KinesisClient }> {
  const server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0, deleteDelayMs: 0, ...opts });
  return { server, client: clientFor(server) };
}

/** Polls DescribeStreamSummary until the stream is ACTIVE (real clock; up to 30 s, as creating replicated JetStream streams on a busy machine can take seconds). */
export async function waitActive(client: KinesisClient, name: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const r = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (r.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((res) => setTimeout(res, 5));
  }
  throw new Error(`stream ${name} never became ACTIVE`);
}

/** A raw AWS JSON 1.1 request, for wire-level assertions. */
export async function rawRequest(
  server: FreshetServer,
  action: string,
  body: unknown,
  opts: { headers?: Record<string, string>; auth?: boolean; method?: string; rawBody?: string | Buffer } = {},
): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-amz-json-1.1',
    'X-Amz-Target': `Kinesis_20131202.${action}`,
  };
  if (opts.auth !== false) {
    headers.Authorization = 'AWS4-HMAC-SHA256 Credential=AKID/20210131/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd';
    headers['X-Amz-Date'] = '20210131T140000Z';
  }
  Object.assign(headers, opts.headers ?? {});
  const res = await fetch(`${server.url}/`, {
    method: opts.method ?? 'POST',
    headers,
    body: opts.method === 'GET' || opts.method === 'OPTIONS' ? undefined : (opts.rawBody ?? JSON.stringify(body)),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}
