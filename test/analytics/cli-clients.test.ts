/**
 * Clients Freshet does not control: Debian's AWS CLI (/usr/bin/aws, by path
 * because a pyenv v1 may shadow it) and boto3, against the KinesisAnalytics_20150814 API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';
import { ROLE, startHarness, streamArn, uniqueName, type Harness } from './helpers.ts';

describe('Kinesis Analytics with third-party clients', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  async function aws(...args: string[]): Promise<any> {
    return awsCli(h.server.url, ['kinesisanalytics', ...args]);
  }

  it('AWS CLI: create-application, describe-application, list-applications, delete-application', async () => {
    h.clock.advance(457); // a creation time with milliseconds, which the CLI drops when it sends it back
    const name = uniqueName('cli');
    const input = {
      NamePrefix: 'SOURCE_SQL_STREAM',
      KinesisStreamsInput: { ResourceARN: streamArn('in'), RoleARN: ROLE },
      InputSchema: {
        RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
        RecordColumns: [{ Name: 'price', SqlType: 'DOUBLE', Mapping: '$.price' }],
      },
    };
    const created = await aws('create-application', '--application-name', name, '--inputs', JSON.stringify([input]));
    assert.equal(created.ApplicationSummary.ApplicationStatus, 'READY');
    const detail = (await aws('describe-application', '--application-name', name)).ApplicationDetail;
    assert.equal(detail.InputDescriptions[0].InAppStreamNames[0], 'SOURCE_SQL_STREAM_001');
    const list = await aws('list-applications');
    assert.ok(list.ApplicationSummaries.some((s: { ApplicationName: string }) => s.ApplicationName === name));
    await aws('delete-application', '--application-name', name, '--create-timestamp', String(detail.CreateTimestamp));
    await assert.rejects(aws('describe-application', '--application-name', name), /ResourceNotFoundException/);
  });

  it('boto3: create_application, update_application, delete_application with a second-precision CreateTimestamp', async () => {
    h.clock.advance(123); // a creation time with milliseconds
    const name = uniqueName('boto');
    const script = `
import boto3, sys
c = boto3.client('kinesisanalytics', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKID', aws_secret_access_key='s')
name = sys.argv[2]
c.create_application(ApplicationName=name, ApplicationCode='CREATE OR REPLACE STREAM "X" ("a" INTEGER);')
d = c.describe_application(ApplicationName=name)['ApplicationDetail']
c.update_application(ApplicationName=name, CurrentApplicationVersionId=d['ApplicationVersionId'], ApplicationUpdate={'ApplicationCodeUpdate': 'CREATE OR REPLACE STREAM "Y" ("b" INTEGER);'})
try:
    c.update_application(ApplicationName=name, CurrentApplicationVersionId=1, ApplicationUpdate={'ApplicationCodeUpdate': ''})
    print('no error')
except c.exceptions.ConcurrentModificationException:
    print('ConcurrentModificationException')
d2 = c.describe_application(ApplicationName=name)['ApplicationDetail']
print(d2['ApplicationVersionId'])
c.delete_application(ApplicationName=name, CreateTimestamp=d['CreateTimestamp'])
print(len([a for a in c.list_applications()['ApplicationSummaries'] if a['ApplicationName'] == name]))
`;
    const stdout = await python3(script, [h.server.url, name]);
    assert.deepEqual(stdout.trim().split('\n'), ['ConcurrentModificationException', '2', '0']);
  });
});
