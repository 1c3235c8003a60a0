/**
 * `freshet streams create|list|describe|delete`, `freshet put` and `freshet tail`:
 * a Kinesis Data Streams command line that talks to Freshet (or AWS) through
 * @aws-sdk/client-kinesis.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { readStream, formatData, waitForStreamActive, withSdkClient } from '../../client/index.ts';
import type { StartPosition, DataFormat } from '../../client/index.ts';
import { addOutputOption, outputFormat, printList, printValue, type OutputFlags } from '../output.ts';

const ENDPOINT_HELP = 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${v}'`);
    return n;
  };
}

export function parseStartPosition(v: string): StartPosition {
  const lower = v.toLowerCase();
  if (lower === 'trim-horizon' || lower === 'trim_horizon' || lower === 'beginning') return { kind: 'trim-horizon' };
  if (lower === 'latest' || lower === 'now') return { kind: 'latest' };
  const t = new Date(v);
  if (Number.isNaN(t.getTime())) throw new Error(`--from must be trim-horizon, latest or an ISO timestamp (e.g. 2021-01-31T14:05:00Z), got '${v}'`);
  return { kind: 'at-timestamp', timestamp: t };
}

async function listShards(client: KinesisClient, name: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const res = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: name }));
    shards.push(...(res.Shards ?? []));
    token = res.NextToken;
  } while (token);
  return shards;
}

export function register(program: Command): void {
  const streams = program.command('streams').description('Create, list, describe and delete Kinesis data streams');

  streams
    .command('create <name>')
    .description('Create a stream and wait until it is ACTIVE')
    .option('-s, --shards <n>', 'number of shards (provisioned mode)', positiveInt('--shards'), 1)
    .option('--on-demand', 'on-demand capacity mode (starts at 4 shards)')
    .option('--no-wait', 'return without waiting for ACTIVE')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: { shards: number; onDemand?: boolean; wait: boolean; endpoint?: string }) => {
      await withSdkClient(KinesisClient, o.endpoint, async (client) => {
        await client.send(
          new CreateStreamCommand(
            o.onDemand ? { StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } } : { StreamName: name, ShardCount: o.shards },
          ),
        );
        if (o.wait) await waitForStreamActive(client, name);
        const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        const d = summary.StreamDescriptionSummary!;
        console.log(
          `created stream ${name} (${d.OpenShardCount} shard${d.OpenShardCount === 1 ? '' : 's'}, ${d.StreamModeDetails?.StreamMode ?? 'PROVISIONED'}, ${d.StreamStatus})`,
        );
      });
    });

  addOutputOption(streams.command('list').description('List streams with their status, mode, open shards and retention'))
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (o: OutputFlags & { endpoint?: string }) => {
      await withSdkClient(KinesisClient, o.endpoint, async (client) => {
        const names: string[] = [];
        let start: string | undefined;
        for (;;) {
          const res = await client.send(new ListStreamsCommand({ ExclusiveStartStreamName: start, Limit: 100 }));
          names.push(...(res.StreamNames ?? []));
          if (!res.HasMoreStreams || !res.StreamNames?.length) break;
          start = res.StreamNames[res.StreamNames.length - 1];
        }
        const rows = [];
        for (const name of names) {
          const d = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
          rows.push({
            StreamName: name,
            StreamStatus: d.StreamStatus,
            StreamMode: d.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
            OpenShardCount: d.OpenShardCount,
            RetentionPeriodHours: d.RetentionPeriodHours,
          });
        }
        await printList(
          rows,
          outputFormat(o),
          [
            { header: 'name', value: (r) => r.StreamName },
            { header: 'status', value: (r) => r.StreamStatus },
            { header: 'mode', value: (r) => r.StreamMode },
            { header: 'shards', value: (r) => r.OpenShardCount, right: true },
            { header: 'retention', value: (r) => `${r.RetentionPeriodHours} h`, right: true },
          ],
          'no streams yet — create one with `freshet streams create <name>` or `freshet up -f <pipeline file>`',
        );
      });
    });

  addOutputOption(streams.command('describe <name>').description('Show a stream: status, mode, retention, shards with hash ranges, tags'))
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: OutputFlags & { endpoint?: string }) => {
      await withSdkClient(KinesisClient, o.endpoint, async (client) => {
        const d = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
        const shards = await listShards(client, name);
        let tags: Record<string, string> = {};
        try {
          const t = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
          tags = Object.fromEntries((t.Tags ?? []).map((x) => [x.Key!, x.Value ?? '']));
        } catch {
          // Tags are optional detail; a server without them still describes.
        }
        const view = {
          StreamName: d.StreamName,
          StreamARN: d.StreamARN,
          StreamStatus: d.StreamStatus,
          StreamMode: d.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
          RetentionPeriodHours: d.RetentionPeriodHours,
          OpenShardCount: d.OpenShardCount,
          StreamCreationTimestamp: d.StreamCreationTimestamp?.toISOString(),
          Tags: tags,
          Shards: shards.map((s) => ({
            ShardId: s.ShardId,
            ParentShardId: s.ParentShardId,
            AdjacentParentShardId: s.AdjacentParentShardId,
            HashKeyRange: s.HashKeyRange,
            StartingSequenceNumber: s.SequenceNumberRange?.StartingSequenceNumber,
            EndingSequenceNumber: s.SequenceNumberRange?.EndingSequenceNumber,
          })),
        };
        const format = outputFormat(o);
        if (format !== 'table') {
          await printValue(view, format, () => '');
          return;
        }
        console.log(
          `${view.StreamName}  ${view.StreamStatus}  ${view.StreamMode}  retention ${view.RetentionPeriodHours} h  ${view.OpenShardCount} open shard(s)`,
        );
        console.log(`  arn      ${view.StreamARN}`);
        console.log(`  created  ${view.StreamCreationTimestamp}`);
        if (Object.keys(tags).length)
          console.log(
            `  tags     ${Object.entries(tags)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`,
          );
        for (const s of view.Shards) {
          const state = s.EndingSequenceNumber ? 'closed' : 'open';
          const parents = [s.ParentShardId, s.AdjacentParentShardId].filter(Boolean).join('+');
          console.log(
            `  ${s.ShardId}  ${state}  hash ${s.HashKeyRange?.StartingHashKey}..${s.HashKeyRange?.EndingHashKey}${parents ? `  parent ${parents}` : ''}`,
          );
        }
      });
    });

  streams
    .command('delete <name>')
    .description('Delete a stream and all its records')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: { endpoint?: string }) => {
      await withSdkClient(KinesisClient, o.endpoint, async (client) => {
        await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
        console.log(`deleting stream ${name}`);
      });
    });

  program
    .command('put <stream> <data>')
    .description('Put one record (data as UTF-8 text; prefix with base64: for binary) and print its shard and sequence number')
    .option('-k, --partition-key <key>', 'partition key (default: a random UUID)')
    .option('--explicit-hash-key <n>', 'explicit 128-bit hash key, decimal')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (stream: string, data: string, o: { partitionKey?: string; explicitHashKey?: string; endpoint?: string }) => {
      const bytes = data.startsWith('base64:') ? Buffer.from(data.slice(7), 'base64') : Buffer.from(data, 'utf8');
      await withSdkClient(KinesisClient, o.endpoint, async (client) => {
        const res = await client.send(
          new PutRecordCommand({ StreamName: stream, Data: bytes, PartitionKey: o.partitionKey ?? randomUUID(), ExplicitHashKey: o.explicitHashKey }),
        );
        console.log(`${res.ShardId} ${res.SequenceNumber}`);
      });
    });

  program
    .command('tail <stream>')
    .description('Print records from every shard and follow new ones (like tail -f); JSON is re-printed, UTF-8 shown as text, anything else as base64')
    .option('--from <position>', 'trim-horizon, latest, or an ISO timestamp', 'latest')
    .option('--shard <id>', 'only this shard (and its children after resharding)')
    .option('--no-follow', 'stop once every shard is caught up')
    .option('--pretty', 'pretty-print JSON records')
    .option('--meta', 'prefix each record with shard id, sequence number and partition key')
    .option('--no-deaggregate', 'show KPL-aggregated records as they are stored')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(
      async (
        stream: string,
        o: { from: string; shard?: string; follow: boolean; pretty?: boolean; meta?: boolean; deaggregate: boolean; endpoint?: string },
      ) => {
        const from = parseStartPosition(o.from);
        const format: DataFormat = o.pretty ? 'pretty' : 'compact';
        const controller = new AbortController();
        const stop = () => controller.abort();
        // `freshet tail s | head` closes the pipe: stop quietly, like tail does.
        process.stdout.on('error', (e: NodeJS.ErrnoException) => {
          if (e.code === 'EPIPE') stop();
          else throw e;
        });
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          await withSdkClient(KinesisClient, o.endpoint, (client) =>
            readStream({
              client,
              streamName: stream,
              from,
              shardId: o.shard,
              follow: o.follow,
              deaggregate: o.deaggregate,
              signal: controller.signal,
              onReady: (shards) => {
                if (o.follow) process.stderr.write(`following ${shards.length} shard(s) of ${stream} from ${o.from} (Ctrl-C stops)\n`);
              },
              onRecord: (r) => {
                if (controller.signal.aborted) return;
                const text = formatData(r.data, format);
                if (o.meta) {
                  const seq = r.subSequenceNumber === undefined ? r.sequenceNumber : `${r.sequenceNumber}/${r.subSequenceNumber}`;
                  process.stdout.write(`${r.shardId}\t${seq}\t${r.partitionKey}\t${text}\n`);
                } else {
                  process.stdout.write(`${text}\n`);
                }
              },
            }),
          );
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      },
    );
}
