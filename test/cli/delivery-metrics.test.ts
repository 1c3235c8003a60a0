/**
 * `freshet delivery describe` metrics are totals since the delivery stream was created: they survive a server
 * restart on the same data dir (storage.meta `firehose/metrics/<name>`), and the AWS/Firehose emitter does not
 * count the restored totals again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server/index.ts';
import { DeliveryMetrics } from '../../src/firehose/index.ts';
import { runCli } from './run-cli.ts';
import { runCliInProcess } from './run-cli-in-process.ts';

interface Described {
  Metrics: Record<string, number>;
}

/** `freshet delivery describe <name> -o json`'s metrics: in the test process, or (`binary`) by the built CLI. */
async function describeMetrics(url: string, name: string, binary = false): Promise<Record<string, number>> {
  const args = ['delivery', 'describe', name, '-o', 'json', '--endpoint', url];
  const res = binary ? await runCli(args) : await runCliInProcess(args);
  assert.equal(res.code, 0, res.stderr);
  return (JSON.parse(res.stdout) as Described).Metrics;
}

describe('delivery metrics across restarts', () => {
  it('keeps incoming and delivered totals after the server restarts on the same data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-delivery-metrics-'));
    const open = () => startServer({ port: 0, storage: 'file', dataDir: dir, fsync: { kind: 'never' }, pg: false, firehose: { createDelayMs: 0 } });
    try {
      let server = await open();
      const ep = ['--endpoint', server.url];
      const created = await runCliInProcess(['delivery', 'create', 'kept', '--bucket', 'kept-bucket', '--interval', '0', ...ep]);
      assert.equal(created.code, 0, created.stderr);
      const put = await runCliInProcess(['delivery', 'put', 'kept', 'one', 'two', 'three', ...ep]);
      assert.equal(put.stdout, 'put 3 record(s)\n', put.stderr);
      let before = await describeMetrics(server.url, 'kept');
      for (let i = 0; i < 100 && before['DeliveryToS3.Records'] !== 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        before = await describeMetrics(server.url, 'kept');
      }
      assert.equal(before.IncomingRecords, 3);
      assert.equal(before['DeliveryToS3.Records'], 3);
      await server.close();

      server = await open();
      const after = await describeMetrics(server.url, 'kept', true); // the delivery family's run of the built binary
      for (const key of ['IncomingRecords', 'IncomingBytes', 'IncomingPutRequests', 'DeliveryToS3.Records', 'DeliveryToS3.Bytes', 'DeliveryToS3.ObjectCount']) {
        assert.equal(after[key], before[key], key);
      }
      // Counting goes on from the totals.
      await runCliInProcess(['delivery', 'put', 'kept', 'four', '--endpoint', server.url]);
      assert.equal((await describeMetrics(server.url, 'kept')).IncomingRecords, 4);
      // A deleted and re-created stream starts from zero.
      await runCliInProcess(['delivery', 'delete', 'kept', '--endpoint', server.url]);
      await runCliInProcess(['delivery', 'create', 'kept', '--bucket', 'kept-bucket', '--endpoint', server.url]);
      await server.close();
      server = await open();
      assert.equal((await describeMetrics(server.url, 'kept')).IncomingRecords, 0);
      await server.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('restores only valid counters, and the emitter counts from the restored totals', () => {
    const m = new DeliveryMetrics();
    m.restore({ incomingRecords: 7, s3Records: 5, retries: 9, droppedRecords: -1, s3Objects: 'x' });
    assert.equal(m.incomingRecords, 7);
    assert.equal(m.s3Records, 5);
    assert.equal(m.retries, 0, 'retries waiting are a gauge of the running pipeline, not kept');
    assert.equal(m.droppedRecords, 0);
    assert.equal(m.s3Objects, 0);
    assert.equal(m.baseline().incomingRecords, 7);
    assert.equal(new DeliveryMetrics().baseline().incomingRecords, 0);
    assert.deepEqual(Object.keys(m.persisted()).includes('retries'), false);
  });
});
