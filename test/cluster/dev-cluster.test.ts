/** `freshet dev-cluster` and `freshet server --storage jetstream` as a user runs them (the built CLI). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as K from '@aws-sdk/client-kinesis';
import { runCli, spawnCli } from '../cli/run-cli.ts';
import { runCliInProcess } from '../cli/run-cli-in-process.ts';

describe('freshet dev-cluster', () => {
  it('starts 3 NATS servers and a Freshet server on them that streams work on, and stops them all on SIGTERM', async () => {
    const child = spawnCli(['dev-cluster', '--nats', '3', '--port', '0']);
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (out += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          const m = /Kinesis endpoint (http:\/\/127\.0\.0\.1:\d+) \(streams on JetStream, R3\)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`dev-cluster exited early (${code}): ${out}`)));
      });
      const natsUrls = /NATS (\S+) /.exec(out)![1]!.split(',');
      assert.equal(natsUrls.length, 3);
      const client = new K.KinesisClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } });
      await client.send(new K.CreateStreamCommand({ StreamName: 'dev', ShardCount: 1 }));
      for (let i = 0; (await client.send(new K.DescribeStreamSummaryCommand({ StreamName: 'dev' }))).StreamDescriptionSummary!.StreamStatus !== 'ACTIVE'; i++) {
        assert.ok(i < 200, 'stream becomes ACTIVE');
        await new Promise((r) => setTimeout(r, 10));
      }
      const put = await client.send(new K.PutRecordCommand({ StreamName: 'dev', PartitionKey: 'k', Data: Buffer.from('hello') }));
      const it0 = await client.send(new K.GetShardIteratorCommand({ StreamName: 'dev', ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      const got = await client.send(new K.GetRecordsCommand({ ShardIterator: it0.ShardIterator }));
      assert.deepEqual(
        got.Records!.map((r) => [Buffer.from(r.Data!).toString(), r.SequenceNumber]),
        [['hello', put.SequenceNumber]],
      );
      client.destroy();
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, out);
      // The NATS servers are gone with it.
      const port = Number(new URL(natsUrls[0]!).port);
      const { createConnection } = await import('node:net');
      const refused = await new Promise<boolean>((resolve) => {
        const s = createConnection(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', () => resolve(true));
      });
      assert.ok(refused, 'nats-server stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses --storage jetstream without --nats, and --nats without --storage jetstream, with one line saying the fix', async () => {
    const a = await runCli(['server', '--port', '0', '--storage', 'jetstream']);
    assert.equal(a.code, 1);
    assert.equal(a.stderr, 'freshet: --storage jetstream needs --nats nats://host:4222[,…] (try `freshet dev-cluster` for a local one)\n');
    const b = await runCliInProcess(['server', '--port', '0', '--storage', 'memory', '--nats', 'nats://127.0.0.1:4222']);
    assert.equal(b.code, 1);
    assert.equal(b.stderr, 'freshet: --nats, --nats-creds and --replicas go with --storage jetstream\n');
    const c = await runCliInProcess(['server', '--storage', 'jetstream', '--nats', 'nats://127.0.0.1:4222', '--replicas', '7']);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /expected 1 to 5 replicas \(JetStream's limit\), got '7'/);
  });
});
