/**
 * Freshet on NATS JetStream (issue 19): PutRecords of 1 KiB records through a Freshet server whose storage is a
 * 3-server JetStream cluster, against a plain @nats-io/jetstream publisher writing the same bytes with async
 * (pipelined) publishes to a stream of the same replicas on the same cluster; R3 and R1, alternating rounds;
 * then the read-back rate through GetRecords. Medians of the rounds; the ratio is the median of per-round ratios.
 *
 *   node --import tsx bench/jetstream/run.ts [--rounds 3] [--seconds 4] [--concurrency 4] [--shards 4] [--no-write]
 *
 * Everything runs on this machine: three nats-server processes, the Freshet server (in this process) and the
 * load generator share its cores, so the figures are a floor for a real deployment, not a forecast.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startNatsCluster } from '../../src/cluster/index.ts';
import { startServer } from '../../src/server/index.ts';
import { buildBodies, runOnce, STREAM_NAME_LENGTH } from '../kinesis/workload.ts';
import { KinesisWire } from '../kinesis/wire.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '4' },
    shards: { type: 'string', default: '4' },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const SHARDS = Number(values.shards);
const RECORD_BYTES = 1024;
const PER_REQUEST = 500;
/** Publishes in flight for the plain publisher (its acks are awaited in windows of this size). */
const PUBLISH_WINDOW = 2000;

const loadAtStart = loadavg()[0]!;
const nats = await startNatsCluster({ size: 3 });
let streamNo = 0;
const streamName = (): string => `js${process.pid}x${streamNo++}`.padEnd(STREAM_NAME_LENGTH, 'z');

/** Plain publisher: `seconds` of pipelined js.publish of 1 KiB payloads, round-robin over SHARDS streams of `replicas` (as Freshet has a stream per shard). */
async function plainPublisher(replicas: number): Promise<number> {
  const nc = await connect({ servers: nats.urls });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const name = `plain${process.pid}x${streamNo++}`;
  const subjects = Array.from({ length: SHARDS }, (_, i) => `${name}.s${i}`);
  for (let i = 0; i < SHARDS; i++) await jsm.streams.add({ name: `${name}s${i}`, subjects: [subjects[i]!], num_replicas: replicas, storage: 'file' as never });
  const payload = new Uint8Array(RECORD_BYTES + 10 + 12); // the same bytes Freshet stores: header + a 12-char key + data
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  let acked = 0;
  while (performance.now() < deadline) {
    const window: Array<Promise<unknown>> = new Array(PUBLISH_WINDOW);
    for (let i = 0; i < PUBLISH_WINDOW; i++) window[i] = js.publish(subjects[i % SHARDS]!, payload);
    await Promise.all(window);
    acked += PUBLISH_WINDOW;
  }
  const rate = acked / ((performance.now() - start) / 1000);
  for (let i = 0; i < SHARDS; i++) await jsm.streams.delete(`${name}s${i}`);
  await nc.close();
  return rate;
}

interface FreshetRound {
  putPerSec: number;
  readPerSec: number;
  lost: number;
  failed: number;
}

async function freshet(replicas: number): Promise<FreshetRound> {
  const server = await startServer({
    port: 0,
    storage: 'jetstream',
    nats: { servers: nats.urls, replicas, namespace: `bench${process.pid}x${streamNo++}` },
    createDelayMs: 0,
    deleteDelayMs: 0,
    activityLog: false,
  });
  try {
    const wire = new KinesisWire(server.port, CONCURRENCY);
    // Enough bodies for the duration at a generous rate; the run stops at the deadline.
    const bodies = buildBodies(RECORD_BYTES, PER_REQUEST, Math.ceil((SECONDS * 60_000) / PER_REQUEST));
    const r = await runOnce(wire, bodies, {
      streamName: streamName(),
      shardCount: SHARDS,
      concurrency: CONCURRENCY,
      durationMs: SECONDS * 1000,
      readBack: true,
      readBackTimeoutMs: 300_000,
    });
    wire.agent.destroy();
    return { putPerSec: r.recordsPerSec, readPerSec: r.readBack?.recordsPerSec ?? Number.NaN, lost: r.readBack?.lost ?? -1, failed: r.failed };
  } finally {
    await server.close();
  }
}

const results: Record<number, { freshet: FreshetRound[]; plain: number[]; ratios: number[] }> = {
  3: { freshet: [], plain: [], ratios: [] },
  1: { freshet: [], plain: [], ratios: [] },
};
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const replicas of [3, 1]) {
      const p = await plainPublisher(replicas);
      const f = await freshet(replicas);
      const res = results[replicas]!;
      res.plain.push(p);
      res.freshet.push(f);
      res.ratios.push(f.putPerSec / p);
      console.log(
        `round ${round + 1} R${replicas}: plain ${Math.round(p)}/s, Freshet PutRecords ${Math.round(f.putPerSec)}/s (${(f.putPerSec / p).toFixed(2)}×), read-back ${Math.round(f.readPerSec)}/s, lost ${f.lost}, failed ${f.failed}`,
      );
    }
  }
} finally {
  await nats.stop();
}

const k = (x: number): string => `${(x / 1000).toFixed(1)}k`;
const rows = [3, 1].map((r) => {
  const res = results[r]!;
  return `| R${r} | ${k(median(res.plain))} | ${k(median(res.freshet.map((f) => f.putPerSec)))} | ${median(res.ratios).toFixed(2)}× | ${k(median(res.freshet.map((f) => f.readPerSec)))} | ${res.freshet.reduce((a, f) => a + Math.max(0, f.lost), 0)} |`;
});
const md = `${machineLine()}, load average ${loadavg()[0]!.toFixed(1)} at the end; three nats-server ${'2.9'} processes, the Freshet server and the load generator on this one machine.

\`node --import tsx bench/jetstream/run.ts --rounds ${ROUNDS} --seconds ${SECONDS} --concurrency ${CONCURRENCY} --shards ${SHARDS}\`

1 KiB records; Freshet: PutRecords of ${PER_REQUEST} records from ${CONCURRENCY} keep-alive HTTP clients to a ${SHARDS}-shard stream; plain: \`js.publish\` of the same ${RECORD_BYTES + 22}-byte payloads, ${PUBLISH_WINDOW} in flight, round-robin over ${SHARDS} streams (Freshet has one per shard). Records/s acknowledged, medians of ${ROUNDS} alternating rounds; the ratio is the median of per-round ratios (target ≥ 0.6×). Read-back: GetRecords of everything written, all shards in parallel (the last 4 MiB per shard from the tail cache, the rest by the stream leader's message gets, pipelined). The plain publisher is nats.js's own \`js.publish\` (a request with its own promise and timer per message); Freshet publishes with one reply inbox and one promise per batch, so on this CPU-bound machine (one-minute load average ${loadAtStart.toFixed(1)} at the start of the run, ${loadavg()[0]!.toFixed(1)} at the end, from other sessions) Freshet outruns the "plain" client: the ratio says Freshet's overhead over JetStream is not the limit here, not that it beats a tuned publisher.

| replicas | plain publisher | Freshet PutRecords | ratio | Freshet read-back | acked records lost |
|---|---|---|---|---|---|
${rows.join('\n')}
`;
console.log(md);
if (!values['no-write']) writeSection('jetstream', 'Freshet on NATS JetStream (bench/jetstream)', md);
