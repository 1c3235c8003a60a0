/**
 * CloudWatch Logs ingestion and reads through the server with @aws-sdk/client-cloudwatch-logs, on durable
 * storage (FileStorage, fsync always: an answered PutLogEvents is on disk):
 * - PutLogEvents: events/s and median call latency for batches of 1,000 events of ~120 bytes, one writer per
 *   stream, 4 streams at once (what 4 applications or agents would do);
 * - GetLogEvents paging the whole stream forwards (events/s), FilterLogEvents with a JSON pattern over the group.
 *
 *   node --import tsx bench/logs/run.ts [--quick] [--runs N] [--no-write]
 */
import http from 'node:http';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { benchArgs, durableServer } from '../lib/server.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const args = benchArgs('bench/logs/run.ts');
const STREAMS = 4;
const BATCH = 1_000;
const BATCHES = args.quick ? 10 : 50;

interface Run {
  putEventsPerSec: number;
  putCallMs: number;
  getEventsPerSec: number;
  filterMs: number;
}

async function once(run: number): Promise<Run> {
  const { server, close } = await durableServer('logs');
  const logs = new CloudWatchLogsClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: STREAMS }) }),
  });
  try {
    const group = `/bench/run-${run}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    for (let s = 0; s < STREAMS; s++) await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: `s${s}` }));
    const callMs: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: STREAMS }, async (_, s) => {
        for (let b = 0; b < BATCHES; b++) {
          const now = Date.now();
          const logEvents = [];
          for (let i = 0; i < BATCH; i++) {
            const level = i % 50 === 0 ? 'ERROR' : 'INFO';
            logEvents.push({ timestamp: now, message: `{"level":"${level}","stream":${s},"batch":${b},"i":${i},"message":"request handled in ${i % 97} ms"}` });
          }
          const c0 = performance.now();
          await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: `s${s}`, logEvents }));
          callMs.push(performance.now() - c0);
        }
      }),
    );
    const putS = (performance.now() - t0) / 1000;
    const total = STREAMS * BATCHES * BATCH;
    const g0 = performance.now();
    let read = 0;
    let token: string | undefined;
    for (;;) {
      const r = await logs.send(
        new GetLogEventsCommand({ logGroupName: group, logStreamName: 's0', startFromHead: true, ...(token ? { nextToken: token } : {}) }),
      );
      read += r.events?.length ?? 0;
      if (r.nextForwardToken === token) break;
      token = r.nextForwardToken;
    }
    const getS = (performance.now() - g0) / 1000;
    if (read !== BATCHES * BATCH) throw new Error(`read ${read} events of ${BATCHES * BATCH}`);
    const f0 = performance.now();
    let matched = 0;
    let next: string | undefined;
    do {
      const r = await logs.send(
        new FilterLogEventsCommand({ logGroupName: group, filterPattern: '{ $.level = "ERROR" }', ...(next ? { nextToken: next } : {}) }),
      );
      matched += r.events?.length ?? 0;
      next = r.nextToken;
    } while (next);
    const filterMs = performance.now() - f0;
    if (matched !== total / 50) throw new Error(`filter matched ${matched} of ${total / 50}`);
    return { putEventsPerSec: total / putS, putCallMs: median(callMs), getEventsPerSec: read / getS, filterMs };
  } finally {
    logs.destroy();
    await close();
  }
}

const runs: Run[] = [];
for (let r = 0; r < args.runs; r++) runs.push(await once(r));
const m = (f: (r: Run) => number) => median(runs.map(f));
const total = STREAMS * BATCHES * BATCH;
const md = `Command: \`${args.command}\` (${machineLine()}; median of ${args.runs} run${args.runs === 1 ? '' : 's'}; shared, noisy machine).
Server in-process on FileStorage with fsync always; \`@aws-sdk/client-cloudwatch-logs\` over HTTP/1.1 keep-alive.
A CPU profile of the run is about 70% idle: each PutLogEvents answers after the storage's fsync (group commit), so its
latency and the events/s are the (shared) disk's, not the engine's CPU.

| measure | median |
|---|---|
| PutLogEvents, ${STREAMS} streams × ${BATCHES} batches × ${BATCH} events (~120 B) | ${Math.round(m((r) => r.putEventsPerSec)).toLocaleString('en-US')} events/s |
| PutLogEvents call latency (1,000 events, durable) | ${m((r) => r.putCallMs).toFixed(1)} ms |
| GetLogEvents, one stream of ${(BATCHES * BATCH).toLocaleString('en-US')} events, paged forwards | ${Math.round(m((r) => r.getEventsPerSec)).toLocaleString('en-US')} events/s |
| FilterLogEvents \`{ $.level = "ERROR" }\` over ${total.toLocaleString('en-US')} events (${(total / 50).toLocaleString('en-US')} matches) | ${Math.round(m((r) => r.filterMs))} ms |
`;
console.log(md);
if (args.write) writeSection('logs', 'CloudWatch Logs (PutLogEvents, GetLogEvents, FilterLogEvents)', md);
