/**
 * Smoke tests with clients Freshet does not control: Debian's AWS CLI
 * (/usr/bin/aws, called by path because a pyenv v1 may shadow it) and boto3.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { startTestServer, uniqueName } from './helpers.ts';

describe('third-party clients', () => {
  let server: FreshetServer;
  before(async () => ({ server } = await startTestServer()));
  after(async () => server.close());

  async function aws(...args: string[]): Promise<any> {
    return awsCli(server.url, ['kinesis', ...args]);
  }

  it('AWS CLI: create-stream, put-record, get-shard-iterator, get-records', async () => {
    const name = uniqueName('cli');
    await aws('create-stream', '--stream-name', name, '--shard-count', '1');
    await server.kinesis.whenActive(name);
    const put = await aws('put-record', '--stream-name', name, '--partition-key', 'pk', '--data', Buffer.from('hello cli').toString('base64'));
    assert.equal(put.ShardId, 'shardId-000000000000');
    const it0 = await aws('get-shard-iterator', '--stream-name', name, '--shard-id', put.ShardId, '--shard-iterator-type', 'TRIM_HORIZON');
    const got = await aws('get-records', '--shard-iterator', it0.ShardIterator);
    assert.equal(got.Records.length, 1);
    assert.equal(Buffer.from(got.Records[0].Data, 'base64').toString(), 'hello cli');
    assert.equal(got.Records[0].SequenceNumber, put.SequenceNumber);
  });

  it('boto3: create_stream, put_records, get_records', async () => {
    const name = uniqueName('boto');
    const script = `
import boto3, json, sys, time
k = boto3.client('kinesis', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKID', aws_secret_access_key='s')
name = sys.argv[2]
k.create_stream(StreamName=name, ShardCount=2)
for _ in range(200):
    if k.describe_stream_summary(StreamName=name)['StreamDescriptionSummary']['StreamStatus'] == 'ACTIVE':
        break
    time.sleep(0.01)
put = k.put_records(StreamName=name, Records=[{'Data': ('rec %d' % i).encode(), 'PartitionKey': 'k%d' % i} for i in range(10)])
got = []
for shard in k.list_shards(StreamName=name)['Shards']:
    it = k.get_shard_iterator(StreamName=name, ShardId=shard['ShardId'], ShardIteratorType='TRIM_HORIZON')['ShardIterator']
    got += [r['Data'].decode() for r in k.get_records(ShardIterator=it)['Records']]
print(json.dumps({'failed': put['FailedRecordCount'], 'got': sorted(got)}))
`;
    const stdout = await python3(script, [server.url, name]);
    const out = JSON.parse(stdout) as { failed: number; got: string[] };
    assert.equal(out.failed, 0);
    assert.deepEqual(out.got, Array.from({ length: 10 }, (_, i) => `rec ${i}`).sort());
  });
});
