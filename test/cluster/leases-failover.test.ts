/**
 * Failover of leased background work between Freshet nodes running as child processes (startDevCluster on a
 * 3-server R3 NATS cluster): an S1-style SQL application (stream → SQL → a Kinesis stream and a delivery stream →
 * files) and its delivery stream start on node A; node B joins and takes its share of the leases within seconds;
 * kill -9 of the SQL application's owner while a producer keeps writing through the other node: the survivor
 * takes every lease and resumes from the last checkpoints. Every acknowledged input reaches both outputs (no gap);
 * duplicates, which at-least-once allows after a failover, are counted and reported, as is the failover time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as K from '@aws-sdk/client-kinesis';
import * as KA from '@aws-sdk/client-kinesis-analytics';
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startDevCluster } from '../../src/cluster/index.ts';
import type { DevCluster, DevNode, StartNode } from '../../src/cluster/index.ts';
import { readClusterStatus } from '../../src/storage/index.ts';
import { listFiles } from '../firehose/helpers.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';

const CHILD = fileURLToPath(new URL('./fixtures/lease-node.ts', import.meta.url));
const ROLE = 'arn:aws:iam::000000000000:role/kda';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
/** Shorter than the default (5 s) to keep the test short; the benchmark measures failover with the default. */
const LEASE_TTL_MS = 3000;

interface ChildNode extends DevNode {
  readonly id: string;
  readonly child: ChildProcess;
  kill(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'freshet-lease-failover-'));
const bucketDir = join(dir, 'bucket');
const namespace = `fail${process.pid}`;
let nodeCount = 0;

