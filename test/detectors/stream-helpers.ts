/** Shared set-up for stream-sourced detector tests: a Kinesis client, rows put as records, a detector reading `kinesis://<stream>`. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateAlertCommand, CreateAnomalyDetectorCommand, CreateMetricSetCommand } from '@aws-sdk/client-lookoutmetrics';
import type { LookoutMetricsClient } from '@aws-sdk/client-lookoutmetrics';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ROLE, TOPIC } from './helpers.ts';

export const FREQ = 300_000;
export const OFFSET_S = 60;

export function kinesisClient(url: string): KinesisClient {
  return new KinesisClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });
}

/** Puts CSV rows, three to a record (a record may carry several rows). */
export async function putRows(k: KinesisClient, stream: string, rows: readonly string[]): Promise<void> {
  const records: { Data: Uint8Array; PartitionKey: string }[] = [];
  for (let i = 0; i < rows.length; i += 3) {
    records.push({ Data: Buffer.from(rows.slice(i, i + 3).join('\n')), PartitionKey: rows[i]!.split(',')[0]! });
  }
  const res = await k.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
  assert.equal(res.FailedRecordCount, 0);
}

export async function createStreamDetector(
  lm: LookoutMetricsClient,
  name: string,
  stream: string,
  opts: { roleArn?: string; alert?: boolean } = {},
): Promise<string> {
  const { AnomalyDetectorArn } = await lm.send(
    new CreateAnomalyDetectorCommand({ AnomalyDetectorName: name, AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
  );
  await lm.send(
    new CreateMetricSetCommand({
      AnomalyDetectorArn,
      MetricSetName: `${name}-views`,
      MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
      DimensionList: ['marketplace'],
      TimestampColumn: { ColumnName: 'event_time', ColumnFormat: 'yyyy-MM-dd HH:mm:ss.S' },
      Offset: OFFSET_S,
      MetricSetFrequency: 'PT5M',
      MetricSource: {
        S3SourceConfig: {
          RoleArn: opts.roleArn ?? ROLE,
          TemplatedPathList: [`kinesis://${stream}`],
          FileFormatDescriptor: { CsvFormatDescriptor: { ContainsHeader: false, Delimiter: ',', HeaderList: ['marketplace', 'event_time', 'views'] } },
        },
      },
    }),
  );
  if (opts.alert !== false) {
    await lm.send(
      new CreateAlertCommand({
        AlertName: `${name}-alert`,
        AnomalyDetectorArn,
        AlertSensitivityThreshold: 50,
        Action: { SNSConfiguration: { RoleArn: ROLE, SnsTopicArn: TOPIC, SnsFormat: 'JSON' } },
      }),
    );
  }
  return AnomalyDetectorArn!;
}

/** `yyyy-MM-dd HH:mm:ss.S` in UTC, as the rows' event_time. */
export function stamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 21)}`;
}
