/**
 * Functions benchmark (issue 15).
 *
 * 1. Warm invoke latency of a no-op handler, Node (nodejs20.x) and Python
 *    (python3.11 on Debian's python3): the engine's invoke, which reaches the
 *    function's process over its loopback Runtime API (one request out, one
 *    back). Sequential invocations after a warm-up; p50 / p99 per run,
 *    medians over runs.
 * 2. Event source mapping throughput: a 4-shard stream preloaded with
 *    100-byte records, read from TRIM_HORIZON by a mapping with BatchSize
 *    1000 into a no-op Node handler, against a plain GetRecords loop
 *    (@aws-sdk/client-kinesis over loopback, the 4 shards read concurrently,
 *    Limit 10000) reading the same records from the same server.
 * 3. IteratorAge under a steady 10,000 records/s input (in-process
 *    PutRecords every 50 ms): sampled every 250 ms; p50 / p99 / max and the
 *    mean of the first and last thirds (flat means the mapping keeps up).
 * The server uses FileStorage with fsync always (checkpoints are durable).
 * Everything shares this machine's cores.
 *
 *   node --import tsx bench/functions/run.ts            # ~2 minutes
 *   node --import tsx bench/functions/run.ts --quick    # ~30 s smoke
 *   options: --runs N, --no-write
 *
 * Figures go to docs/benchmarks.md through writeSection('functions', ...).
 */
import { loadavg } from 'node:os';
import { strToU8, zipSync } from 'fflate';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import type { LambdaService } from '../../src/functions/index.ts';
import { machineLine, median, percentile, writeSection } from '../lib/report.ts';
import { activeStream, benchArgs, benchKinesisClient, durableServer } from '../lib/server.ts';

const { quick, runs, write, command } = benchArgs('bench/functions/run.ts');
const INVOKES = quick ? 500 : 3000;
const RECORDS = quick ? 40_000 : 200_000;
const STEADY_SECONDS = quick ? 5 : 20;
const ROLE = 'arn:aws:iam::000000000000:role/bench';

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(3) : ms.toFixed(1));

