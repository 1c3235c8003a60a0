/**
 * Start/StopStreamEncryption and Enable/DisableEnhancedMonitoring keep and report their state.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
} from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import { startTestServer, uniqueName } from './helpers.ts';

describe('stream encryption and enhanced monitoring', () => {
  it('reports KMS encryption after UPDATING, and back to NONE; refuses a change while UPDATING', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, updateDelayMs: 200 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(0);
      await client.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
      const mid = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
      assert.equal(mid.StreamStatus, 'UPDATING');
      assert.equal(mid.EncryptionType, 'NONE');
      await assert.rejects(client.send(new StopStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' })), {
        name: 'ResourceInUseException',
        message: `Stream ${name} under account 000000000000 not ACTIVE, instead in state UPDATING`,
      });
      clock.advance(200);
      await server.kinesis.whenIdle();
      const on = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!;
      assert.equal(on.StreamStatus, 'ACTIVE');
      assert.equal(on.EncryptionType, 'KMS');
      assert.equal(on.KeyId, 'alias/aws/kinesis');
      await client.send(new StopStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
      clock.advance(200);
      await server.kinesis.whenIdle();
      const off = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
      assert.equal(off.EncryptionType, 'NONE');
      assert.equal(off.KeyId, undefined);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('enables and disables shard-level metrics, ALL meaning every one, reported by DescribeStream', async () => {
    const { client, server } = await startTestServer();
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await server.kinesis.whenActive(name);
      const e1 = await client.send(new EnableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['OutgoingBytes', 'IncomingBytes'] }));
      assert.deepEqual(e1.CurrentShardLevelMetrics, []);
      assert.deepEqual(e1.DesiredShardLevelMetrics, ['IncomingBytes', 'OutgoingBytes']);
      assert.equal(e1.StreamARN, server.kinesis.arnFor(name));
      const e2 = await client.send(new EnableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['ALL'] }));
      assert.equal(e2.DesiredShardLevelMetrics!.length, 7);
      const d1 = await client.send(new DisableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['IteratorAgeMilliseconds', 'IncomingBytes'] }));
      assert.equal(d1.DesiredShardLevelMetrics!.length, 5);
      const desc = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!;
      assert.deepEqual(desc.EnhancedMonitoring, [{ ShardLevelMetrics: d1.DesiredShardLevelMetrics }]);
      await assert.rejects(client.send(new EnableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['Nope' as never] })), {
        name: 'ValidationException',
      });
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