const startNode: StartNode<ChildNode> = async ({ nats }) => {
  const dataDir = join(dir, `node${nodeCount++}`);
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, nats.servers.join(','), nats.namespace, dataDir, bucketDir, String(LEASE_TTL_MS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const logFile = process.env.LEASE_TEST_LOGS ? join(process.env.LEASE_TEST_LOGS, `node${nodeCount}.log`) : undefined;
  child.stderr!.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
    if (logFile) appendFileSync(logFile, c);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const [url, id] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready (\S+) (\S+)/.exec(out);
      if (m) resolve([m[1]!, m[2]!]);
    });
    child.once('exit', (code) => reject(new Error(`node exited (${code}): ${err}`)));
  });
  return {
    url,
    id,
    child,
    async close() {
      child.kill('SIGTERM');
      // A node that has not stopped after 15 s is killed: the test fails on what it checked, not on a hang here.
      const killer = setTimeout(() => {
        process.stderr.write(`node ${id} did not stop on SIGTERM within 15 s: killing it\n${err}\n`);
        child.kill('SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(killer);
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
};

let cluster: DevCluster<ChildNode>;

before(async () => {
  cluster = await startDevCluster({ natsCluster: await testNatsCluster(), nodes: 1, namespace, startNode });
});

after(async () => {
  await cluster?.stop();
  if (cluster) await dropNamespace(cluster.nats.urls, namespace);
  rmSync(dir, { recursive: true, force: true });
});

/** A request that hangs (a node being killed) times out and is retried like any retryable failure. */
const clients = (node: ChildNode) => {
  const common = { endpoint: node.url, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler({ requestTimeout: 10_000 }) };
  return {
    kinesis: new K.KinesisClient(common),
    analytics: new KA.KinesisAnalyticsClient(common),
    firehose: new FirehoseClient(common),
  };
};

/** Retries `check` until it passes; one attempt that hangs (a NATS request during failover) counts as failed after 5 s. */
async function eventually<T>(check: () => Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('attempt timed out')), 5000);
        }),
      ]);
    } catch (e) {
      if (Date.now() > until) throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
      await sleep(100);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function leaseOwners(): Promise<Map<string, string>> {
  const st = await readClusterStatus({ servers: cluster.nats.urls, namespace });
  const now = Date.now();
  return new Map(st.leases.filter((l) => l.expiresMs > now).map((l) => [l.resource, l.owner]));
}

/** Every record of a one-shard stream: its `n` and arrival time. */
async function readOut(kinesis: K.KinesisClient, stream: string): Promise<Array<{ n: number; arrivalMs: number }>> {
  const shard = (await kinesis.send(new K.ListShardsCommand({ StreamName: stream }))).Shards![0]!.ShardId!;
  let it = (await kinesis.send(new K.GetShardIteratorCommand({ StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: Array<{ n: number; arrivalMs: number }> = [];
  while (it) {
    const r = await kinesis.send(new K.GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
    for (const rec of r.Records ?? []) {
      const v = JSON.parse(Buffer.from(rec.Data!).toString()) as { n: number };
      out.push({ n: v.n, arrivalMs: rec.ApproximateArrivalTimestamp!.getTime() });
    }
    if ((r.Records ?? []).length === 0 || r.MillisBehindLatest === 0) break;
    it = r.NextShardIterator;
  }
  return out;
}

async function readFiles(): Promise<number[]> {
  const out: number[] = [];
  for (const f of await listFiles(bucketDir)) {
    for (const line of readFileSync(join(bucketDir, f), 'utf8').split('\n')) if (line.trim()) out.push((JSON.parse(line) as { n: number }).n);
  }
  return out;
}

function missingAndDuplicates(got: number[], acked: Set<number>): { missing: number[]; duplicates: number } {
  const counts = new Map<number, number>();
  for (const n of got) counts.set(n, (counts.get(n) ?? 0) + 1);
  const missing = [...acked].filter((n) => !counts.has(n)).sort((a, b) => a - b);
  let duplicates = 0;
  for (const c of counts.values()) duplicates += c - 1;
  return { missing, duplicates };
}

describe('leases: failover of SQL applications and delivery streams between nodes', { timeout: 120_000 }, () => {
  const input = 'lease-in';
  const output = 'lease-out';
  const delivery = 'lease-fh';
  const app = 'lease-app';

  it('runs on node A, spreads to a joining node B, and moves to the survivor after kill -9 with no gap', async (t) => {
    const t0 = Date.now();
    const step = (what: string) => t.diagnostic(`${Date.now() - t0} ms: ${what}`);
    const nodeA = cluster.nodes[0]!;
    const a = clients(nodeA);
    await a.kinesis.send(new K.CreateStreamCommand({ StreamName: input, ShardCount: 1 }));
    await a.kinesis.send(new K.CreateStreamCommand({ StreamName: output, ShardCount: 1 }));
    await a.firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: delivery,
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::out',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 1 },
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        },
      }),
    );
    await eventually(async () => {
      const d = await a.kinesis.send(new K.DescribeStreamSummaryCommand({ StreamName: output }));
      assert.equal(d.StreamDescriptionSummary!.StreamStatus, 'ACTIVE');
    }, 'streams ACTIVE');
    step('streams active');
    await a.analytics.send(
      new KA.CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${input}`, RoleARN: ROLE },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [{ Name: 'n', SqlType: 'INTEGER', Mapping: '$.n' }],
            },
          },
        ],
        Outputs: [
          {
            Name: 'DEST',
            KinesisStreamsOutput: { ResourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${output}`, RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
          {
            Name: 'DEST',
            KinesisFirehoseOutput: { ResourceARN: `arn:aws:firehose:us-east-1:000000000000:deliverystream/${delivery}`, RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
        ],
        ApplicationCode:
          'CREATE OR REPLACE STREAM "DEST" ("n" INTEGER);\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "n" FROM "SOURCE_SQL_STREAM_001";',
      }),
    );
    await a.analytics.send(
      new KA.StartApplicationCommand({
        ApplicationName: app,
        InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }],
      }),
    );
    step('apps started');
    // Both run on A, the node that created and started them.
    await eventually(async () => {
      const owners = await leaseOwners();
      assert.equal(owners.get(`analytics/${app}`), nodeA.id);
      assert.equal(owners.get(`firehose/${delivery}`), nodeA.id);
    }, 'leases on A');

    step('leases on A');
    // B joins: within seconds one of the two leases moves to it.
    const joinedMs = Date.now();
    const nodeB = await startNode({ port: 0, nats: { servers: cluster.nats.urls, replicas: 3, namespace } });
    cluster.nodes.push(nodeB);
    const spread = await eventually(async () => {
      const owners = await leaseOwners();
      assert.equal(owners.size, 2, 'every resource owned (none between a hand-over and its taking)');
      assert.deepEqual(new Set(owners.values()), new Set([nodeA.id, nodeB.id]));
      return owners;
    }, 'leases spread over A and B');
    t.diagnostic(`rebalanced ${Date.now() - joinedMs} ms after B started (start included)`);

    // The SQL application's owner dies; the producer writes through the other node throughout.
    step('spread');
    const victim = spread.get(`analytics/${app}`) === nodeA.id ? nodeA : nodeB;
    const survivor = victim === nodeA ? nodeB : nodeA;
    const s = clients(survivor);
    const acked = new Set<number>();
    let next = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        const ns = Array.from({ length: 20 }, () => next++);
        try {
          await s.kinesis.send(
            new K.PutRecordsCommand({ StreamName: input, Records: ns.map((n) => ({ PartitionKey: `k${n}`, Data: Buffer.from(JSON.stringify({ n })) })) }),
          );
          for (const n of ns) acked.add(n);
        } catch {
          // not acknowledged: not expected downstream
        }
        await sleep(50);
      }
    })();
    await eventually(async () => assert.ok((await readOut(s.kinesis, output)).length > 0), 'output before the kill');
    step('output seen');
    const killedMs = Date.now();
    await victim.kill();
    cluster.nodes.splice(cluster.nodes.indexOf(victim), 1);
    const firstAfter = await eventually(
      async () => {
        const later = (await readOut(s.kinesis, output)).filter((r) => r.arrivalMs > killedMs + 50);
        assert.ok(later.length > 0);
        return Math.min(...later.map((r) => r.arrivalMs));
      },
      'output from the survivor',
      30_000,
    );
    const failoverMs = firstAfter - killedMs;
    t.diagnostic(`failover: ${failoverMs} ms from kill -9 to the SQL application's first output on the survivor`);
    step('failed over');
    await sleep(1000);
    producing = false;
    await producer;
    step('producer stopped');
    await eventually(async () => {
      const owners = await leaseOwners();
      assert.equal(owners.get(`analytics/${app}`), survivor.id);
      assert.equal(owners.get(`firehose/${delivery}`), survivor.id);
    }, 'every lease on the survivor');
    step('leases on the survivor');

    const viaStream = await eventually(async () => {
      const r = missingAndDuplicates(
        (await readOut(s.kinesis, output)).map((x) => x.n),
        acked,
      );
      assert.deepEqual(r.missing, []);
      return r;
    }, 'every acknowledged input in the output stream');
    step('streams checked');
    const viaFiles = await eventually(async () => {
      const r = missingAndDuplicates(await readFiles(), acked);
      assert.deepEqual(r.missing, []);
      return r;
    }, 'every acknowledged input in the delivered files');
    t.diagnostic(
      `${acked.size} inputs; duplicates after failover: ${viaStream.duplicates} in the SQL application's output stream, ${viaFiles.duplicates} in the files`,
    );
    assert.ok(failoverMs <= 15_000, `failover took ${failoverMs} ms`);
  });
});
