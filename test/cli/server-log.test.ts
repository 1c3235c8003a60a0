import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateStreamCommand, DescribeStreamSummaryCommand, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient, waitForStreamActive } from '../../src/pipeline/index.ts';
import { runCli, spawnCli } from './run-cli.ts';

interface Line {
  level: number;
  ns?: string;
  msg: string;
  [k: string]: unknown;
}

describe('freshet server logs', () => {
  it('starts with every service, the console URL, the data dir and storage mode, then logs resharding and (at debug) client errors as JSON lines', async () => {
    const child = spawnCli(['server', '--port', '0', '--storage', 'memory', '--no-pg', '--log-format', 'json', '--log-level', 'debug']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const lines = (): Line[] =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line);
    const until = async (what: string, pred: () => boolean) => {
      const deadline = Date.now() + 30_000;
      while (!pred()) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until('the banner', () => /Kinesis endpoint http:\/\/\S+/.test(stdout));
      const url = /Kinesis endpoint (http:\/\/\S+)/.exec(stdout)![1]!;
      await until('the start-up lines', () => lines().some((l) => l.msg.startsWith('storage:')));
      const start = lines().find((l) => l.msg === `listening on ${url}`);
      assert.ok(start, stderr);
      assert.equal(start.ns, 'server');
      assert.deepEqual(start.services, [
        'monitoring',
        'logs',
        'kinesis',
        'firehose',
        'kinesisanalytics',
        'sqs',
        'lambda',
        'kinesisanalytics',
        'lookoutmetrics',
        'iam',
        'sts',
      ]);
      assert.equal(start.storage, 'memory');
      assert.equal(start.health, `${url}/health`);
      assert.equal(start.console, `${url}/console/`);
      assert.deepEqual(
        lines()
          .filter((l) => l.msg.startsWith('service '))
          .map((l) => l.msg),
        [
          'service monitoring (GraniteServiceVersion20100801)',
          'service logs (Logs_20140328)',
          'service kinesis (Kinesis_20131202)',
          'service firehose (Firehose_20150804)',
          'service kinesisanalytics (KinesisAnalytics_20150814)',
          'service sqs (AmazonSQS)',
          'service lambda (2015-03-31, rest-json)',
          'service kinesisanalytics (KinesisAnalytics_20180523)',
          'service lookoutmetrics (2017-07-25, rest-json)',
          'service iam (2010-05-08, query)',
          'service sts (2011-06-15, query)',
        ],
      );
      assert.ok(lines().some((l) => l.msg === 'storage: in memory (lost on exit)'));

      const client = kinesisClient({ endpoint: url });
      await client.send(new CreateStreamCommand({ StreamName: 'logged', ShardCount: 1 }));
      await waitForStreamActive(client, 'logged');
      await assert.rejects(client.send(new DescribeStreamSummaryCommand({ StreamName: 'missing' })));
      await until('the client error at debug', () =>
        lines().some((l) => l.level === 20 && l.msg === '400 ResourceNotFoundException for Kinesis_20131202.DescribeStreamSummary'),
      );
      await until('the stream created line', () => lines().some((l) => l.level === 30 && l.msg === 'stream logged created' && l.openShards === 1));
      await client.send(new UpdateShardCountCommand({ StreamName: 'logged', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));
      client.destroy();
      await until('the resharding line', () => lines().some((l) => l.msg === 'stream logged resharded: 1 → 2 open shards'));
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('close', r));
    }
  });

  it('refuses an unknown log level with the levels it takes', async () => {
    const res = await runCli(['server', '--log-level', 'loud']);
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      "error: option '--log-level <level>' argument 'loud' is invalid. expected one of fatal, error, warn, info, debug, trace, silent, got 'loud'\n(run with --help for usage)\n",
    );
  });
});
