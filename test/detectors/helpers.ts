/** Shared set-up for detector tests: a Freshet server on a loopback port with a ManualClock, the LookoutMetrics SDK client and a webhook. */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { LookoutMetricsClient } from '@aws-sdk/client-lookoutmetrics';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import type { FirehoseOptions } from '../../src/firehose/index.ts';
import type { DetectorsEngine, DetectorsOptions, DetectorsService } from '../../src/detectors/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ecomm-alerts';
export const ROLE = 'arn:aws:iam::123456789012:role/l4m-role';
export const T0 = Date.UTC(2021, 5, 2, 0, 0, 0);

export interface Webhook {
  url: string;
  bodies: { headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

export async function startWebhook(): Promise<Webhook> {
  const bodies: Webhook['bodies'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Harness {
  server: FreshetServer;
  client: LookoutMetricsClient;
  clock: ManualClock;
  dir: string;
  bucketDir: string;
  engine: DetectorsEngine;
  webhook: Webhook;
  close(): Promise<void>;
}

export async function startHarness(opts: { detectors?: DetectorsOptions; dir?: string; start?: number; firehose?: FirehoseOptions } = {}): Promise<Harness> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'freshet-l4m-')));
  const clock = new ManualClock(opts.start ?? T0);
  const webhook = await startWebhook();
  const server = await startServer({
    port: 0,
    storage: new MemoryStorage(),
    dataDir: dir,
    clock,
    ...(opts.firehose ? { firehose: opts.firehose } : {}),
    detectors: { topics: { [TOPIC]: webhook.url }, ...opts.detectors },
  });
  const client = new LookoutMetricsClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });
  const service = server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService;
  return {
    server,
    client,
    clock,
    dir,
    bucketDir: join(dir, 's3', 'freshet-s3'),
    engine: service.engine,
    webhook,
    async close() {
      client.destroy();
      await server.close();
      await webhook.close();
      if (!opts.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
