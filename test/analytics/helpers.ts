/** Shared set-up for the Kinesis Analytics tests: a real Freshet server on port 0 and real SDK clients. */
import http from 'node:http';
import { KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage, type LogStorage } from '../../src/storage/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import type { AnalyticsService } from '../../src/analytics/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const ROLE = 'arn:aws:iam::000000000000:role/kda-role';
export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

export interface Harness {
  server: FreshetServer;
  clock: ManualClock;
  storage: LogStorage;
  analytics: KinesisAnalyticsClient;
  kinesis: KinesisClient;
  service: AnalyticsService;
  close(): Promise<void>;
}

export async function startHarness(opts: { storage?: LogStorage; clock?: ManualClock; dataDir?: string } = {}): Promise<Harness> {
  const clock = opts.clock ?? new ManualClock();
  const storage = opts.storage ?? new MemoryStorage();
  const server = await startServer({
    port: 0, storage, clock, region: REGION, accountId: ACCOUNT, createDelayMs: 0, deleteDelayMs: 0, updateDelayMs: 0,
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
  });
  const config = {
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  };
  const analytics = new KinesisAnalyticsClient(config);
  const kinesis = new KinesisClient(config);
  const service = server.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20150814') as AnalyticsService | undefined;
  if (!service) throw new Error('the Kinesis Analytics service is not registered in src/server/services.ts');
  return {
    server, clock, storage, analytics, kinesis, service,
    async close() {
      analytics.destroy();
      kinesis.destroy();
      await server.close();
    },
  };
}

export function streamArn(name: string): string {
  return `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
}

/** Runs `fn` and returns the AWS error it fails with (throws if it succeeds). */
export async function awsError(fn: () => Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await fn();
  } catch (e) {
    const err = e as { name: string; message: string };
    return { name: err.name, message: err.message };
  }
  throw new Error('expected the call to fail');
}

let unique = 0;
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${++unique}`;
}
