import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { prometheusName } from '../../src/metrics/index.ts';
import { startHarness, s3Dest, enc } from '../firehose/helpers.ts';

const dashboard = JSON.parse(readFileSync(new URL('../../examples/grafana/freshet-demo-dashboard.json', import.meta.url), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

/** Every metric family a PromQL expression names (`aws_…` without the summary suffixes). */
function families(): Set<string> {
  const out = new Set<string>();
  for (const p of dashboard.panels) {
    for (const t of p.targets) for (const m of t.expr.matchAll(/\b(aws_[a-z0-9_]+?)_(sum|count|minimum|maximum)\b/g)) out.add(m[1]!);
  }
  return out;
}

describe('examples/grafana', () => {
  it('queries only series Freshet exposes at GET /metrics', async () => {
    const used = families();
    assert.ok(used.size >= 8, `the dashboard queries several metrics (${[...used].join(', ')})`);
    const h = await startHarness();
    const kinesis = new KinesisClient({ endpoint: h.server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' }, maxAttempts: 1 });
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 's1-sales-events', ShardCount: 1 }));
      await h.tick(1000);
      await kinesis.send(new PutRecordsCommand({ StreamName: 's1-sales-events', Records: [{ PartitionKey: 'k', Data: enc('{"sales":1}') }] }));
      const it0 = await kinesis.send(
        new GetShardIteratorCommand({ StreamName: 's1-sales-events', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
      );
      await kinesis.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator! }));
      await h.client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 's1-revenue-per-minute',
          ExtendedS3DestinationConfiguration: s3Dest('bkt-grafana', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) as never,
        }),
      );
      await h.tick(1000, 's1-revenue-per-minute');
      await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 's1-revenue-per-minute', Records: [{ Data: enc('{"revenue":1}\n') }] }));
      for (let s = 0; s < 62; s++) await h.tick(1000, 's1-revenue-per-minute');
      const text = await (await fetch(`${h.server.url}/metrics`)).text();
      const exposed = new Set([...text.matchAll(/^# TYPE (\S+) summary$/gm)].map((m) => m[1]!));
      // The SQL applications' families: their names as the mapping gives them (an application needs a running SQL app).
      for (const metric of ['Records', 'Bytes', 'Success', 'MillisBehindLatest']) exposed.add(prometheusName('AWS/KinesisAnalytics', metric));
      for (const f of used) assert.ok(exposed.has(f), `${f} is not exposed; exposed: ${[...exposed].join(', ')}`);
      for (const label of ['StreamName', 'DeliveryStreamName']) assert.match(text, new RegExp(`\\{[^}]*${label}="`), `${label} is a label`);
    } finally {
      kinesis.destroy();
      await h.close();
    }
  });
});
