/** Shared set-up for the Kinesis Analytics tests: a real Freshet server on port 0 and real SDK clients. */
import http from 'node:http';
import assert from 'node:assert/strict';
import { DescribeApplicationCommand, KinesisAnalyticsClient, StartApplicationCommand, type InputStartingPosition } from '@aws-sdk/client-kinesis-analytics';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage, type LogStorage } from '../../src/storage/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import type { AnalyticsService, HostOptions } from '../../src/analytics/index.ts';
import type { FirehoseEngine, FirehoseOptions, FirehoseService } from '../../src/firehose/index.ts';
import { FirehoseClient } from '@aws-sdk/client-firehose';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const ROLE = 'arn:aws:iam::000000000000:role/kda-role';
export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
/** Host options that make STARTING/STOPPING/UPDATING/DELETING settle before the call answers. */
export const IMMEDIATE_STATUS = { startDelayMs: 0, stopDelayMs: 0, updateDelayMs: 0, deleteDelayMs: 0 } as const;

export interface Harness {
  server: FreshetServer;
  clock: ManualClock;
  storage: LogStorage;
  analytics: KinesisAnalyticsClient;
  kinesis: KinesisClient;
  service: AnalyticsService;
  firehose: FirehoseClient;
  firehoseEngine: FirehoseEngine;
  /** Advances the clock by `ms` and waits until every application has processed what is readable. */
  tick(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** `storage: 'file'` opens FileStorage in `dataDir` (which must then be given). */
export async function startHarness(
  opts: { storage?: LogStorage | 'file'; clock?: ManualClock; dataDir?: string; firehose?: FirehoseOptions; analytics?: HostOptions } = {},
): Promise<Harness> {
  const clock = opts.clock ?? new ManualClock();
  const storage = opts.storage ?? new MemoryStorage();
  const server = await startServer({
    port: 0,
    storage,
    clock,
    region: REGION,
    accountId: ACCOUNT,
    createDelayMs: 0,
    deleteDelayMs: 0,
    updateDelayMs: 0,
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    firehose: { createDelayMs: 1000, logger: () => undefined, ...opts.firehose },
    // Status transitions settle before each call answers unless a test asks for delays (and drives them with the clock).
    analytics: { ...IMMEDIATE_STATUS, ...opts.analytics },
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
  const firehose = new FirehoseClient(config);
  const firehoseService = server.services.find((s) => s.targetPrefix === 'Firehose_20150804') as FirehoseService;
  const firehoseEngine = firehoseService.engine;
  await firehoseEngine.ready();
  const service = server.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20150814') as AnalyticsService | undefined;
  if (!service) throw new Error('the Kinesis Analytics service is not registered in src/server/services.ts');
  await service.ready;
  return {
    server,
    clock,
    storage: server.storage,
    analytics,
    kinesis,
    service,
    firehose,
    firehoseEngine,
    async tick(ms) {
      await service.host.whenIdle();
      clock.advance(ms);
      await service.host.whenIdle();
    },
    async close() {
      analytics.destroy();
      kinesis.destroy();
      firehose.destroy();
      await server.close();
    },
  };
}

export function streamArn(name: string): string {
  return `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
}

/** Runs `fn` and returns the AWS error it fails with (throws if it succeeds): code, message and HTTP status as the SDK saw them. */
export async function awsError(fn: () => Promise<unknown>): Promise<{ name: string; message: string; httpStatus: number | undefined }> {
  try {
    await fn();
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, httpStatus: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

let unique = 0;
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${++unique}`;
}

/** Every record in a stream (all shards, from TRIM_HORIZON), decoded as UTF-8 text. */
export async function readStream(h: Harness, stream: string): Promise<string[]> {
  const { ListShardsCommand, GetShardIteratorCommand, GetRecordsCommand } = await import('@aws-sdk/client-kinesis');
  const shards = await h.kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const out: string[] = [];
  for (const shard of shards.Shards ?? []) {
    let it = (await h.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' })))
      .ShardIterator;
    while (it) {
      const res = await h.kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      for (const r of res.Records ?? []) out.push(Buffer.from(r.Data!).toString('utf8'));
      if ((res.Records ?? []).length === 0) break;
      it = res.NextShardIterator;
    }
  }
  return out;
}

/** A small deterministic PRNG (mulberry32) so generated data is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The application's ApplicationStatus, as DescribeApplication reports it. */
export async function appStatus(h: Harness, app: string): Promise<string | undefined> {
  return (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }))).ApplicationDetail!.ApplicationStatus;
}

/**
 * StartApplication for the single input '1.1' at `position`, then checks the application is RUNNING.
 * With a start delay (startHarness({ analytics: { startDelayMs } })) it checks STARTING first and
 * moves the clock over the delay.
 */
export async function startApplication(h: Harness, app: string, position: InputStartingPosition, startDelayMs = 0): Promise<void> {
  await h.analytics.send(
    new StartApplicationCommand({
      ApplicationName: app,
      InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: position } }],
    }),
  );
  if (startDelayMs > 0) {
    assert.equal(await appStatus(h, app), 'STARTING');
    h.clock.advance(startDelayMs);
  }
  assert.equal(await appStatus(h, app), 'RUNNING');
}
