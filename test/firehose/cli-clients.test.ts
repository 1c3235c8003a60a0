/**
 * Producers Freshet does not control: Debian's AWS CLI v2 (/usr/bin/aws) and
 * boto3, against the Firehose API, checking the delivered object.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';
import { join } from 'node:path';
import { startHarness, listFiles, readObject } from './helpers.ts';
import type { Harness } from './helpers.ts';

describe('third-party Firehose producers', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ firehose: { createDelayMs: 0 } });
  });
  after(async () => {
    await h.close();
  });

  async function aws(...args: string[]): Promise<any> {
    return awsCli(h.server.url, ['--cli-binary-format', 'raw-in-base64-out', 'firehose', ...args]);
  }

  it('AWS CLI: create-delivery-stream, put-record, put-record-batch, describe-delivery-stream', async () => {
    const dest = JSON.stringify({
      BucketARN: 'arn:aws:s3:::cli-bucket',
      RoleARN: 'arn:aws:iam::123456789012:role/r',
      Prefix: 'cli/',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
    });
    const created = await aws('create-delivery-stream', '--delivery-stream-name', 'aws-cli', '--extended-s3-destination-configuration', dest);
    assert.equal(created.DeliveryStreamARN, 'arn:aws:firehose:us-east-1:000000000000:deliverystream/aws-cli');
    const put = await aws('put-record', '--delivery-stream-name', 'aws-cli', '--record', JSON.stringify({ Data: 'one\n' }));
    assert.ok(put.RecordId);
    const batch = await aws('put-record-batch', '--delivery-stream-name', 'aws-cli', '--records', JSON.stringify([{ Data: 'two\n' }, { Data: 'three\n' }]));
    assert.equal(batch.FailedPutCount, 0);
    const d = await aws('describe-delivery-stream', '--delivery-stream-name', 'aws-cli');
    assert.equal(d.DeliveryStreamDescription.DeliveryStreamStatus, 'ACTIVE');
    await h.tick(60_000, 'aws-cli');
    const root = join(h.dir, 's3', 'cli-bucket');
    const files = await listFiles(root);
    assert.equal(files.length, 1);
    assert.equal((await readObject(root, files[0]!)).toString(), 'one\ntwo\nthree\n');
  });

  it('boto3: create_delivery_stream, put_record_batch, and the error codes it sees', async () => {
    const script = `
import boto3, sys, json
from botocore.exceptions import ClientError
f = boto3.client('firehose', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKID', aws_secret_access_key='s')
f.create_delivery_stream(DeliveryStreamName='boto', S3DestinationConfiguration={'BucketARN': 'arn:aws:s3:::boto-bucket', 'RoleARN': 'arn:aws:iam::123456789012:role/r', 'BufferingHints': {'SizeInMBs': 1, 'IntervalInSeconds': 60}, 'CompressionFormat': 'GZIP'})
res = f.put_record_batch(DeliveryStreamName='boto', Records=[{'Data': ('rec %d\\n' % i).encode()} for i in range(10)])
codes = []
try:
    f.put_record(DeliveryStreamName='missing', Record={'Data': b'x'})
except ClientError as e:
    codes.append(e.response['Error']['Code'])
try:
    f.create_delivery_stream(DeliveryStreamName='boto', S3DestinationConfiguration={'BucketARN': 'arn:aws:s3:::b', 'RoleARN': 'arn:aws:iam::123456789012:role/r'})
except ClientError as e:
    codes.append(e.response['Error']['Code'])
print(json.dumps({'failed': res['FailedPutCount'], 'n': len(res['RequestResponses']), 'codes': codes}))
`;
    const stdout = await python3(script, [h.server.url]);
    const out = JSON.parse(stdout);
    assert.deepEqual(out, { failed: 0, n: 10, codes: ['ResourceNotFoundException', 'ResourceInUseException'] });
    await h.tick(60_000, 'boto');
    const root = join(h.dir, 's3', 'boto-bucket');
    const files = await listFiles(root);
    assert.equal(files.length, 1);
    assert.ok(files[0]!.endsWith('.gz'));
  });
});
