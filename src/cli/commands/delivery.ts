/**
 * `freshet delivery create|list|describe|put|delete`: Firehose delivery
 * streams through @aws-sdk/client-firehose. `describe` also shows the stream's
 * delivery metrics (IncomingBytes, DeliveryToS3.*, ExecuteProcessing.*), read
 * with Freshet's `FreshetGetDeliveryStreamMetrics` extension action.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  type CreateDeliveryStreamCommandInput,
  type DeliveryStreamDescription,
  FirehoseClient,
} from '@aws-sdk/client-firehose';
import { withSdkClient } from '../../client/index.ts';
import { addOutputOption, outputFormat, printList, printValue, type OutputFlags } from '../output.ts';

const ENDPOINT_HELP = 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)';
const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/freshet-firehose';

/** Calls a Freshet extension action (not in the SDK) with a well-formed, unsigned-in-effect SigV4 header; Freshet accepts any credentials. */
async function callExtension(endpoint: string, action: string, body: unknown): Promise<Record<string, unknown>> {
  const date = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `Firehose_20150804.${action}`,
      'X-Amz-Date': date,
      Authorization: `AWS4-HMAC-SHA256 Credential=freshet/${date.slice(0, 8)}/us-east-1/firehose/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${String(json.__type ?? res.status)}: ${String(json.message ?? json.Message ?? '')}`);
  return json;
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
}

interface CreateOptions {
  bucket?: string;
  prefix?: string;
  errorPrefix?: string;
  compression?: string;
  sizeMb?: number;
  interval?: number;
  httpUrl?: string;
  sourceStream?: string;
  newline?: boolean;
  config?: string;
  endpoint?: string;
}

