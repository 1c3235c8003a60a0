/**
 * Generator and reader throughput against an in-process Freshet (memory
 * storage), through the real AWS SDK client:
 *   - raw writer: pre-encoded sales records through KinesisWriter (PutRecords, 500/batch, 4 in flight)
 *   - generator: the sales factory + encoding + the same writer (`freshet generate sales` minus the schedule)
 *   - reader: readStream (what `freshet tail --no-follow` does) reading them all back
 * Run: node --import tsx bench/generators/throughput.ts [records=50000] [runs=3]
 */
import { CreateStreamCommand, DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { startServer } from '../../src/server/index.ts';
import { KinesisWriter, encodeRecord, getGenerator, startGenerator } from '../../src/generators/index.ts';
import { kinesisClient, readStream, waitForStreamActive } from '../../src/pipeline/index.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const N = Number(process.argv[2] ?? 50_000);
const RUNS = Number(process.argv[3] ?? 3);

const server = await startServer({ port: 0, storage: 'memory' });
const client = kinesisClient({ endpoint: server.url });
let seq = 0;

async function freshStream(): Promise<string> {
  const name = `bench-gen-${++seq}`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 4 }));
  await waitForStreamActive(client, name);
  return name;
}

const sales = getGenerator('sales');
const factory = sales.create({ seed: 1, anomalyRate: 0 });
const encoder = new TextEncoder();
const prebuilt = Array.from({ length: N }, (_, i) => {
  const r = factory.next(Date.UTC(2021, 0, 31, 14) + i);
  return { data: encoder.encode(encodeRecord(r, sales.fields, 'json')), key: r.partitionKey };
});
const avgBytes = prebuilt.reduce((a, r) => a + r.data.length, 0) / N;

const raw: number[] = [];
const gen: number[] = [];
const read: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const s1 = await freshStream();
  let t = performance.now();
  const w = new KinesisWriter({ client, streamName: s1 });
  for (const r of prebuilt) w.add(r.data, r.key);
  await w.flush();
  raw.push(N / ((performance.now() - t) / 1000));

  const s2 = await freshStream();
  t = performance.now();
  const h = startGenerator({ kind: 'sales', sink: new KinesisWriter({ client, streamName: s2 }), everyMs: 3_600_000, batch: N, count: N, seed: run + 1 });
  const stats = await h.done;
  if (stats.sent !== N) throw new Error(`generator sent ${stats.sent} of ${N}`);
  gen.push(N / ((performance.now() - t) / 1000));

  t = performance.now();
  let got = 0;
  await readStream({
    client,
    streamName: s2,
    follow: false,
    idlePollMs: 1,
    limit: 10_000,
    onRecord: () => {
      got++;
    },
  });
  if (got !== N) throw new Error(`read back ${got} of ${N}`);
  read.push(N / ((performance.now() - t) / 1000));
  await client.send(new DeleteStreamCommand({ StreamName: s1 }));
  await client.send(new DeleteStreamCommand({ StreamName: s2 }));
}
client.destroy();
await server.close();

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const md = `Command: \`node --import tsx bench/generators/throughput.ts ${N} ${RUNS}\`
Machine: ${machineLine()} (shared with other jobs while measured; client and server in one process)
${N.toLocaleString('en-US')} sales records (~${Math.round(avgBytes)} B JSON each), 4 shards, memory storage, medians of ${RUNS} runs.

| path | records/s (median) | runs |
|---|---|---|
| raw writer (pre-encoded → KinesisWriter → PutRecords) | ${fmt(median(raw))} | ${raw.map(fmt).join(', ')} |
| generator (sales factory + encode + writer) | ${fmt(median(gen))} | ${gen.map(fmt).join(', ')} |
| reader (readStream, GetRecords Limit 10,000) | ${fmt(median(read))} | ${read.map(fmt).join(', ')} |

Ratio generator / raw writer: ${(median(gen) / median(raw)).toFixed(2)} (the cost of making the records). All records acknowledged and read back (counts checked).`;
writeSection('generators', 'Generators and stream reader', md);
console.log(md);
