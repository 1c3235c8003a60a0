/**
 * Enhanced fan-out and resharding benchmark (issue 3), against `freshet server` in a child process
 * (file storage, --fsync always), driven by @aws-sdk/client-kinesis:
 *
 *  1. SubscribeToShard push latency: 1, 4 and 16 subscribers (one registered consumer each, SDK HTTP/2
 *     handler) on a 1-shard stream; one producer puts records one at a time; latency = event arrival at a
 *     subscriber − the producer's PutRecord acknowledgement (clamped at 0: an event may beat the ack, since
 *     the push starts when the record is durable, the same moment the ack is sent). p50 / p99 per fan-out.
 *  2. Resharding under load: a 4-shard stream written at a target 10,000 records/s (PutRecords of 500,
 *     1,000 keys with per-key counters) while UpdateShardCount goes 4 → 8 → 4; then every shard read,
 *     parents before children; lost = written but not read, reordered = keys read out of order.
 *
 *   node --import tsx bench/kinesis-efo/run.ts             # full run (~1 minute), writes docs/benchmarks.md
 *   node --import tsx bench/kinesis-efo/run.ts --no-write  # print only
 *   options: --records N (per latency run, default 300), --seconds N (load phase, default 8)
 *
 * Figures go to docs/benchmarks.md through writeSection('kinesis-efo', ...).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as K from '@aws-sdk/client-kinesis';
import { machineLine, percentile, writeSection } from '../lib/report.ts';

const { values } = parseArgs({
  options: { 'no-write': { type: 'boolean', default: false }, records: { type: 'string' }, seconds: { type: 'string' } },
});
const RECORDS = Number(values.records ?? 300);
const LOAD_SECONDS = Number(values.seconds ?? 8);
const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const loadStart = loadavg()
  .map((x) => x.toFixed(1))
  .join(' / ');

async function startFreshet(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-efo-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'server', '--port', '0', '--data-dir', dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Kinesis endpoint (\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.once('exit', (code) => rej(new Error(`freshet server exited (${code})`)));
  });
  return {
    url,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function client(url: string): K.KinesisClient {
  return new K.KinesisClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 's' }, maxAttempts: 3 });
}

async function waitActive(c: K.KinesisClient, name: string): Promise<void> {
  for (;;) {
    const s = (await c.send(new K.DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
    if (s.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function latencyRun(url: string, subscribers: number): Promise<{ p50: number; p99: number; samples: number; missing: number }> {
  const c = client(url);
  const name = `efo-lat-${subscribers}-${Date.now()}`;
  await c.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  await waitActive(c, name);
  const streamArn = (await c.send(new K.DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.StreamARN!;
  const acked = new Map<number, number>();
  const latencies: number[] = [];
  let received = 0;
  const stops: Array<() => void> = [];
  const readers: Promise<void>[] = [];
  for (let s = 0; s < subscribers; s++) {
    const arn = (await c.send(new K.RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: `sub-${s}` }))).Consumer!.ConsumerARN!;
    while ((await c.send(new K.DescribeStreamConsumerCommand({ ConsumerARN: arn }))).ConsumerDescription!.ConsumerStatus !== 'ACTIVE') await sleep(5);
    const sc = client(url);
    const ctrl = new AbortController();
    stops.push(() => ctrl.abort());
    const sub = await sc.send(new K.SubscribeToShardCommand({ ConsumerARN: arn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }), {
      abortSignal: ctrl.signal,
    });
    readers.push(
      (async () => {
        try {
          for await (const e of sub.EventStream!) {
            const now = performance.now();
            for (const r of e.SubscribeToShardEvent?.Records ?? []) {
              const id = Number(Buffer.from(r.Data!).toString());
              const ack = acked.get(id);
              received++;
              // The ack is recorded right after PutRecord resolves; an event that beat it counts as 0 ms.
              latencies.push(ack === undefined ? 0 : Math.max(0, now - ack));
            }
            if (received >= RECORDS * subscribers) break;
          }
        } catch {
          // aborted at the end of the run
        } finally {
          sc.destroy();
        }
      })(),
    );
  }
  await sleep(200);
  for (let i = 0; i < RECORDS; i++) {
    await c.send(new K.PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(String(i)) }));
    acked.set(i, performance.now());
    await sleep(5);
  }
  const deadline = Date.now() + 10_000;
  while (received < RECORDS * subscribers && Date.now() < deadline) await sleep(20);
  for (const s of stops) s();
  await Promise.all(readers);
  await c.send(new K.DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
  c.destroy();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length, missing: RECORDS * subscribers - received };
}

interface ReshardResult {
  written: number;
  rate: number;
  read: number;
  lost: number;
  duplicated: number;
  reorderedKeys: number;
  shardsSeen: number;
  updateMs: number[];
}

async function reshardRun(url: string): Promise<ReshardResult> {
  const c = client(url);
  const name = `efo-reshard-${Date.now()}`;
  await c.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 4 }));
  await waitActive(c, name);
  const KEYS = 1000;
  const counters = new Uint32Array(KEYS);
  let written = 0;
  let nextKey = 0;
  let writing = true;
  const started = performance.now();
  const writers = Array.from({ length: 4 }, async () => {
    // Four writers, each 500 records per 200 ms (10k/s together); a key is only ever in flight in one writer
    // at a time because each writer owns a quarter of the keys.
    const w = nextKey++;
    let tick = performance.now();
    while (writing) {
      const Records = [];
      for (let i = 0; i < 500; i++) {
        const k = w + 4 * ((i + written) % (KEYS / 4));
        Records.push({ PartitionKey: `key-${k}`, Data: Buffer.from(`${k}:${counters[k]!++}`) });
      }
      const r = await c.send(new K.PutRecordsCommand({ StreamName: name, Records }));
      if (r.FailedRecordCount) throw new Error(`${r.FailedRecordCount} records failed`);
      written += Records.length;
      tick += 200;
      const wait = tick - performance.now();
      if (wait > 0) await sleep(wait);
    }
  });
  const updateMs: number[] = [];
  await sleep((LOAD_SECONDS * 1000) / 4);
  for (const target of [8, 4]) {
    const t0 = performance.now();
    await c.send(new K.UpdateShardCountCommand({ StreamName: name, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }));
    await waitActive(c, name);
    updateMs.push(performance.now() - t0);
    await sleep((LOAD_SECONDS * 1000) / 4);
  }
  writing = false;
  await Promise.all(writers);
  const elapsed = (performance.now() - started) / 1000;
  // Read every shard, parents before children.
  const shards: K.Shard[] = [];
  let token: string | undefined;
  do {
    const r: K.ListShardsCommandOutput = await c.send(token ? new K.ListShardsCommand({ NextToken: token }) : new K.ListShardsCommand({ StreamName: name }));
    shards.push(...r.Shards!);
    token = r.NextToken;
  } while (token);
  const done = new Set<string>();
  const lastSeen = new Int32Array(KEYS).fill(-1);
  const seen = new Uint32Array(KEYS);
  let read = 0;
  let duplicated = 0;
  const reordered = new Set<number>();
  while (done.size < shards.length) {
    for (const s of shards) {
      if (done.has(s.ShardId!)) continue;
      if (![s.ParentShardId, s.AdjacentParentShardId].every((p) => p === undefined || done.has(p))) continue;
      let it = (await c.send(new K.GetShardIteratorCommand({ StreamName: name, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (it) {
        const r = await c.send(new K.GetRecordsCommand({ ShardIterator: it }));
        for (const rec of r.Records!) {
          const [k, n] = Buffer.from(rec.Data!).toString().split(':').map(Number) as [number, number];
          read++;
          if (n <= lastSeen[k]!) duplicated++;
          else if (n !== lastSeen[k]! + 1) reordered.add(k);
          lastSeen[k] = Math.max(lastSeen[k]!, n);
          seen[k]!++;
        }
        if (!r.NextShardIterator || (r.Records!.length === 0 && !s.SequenceNumberRange!.EndingSequenceNumber)) break;
        it = r.NextShardIterator;
      }
      done.add(s.ShardId!);
    }
  }
  let lost = 0;
  for (let k = 0; k < KEYS; k++) lost += Math.max(0, counters[k]! - seen[k]!);
  await c.send(new K.DeleteStreamCommand({ StreamName: name }));
  c.destroy();
  return { written, rate: written / elapsed, read, lost, duplicated, reorderedKeys: reordered.size, shardsSeen: shards.length, updateMs };
}

const server = await startFreshet();
const lat: Array<{ subs: number; p50: number; p99: number; samples: number; missing: number }> = [];
let reshard: ReshardResult;
try {
  for (const subs of [1, 4, 16]) {
    const r = await latencyRun(server.url, subs);
    lat.push({ subs, ...r });
    console.log(`subscribers ${subs}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (${r.samples} samples, ${r.missing} missing)`);
  }
  reshard = await reshardRun(server.url);
  console.log(reshard);
} finally {
  await server.stop();
}
const loadEnd = loadavg()
  .map((x) => x.toFixed(1))
  .join(' / ');
const cmd = `node --import tsx bench/kinesis-efo/run.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
const md = `
Command: \`${cmd}\`

Machine: ${machineLine()}; load average (1/5/15 min) ${loadStart} at start, ${loadEnd} at end — shared with other jobs, so absolute figures move between runs.

\`freshet server\` runs as a child process (file storage, \`--fsync always\`); the clients (@aws-sdk/client-kinesis, HTTP/2) share the machine's cores with it.

### SubscribeToShard push latency

One 1-shard stream per row, one registered consumer per subscriber, ${RECORDS} records put one at a time (5 ms apart); latency = arrival of the event carrying a record at a subscriber − the producer's PutRecord acknowledgement (an event that arrives before the ack counts as 0 ms). Target p99 < 50 ms.

| subscribers | p50 ms | p99 ms | events measured | missing |
|---:|---:|---:|---:|---:|
${lat.map((r) => `| ${r.subs} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.samples} | ${r.missing} |`).join('\n')}

### Resharding under load

A 4-shard stream written by four PutRecords writers (500 records per 200 ms each: a 10,000 records/s target; 1,000 keys with per-key counters) for about ${LOAD_SECONDS} s while UpdateShardCount goes 4 → 8 → 4 (UNIFORM_SCALING); then every shard is read parents-first.

| records written | achieved records/s | read back | lost | duplicated | keys out of order | shards in the lineage | UpdateShardCount → ACTIVE (ms) |
|---:|---:|---:|---:|---:|---:|---:|---|
| ${reshard!.written} | ${Math.round(reshard!.rate)} | ${reshard!.read} | ${reshard!.lost} | ${reshard!.duplicated} | ${reshard!.reorderedKeys} | ${reshard!.shardsSeen} | ${reshard!.updateMs.map((x) => x.toFixed(0)).join(', ')} |
`;
console.log(md);
if (!values['no-write']) writeSection('kinesis-efo', 'Kinesis enhanced fan-out and resharding', md);
