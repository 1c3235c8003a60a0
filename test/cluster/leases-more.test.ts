/**
 * More background work across two Freshet nodes on one NATS JetStream cluster (issue 19): an enhanced fan-out
 * subscription taken through one node ends the other node's subscription for the same consumer and shard (and a
 * second one within 5 s is refused through either node); a Kinesis event source mapping created through one node
 * for a function created through the other polls on one node only (its lease `esm/<uuid>`; the other node,
 * restarted, finds it Enabled and leaves it), runs the function whose package was uploaded through the other node,
 * and moves to the other node when its owner stops, with no gap
 * in the records the function sees; a mapping checkpoint written by a stale owner (smaller fencing token) is never
 * resumed from; a package uploaded through both nodes at once is shared once, and one whose shared bytes are cut
 * short or differ is refused (a retryable ServiceException) until they are whole; a function updated or deleted
 * through one node retires the other node's environments of the old revision; a metric alarm both nodes know is evaluated, and notifies, on one node (its lease `alarm/<name>`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as K from '@aws-sdk/client-kinesis';
import * as L from '@aws-sdk/client-lambda';
import * as CW from '@aws-sdk/client-cloudwatch';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { strToU8, zipSync } from 'fflate';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { systemClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { createJetStreamStorage } from '../../src/storage/index.ts';
import type { JetStreamStorage } from '../../src/storage/index.ts';
import { CheckpointLog } from '../../src/functions/esm/checkpoints.ts';
import { FunctionsEngine } from '../../src/functions/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';
import { eventually } from '../helpers/eventually.ts';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let nats: NatsCluster;
const namespace = `more${process.pid}`;
let nodeA: FreshetServer;
let nodeB: FreshetServer | undefined;
let ka: K.KinesisClient;
let kb: K.KinesisClient;
const work = mkdtempSync(join(tmpdir(), 'freshet-leases-more-'));
const storages: JetStreamStorage[] = [];
/** Alarm notifications as the SNS topic's HTTP endpoint receives them: the path names the node that sent each. */
const notified: string[] = [];
let hook: Server;
let hookUrl = '';

/**
 * A node on the namespace (`label` names it in the alarm topic's endpoint); leases renewed every 250 ms and expiring
 * after 3 s, so a released one moves in about a second.
 */
function node(label: string): Promise<FreshetServer> {
  return startServer({
    port: 0,
    storage: 'jetstream',
    nats: { servers: nats.urls, namespace },
    createDelayMs: 0,
    deleteDelayMs: 0,
    leases: { ttlMs: 3000, renewMs: 250 },
    metrics: { evaluationDelayMs: 0, actions: { topics: { alarms: [`${hookUrl}/${label}`] }, log: () => undefined } },
  });
}

function kinesisClient(s: FreshetServer): K.KinesisClient {
  return new K.KinesisClient({ endpoint: s.url, region: 'us-east-1', credentials, maxAttempts: 5 });
}

async function activeStream(client: K.KinesisClient, name: string): Promise<string> {
  await client.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  return eventually(async () => {
    const d = await client.send(new K.DescribeStreamSummaryCommand({ StreamName: name }));
    assert.equal(d.StreamDescriptionSummary!.StreamStatus, 'ACTIVE');
    return d.StreamDescriptionSummary!.StreamARN!;
  }, `stream ${name} ACTIVE`);
}

