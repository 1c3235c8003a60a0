/**
 * AWS SDK clients pointed at a Freshet endpoint. Everything the CLI, the
 * generators and pipeline files do goes through these real clients, so the
 * same commands work against AWS itself when `--endpoint` names it.
 */
import http from 'node:http';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import { KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { LookoutMetricsClient } from '@aws-sdk/client-lookoutmetrics';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { isConnectionError } from '../generators/index.ts';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4567';

export interface ClientOptions {
  /** Freshet's URL; defaults to $FRESHET_ENDPOINT, then http://127.0.0.1:4567. */
  endpoint?: string;
  region?: string;
  /** SDK attempts per call (the SDK's own retry of throttling and network errors). */
  maxAttempts?: number;
}

export interface FreshetClients {
  endpoint: string;
  kinesis: KinesisClient;
  firehose: FirehoseClient;
  analytics: KinesisAnalyticsClient;
  /** KinesisAnalyticsV2 (Flink SQL applications). */
  analyticsV2: KinesisAnalyticsV2Client;
  lookoutmetrics: LookoutMetricsClient;
  lambda: LambdaClient;
  sqs: SQSClient;
  /** CloudWatch (alarms: and dashboards: of pipeline files), loaded on first use: most commands never need it. */
  cloudwatch(): Promise<CloudWatchClient>;
  destroy(): void;
}

export function resolveEndpoint(endpoint?: string): string {
  return endpoint ?? process.env.FRESHET_ENDPOINT ?? DEFAULT_ENDPOINT;
}

function resolveConfig(opts: ClientOptions) {
  // The SDK warns on every process about its future Node 22 floor; Freshet
  // supports Node 20, so a CLI user would see that paragraph on every command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = resolveEndpoint(opts.endpoint);
  const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // Local development: when nothing is configured, sign with dummy keys
  // (Freshet accepts any credentials) rather than failing in the SDK's chain.
  const configured = process.env.AWS_ACCESS_KEY_ID !== undefined || process.env.AWS_PROFILE !== undefined;
  const credentials = configured ? undefined : { accessKeyId: 'freshet', secretAccessKey: 'freshet' };
  // The Kinesis client defaults to HTTP/2 (for SubscribeToShard); Freshet, like
  // kinesalite, speaks HTTP/1.1 keep-alive, so every client gets the HTTP/1.1 handler.
  const requestHandler = new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }) });
  return { endpoint, region, credentials, maxAttempts: opts.maxAttempts ?? 3, requestHandler };
}

export function kinesisClient(opts: ClientOptions = {}): KinesisClient {
  return new KinesisClient(resolveConfig(opts));
}

export function createClients(opts: ClientOptions = {}): FreshetClients {
  const config = resolveConfig(opts);
  const kinesis = new KinesisClient(config);
  const firehose = new FirehoseClient(config);
  const analytics = new KinesisAnalyticsClient(config);
  const analyticsV2 = new KinesisAnalyticsV2Client(config);
  const lookoutmetrics = new LookoutMetricsClient(config);
  const lambda = new LambdaClient(config);
  const sqs = new SQSClient(config);
  let cloudwatchClient: CloudWatchClient | undefined;
  return {
    endpoint: config.endpoint,
    kinesis,
    firehose,
    analytics,
    analyticsV2,
    lookoutmetrics,
    lambda,
    sqs,
    async cloudwatch() {
      if (cloudwatchClient === undefined) {
        const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
        cloudwatchClient ??= new CloudWatchClient(config);
      }
      return cloudwatchClient;
    },
    destroy() {
      kinesis.destroy();
      firehose.destroy();
      analytics.destroy();
      analyticsV2.destroy();
      lookoutmetrics.destroy();
      lambda.destroy();
      sqs.destroy();
      cloudwatchClient?.destroy();
    },
  };
}

/**
 * One line a user can act on. Connection failures name the fix; AWS errors
 * keep their code and message.
 */
export function describeError(e: unknown, endpoint: string): string {
  if (isConnectionError(e)) return `cannot reach Freshet at ${endpoint} — start it with \`npx freshet server\` (or pass --endpoint / set FRESHET_ENDPOINT)`;
  if (e && typeof e === 'object' && '$metadata' in e && 'name' in e) {
    const err = e as { name: string; message?: string };
    return `${err.name}: ${err.message ?? ''}`.trim();
  }
  return e instanceof Error ? e.message : String(e);
}