export function buildCreateInput(name: string, o: CreateOptions): CreateDeliveryStreamCommandInput {
  if (o.config) {
    const raw = JSON.parse(readFileSync(o.config, 'utf8')) as CreateDeliveryStreamCommandInput;
    return { ...raw, DeliveryStreamName: name };
  }
  if (!o.bucket) throw new Error('--bucket is required (or give the whole request with --config <file.json>)');
  const hints = { SizeInMBs: o.sizeMb ?? 5, IntervalInSeconds: o.interval ?? 300 };
  const s3 = {
    BucketARN: `arn:aws:s3:::${o.bucket}`,
    RoleARN: DEFAULT_ROLE,
    ...(o.prefix ? { Prefix: o.prefix } : {}),
    ...(o.errorPrefix ? { ErrorOutputPrefix: o.errorPrefix } : {}),
  };
  const input: CreateDeliveryStreamCommandInput = { DeliveryStreamName: name };
  if (o.sourceStream) {
    input.DeliveryStreamType = 'KinesisStreamAsSource';
    input.KinesisStreamSourceConfiguration = { KinesisStreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${o.sourceStream}`, RoleARN: DEFAULT_ROLE };
  }
  const processing = o.newline ? { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' as const }] } : undefined;
  if (o.httpUrl) {
    input.HttpEndpointDestinationConfiguration = {
      EndpointConfiguration: { Url: o.httpUrl },
      BufferingHints: hints,
      S3Configuration: s3,
      ...(processing ? { ProcessingConfiguration: processing } : {}),
    };
  } else {
    input.ExtendedS3DestinationConfiguration = {
      ...s3,
      BufferingHints: hints,
      CompressionFormat: (o.compression ?? 'UNCOMPRESSED') as 'UNCOMPRESSED',
      ...(processing ? { ProcessingConfiguration: processing } : {}),
    };
  }
  return input;
}

/**
 * The metrics that apply to this delivery stream's destination and features, as CloudWatch publishes them:
 * no DeliveryToHttpEndpoint.* for an S3 destination, no processing metrics without a Lambda processor, no
 * partition counts without dynamic partitioning.
 */
export function ownMetrics(m: Record<string, number>, d: DeliveryStreamDescription): Record<string, number> {
  const dest = d.Destinations?.[0];
  const http = dest?.HttpEndpointDestinationDescription !== undefined;
  const s3 = dest?.ExtendedS3DestinationDescription;
  const processing = (http ? dest?.HttpEndpointDestinationDescription?.ProcessingConfiguration : s3?.ProcessingConfiguration) ?? undefined;
  const lambda = processing?.Enabled === true && (processing.Processors ?? []).some((p) => p.Type === 'Lambda');
  const partitioning = s3?.DynamicPartitioningConfiguration?.Enabled === true;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) {
    if (!http && k.startsWith('DeliveryToHttpEndpoint.')) continue;
    if (!lambda && (k.startsWith('ExecuteProcessing.') || k.startsWith('SucceedProcessing.'))) continue;
    if (!partitioning && k.startsWith('PartitionCount')) continue;
    out[k] = v;
  }
  return out;
}

function formatMetrics(m: Record<string, number>): string {
  const rows = Object.entries(m).map(([k, v]) => {
    const value = k.endsWith('.Success') ? `${(v * 100).toFixed(1)}%` : k.endsWith('DataFreshness') ? `${v.toFixed(1)} s` : String(v);
    return `  ${k.padEnd(36)} ${value}`;
  });
  return rows.join('\n');
}

/** Registers the `delivery` command group. */
export function register(program: Command): void {
  const delivery = program
    .command('delivery')
    .description('Firehose-compatible delivery streams (buffer records and deliver them to files, S3 or an HTTP endpoint)');

  delivery
    .command('create <name>')
    .description('Create a delivery stream (embedded S3 bucket → <data-dir>/s3/<bucket>, unless mapped to a remote store)')
    .option('--bucket <bucket>', 'destination bucket (BucketARN arn:aws:s3:::<bucket>)')
    .option('--prefix <prefix>', 'S3 key prefix, may use !{timestamp:…} expressions')
    .option('--error-prefix <prefix>', 'ErrorOutputPrefix (required when --prefix uses expressions)')
    .option('--compression <format>', 'UNCOMPRESSED | GZIP | ZIP | Snappy | HADOOP_SNAPPY', 'UNCOMPRESSED')
    .option('--size-mb <n>', 'buffer size hint in MiB (1–128)', positiveInt('--size-mb'))
    .option('--interval <seconds>', 'buffer interval hint in seconds (0–900)', positiveInt('--interval'))
    .option('--http-url <url>', 'deliver to this HTTP endpoint instead (failed records backed up to --bucket)')
    .option('--source-stream <stream>', 'read a Freshet (Kinesis) stream instead of accepting PutRecord')
    .option('--newline', 'append a newline to each record (AppendDelimiterToRecord)')
    .option('--config <file>', 'a CreateDeliveryStream request as JSON (AWS shape); overrides the other options')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: CreateOptions) => {
      await withSdkClient(FirehoseClient, o.endpoint, async (c) => {
        const res = await c.send(new CreateDeliveryStreamCommand(buildCreateInput(name, o)));
        console.log(res.DeliveryStreamARN);
      });
    });

  addOutputOption(delivery.command('list').description('List delivery streams with their status, type and destination'))
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (o: OutputFlags & { endpoint?: string }) => {
      await withSdkClient(FirehoseClient, o.endpoint, async (c) => {
        const names: string[] = [];
        let start: string | undefined;
        for (;;) {
          const res = await c.send(new ListDeliveryStreamsCommand({ Limit: 100, ExclusiveStartDeliveryStreamName: start }));
          names.push(...(res.DeliveryStreamNames ?? []));
          if (!res.HasMoreDeliveryStreams || !res.DeliveryStreamNames?.length) break;
          start = res.DeliveryStreamNames.at(-1);
        }
        const rows = [];
        for (const name of names) {
          const d = (await c.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription!;
          const dest = d.Destinations?.[0];
          rows.push({
            DeliveryStreamName: name,
            DeliveryStreamStatus: d.DeliveryStreamStatus,
            DeliveryStreamType: d.DeliveryStreamType,
            Destination:
              dest?.HttpEndpointDestinationDescription?.EndpointConfiguration?.Url ??
              dest?.ExtendedS3DestinationDescription?.BucketARN ??
              dest?.S3DestinationDescription?.BucketARN,
          });
        }
        await printList(
          rows,
          outputFormat(o),
          [
            { header: 'name', value: (r) => r.DeliveryStreamName },
            { header: 'status', value: (r) => r.DeliveryStreamStatus },
            { header: 'type', value: (r) => r.DeliveryStreamType },
            { header: 'destination', value: (r) => r.Destination },
          ],
          'no delivery streams yet — create one with `freshet delivery create <name> --bucket <bucket>` or `freshet up -f <pipeline file>`',
        );
      });
    });

  addOutputOption(delivery.command('describe <name>').description('Show a delivery stream: status, version, destination and delivery metrics'))
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: OutputFlags & { endpoint?: string }) => {
      await withSdkClient(FirehoseClient, o.endpoint, async (c, endpoint) => {
        const d = (await c.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription!;
        let metrics: Record<string, number> | undefined;
        let bucketPath: string | null = null;
        try {
          const m = await callExtension(endpoint, 'FreshetGetDeliveryStreamMetrics', { DeliveryStreamName: name });
          metrics = ownMetrics(m.Metrics as Record<string, number>, d);
          bucketPath = (m.BucketPath as string | null) ?? null;
        } catch {
          // Not a Freshet endpoint (e.g. AWS itself): no metrics.
        }
        const format = outputFormat(o);
        if (format !== 'table') {
          await printValue({ ...d, Metrics: metrics }, format, () => '');
          return;
        }
        const dest = d.Destinations?.[0];
        const s3 = dest?.ExtendedS3DestinationDescription;
        const hd = dest?.HttpEndpointDestinationDescription;
        const lines = [
          `${d.DeliveryStreamName}  ${d.DeliveryStreamStatus}  ${d.DeliveryStreamType}  version ${d.VersionId}`,
          `  arn          ${d.DeliveryStreamARN}`,
          `  created      ${d.CreateTimestamp?.toISOString()}`,
          `  encryption   ${d.DeliveryStreamEncryptionConfiguration?.Status ?? 'DISABLED'}`,
        ];
        if (d.Source?.KinesisStreamSourceDescription) lines.push(`  source       ${d.Source.KinesisStreamSourceDescription.KinesisStreamARN}`);
        if (s3) {
          lines.push(`  destination  ${s3.BucketARN}${bucketPath ? ` (${bucketPath})` : ''}`);
          lines.push(`  prefix       ${s3.Prefix || '(default yyyy/MM/dd/HH/)'}${s3.ErrorOutputPrefix ? `  errors: ${s3.ErrorOutputPrefix}` : ''}`);
          lines.push(`  buffering    ${s3.BufferingHints?.SizeInMBs} MiB / ${s3.BufferingHints?.IntervalInSeconds} s, ${s3.CompressionFormat}`);
        }
        if (hd) {
          lines.push(`  destination  ${hd.EndpointConfiguration?.Url} (backup ${hd.S3DestinationDescription?.BucketARN}, ${hd.S3BackupMode})`);
          lines.push(
            `  buffering    ${hd.BufferingHints?.SizeInMBs} MiB / ${hd.BufferingHints?.IntervalInSeconds} s, retry ${hd.RetryOptions?.DurationInSeconds} s`,
          );
        }
        if (metrics) lines.push('  metrics', formatMetrics(metrics));
        console.log(lines.join('\n'));
      });
    });

  delivery
    .command('put <name> [records...]')
    .description('Put records (arguments, or lines of --file, or stdin lines with --file -)')
    .option('--file <path>', 'read records from a file, one per line (- for stdin)')
    .option('--newline', 'append a newline to each record')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, records: string[], o: { file?: string; newline?: boolean; endpoint?: string }) => {
      let all = records;
      if (o.file)
        all = all.concat(
          readFileSync(o.file === '-' ? 0 : o.file, 'utf8')
            .split('\n')
            .filter((l) => l.length > 0),
        );
      if (all.length === 0) throw new Error('nothing to put: give records as arguments or with --file');
      await withSdkClient(FirehoseClient, o.endpoint, async (c) => {
        let failed = 0;
        for (let i = 0; i < all.length; i += 500) {
          const batch = all.slice(i, i + 500).map((r) => ({ Data: new TextEncoder().encode(o.newline ? `${r}\n` : r) }));
          const res = await c.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: batch }));
          failed += res.FailedPutCount ?? 0;
        }
        console.log(`put ${all.length - failed} record(s)${failed ? `, ${failed} failed` : ''}`);
        if (failed) process.exitCode = 1;
      });
    });

  delivery
    .command('delete <name>')
    .description('Delete a delivery stream (undelivered records are discarded, as in AWS)')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: { endpoint?: string }) => {
      await withSdkClient(FirehoseClient, o.endpoint, async (c) => {
        await c.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name }));
        console.log(`deleted ${name}`);
      });
    });
}