before(async () => {
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      notified.push(req.url ?? '');
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}`;
  nats = await testNatsCluster();
  // One after another: the first node creates the buckets.
  nodeA = await node('a');
  nodeB = await node('b');
  ka = kinesisClient(nodeA);
  kb = kinesisClient(nodeB);
});

after(async () => {
  ka?.destroy();
  kb?.destroy();
  await nodeB?.close();
  await nodeA?.close();
  for (const s of storages) await s.close().catch(() => undefined);
  await dropNamespace(nats.urls, namespace);
  await nats?.stop();
  rmSync(work, { recursive: true, force: true });
  await new Promise((r) => hook?.close(r));
});

describe('leased background work and enhanced fan-out across nodes', () => {
  it('a subscription through one node ends the other node’s subscription of the same consumer and shard', async (t) => {
    const streamArn = await activeStream(ka, `efo${process.pid}`);
    const consumerArn = (await ka.send(new K.RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'push' }))).Consumer!.ConsumerARN!;
    await eventually(async () => {
      const d = await kb.send(new K.DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
      assert.equal(d.ConsumerDescription!.ConsumerStatus, 'ACTIVE');
    }, 'consumer ACTIVE through B');
    const shard = { ConsumerARN: consumerArn, ShardId: 'shardId-000000000000' };
    const subA = await ka.send(new K.SubscribeToShardCommand({ ...shard, StartingPosition: { Type: 'TRIM_HORIZON' } }));
    const startedA = Date.now();
    // A reads until its stream ends; what it saw and when it ended are checked below.
    const seenA: string[] = [];
    let endedA = 0;
    const readerA = (async () => {
      for await (const e of subA.EventStream!) for (const r of e.SubscribeToShardEvent?.Records ?? []) seenA.push(Buffer.from(r.Data!).toString());
      endedA = Date.now();
    })();
    await ka.send(new K.PutRecordCommand({ StreamName: `efo${process.pid}`, PartitionKey: 'k', Data: Buffer.from('first') }));
    await eventually(async () => assert.deepEqual(seenA, ['first']), 'A’s subscription delivers');
    // Within 5 s of A's subscription, B refuses a second one (B learns of A's through the shared metadata).
    await assert.rejects(
      kb.send(new K.SubscribeToShardCommand({ ...shard, StartingPosition: { Type: 'LATEST' } })),
      (e: Error) => e.name === 'ResourceInUseException' && e.message.startsWith('Another active subscription exists for this consumer'),
    );
    assert.equal(endedA, 0, 'the refused call did not end A’s subscription');
    await sleep(Math.max(0, startedA + 5_200 - Date.now()));
    // After 5 s a subscription through B takes over: A's ends within about a second.
    const subB = await kb.send(new K.SubscribeToShardCommand({ ...shard, StartingPosition: { Type: 'LATEST' } }));
    const tookOver = Date.now();
    const seenB: string[] = [];
    const readerB = (async () => {
      for await (const e of subB.EventStream!) {
        for (const r of e.SubscribeToShardEvent?.Records ?? []) seenB.push(Buffer.from(r.Data!).toString());
        if (seenB.length >= 1) break;
      }
    })();
    await readerA;
    assert.ok(endedA - tookOver < 1_500, `A's subscription ended ${endedA - tookOver} ms after B's took over`);
    t.diagnostic(`A's subscription ended ${endedA - tookOver} ms after B's SubscribeToShard returned`);
    await ka.send(new K.PutRecordCommand({ StreamName: `efo${process.pid}`, PartitionKey: 'k', Data: Buffer.from('second') }));
    await readerB;
    assert.deepEqual(seenB, ['second']);
    assert.deepEqual(seenA, ['first'], 'A delivered nothing after the takeover');
  });

  it('a metric alarm known to both nodes is evaluated on one, which sends its notification once', async () => {
    const cwA = new CW.CloudWatchClient({ endpoint: nodeA.url, region: 'us-east-1', credentials });
    try {
      // No data, treated as breaching: ALARM at the first 10 s boundary, one notification to the topic.
      await cwA.send(
        new CW.PutMetricAlarmCommand({
          AlarmName: 'empty',
          Namespace: 'Test',
          MetricName: 'Nothing',
          Statistic: 'Sum',
          Period: 10,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'breaching',
          AlarmActions: ['arn:aws:sns:us-east-1:000000000000:alarms'],
        }),
      );
      // B restarts: it loads the alarm from the shared metadata and leaves its evaluation to A, which holds its lease.
      await nodeB!.close();
      kb.destroy();
      nodeB = await node('b');
      kb = kinesisClient(nodeB);
      await eventually(async () => assert.ok(notified.length >= 1, 'no notification yet'), 'the ALARM notification', 15_000);
      // A second evaluator would notify within the same boundary's evaluation.
      await sleep(1_000);
      assert.deepEqual(notified, ['/a'], 'one notification, from A (the lease owner)');
      const d = await cwA.send(new CW.DescribeAlarmsCommand({ AlarmNames: ['empty'] }));
      assert.equal(d.MetricAlarms![0]!.StateValue, 'ALARM');
      await cwA.send(new CW.DeleteAlarmsCommand({ AlarmNames: ['empty'] }));
    } finally {
      cwA.destroy();
    }
  });

  it('a mapping checkpoint appended by a stale owner (smaller fencing token) is not resumed from, and a node without the lease cannot write one', async () => {
    const open = async (): Promise<JetStreamStorage> => {
      const s = await createJetStreamStorage({ servers: nats.urls, namespace: `${namespace}cp` });
      await s.open();
      storages.push(s);
      return s;
    };
    const [s1, s2] = [await open(), await open()];
    const id = `functions/esm-cp/fenced-${process.pid}`;
    let token1: number | null = 5;
    const stale = new CheckpointLog<{ at: number }>(
      s1,
      id,
      () => systemClock.now(),
      () => token1,
    );
    const fresh = new CheckpointLog<{ at: number }>(
      s2,
      id,
      () => systemClock.now(),
      () => 9,
    );
    assert.equal(await stale.load(), undefined);
    await stale.write(() => ({ at: 1 }));
    assert.deepEqual(await fresh.load(), { at: 1 });
    await fresh.write(() => ({ at: 2 }));
    // The old owner, paused past its lease, appends once more: after the new owner's, with token 5 < 9.
    await stale.write(() => ({ at: 3 }));
    const reader = new CheckpointLog<{ at: number }>(
      s1,
      id,
      () => systemClock.now(),
      () => 11,
    );
    assert.deepEqual(await reader.load(), { at: 2 });
    token1 = null;
    await assert.rejects(
      stale.write(() => ({ at: 4 })),
      /does not hold the mapping's lease/,
    );
    await dropNamespace(nats.urls, `${namespace}cp`);
  });

  it('a package uploaded through both nodes at once is shared once and whole; one whose shared bytes do not match is refused, retryably, and runs once they do', async () => {
    const la = new L.LambdaClient({ endpoint: nodeA.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const lb = new L.LambdaClient({ endpoint: nodeB!.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const s = await createJetStreamStorage({ servers: nats.urls, namespace });
    await s.open();
    storages.push(s);
    try {
      // Over two chunks (256 KiB each), incompressible: a mix of two uploads or a cut-short one would show.
      const filler = randomBytes(300 * 1024).toString('base64');
      const zip = zipSync(
        { 'index.js': strToU8(`exports.handler = async () => ({ ok: ${JSON.stringify(filler.length)} });`), 'pad.txt': strToU8(filler) },
        { level: 0 },
      );
      const sha = createHash('sha256').update(zip).digest('hex');
      const create = (client: L.LambdaClient, name: string, ZipFile = zip) =>
        client.send(new L.CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile } }));
      await Promise.all([create(la, 'twin-a'), create(lb, 'twin-b')]);
      // Each runs through the node it was not created through (B may have fetched A's upload or kept its own).
      for (const [client, name] of [
        [lb, 'twin-a'],
        [la, 'twin-b'],
      ] as const) {
        const r = await eventually(() => client.send(new L.InvokeCommand({ FunctionName: name, Payload: strToU8('{}') })), `${name} invoked`);
        assert.equal(r.FunctionError, undefined);
        assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString()), { ok: filler.length });
      }
      const marker = await eventually(async () => {
        const m = s.meta.get<{ log: string; size: number }>(`functions/code/${sha}`);
        assert.ok(m);
        return m;
      }, 'the package marker');
      assert.equal(marker.size, zip.length);
      // A package whose marker (put before the function is created, so A does not upload it) names a log cut short:
      // B refuses to run it; then one of the right length with other bytes; then the whole package runs.
      const other = zipSync({ 'index.js': strToU8('exports.handler = async () => "whole";') });
      const otherKey = `functions/code/${createHash('sha256').update(other).digest('hex')}`;
      const shared = async (suffix: string, data: Uint8Array): Promise<string> => {
        const log = await s.createLog(`${otherKey}/${suffix}`);
        await log.append([{ key: '0', data, timestampMs: Date.now() }]).durable;
        return log.id;
      };
      const flipped = Buffer.from(other);
      const last = flipped.length - 1;
      flipped[last] = flipped[last]! ^ 1;
      const [cut, wrong, whole] = [await shared('cut', other.subarray(0, other.length - 10)), await shared('wrong', flipped), await shared('whole', other)];
      await s.meta.put(otherKey, { log: cut, size: other.length });
      await create(la, 'tampered', other);
      await eventually(() => lb.send(new L.GetFunctionCommand({ FunctionName: 'tampered' })), 'tampered visible through B');
      const refused = async (why: RegExp): Promise<void> => {
        const e = await lb.send(new L.InvokeCommand({ FunctionName: 'tampered', Payload: strToU8('{}') })).then(
          (ok) => assert.fail(`a corrupt package ran: ${ok.FunctionError} ${Buffer.from(ok.Payload ?? []).toString()}`),
          (err: unknown) => err as L.ServiceException,
        );
        assert.equal(e.name, 'ServiceException');
        assert.equal(e.$metadata.httpStatusCode, 500);
        assert.match(e.message, why);
      };
      await refused(/\d+ of \d+ bytes/);
      await s.meta.put(otherKey, { log: wrong, size: other.length });
      await eventually(() => refused(/its SHA-256 is/), 'refused for its SHA-256');
      await s.meta.put(otherKey, { log: whole, size: other.length });
      const r = await eventually(() => lb.send(new L.InvokeCommand({ FunctionName: 'tampered', Payload: strToU8('{}') })), 'the whole package runs');
      assert.equal(Buffer.from(r.Payload!).toString(), '"whole"');
    } finally {
      la.destroy();
      lb.destroy();
    }
  });

  it('a function updated or deleted through one node retires the other node’s environments of the old revision', async () => {
    // The servers' namespace, whose buckets are in place (both engines follow them from their start).
    const fn = `warm${process.pid}`;
    const engines: FunctionsEngine[] = [];
    try {
      const open = async (): Promise<FunctionsEngine> => {
        const s = await createJetStreamStorage({ servers: nats.urls, namespace });
        await s.open();
        storages.push(s);
        // No mapping runs here: a lease holder that holds nothing (leases also make packages shared).
        const leases = { mayRun: async () => false, holds: () => false, token: () => undefined };
        const e = await FunctionsEngine.open({ storage: s, clock: systemClock, region: 'us-east-1', accountId: '000000000000', leases });
        engines.push(e);
        return e;
      };
      const [a, b] = [await open(), await open()];
      const source = (answer: string) => zipSync({ 'index.js': strToU8(`exports.handler = async () => ${JSON.stringify(answer)};`) });
      const answer = async (e: FunctionsEngine): Promise<string> => JSON.parse(Buffer.from((await e.invoke(fn, new Uint8Array())).payload).toString());
      await a.createFunction(fn, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip: source('one') });
      await eventually(async () => assert.ok(b.has(fn)), 'the function known on B');
      assert.equal(await answer(b), 'one');
      assert.equal(b.environmentCount(fn), 1);
      // The code changes through A: B's warm environment of the old revision stops, and B runs the new code.
      const { record } = await a.updateFunctionCode(fn, { zip: source('two') });
      await eventually(async () => assert.equal(b.get(fn).latest.revisionId, record.latest.revisionId), 'the update seen on B');
      assert.equal(b.environmentCount(fn), 0);
      assert.equal(await answer(b), 'two');
      assert.equal(b.environmentCount(fn), 1);
      // A configuration change through A: the same.
      const changed = await a.updateFunctionConfiguration(fn, { description: 'changed' });
      await eventually(async () => assert.equal(b.get(fn).latest.revisionId, changed.record.latest.revisionId), 'the change seen on B');
      assert.equal(b.environmentCount(fn), 0);
      assert.equal(await answer(b), 'two');
      // Deleted through A: B's environments stop.
      await a.deleteFunction(fn);
      await eventually(async () => assert.ok(!b.has(fn)), 'the deletion seen on B');
      assert.equal(b.environmentCount(fn), 0);
    } finally {
      for (const e of engines) await e.close();
    }
  });

  it('an event source mapping polls on one node, runs a function uploaded through the other, and moves on when its owner stops, with no gap', async (t) => {
    const out = join(work, 'invocations.jsonl');
    const stream = `esm${process.pid}`;
    const streamArn = await activeStream(ka, stream);
    let la = new L.LambdaClient({ endpoint: nodeA.url, region: 'us-east-1', credentials });
    const lb = new L.LambdaClient({ endpoint: nodeB!.url, region: 'us-east-1', credentials });
    try {
      // Each invocation records which node invoked it (its AWS_ENDPOINT_URL) and the records' data.
      const code = `const fs = require('fs'); exports.handler = async (e) => { if (!e.Records) return; fs.appendFileSync(process.env.OUT, JSON.stringify({ node: process.env.AWS_ENDPOINT_URL, data: e.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()) }) + '\\n'); };`;
      await la.send(
        new L.CreateFunctionCommand({
          FunctionName: 'counter',
          Runtime: 'nodejs20.x',
          Role: ROLE,
          Handler: 'index.handler',
          Code: { ZipFile: zipSync({ 'index.js': strToU8(code) }) },
          Environment: { Variables: { OUT: out } },
        }),
      );
      // Event invocations through both nodes: the second node appends to the event log the first one created.
      await eventually(() => lb.send(new L.GetFunctionCommand({ FunctionName: 'counter' })), 'function visible through B');
      for (const client of [la, lb]) {
        const r = await client.send(new L.InvokeCommand({ FunctionName: 'counter', InvocationType: 'Event', Payload: strToU8('{}') }));
        assert.equal(r.StatusCode, 202);
      }
      // B knows the stream and the function (metadata watch) and creates the mapping: B's transition takes the lease.
      await eventually(() => kb.send(new K.DescribeStreamSummaryCommand({ StreamName: stream })), 'stream visible through B');
      await eventually(() => lb.send(new L.GetFunctionCommand({ FunctionName: 'counter' })), 'function visible through B');
      const mapping = await lb.send(
        new L.CreateEventSourceMappingCommand({ FunctionName: 'counter', EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 10 }),
      );
      await eventually(async () => {
        const g = await la.send(new L.GetEventSourceMappingCommand({ UUID: mapping.UUID! }));
        assert.equal(g.State, 'Enabled');
      }, 'mapping Enabled through A');
      const put = async (from: number, to: number): Promise<void> => {
        const Records = [];
        for (let i = from; i < to; i++) Records.push({ PartitionKey: `k${i}`, Data: Buffer.from(`r${i}`) });
        const r = await ka.send(new K.PutRecordsCommand({ StreamName: stream, Records }));
        assert.equal(r.FailedRecordCount, 0);
      };
      const lines = (): Array<{ node: string; data: string[] }> =>
        existsSync(out)
          ? readFileSync(out, 'utf8')
              .split('\n')
              .filter((l) => l !== '')
              .map((l) => JSON.parse(l))
          : [];
      const seen = (): Set<string> => new Set(lines().flatMap((l) => l.data));
      // A restarts: it finds the Enabled mapping in the shared metadata, and leaves it to the lease owner.
      await nodeA.close();
      ka.destroy();
      la.destroy();
      nodeA = await node('a');
      ka = kinesisClient(nodeA);
      la = new L.LambdaClient({ endpoint: nodeA.url, region: 'us-east-1', credentials });
      await put(0, 30);
      await eventually(async () => assert.equal(seen().size, 30), 'the first 30 records invoked', 30_000);
      // Let a rival poller (had there been one) show itself: it would invoke every record a second time.
      await sleep(1_000);
      const first = lines();
      assert.equal(first.flatMap((l) => l.data).length, 30, 'no record invoked twice: one node polls');
      // One node at a time: the invoking node changes at most once (a balancing hand-over, checkpoint first).
      const runs = (ls: Array<{ node: string }>): string[] => ls.map((l) => l.node).filter((n, i, all) => i === 0 || all[i - 1] !== n);
      assert.ok(runs(first).length <= 2, `invoked by ${runs(first).join(' then ')}`);
      // The owner stops: it checkpoints and releases the lease; the other node takes it and reads on from the checkpoint.
      const owner = first.at(-1)!.node;
      const stopping = owner === nodeA.url ? nodeA : nodeB!;
      const survivor = owner === nodeA.url ? nodeB! : nodeA;
      const before = first.length;
      await stopping.close();
      if (stopping === nodeA) {
        nodeA = survivor;
        la.destroy();
        la = lb;
        ka.destroy();
        ka = kb;
      }
      nodeB = undefined;
      const stopped = Date.now();
      await put(30, 60);
      await eventually(async () => assert.ok(lines().length > before, 'no invocation yet'), 'a first invocation on the survivor', 30_000);
      t.diagnostic(`the survivor's first invocation came ${Date.now() - stopped} ms after the owner had stopped`);
      await eventually(async () => assert.equal(seen().size, 60), 'the next 30 records invoked on the survivor', 30_000);
      const later = lines().slice(before);
      assert.deepEqual([...new Set(later.map((l) => l.node))], [survivor.url], 'after the owner stopped, the other node invoked');
      // No gap, in order, and nothing twice: the hand-over checkpointed before it released the lease.
      const all = lines().flatMap((l) => l.data);
      assert.deepEqual(
        all,
        Array.from({ length: 60 }, (_, i) => `r${i}`),
      );
    } finally {
      la.destroy();
      lb.destroy();
    }
  });
});
