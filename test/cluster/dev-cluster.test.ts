/** `freshet dev-cluster` and `freshet server --storage jetstream` as a user runs them (the built CLI). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as K from '@aws-sdk/client-kinesis';
import { runCli, spawnCli } from '../cli/run-cli.ts';
import { runCliInProcess } from '../cli/run-cli-in-process.ts';

describe('freshet dev-cluster', () => {
  it('starts 3 NATS servers and 2 Freshet nodes serving the same streams, `cluster status` lists both, and SIGTERM stops them all', async () => {
    const child = spawnCli(['dev-cluster', '--nats', '3', '--nodes', '2', '--port', '0']);
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (out += d));
    try {
      const urls = await new Promise<string[]>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          const found = [...out.matchAll(/node \d Kinesis endpoint (http:\/\/127\.0\.0\.1:\d+) \(streams on JetStream, R3\)/g)].map((m) => m[1]!);
          if (found.length === 2 && out.includes('cluster status')) resolve(found);
        });
        child.once('exit', (code) => reject(new Error(`dev-cluster exited early (${code}): ${out}`)));
      });
      const natsUrls = /NATS (\S+) /.exec(out)![1]!.split(',');
      assert.equal(natsUrls.length, 3);
      const [client, other] = urls.map(
        (url) => new K.KinesisClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } }),
      ) as [K.KinesisClient, K.KinesisClient];
      await client.send(new K.CreateStreamCommand({ StreamName: 'dev', ShardCount: 1 }));
      for (let i = 0; ; i++) {
        const st = await other.send(new K.DescribeStreamSummaryCommand({ StreamName: 'dev' })).then(
          (d) => d.StreamDescriptionSummary!.StreamStatus,
          () => 'unknown',
        );
        if (st === 'ACTIVE') break;
        assert.ok(i < 500, 'stream becomes ACTIVE on the second node');
        await new Promise((r) => setTimeout(r, 20));
      }
      const put = await other.send(new K.PutRecordCommand({ StreamName: 'dev', PartitionKey: 'k', Data: Buffer.from('hello') }));
      const it0 = await client.send(new K.GetShardIteratorCommand({ StreamName: 'dev', ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      const got = await other.send(new K.GetRecordsCommand({ ShardIterator: it0.ShardIterator }));
      assert.deepEqual(
        got.Records!.map((r) => [Buffer.from(r.Data!).toString(), r.SequenceNumber]),
        [['hello', put.SequenceNumber]],
      );
      const status = await runCli(['cluster', 'status', '--nats', natsUrls.join(','), '-o', 'table']);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^namespace freshet: 2 node\(s\) live/);
      for (const url of urls) assert.ok(status.stdout.includes(url), `status lists ${url}:\n${status.stdout}`);
      assert.match(status.stdout, /shard logs: 1 \(leaders: /);
      const json = JSON.parse((await runCli(['cluster', 'status', '--nats', natsUrls.join(','), '-o', 'json'])).stdout) as {
        nodes: Array<{ url: string }>;
        logs: Array<{ replicas: number }>;
      };
      assert.deepEqual(json.nodes.map((n) => n.url).sort(), [...urls].sort());
      assert.deepEqual(
        json.logs.map((l) => l.replicas),
        [3],
      );
      other.destroy();
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
