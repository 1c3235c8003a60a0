import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordCommand,
  PutRecordBatchCommand,
  UpdateDestinationCommand,
  TagDeliveryStreamCommand,
  UntagDeliveryStreamCommand,
  ListTagsForDeliveryStreamCommand,
  StartDeliveryStreamEncryptionCommand,
  StopDeliveryStreamEncryptionCommand,
} from '@aws-sdk/client-firehose';
import { startHarness, s3Dest, enc } from './helpers.ts';
import type { Harness } from './helpers.ts';

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

describe('Firehose API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  describe('CreateDeliveryStream', () => {
    it('creates a DirectPut stream that goes CREATING → ACTIVE on the clock', async () => {
      const res = await h.client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'api-create', ExtendedS3DestinationConfiguration: s3Dest('b1') }));
      assert.equal(res.DeliveryStreamARN, 'arn:aws:firehose:us-east-1:000000000000:deliverystream/api-create');
      let d = (await h.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'api-create' }))).DeliveryStreamDescription!;
      assert.equal(d.DeliveryStreamStatus, 'CREATING');
      await rejects(h.client.send(new PutRecordCommand({ DeliveryStreamName: 'api-create', Record: { Data: enc('x') } })), 'ResourceNotFoundException');
      await h.tick(1000, 'api-create');
      d = (await h.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'api-create' }))).DeliveryStreamDescription!;
      assert.equal(d.DeliveryStreamStatus, 'ACTIVE');
      assert.equal(d.DeliveryStreamType, 'DirectPut');
      assert.equal(d.VersionId, '1');
      assert.ok(d.CreateTimestamp instanceof Date);
      assert.equal(d.DeliveryStreamEncryptionConfiguration?.Status, 'DISABLED');
      assert.equal(d.HasMoreDestinations, false);
      const dest = d.Destinations![0]!;
      assert.equal(dest.DestinationId, 'destinationId-000000000001');
      const ext = dest.ExtendedS3DestinationDescription!;
      assert.equal(ext.BucketARN, 'arn:aws:s3:::b1');
      assert.deepEqual(ext.BufferingHints, { SizeInMBs: 5, IntervalInSeconds: 300 });
      assert.equal(ext.CompressionFormat, 'UNCOMPRESSED');
      assert.equal(ext.S3BackupMode, 'Disabled');
      assert.equal(dest.S3DestinationDescription?.BucketARN, 'arn:aws:s3:::b1');
    });

    it('rejects a second stream with the same name with ResourceInUseException', async () => {
      await rejects(
        h.client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'api-create', ExtendedS3DestinationConfiguration: s3Dest('b1') })),
        'ResourceInUseException',
        'Firehose api-create under accountId 000000000000 already exists',
      );
    });

    it('rejects invalid names and buffering hints with ValidationException in AWS wording', async () => {
      await rejects(
        h.client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'bad name', ExtendedS3DestinationConfiguration: s3Dest('b1') })),
        'ValidationException',
        "1 validation error detected: Value 'bad name' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      );
      await rejects(
        h.client.send(
          new CreateDeliveryStreamCommand({
            DeliveryStreamName: 'ok',
            ExtendedS3DestinationConfiguration: s3Dest('b1', { BufferingHints: { SizeInMBs: 129, IntervalInSeconds: 901 } }),
          }),
        ),
        'ValidationException',
        /^2 validation errors detected: Value '129' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128; Value '901' at 'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds'/,
      );
      await rejects(
        h.client.send(
          new CreateDeliveryStreamCommand({
            DeliveryStreamName: 'ok',
            ExtendedS3DestinationConfiguration: { BucketARN: 'not-an-arn', RoleARN: s3Dest('x').RoleARN },
          }),
        ),
        'ValidationException',
        /at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      );
    });

    it('applies AWS prefix rules with InvalidArgumentException', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [
          { Prefix: 'data/!{timestamp:yyyy}/' },
          /^Ths supplied prefix\(es\) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions$/,
        ],
        [{ Prefix: 'data/!{firehose:error-output-type}/', ErrorOutputPrefix: 'e/' }, /only allowed in ErrorOutputPrefix/],
        [{ Prefix: 'data/!{unknown:x}/', ErrorOutputPrefix: 'e/' }, /unknown namespace/],
        [{ Prefix: 'data/!{timestamp:yyyy/', ErrorOutputPrefix: 'e/' }, /not closed/],
        [{ Prefix: 'data/!{timestamp:yyyy-bbb}/', ErrorOutputPrefix: 'e/' }, /not a valid Java DateTimeFormatter pattern/],
        [{ Prefix: 'data/!{partitionKeyFromQuery:id}/', ErrorOutputPrefix: 'e/' }, /dynamic partitioning is not enabled/],
        [{ CustomTimeZone: 'Mars/Olympus' }, /CustomTimeZone/],
        // AWS's text, as users have reported it.
        [
          {
            BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
            DataFormatConversionConfiguration: {
              Enabled: true,
              SchemaConfiguration: { DatabaseName: 'db', TableName: 't', RoleARN: s3Dest('x').RoleARN },
              OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
            },
          },
          /^BufferingHints\.SizeInMBs must be at least 64 when data format conversion is enabled\.$/,
        ],
      ];
      for (const [extra, re] of cases) {
        await rejects(
          h.client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'rules', ExtendedS3DestinationConfiguration: s3Dest('b1', extra) })),
          'InvalidArgumentException',
          re,
        );
      }
    });

    it('requires exactly one destination', async () => {
      await rejects(h.client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'nodest' })), 'InvalidArgumentException', /Exactly one destination/);
    });
  });

  describe('PutRecord and PutRecordBatch', () => {
    before(async () => {
      await h.client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'api-put', ExtendedS3DestinationConfiguration: s3Dest('b-put') }));
      await h.tick(1000, 'api-put');
    });

    it('returns a RecordId per record and counts FailedPutCount', async () => {
      const one = await h.client.send(new PutRecordCommand({ DeliveryStreamName: 'api-put', Record: { Data: enc('hello') } }));
      assert.match(one.RecordId!, /^[0-9a-f]{64}$/);
      assert.equal(one.Encrypted, false);
      const batch = await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'api-put', Records: [{ Data: enc('a') }, { Data: enc('b') }] }));
      assert.equal(batch.FailedPutCount, 0);
      assert.equal(new Set(batch.RequestResponses!.map((r) => r.RecordId)).size, 2);
      assert.ok(h.engine.metrics('api-put').IncomingRecords >= 3);
      assert.ok(h.engine.metrics('api-put').IncomingBytes >= 7);
    });

    it('rejects more than 500 records, records over 1,000 KiB and batches over 4 MiB', async () => {
      const many = Array.from({ length: 501 }, () => ({ Data: enc('x') }));
      await rejects(
        h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'api-put', Records: many })),
        'ValidationException',
        /at 'records' failed to satisfy constraint: Member must have length less than or equal to 500/,
      );
      const big = new Uint8Array(1_024_001);
      await rejects(
        h.client.send(new PutRecordCommand({ DeliveryStreamName: 'api-put', Record: { Data: big } })),
        'ValidationException',
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000",
      );
      const fat = Array.from({ length: 5 }, () => ({ Data: new Uint8Array(1_000_000) }));
      await rejects(
        h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'api-put', Records: fat })),
        'InvalidArgumentException',
        'Records size exceeds 4 MB limit',
      );
    });

    it('answers ResourceNotFoundException for an unknown stream', async () => {
      await rejects(
        h.client.send(new PutRecordCommand({ DeliveryStreamName: 'nope', Record: { Data: enc('x') } })),
        'ResourceNotFoundException',
        'Firehose nope under account 000000000000 not found.',
      );
    });
  });

  describe('UpdateDestination', () => {
    it('bumps the version, merges the update and checks CurrentDeliveryStreamVersionId', async () => {
      await h.client.send(
        new CreateDeliveryStreamCommand({ DeliveryStreamName: 'api-upd', ExtendedS3DestinationConfiguration: s3Dest('b-upd', { Prefix: 'p1/' }) }),
      );
      await h.tick(1000, 'api-upd');
      await h.client.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'api-upd',
          CurrentDeliveryStreamVersionId: '1',
          DestinationId: 'destinationId-000000000001',
          ExtendedS3DestinationUpdate: { CompressionFormat: 'GZIP', BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 } },
        }),
      );
      const d = (await h.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'api-upd' }))).DeliveryStreamDescription!;
      assert.equal(d.VersionId, '2');
      assert.ok(d.LastUpdateTimestamp instanceof Date);
      const ext = d.Destinations![0]!.ExtendedS3DestinationDescription!;
      assert.equal(ext.Prefix, 'p1/');
      assert.equal(ext.CompressionFormat, 'GZIP');
      assert.deepEqual(ext.BufferingHints, { SizeInMBs: 64, IntervalInSeconds: 60 });
      await rejects(
        h.client.send(
          new UpdateDestinationCommand({
            DeliveryStreamName: 'api-upd',
            CurrentDeliveryStreamVersionId: '1',
            DestinationId: 'destinationId-000000000001',
            ExtendedS3DestinationUpdate: { Prefix: 'p2/' },
          }),
        ),
        'ConcurrentModificationException',
        'Cannot update firehose: api-upd since the current version id: 2 and specified version id: 1 do not match',
      );
    });
  });

  describe('tags', () => {
    it('tags, lists with paging and untags', async () => {
      await h.client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'api-tags',
          ExtendedS3DestinationConfiguration: s3Dest('b'),
          Tags: [{ Key: 'team', Value: 'data' }],
        }),
      );
      await h.client.send(
        new TagDeliveryStreamCommand({
          DeliveryStreamName: 'api-tags',
          Tags: [
            { Key: 'env', Value: 'dev' },
            { Key: 'team', Value: 'ml' },
          ],
        }),
      );
      const all = await h.client.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'api-tags' }));
      assert.deepEqual(all.Tags, [
        { Key: 'team', Value: 'ml' },
        { Key: 'env', Value: 'dev' },
      ]);
      assert.equal(all.HasMoreTags, false);
      const page = await h.client.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'api-tags', Limit: 1 }));
      assert.equal(page.Tags!.length, 1);
      assert.equal(page.HasMoreTags, true);
      await h.client.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: 'api-tags', TagKeys: ['team'] }));
      assert.deepEqual((await h.client.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'api-tags' }))).Tags, [{ Key: 'env', Value: 'dev' }]);
      const tooMany = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
      await rejects(h.client.send(new TagDeliveryStreamCommand({ DeliveryStreamName: 'api-tags', Tags: tooMany })), 'LimitExceededException');
    });
  });

  describe('encryption', () => {
    it('moves ENABLING → ENABLED and DISABLING → DISABLED on the clock', async () => {
      await h.client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'api-enc', ExtendedS3DestinationConfiguration: s3Dest('b') }));
      await h.tick(1000, 'api-enc');
      await h.client.send(
        new StartDeliveryStreamEncryptionCommand({ DeliveryStreamName: 'api-enc', DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' } }),
      );
      const status = async () =>
        (await h.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'api-enc' }))).DeliveryStreamDescription!
          .DeliveryStreamEncryptionConfiguration!;
      assert.equal((await status()).Status, 'ENABLING');
      await h.tick(1000, 'api-enc');
      assert.deepEqual(await status(), { KeyType: 'AWS_OWNED_CMK', Status: 'ENABLED' });
      const put = await h.client.send(new PutRecordCommand({ DeliveryStreamName: 'api-enc', Record: { Data: enc('x') } }));
      assert.equal(put.Encrypted, true);
      await h.client.send(new StopDeliveryStreamEncryptionCommand({ DeliveryStreamName: 'api-enc' }));
      assert.equal((await status()).Status, 'DISABLING');
      await h.tick(1000, 'api-enc');
      assert.equal((await status()).Status, 'DISABLED');
      await rejects(
        h.client.send(
          new StartDeliveryStreamEncryptionCommand({
            DeliveryStreamName: 'api-enc',
            DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK' },
          }),
        ),
        'InvalidArgumentException',
      );
    });
  });

  describe('ListDeliveryStreams and DeleteDeliveryStream', () => {
    it('lists with Limit / ExclusiveStartDeliveryStreamName and deletes', async () => {
      const all = await h.client.send(new ListDeliveryStreamsCommand({}));
      assert.ok(all.DeliveryStreamNames!.includes('api-create'));
      const first = await h.client.send(new ListDeliveryStreamsCommand({ Limit: 1 }));
      assert.equal(first.DeliveryStreamNames!.length, 1);
      assert.equal(first.HasMoreDeliveryStreams, true);
      const next = await h.client.send(new ListDeliveryStreamsCommand({ Limit: 100, ExclusiveStartDeliveryStreamName: first.DeliveryStreamNames![0] }));
      assert.ok(!next.DeliveryStreamNames!.includes(first.DeliveryStreamNames![0]!));
      await h.client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'api-create' }));
      await rejects(h.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'api-create' })), 'ResourceNotFoundException');
      await rejects(h.client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'api-create' })), 'ResourceNotFoundException');
      const after = await h.client.send(new ListDeliveryStreamsCommand({ Limit: 100 }));
      assert.ok(!after.DeliveryStreamNames!.includes('api-create'));
    });
  });
});
