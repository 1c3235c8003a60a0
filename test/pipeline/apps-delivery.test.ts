import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeApplicationCommand, ListApplicationsCommand } from '@aws-sdk/client-kinesis-analytics';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import { applyDown, applyUp, createClients, loadPipeline, planUp, waitFor, type FreshetClients } from '../../src/pipeline/index.ts';

let server: FreshetServer;
let clients: FreshetClients;
let s3Root: string;
before(async () => {
  s3Root = mkdtempSync(join(tmpdir(), 'freshet-apps-'));
  server = await startServer({ port: 0, storage: 'memory', firehose: { s3Root } });
  clients = createClients({ endpoint: server.url });
});
after(async () => {
  clients.destroy();
  await server.close();
});

const SQL_V1 = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("ticker" VARCHAR(8), "price" DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001";`;
const SQL_V2 = SQL_V1.replace('FROM "SOURCE_SQL_STREAM_001"', 'FROM "SOURCE_SQL_STREAM_001" WHERE "price" > 50');

function yaml(sql: string, intervalSeconds: number): string {
  return `name: appdel
streams:
  - name: appdel-quotes
deliveryStreams:
  - DeliveryStreamName: appdel-files
    DeliveryStreamType: DirectPut
    ExtendedS3DestinationConfiguration:
      BucketARN: arn:aws:s3:::appdel
      Prefix: quotes/
      BufferingHints:
        SizeInMBs: 1
        IntervalInSeconds: ${intervalSeconds}
  - DeliveryStreamName: appdel-preexisting
    ExtendedS3DestinationConfiguration:
      BucketARN: arn:aws:s3:::appdel
applications:
  - ApplicationName: appdel-app
    ApplicationCode: |
${sql
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
    Inputs:
      - NamePrefix: SOURCE_SQL_STREAM
        KinesisStreamsInput:
          ResourceARN: \${stream:appdel-quotes}
        InputSchema:
          RecordFormat:
            RecordFormatType: JSON
            MappingParameters:
              JSONMappingParameters:
                RecordRowPath: $
          RecordEncoding: UTF-8
          RecordColumns:
            - { Name: ticker, SqlType: VARCHAR(8), Mapping: $.ticker }
            - { Name: price, SqlType: DOUBLE, Mapping: $.price }
    Outputs:
      - Name: DESTINATION_SQL_STREAM
        KinesisFirehoseOutput:
          ResourceARN: \${delivery:appdel-files}
        DestinationSchema:
          RecordFormatType: JSON
`;
}

describe('freshet up / diff / down (delivery streams and SQL applications)', () => {
  it('creates, reports no changes on a second plan, updates a changed SQL app to a new version, and deletes only its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-appdel-'));
    const file = join(dir, 'freshet.yaml');
    writeFileSync(file, yaml(SQL_V1, 60));
    // Created outside the pipeline: `up` leaves it as it is, `down` keeps it.
    await clients.firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'appdel-preexisting',
        ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::appdel', RoleARN: 'arn:aws:iam::000000000000:role/freshet-pipeline' },
      }),
    );

    const created = await applyUp(loadPipeline(file), clients);
    assert.deepEqual(
      created.map((c) => `${c.resource}:${c.name}:${c.action}`),
      ['stream:appdel-quotes:create', 'delivery-stream:appdel-files:create', 'delivery-stream:appdel-preexisting:unchanged', 'application:appdel-app:create'],
    );
    const app1 = (await clients.analytics.send(new DescribeApplicationCommand({ ApplicationName: 'appdel-app' }))).ApplicationDetail!;
    assert.equal(app1.InputDescriptions?.[0]?.KinesisStreamsInputDescription?.ResourceARN, `arn:aws:kinesis:us-east-1:000000000000:stream/appdel-quotes`);
    assert.match(app1.OutputDescriptions?.[0]?.KinesisFirehoseOutputDescription?.ResourceARN ?? '', /deliverystream\/appdel-files$/);
    await waitFor(
      'application to run',
      async () => {
        const d = await clients.analytics.send(new DescribeApplicationCommand({ ApplicationName: 'appdel-app' }));
        return d.ApplicationDetail?.ApplicationStatus === 'RUNNING' ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );

    const second = await planUp(loadPipeline(file), clients);
    assert.deepEqual(
      second.filter((c) => c.action !== 'unchanged'),
      [],
      'a second up changes nothing',
    );

    writeFileSync(file, yaml(SQL_V2, 120));
    const plan = await planUp(loadPipeline(file), clients);
    const appChange = plan.find((c) => c.name === 'appdel-app')!;
    assert.equal(appChange.action, 'update');
    assert.ok(appChange.details.includes('SQL code changed'));
    assert.ok(appChange.details.includes(`version ${app1.ApplicationVersionId} → ${app1.ApplicationVersionId! + 1}`));
    const delChange = plan.find((c) => c.name === 'appdel-files')!;
    assert.equal(delChange.action, 'update');
    assert.match(delChange.details.join('\n'), /BufferingHints\.IntervalInSeconds: 60 → 120/);

    await applyUp(loadPipeline(file), clients);
    const app2 = (await clients.analytics.send(new DescribeApplicationCommand({ ApplicationName: 'appdel-app' }))).ApplicationDetail!;
    assert.equal(app2.ApplicationVersionId, app1.ApplicationVersionId! + 1);
    assert.match(app2.ApplicationCode ?? '', /WHERE "price" > 50/);
    const del = (await clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'appdel-files' }))).DeliveryStreamDescription!;
    assert.equal(del.Destinations?.[0]?.ExtendedS3DestinationDescription?.BufferingHints?.IntervalInSeconds, 120);
    assert.deepEqual(
      (await planUp(loadPipeline(file), clients)).filter((c) => c.action !== 'unchanged'),
      [],
    );

    const removed = await applyDown(loadPipeline(file), clients);
    assert.deepEqual(
      removed.map((c) => `${c.resource}:${c.name}:${c.action}`),
      ['application:appdel-app:delete', 'delivery-stream:appdel-preexisting:keep', 'delivery-stream:appdel-files:delete', 'stream:appdel-quotes:delete'],
    );
    assert.deepEqual((await clients.analytics.send(new ListApplicationsCommand({}))).ApplicationSummaries ?? [], []);
    assert.deepEqual((await clients.firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames, ['appdel-preexisting']);
  });
});
