import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PutRecordCommand, PutRecordsCommand, CreateStreamCommand } from '@aws-sdk/client-kinesis';
import aggLib from 'aws-kinesis-agg';
import { kinesisClient, waitForStreamActive, waitForStreamGone } from '../../src/pipeline/index.ts';
import { parseStartPosition } from '../../src/cli/commands/streams.ts';
import { startTestServer, type TestServer } from './server-harness.ts';
import { runCli, spawnCli, waitForOutput } from './run-cli.ts';
import { runCliInProcess } from './run-cli-in-process.ts';

let server: TestServer;
let env: Record<string, string>;
let seq = 0;
const uniqueName = (p: string) => `${p}-${process.pid}-${++seq}`;

before(async () => {
  server = await startTestServer();
  env = { FRESHET_ENDPOINT: server.url };
});
after(async () => {
  await server.close();
});

async function createStream(name: string, shards: number): Promise<void> {
  const client = kinesisClient({ endpoint: server.url });
  try {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    await waitForStreamActive(client, name);
  } finally {
    client.destroy();
  }
}

function aggregate(records: { partitionKey: string; data: Buffer }[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    (
      aggLib as unknown as {
        aggregate: (r: unknown[], onEncoded: (e: { data: Buffer }, cb: () => void) => void, done: () => void, onErr: (e: Error) => void) => void;
      }
    ).aggregate(
      records,
      (encoded, cb) => {
        out.push(encoded.data);
        cb();
      },
      () => (out.length === 1 ? resolve(out[0]!) : reject(new Error(`expected one aggregate, got ${out.length}`))),
      reject,
    );
  });
}

