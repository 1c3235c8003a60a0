/**
 * Every AWS SDK client a pipeline file needs, pointed at a Freshet endpoint. Everything the CLI, the
 * generators and pipeline files do goes through these real clients, so the same commands work against AWS
 * itself when `--endpoint` names it. A command that needs one client builds it alone with `clientConfig`
 * (client-config.ts): loading every SDK client costs start-up time.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import { KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { LookoutMetricsClient } from '@aws-sdk/client-lookoutmetrics';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { clientConfig, type ClientOptions } from '../client/index.ts';

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

export function createClients(opts: ClientOptions = {}): FreshetClients {
  const config = clientConfig(opts);
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
