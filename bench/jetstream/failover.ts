/**
 * Failover time of leased background work (issue 19): two Freshet nodes (child processes) on a 3-server R3 NATS
 * cluster run one SQL application (stream → SQL → stream) with the default lease TTL; a producer writes through the
 * node that does not own the application; the owner is killed with SIGKILL, and the time from the kill to the first
 * output record the application writes on the other node (its arrival time in the output stream) is measured. A
 * fresh node then joins for the next round. Medians of the rounds (target ≤ 10 s).
 *
 *   node --import tsx bench/jetstream/failover.ts [--rounds 3] [--no-write]
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as K from '@aws-sdk/client-kinesis';
import * as KA from '@aws-sdk/client-kinesis-analytics';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LEASE_RENEW_MS, LEASE_TTL_MS, startNatsCluster } from '../../src/cluster/index.ts';
import { readClusterStatus } from '../../src/storage/index.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'no-write': { type: 'boolean', default: false } } });
const ROUNDS = Number(values.rounds);
const NODE = fileURLToPath(new URL('./failover-node.ts', import.meta.url));
const ROLE = 'arn:aws:iam::000000000000:role/kda';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-failover-'));
const namespace = `fo${process.pid}`;
const nats = await startNatsCluster({ size: 3 });

interface Node {
  url: string;
  id: string;
  child: ChildProcess;
  exited: Promise<void>;
}

let nodeNo = 0;
async function startNode(): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE, nats.urls.join(','), namespace, join(dir, `n${nodeNo++}`)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
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
  return { url, id, child, exited };
}

const clients = (n: Node) => {
  const common = {
    endpoint: n.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: new NodeHttpHandler({ requestTimeout: 10_000 }),
  };
  return { kinesis: new K.KinesisClient(common), analytics: new KA.KinesisAnalyticsClient(common) };
};

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function owner(resource: string): Promise<string | undefined> {
  const st = await readClusterStatus({ servers: nats.urls, namespace });
  return st.leases.find((l) => l.resource === resource && l.expiresMs > Date.now())?.owner;
}

/** Arrival time of the newest record in a one-shard stream at or after `fromMs`, read from LATEST-ish: the whole shard (small). */
async function firstArrivalAfter(kinesis: K.KinesisClient, stream: string, afterMs: number): Promise<number | undefined> {
  const shard = (await kinesis.send(new K.ListShardsCommand({ StreamName: stream }))).Shards![0]!.ShardId!;
  let it = (
    await kinesis.send(new K.GetShardIteratorCommand({ StreamName: stream, ShardId: shard, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(afterMs) }))
  ).ShardIterator;
  while (it) {
    const r = await kinesis.send(new K.GetRecordsCommand({ ShardIterator: it, Limit: 1000 }));
    for (const rec of r.Records ?? []) if (rec.ApproximateArrivalTimestamp!.getTime() > afterMs) return rec.ApproximateArrivalTimestamp!.getTime();
    if ((r.Records ?? []).length === 0) return undefined;
    it = r.NextShardIterator;
  }
  return undefined;
}

const nodes = [await startNode(), await startNode()];
const failovers: number[] = [];
const app = 'failover-app';
try {
  const c = clients(nodes[0]!);
  // A create retried after a request timeout (a loaded machine) finds what its first attempt made.
  const exists = (e: unknown): void => {
    if ((e as { name?: string }).name !== 'ResourceInUseException') throw e;
  };
  await c.kinesis.send(new K.CreateStreamCommand({ StreamName: 'fo-in', ShardCount: 1 })).catch(exists);
  await c.kinesis.send(new K.CreateStreamCommand({ StreamName: 'fo-out', ShardCount: 1 })).catch(exists);
  await until(
    async () =>
      (await c.kinesis.send(new K.DescribeStreamSummaryCommand({ StreamName: 'fo-out' }))).StreamDescriptionSummary!.StreamStatus === 'ACTIVE'
        ? true
        : undefined,
    'streams',
  );
  await c.analytics
    .send(
      new KA.CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/fo-in', RoleARN: ROLE },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [{ Name: 'n', SqlType: 'INTEGER', Mapping: '$.n' }],
            },
          },
        ],
        Outputs: [
          {
            Name: 'DEST',
            KinesisStreamsOutput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/fo-out', RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
        ],
        ApplicationCode:
          'CREATE OR REPLACE STREAM "DEST" ("n" INTEGER);\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "n" FROM "SOURCE_SQL_STREAM_001";',
      }),
    )
    .catch(exists);
  await c.analytics.send(
    new KA.StartApplicationCommand({
      ApplicationName: app,
      InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
    }),
  );
  for (let round = 0; round < ROUNDS; round++) {
    const ownerId = await until(() => owner(`analytics/${app}`), 'the application lease');
    const victim = nodes.find((n) => n.id === ownerId)!;
    const survivor = nodes.find((n) => n !== victim)!;
    const s = clients(survivor);
    let producing = true;
    let n = 0;
    const producer = (async () => {
      while (producing) {
        await s.kinesis
          .send(new K.PutRecordCommand({ StreamName: 'fo-in', PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ n: n++ })) }))
          .catch(() => undefined);
        await sleep(20);
      }
    })();
    // Running before the kill: an output newer than now.
    const before = Date.now();
    await until(() => firstArrivalAfter(s.kinesis, 'fo-out', before), 'output before the kill');
    const killedMs = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    const first = await until(() => firstArrivalAfter(s.kinesis, 'fo-out', killedMs + 50), 'output after the kill');
    failovers.push(first - killedMs);
    console.log(`round ${round + 1}: ${first - killedMs} ms from kill -9 to the first output on the other node`);
    producing = false;
    await producer;
    nodes.splice(nodes.indexOf(victim), 1, await startNode());
  }
} finally {
  for (const n of nodes) {
    n.child.kill('SIGKILL');
    await n.exited;
  }
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
}

const md = `${machineLine()}, load average ${loadavg()[0]!.toFixed(1)} at the end; three nats-server processes and two Freshet nodes (child processes) on this one machine.

\`node --import tsx bench/jetstream/failover.ts --rounds ${ROUNDS}\`

An SQL application (stream → SQL → stream, checkpoint every 1 s) owned by one of two nodes; a producer writes through the other; the owner gets SIGKILL. Failover time = from the kill to the arrival of the application's first output record written on the other node, with the default lease TTL ${LEASE_TTL_MS / 1000} s and renewal every ${LEASE_RENEW_MS / 1000} s (target ≤ 10 s). It is about the TTL (the dead owner's lease must expire), plus up to one renewal period until a node looks, plus the application's start from its checkpoint.

| rounds | median | min | max |
|---|---|---|---|
| ${failovers.length} | ${(median(failovers) / 1000).toFixed(1)} s | ${(Math.min(...failovers) / 1000).toFixed(1)} s | ${(Math.max(...failovers) / 1000).toFixed(1)} s |
`;
console.log(md);
if (!values['no-write']) writeSection('jetstream-failover', 'Freshet on NATS JetStream: failover time of leased work (bench/jetstream/failover.ts)', md);