describe('freshet streams', () => {
  it('creates, lists, describes and deletes a stream', async () => {
    const name = uniqueName('cli-life');
    const created = await runCliInProcess(['streams', 'create', name, '--shards', '3'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`created stream ${name} \\(3 shards, PROVISIONED, ACTIVE\\)`));

    const onDemand = await runCliInProcess(['streams', 'create', `${name}-od`, '--on-demand'], env);
    assert.equal(onDemand.code, 0, onDemand.stderr);
    assert.match(onDemand.stdout, new RegExp(`created stream ${name}-od \\(4 shards, ON_DEMAND, ACTIVE\\)`));

    const listed = await runCliInProcess(['streams', 'list', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const names = (JSON.parse(listed.stdout) as Array<{ StreamName: string }>).map((s) => s.StreamName);
    assert.ok(names.includes(name) && names.includes(`${name}-od`));

    const described = await runCliInProcess(['streams', 'describe', name, '--json'], env);
    assert.equal(described.code, 0, described.stderr);
    const d = JSON.parse(described.stdout) as { StreamStatus: string; Shards: { ShardId: string; HashKeyRange: { StartingHashKey: string } }[] };
    assert.equal(d.StreamStatus, 'ACTIVE');
    assert.equal(d.Shards.length, 3);
    assert.equal(d.Shards[0]!.HashKeyRange.StartingHashKey, '0');

    const deleted = await runCliInProcess(['streams', 'delete', name], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    const client = kinesisClient({ endpoint: server.url });
    try {
      await waitForStreamGone(client, name);
    } finally {
      client.destroy();
    }
  });

  it('puts records, printing shard and sequence number, and tails them back decoded', async () => {
    const name = uniqueName('cli-put');
    await createStream(name, 2);
    const put = await runCliInProcess(['put', name, '{"store_id": "store_1", "sales": 22.78}', '--partition-key', 'k1'], env);
    assert.equal(put.code, 0, put.stderr);
    const [shardId, sequenceNumber] = put.stdout.trim().split(' ');
    assert.match(shardId!, /^shardId-\d{12}$/);
    assert.match(sequenceNumber!, /^\d{20,}$/);

    const client = kinesisClient({ endpoint: server.url });
    try {
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k1', Data: Buffer.from('plain text line\n') }));
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k1', Data: Buffer.from([0, 1, 2, 255]) }));
    } finally {
      client.destroy();
    }
    const tail = await runCliInProcess(['tail', name, '--from', 'trim-horizon', '--no-follow', '--meta'], env);
    assert.equal(tail.code, 0, tail.stderr);
    const lines = tail.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[0], `${shardId}\t${sequenceNumber}\tk1\t{"store_id":"store_1","sales":22.78}`);
    assert.match(lines[1]!, /\tk1\tplain text line$/);
    assert.match(lines[2]!, /\tk1\tbase64:AAEC\/w==$/);

    const pretty = await runCliInProcess(['tail', name, '--from', 'trim-horizon', '--no-follow', '--pretty'], env);
    assert.ok(pretty.stdout.startsWith('{\n  "store_id": "store_1",\n  "sales": 22.78\n}\n'), pretty.stdout);
  });

  it('follows new records on every shard like tail -f', async () => {
    const name = uniqueName('cli-follow');
    await createStream(name, 4);
    const child = spawnCli(['tail', name, '--from', 'latest'], env);
    const client = kinesisClient({ endpoint: server.url });
    try {
      // tail says when it holds its LATEST iterators; everything put after that must show.
      await new Promise<void>((resolve, reject) => {
        let err = '';
        const timer = setTimeout(() => reject(new Error(`tail never became ready: ${err}`)), 60_000);
        child.stderr.on('data', (d: Buffer) => {
          err += d;
          if (/following 4 shard\(s\) of /.test(err)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const entries = Array.from({ length: 40 }, (_, i) => ({ PartitionKey: `pk-${i}`, Data: Buffer.from(JSON.stringify({ i })) }));
      await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
      const out = await waitForOutput(child, (s) => s.trim().split('\n').length >= 40);
      const seen = out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { i: number }).i)
        .sort((a, b) => a - b);
      assert.deepEqual(
        seen,
        Array.from({ length: 40 }, (_, i) => i),
      );
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('close', r));
      client.destroy();
    }
  });

  it('starts from a timestamp given with --from', async () => {
    const name = uniqueName('cli-ts');
    const client = kinesisClient({ endpoint: server.url });
    try {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await waitForStreamActive(client, name);
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('old') }));
      await new Promise((r) => setTimeout(r, 1100));
      const cut = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 1100));
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('new') }));
      const tail = await runCliInProcess(['tail', name, '--from', cut, '--no-follow'], env);
      assert.equal(tail.code, 0, tail.stderr);
      assert.equal(tail.stdout, 'new\n');
    } finally {
      client.destroy();
    }
  });

  it('de-aggregates KPL-aggregated records into their user records', async () => {
    const name = uniqueName('cli-kpl');
    await createStream(name, 1);
    const users = Array.from({ length: 5 }, (_, i) => ({ partitionKey: `u${i}`, data: Buffer.from(JSON.stringify({ user: i })) }));
    const blob = await aggregate(users);
    const client = kinesisClient({ endpoint: server.url });
    try {
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'agg', Data: blob }));
    } finally {
      client.destroy();
    }
    const tail = await runCliInProcess(['tail', name, '--from', 'trim-horizon', '--no-follow', '--meta'], env);
    assert.equal(tail.code, 0, tail.stderr);
    const lines = tail.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.deepEqual(
      lines.map((l) => [l[2], l[3]]),
      users.map((_u, i) => [`u${i}`, `{"user":${i}}`]),
    );
    assert.deepEqual(
      lines.map((l) => l[1]!.split('/')[1]),
      ['0', '1', '2', '3', '4'],
    );
    const raw = await runCliInProcess(['tail', name, '--from', 'trim-horizon', '--no-follow', '--no-deaggregate'], env);
    assert.match(raw.stdout.trim(), /^base64:84mawg/);
  });

  it('explains an unreachable endpoint in one line with the fix', async () => {
    const res = await runCli(['streams', 'list', '--endpoint', 'http://127.0.0.1:9']);
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr.trim(),
      'freshet: cannot reach Freshet at http://127.0.0.1:9 — start it with `npx freshet server` (or pass --endpoint / set FRESHET_ENDPOINT)',
    );
  });

  it('reads --from as trim-horizon, latest or a timestamp and rejects anything else with the accepted forms', () => {
    assert.deepEqual(parseStartPosition('trim-horizon'), { kind: 'trim-horizon' });
    assert.deepEqual(parseStartPosition('LATEST'), { kind: 'latest' });
    assert.deepEqual(parseStartPosition('2021-01-31T14:05:00Z'), { kind: 'at-timestamp', timestamp: new Date(Date.UTC(2021, 0, 31, 14, 5)) });
    assert.throws(() => parseStartPosition('yesterday-ish'), /--from must be trim-horizon, latest or an ISO timestamp/);
  });

  it('names a missing stream', async () => {
    const res = await runCliInProcess(['tail', 'no-such-stream', '--no-follow'], env);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^freshet: ResourceNotFoundException: Stream no-such-stream under account \d+ not found\.\n$/);
  });

  it('prints help for a streams command', async () => {
    const res = await runCliInProcess(['streams', 'create', '--help']);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /--on-demand/);
    assert.match(res.stdout, /--shards <n>/);
  });
});
