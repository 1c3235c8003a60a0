/**
 * The host's merge of several shards by arrival time when a backlog is read in
 * batches smaller than the shards (HostOptions.readBatch): a replay from
 * TRIM_HORIZON must give every record the window of its own arrival time, as
 * live processing would. In-process (real KinesisEngine, MemoryStorage, real
 * SQL engine) because the batch size is a host setting the HTTP server does not expose.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { KinesisEngine } from '../../src/kinesis/index.ts';
import { createAnalyticsService } from '../../src/analytics/index.ts';
import type { RequestContext } from '../../src/aws/index.ts';
import { prng, ROLE, streamArn } from './helpers.ts';

const CODE = `CREATE OR REPLACE STREAM "DEST" ("store_id" VARCHAR(16), "n" INTEGER, "revenue" DOUBLE, "ts" TIMESTAMP);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST"
  SELECT STREAM "store_id", COUNT(*) AS "n", SUM("sales") AS "revenue", ROWTIME AS "ts"
  FROM "SOURCE_SQL_STREAM_001"
  GROUP BY STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND), "store_id";`;

describe('Kinesis Analytics shard merge', () => {
  it('replays a multi-shard backlog in small batches with every record in its own window', async () => {
    const clock = new ManualClock();
    const storage = new MemoryStorage();
    await storage.open();
    const kinesis = await KinesisEngine.open({
      storage,
      clock,
      region: 'us-east-1',
      accountId: '000000000000',
      shardLimit: 10,
      createDelayMs: 0,
      deleteDelayMs: 0,
      updateDelayMs: 0,
    });
    const service = createAnalyticsService(
      { storage, clock, region: 'us-east-1', accountId: '000000000000', kinesis, dataDir: undefined },
      { host: { readBatch: 7 } },
    );
    const ctx = { requestId: 't', region: 'us-east-1', accountId: '000000000000', clock, protocol: 'json' } as RequestContext;
    try {
      await kinesis.createStream('in', { shardCount: 3 });
      await kinesis.createStream('out', { shardCount: 1 });
      clock.advance(1);
      await kinesis.whenActive('in');
      await kinesis.whenActive('out');
      // Skewed shards: store_1 is busy (one shard gets most records), the others trickle.
      const random = prng(7);
      const expected = new Map<string, { n: number; revenue: number }>();
      for (let t = 0; t < 60; t++) {
        clock.advance(500);
        const batch = [];
        const count = 1 + Math.floor(random() * 6);
        for (let i = 0; i < count; i++) {
          const store = random() < 0.7 ? 'store_1' : `store_${2 + Math.floor(random() * 4)}`;
          const sales = Math.round(random() * 1000) / 10;
          batch.push({ partitionKey: store, data: new TextEncoder().encode(JSON.stringify({ store_id: store, sales })) });
          const end = Math.floor(clock.now() / 10_000) * 10_000 + 10_000;
          const key = `${store}|${new Date(end).toISOString().replace('T', ' ').replace('Z', '')}`;
          const e = expected.get(key) ?? { n: 0, revenue: 0 };
          e.n++;
          e.revenue += sales;
          expected.set(key, e);
        }
        await kinesis.putRecords('in', batch);
      }
      await service.actions.CreateApplication!(
        {
          ApplicationName: 'merge',
          Inputs: [
            {
              NamePrefix: 'SOURCE_SQL_STREAM',
              KinesisStreamsInput: { ResourceARN: streamArn('in'), RoleARN: ROLE },
              InputSchema: {
                RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
                RecordColumns: [
                  { Name: 'store_id', SqlType: 'VARCHAR(16)', Mapping: '$.store_id' },
                  { Name: 'sales', SqlType: 'DOUBLE', Mapping: '$.sales' },
                ],
              },
            },
          ],
          Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn('out'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } }],
          ApplicationCode: CODE,
        },
        ctx,
      );
      await service.actions.StartApplication!(
        {
          ApplicationName: 'merge',
          InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }],
        },
        ctx,
      );
      await service.host.whenIdle('merge');
      clock.advance(11_000); // the clock closes the last window
      await service.host.whenIdle('merge');
      const got = new Map<string, { n: number; revenue: number }>();
      const reader = await kinesis.openShardReader('out', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
      const { records } = await reader.read(10_000);
      for (const r of records) {
        const row = JSON.parse(new TextDecoder().decode(r.data)) as { store_id: string; n: number; revenue: number; ts: string };
        const key = `${row.store_id}|${row.ts}`;
        assert.ok(!got.has(key), `window ${key} emitted twice`);
        got.set(key, { n: row.n, revenue: row.revenue });
      }
      const rounded = (m: Map<string, { n: number; revenue: number }>) =>
        [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.n, Math.round(v.revenue * 10) / 10]);
      assert.deepEqual(rounded(got), rounded(expected));
      assert.equal(
        service.host.stats('merge')!.recordsRead,
        [...expected.values()].reduce((a, e) => a + e.n, 0),
      );
    } finally {
      await service.close();
      await kinesis.close();
    }
  });
});
