/**
 * HTTP ingest benchmark (issue 15, S4.1's proxy).
 *
 * 1. Batch throughput: 4 concurrent clients POST JSON arrays of 500 records
 *    (~100 bytes each, partition key from a JSON field) to an ingest route,
 *    against the same batches sent with @aws-sdk/client-kinesis PutRecords
 *    (HTTP/1.1 keep-alive) to the same server: records/s and their ratio.
 * 2. Single-record latency: sequential PUTs of one JSON record, p50 / p99.
 * The server uses FileStorage with fsync always (an answered record is
 * durable). Everything shares this machine's cores.
 *
 *   node --import tsx bench/functions/ingest.ts            # ~3 minutes on a loaded machine
 *   node --import tsx bench/functions/ingest.ts --quick    # smoke
 *   options: --runs N, --no-write
 *
 * Figures go to docs/benchmarks.md through writeSection('ingest', ...).
 */
import { loadavg } from 'node:os';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { machineLine, median, percentile, writeSection } from '../lib/report.ts';
import { activeStream, benchArgs, benchKinesisClient, durableServer } from '../lib/server.ts';

const { quick, runs, write, command } = benchArgs('bench/functions/ingest.ts');
const BATCHES = quick ? 40 : 100;
const BATCH = 500;
const CLIENTS = 4;
const SINGLES = quick ? 300 : 500;

function batchOf(b: number): Array<{ sensor_id: number; current_temperature: number; status: string; event_time: string }> {
  const out = [];
  for (let i = 0; i < BATCH; i++) {
    out.push({ sensor_id: ((b * BATCH + i) % 99) + 1, current_temperature: 69.67, status: 'OK', event_time: '2022-11-20T18:31:30.693395' });
  }
  return out;
}

/** Runs `total` jobs over CLIENTS workers; returns the elapsed ms. */
async function drive(total: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < total) await job(next++);
    }),
  );
  return performance.now() - started;
}

async function main(): Promise<void> {
  const load0 = loadavg()[0]!;
  const httpRates: number[] = [];
  const sdkRates: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  const bodies = Array.from({ length: 20 }, (_, b) => batchOf(b));
  for (let run = 0; run < runs; run++) {
    const durable = await durableServer('ingest');
    const { server } = durable;
    const kinesis = benchKinesisClient(server.url, CLIENTS);
    try {
      await activeStream(server, 'ingest-bench', 4);
      const put = await fetch(`${server.url}/freshet/ingest-routes/bench`, {
        method: 'PUT',
        body: JSON.stringify({ name: 'bench', path: '/ingest/bench', stream: 'ingest-bench', partitionKey: { field: 'sensor_id' } }),
      });
      if (!put.ok) throw new Error(`route: ${await put.text()}`);
      const texts = bodies.map((b) => JSON.stringify(b));
      const httpMs = await drive(BATCHES, async (i) => {
        const res = await fetch(`${server.url}/ingest/bench`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: texts[i % texts.length]!,
        });
        if (res.status !== 200) throw new Error(`ingest: HTTP ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      });
      httpRates.push((BATCHES * BATCH) / (httpMs / 1000));
      const sdkBatches = bodies.map((b) => b.map((r) => ({ PartitionKey: String(r.sensor_id), Data: Buffer.from(JSON.stringify(r)) })));
      const sdkMs = await drive(BATCHES, async (i) => {
        const res = await kinesis.send(new PutRecordsCommand({ StreamName: 'ingest-bench', Records: sdkBatches[i % sdkBatches.length]! }));
        if (res.FailedRecordCount) throw new Error(`PutRecords: ${res.FailedRecordCount} failed`);
      });
      sdkRates.push((BATCHES * BATCH) / (sdkMs / 1000));
      const one = JSON.stringify(bodies[0]![0]);
      const latencies: number[] = [];
      for (let i = 0; i < SINGLES; i++) {
        const t = performance.now();
        const res = await fetch(`${server.url}/ingest/bench`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: one });
        await res.arrayBuffer();
        if (i >= SINGLES / 10) latencies.push(performance.now() - t);
      }
      p50s.push(percentile(latencies, 50));
      p99s.push(percentile(latencies, 99));
      console.log(
        `run ${run + 1}: http ${Math.round(httpRates.at(-1)!)} rec/s, sdk ${Math.round(sdkRates.at(-1)!)} rec/s, single p50 ${p50s.at(-1)!.toFixed(2)} ms p99 ${p99s.at(-1)!.toFixed(2)} ms`,
      );
    } finally {
      kinesis.destroy();
      await durable.close();
    }
  }
  const httpRate = median(httpRates);
  const sdkRate = median(sdkRates);
  const md = `Command: \`${command}\` — ${machineLine()}; load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (shared machine: other work ran alongside).
Medians over ${runs} run(s). The server uses FileStorage with fsync always: a record is answered once durable.

**Batch throughput** (${CLIENTS} concurrent clients, ${BATCHES} batches of ${BATCH} sensor readings of ~100 bytes into a 4-shard stream):

| writer | records/s |
|---|---|
| HTTP ingest route (POST a JSON array, partition key from \`sensor_id\`) | ${Math.round(httpRate).toLocaleString('en-US')} |
| @aws-sdk/client-kinesis PutRecords (same batches) | ${Math.round(sdkRate).toLocaleString('en-US')} |
| ratio | ${(httpRate / sdkRate).toFixed(2)}× |

**Single-record PUT latency** (${SINGLES} sequential requests, the first tenth not counted): p50 ${median(p50s).toFixed(2)} ms, p99 ${median(p99s).toFixed(2)} ms.
`;
  console.log(md);
  if (write) writeSection('ingest', 'HTTP ingest', md);
}

await main();