async function main(): Promise<void> {
  const durable = await durableServer('functions', { functions: { mappingTransitionMs: 1 } });
  const { server } = durable;
  const fns = server.services.find((s): s is LambdaService => 'functions' in s)!.functions;
  const load0 = loadavg()[0]!;
  try {
    // ---- 1. warm invoke latency --------------------------------------------------------------
    await fns.createFunction(
      'noop-node',
      { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE },
      { zip: zipSync({ 'index.js': strToU8('exports.handler = async () => null;') }) },
    );
    await fns.createFunction(
      'noop-python',
      { runtime: 'python3.11', handler: 'app.handler', role: ROLE },
      { zip: zipSync({ 'app.py': strToU8('def handler(event, context):\n    return None\n') }) },
    );
    const latency: Record<string, { p50: number[]; p99: number[] }> = {};
    const payload = Buffer.from('{"ping":1}');
    for (const name of ['noop-node', 'noop-python']) {
      latency[name] = { p50: [], p99: [] };
      for (let i = 0; i < 300; i++) await fns.invoke(name, payload);
      for (let r = 0; r < runs; r++) {
        const xs: number[] = [];
        for (let i = 0; i < INVOKES; i++) {
          const t = performance.now();
          await fns.invoke(name, payload);
          xs.push(performance.now() - t);
        }
        latency[name]!.p50.push(percentile(xs, 50));
        latency[name]!.p99.push(percentile(xs, 99));
        console.log(`${name} run ${r + 1}: p50 ${fmt(percentile(xs, 50))} ms, p99 ${fmt(percentile(xs, 99))} ms`);
      }
    }

    // ---- 2. mapping throughput vs a GetRecords loop ---------------------------------------------
    const data = Buffer.alloc(100, 'x');
    const esmRates: number[] = [];
    const getRates: number[] = [];
    for (let r = 0; r < runs; r++) {
      const stream = `bench-${r}`;
      await activeStream(server, stream, 4);
      for (let i = 0; i < RECORDS; i += 500) {
        await server.kinesis.putRecords(
          stream,
          Array.from({ length: Math.min(500, RECORDS - i) }, (_, k) => ({ partitionKey: `k${i + k}`, data })),
        );
      }
      // A plain GetRecords loop: the four shards concurrently.
      const client = benchKinesisClient(server.url, 8);
      const t0 = performance.now();
      const counts = await Promise.all(
        server.kinesis.listShards(stream).map(async (s) => {
          let it = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.shardId, ShardIteratorType: 'TRIM_HORIZON' })))
            .ShardIterator;
          let n = 0;
          for (;;) {
            const res = await client.send(new GetRecordsCommand({ ShardIterator: it!, Limit: 10_000 }));
            n += res.Records!.length;
            it = res.NextShardIterator;
            if (res.Records!.length === 0) break;
          }
          return n;
        }),
      );
      const getMs = performance.now() - t0;
      client.destroy();
      const read = counts.reduce((a, b) => a + b, 0);
      getRates.push(read / (getMs / 1000));
      // The mapping, from TRIM_HORIZON, with one warm environment per shard (cold starts are not the subject here).
      await Promise.all(Array.from({ length: 4 }, () => fns.invoke('noop-node', payload)));
      const t1 = performance.now();
      const m = await fns.mappings.create({
        functionName: 'noop-node',
        eventSourceArn: server.kinesis.arnFor(stream),
        startingPosition: 'TRIM_HORIZON',
        batchSize: 1000,
      });
      while (fns.mappings.stats(m.uuid).recordsProcessed < RECORDS) await new Promise((res) => setTimeout(res, 5));
      const esmMs = performance.now() - t1;
      esmRates.push(RECORDS / (esmMs / 1000));
      await fns.mappings.delete(m.uuid);
      console.log(
        `throughput run ${r + 1}: mapping ${Math.round(RECORDS / (esmMs / 1000))} records/s, GetRecords loop ${Math.round(read / (getMs / 1000))} records/s`,
      );
    }

    // ---- 3. IteratorAge under a steady 10k records/s --------------------------------------------
    const steady = 'bench-steady';
    await activeStream(server, steady, 4);
    const sm = await fns.mappings.create({
      functionName: 'noop-node',
      eventSourceArn: server.kinesis.arnFor(steady),
      startingPosition: 'LATEST',
      batchSize: 1000,
    });
    while (fns.mappings.get(sm.uuid).state !== 'Enabled') await new Promise((res) => setTimeout(res, 5));
    await fns.mappings.settled();
    const ages: number[] = [];
    const startMs = performance.now();
    let sent = 0;
    let next = 0;
    const sampler = setInterval(() => ages.push(fns.mappings.stats(sm.uuid).iteratorAgeMs), 250);
    while (performance.now() - startMs < STEADY_SECONDS * 1000) {
      const due = Math.floor(((performance.now() - startMs) / 1000) * 10_000);
      if (due > sent) {
        const n = Math.min(due - sent, 2000);
        await server.kinesis.putRecords(
          steady,
          Array.from({ length: n }, (_, k) => ({ partitionKey: `k${next + k}`, data })),
        );
        next += n;
        sent += n;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    clearInterval(sampler);
    while (fns.mappings.stats(sm.uuid).recordsProcessed < sent) await new Promise((res) => setTimeout(res, 10));
    const third = Math.max(1, Math.floor(ages.length / 3));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const firstThird = mean(ages.slice(0, third));
    const lastThird = mean(ages.slice(-third));
    const load1 = loadavg()[0]!;

    const nodeP50 = median(latency['noop-node']!.p50);
    const ratio = median(esmRates) / median(getRates);
    const md = `
Command: \`${command}\` — ${machineLine()}; load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end (shared machine: other work ran alongside).
Medians over ${runs} run(s). The server uses FileStorage with fsync always; functions run in their own processes.

**Warm invoke latency** (no-op handler, ${INVOKES} sequential invocations per run after 300 warm-up calls; engine invoke → the function's Runtime API on loopback → response):

| runtime | p50 | p99 |
|---|---|---|
| Node (nodejs20.x) | ${fmt(nodeP50)} ms | ${fmt(median(latency['noop-node']!.p99))} ms |
| Python (python3.11, Debian python3) | ${fmt(median(latency['noop-python']!.p50))} ms | ${fmt(median(latency['noop-python']!.p99))} ms |

Target: Node p50 ≤ 1 ms — ${nodeP50 <= 1 ? 'met' : 'not met on this run'}.

**Event source mapping throughput** (4 shards, ${RECORDS.toLocaleString('en-US')} records of 100 bytes, BatchSize 1000, no-op Node handler, TRIM_HORIZON):

| reader | records/s |
|---|---|
| event source mapping → function | ${Math.round(median(esmRates)).toLocaleString('en-US')} |
| plain GetRecords loop (SDK, 4 shards concurrently, Limit 10000) | ${Math.round(median(getRates)).toLocaleString('en-US')} |
| ratio | ${ratio.toFixed(2)}× (target ≥ 0.5×) |

**IteratorAge under a steady 10,000 records/s** (${STEADY_SECONDS} s, LATEST, BatchSize 1000): p50 ${Math.round(percentile(ages, 50))} ms, p99 ${Math.round(percentile(ages, 99))} ms, max ${Math.round(Math.max(...ages))} ms; mean of the first third ${Math.round(firstThird)} ms, last third ${Math.round(lastThird)} ms (${lastThird <= firstThird * 2 + 100 ? 'flat' : 'growing'}).
`;
    console.log(md);
    if (write) writeSection('functions', 'Functions', md);
  } finally {
    await durable.close();
  }
}

await main();
