/**
 * KPL-aggregated input records (built with aws-kinesis-agg, put with the SDK
 * client): the host de-aggregates them before parsing, so each user record is
 * one row, with the arrival time of the Kinesis record that carried it. A
 * record with the KPL magic bytes that does not de-aggregate is parsed as given.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { CreateStreamCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateApplicationCommand, StartApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { readStream, ROLE, startHarness, streamArn, uniqueName, type Harness } from './helpers.ts';

const require = createRequire(import.meta.url);
const agg = require('aws-kinesis-agg') as {
  aggregate(
    records: Array<{ partitionKey: string; data: Buffer }>,
    onEncoded: (r: { partitionKey: string; data: Buffer }, cb: (err?: Error) => void) => void,
    after: () => void,
    onError: (e: Error) => void,
  ): void;
};

function aggregate(records: Array<{ partitionKey: string; data: Buffer }>): Promise<Array<{ partitionKey: string; data: Buffer }>> {
  return new Promise((resolve, reject) => {
    const out: Array<{ partitionKey: string; data: Buffer }> = [];
    agg.aggregate(
      records,
      (r, cb) => {
        out.push(r);
        cb();
      },
      () => resolve(out),
      reject,
    );
  });
}

const CODE = `CREATE OR REPLACE STREAM "DEST" ("id" INTEGER, "v" VARCHAR(16), "arrived" TIMESTAMP);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST"
  SELECT STREAM "id", "v", "APPROXIMATE_ARRIVAL_TIME" FROM "SOURCE_SQL_STREAM_001";`;

describe('Kinesis Analytics: KPL-aggregated input records', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('yields one row per user record, each with the arrival time of its aggregate', async () => {
    const input = uniqueName('kpl-in');
    const dest = uniqueName('kpl-out');
    const app = uniqueName('kpl-app');
    for (const s of [input, dest]) await h.kinesis.send(new CreateStreamCommand({ StreamName: s, ShardCount: 1 }));
    await h.tick(0);
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: streamArn(input), RoleARN: ROLE },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [
                { Name: 'id', SqlType: 'INTEGER', Mapping: '$.id' },
                { Name: 'v', SqlType: 'VARCHAR(16)', Mapping: '$.v' },
              ],
            },
          },
        ],
        Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } }],
        ApplicationCode: CODE,
      }),
    );
    await h.analytics.send(
      new StartApplicationCommand({
        ApplicationName: app,
        InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
      }),
    );

    const putOne = (pk: string, data: Uint8Array) => h.kinesis.send(new PutRecordCommand({ StreamName: input, PartitionKey: pk, Data: data }));
    await putOne('plain', Buffer.from(JSON.stringify({ id: 0, v: 'plain-before' })));
    await h.tick(1000);
    const users = Array.from({ length: 7 }, (_, i) => ({ partitionKey: `user-${i}`, data: Buffer.from(JSON.stringify({ id: i + 1, v: `user-${i}` })) }));
    const aggregated = await aggregate(users);
    assert.equal(aggregated.length, 1, 'seven small user records fit one aggregate');
    await putOne(aggregated[0]!.partitionKey, new Uint8Array(aggregated[0]!.data));
    await h.tick(1000);
    // The KPL magic bytes followed by bytes that are no aggregate: parsed as given (and rejected by the JSON parser).
    await putOne('broken', Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), Buffer.from('not a protobuf message at all, nor its digest')]));
    await h.tick(1000);
    await putOne('plain', Buffer.from(JSON.stringify({ id: 100, v: 'plain-after' })));
    await h.tick(2000);

    const rows = (await readStream(h, dest)).map((l) => JSON.parse(l) as { id: number; v: string; arrived: string });
    assert.deepEqual(
      rows.map((r) => r.v),
      ['plain-before', ...users.map((_, i) => `user-${i}`), 'plain-after'],
    );
    assert.deepEqual(
      rows.map((r) => r.id),
      [0, 1, 2, 3, 4, 5, 6, 7, 100],
    );
    const arrivals = rows.map((r) => r.arrived);
    assert.equal(new Set(arrivals.slice(1, 8)).size, 1, "user records share their aggregate's arrival time");
    assert.notEqual(arrivals[0], arrivals[1]);
    assert.notEqual(arrivals[7], arrivals[8]);
    const stats = h.service.host.stats(app)!;
    assert.equal(stats.recordsRead, 4, 'four Kinesis records');
    assert.equal(stats.rowsPushed, 9, 'nine rows');
    assert.equal(stats.parseErrors, 1, 'the broken aggregate is parsed as given and does not parse');
  });
});
