/**
 * What an open console costs the data path (issue 17: ≤ 3% of PutRecords throughput): bench/kinesis's
 * PutRecords workload (1 KiB records, 8 keep-alive clients, 500-record requests, a 4-shard stream) against
 * `freshet server --fsync always`, in turns:
 *
 *   - no console
 *   - console API client: what an open stream page asks of the server, from a Node client — the live feed
 *     (/console/api/live, one snapshot a second) and the live tail (GetRecords on every shard once a second,
 *     200 records a page, skipping ahead when behind), exactly as src/console/app/pages/streams.tsx does
 *   - chromium: Debian's chromium (playwright-core) with the stream page open, rendering on this machine's
 *     cores too (so this also counts the browser's CPU taken from the load generator and server)
 *
 *   node --import tsx bench/console/overhead.ts [--runs 5] [--duration-ms 3000] [--no-browser] [--no-write]
 *
 * Figures go to docs/benchmarks.md (section "console").
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { machineLine, median, writeSection } from '../lib/report.ts';
import { freshet, startPeer } from '../kinesis/peers.ts';
import { buildBodies, createStream, runOnce, STREAM_NAME_LENGTH } from '../kinesis/workload.ts';
import type { RunResult } from '../kinesis/workload.ts';
import { KinesisWire } from '../kinesis/wire.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'duration-ms': { type: 'string', default: '3000' },
    'no-browser': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const DURATION_MS = Number(values['duration-ms']);
const SHARDS = 4;
const CONCURRENCY = 8;
const RECORDS_PER_REQUEST = 500;
const RECORD_BYTES = 1024;
const CHROMIUM = '/usr/bin/chromium';
const log = (s: string): void => void process.stderr.write(`${s}\n`);

interface Viewer {
  stop(): Promise<void>;
  /** Snapshots and tail records the viewer received (proof that it was watching). */
  seen(): { snapshots: number; records: number };
}

/** The requests an open stream page makes, from Node. */
function apiViewer(port: number, stream: string, shardIds: string[]): Viewer {
  let snapshots = 0;
  let records = 0;
  let stopped = false;
  const sse = request({ host: '127.0.0.1', port, path: '/console/api/live', method: 'GET' }, (res) => {
    res.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf('event: snapshot'); i >= 0; i = chunk.indexOf('event: snapshot', i + 1)) snapshots++;
    });
  });
  sse.on('error', () => undefined); // destroyed at the end of the run
  sse.end();
  const wire = new KinesisWire(port, 2);
  const iterators = new Map<string, string>();
  const open = async (shardId: string) => {
    const r = await wire.call<{ ShardIterator: string }>('GetShardIterator', { StreamName: stream, ShardId: shardId, ShardIteratorType: 'LATEST' });
    iterators.set(shardId, r.ShardIterator);
  };
  // The page has the server decode each page (text, JSON, KPL user records): POST /console/api/decode.
  const decode = (records: Array<{ Data: string; PartitionKey: string; SequenceNumber: string }>) =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({ records: records.map((x) => ({ data: x.Data, partitionKey: x.PartitionKey, sequenceNumber: x.SequenceNumber })) });
      const req = request({ host: '127.0.0.1', port, path: '/console/api/decode', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => resolve());
      req.end(body);
    });
  const loop = (async () => {
    for (const id of shardIds) await open(id);
    while (!stopped) {
      for (const [id, it] of [...iterators]) {
        const r = await wire.call<{ Records: unknown[]; NextShardIterator?: string; MillisBehindLatest: number }>('GetRecords', {
          ShardIterator: it,
          Limit: 200,
        });
        records += r.Records.length;
        if (r.Records.length) await decode(r.Records as Array<{ Data: string; PartitionKey: string; SequenceNumber: string }>);
        if (r.NextShardIterator && r.MillisBehindLatest > 3000) await open(id);
        else if (r.NextShardIterator) iterators.set(id, r.NextShardIterator);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      sse.destroy();
      wire.close();
    },
    seen: () => ({ snapshots, records }),
  };
}

async function browserViewer(port: number, stream: string): Promise<Viewer> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/console/#/streams/${stream}`);
  await page.locator('.tail').waitFor();
  return {
    async stop() {
      await browser.close();
    },
    seen: () => ({ snapshots: NaN, records: NaN }),
  };
}

type Mode = 'none' | 'api' | 'chromium';
const modes: Mode[] = values['no-browser'] || !existsSync(CHROMIUM) ? ['none', 'api'] : ['none', 'api', 'chromium'];
const LABEL: Record<Mode, string> = {
  none: 'no console',
  api: 'console API client (live feed + tail)',
  chromium: 'chromium on the stream page (same machine)',
};

const peer = await startPeer(freshet('always'));
const loadBefore = loadavg();
const results = new Map<Mode, RunResult[]>(modes.map((m) => [m, []]));
/** The server's CPU time per second on an idle 4-shard stream, without and with the API client watching it. */
const IDLE_MS = 10_000;
const idleCpu: { none: number; api: number } = { none: NaN, api: NaN };
try {
  {
    const wire = new KinesisWire(peer.port, 2);
    const name = 'console-idle-'.padEnd(STREAM_NAME_LENGTH, 'x');
    const shardIds = await createStream(wire, name, SHARDS);
    await new Promise((r) => setTimeout(r, 1000));
    let c0 = peer.cpuMs();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    idleCpu.none = ((peer.cpuMs() - c0) * 1000) / IDLE_MS;
    const viewer = apiViewer(peer.port, name, shardIds);
    await new Promise((r) => setTimeout(r, 1500));
    c0 = peer.cpuMs();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    idleCpu.api = ((peer.cpuMs() - c0) * 1000) / IDLE_MS;
    await viewer.stop();
    wire.close();
    log(`idle server CPU: ${idleCpu.none.toFixed(1)} ms/s without a console, ${idleCpu.api.toFixed(1)} ms/s with the API client`);
  }
  const bodies = buildBodies(RECORD_BYTES, RECORDS_PER_REQUEST, Math.ceil(250_000 / RECORDS_PER_REQUEST));
  let n = 0;
  for (let run = 0; run < RUNS; run++) {
    for (const mode of modes) {
      const streamName = `console-${run}-${++n}-`.padEnd(STREAM_NAME_LENGTH, 'x');
      const wire = new KinesisWire(peer.port, CONCURRENCY);
      let viewer: Viewer | undefined;
      const r = await runOnce(wire, bodies, {
        streamName,
        shardCount: SHARDS,
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        readBack: false,
        readBackTimeoutMs: 0,
        serverCpuMs: () => peer.cpuMs(),
        ...(mode === 'none'
          ? {}
          : {
              beforeWrite: async (shardIds: string[]) => {
                viewer = mode === 'api' ? apiViewer(peer.port, streamName, shardIds) : await browserViewer(peer.port, streamName);
                // Let the viewer settle (first snapshot, iterators open) before the clock starts.
                await new Promise((res) => setTimeout(res, 1500));
              },
            }),
      }).finally(() => wire.close());
      const seen = viewer?.seen();
      await viewer?.stop();
      results.get(mode)!.push(r);
      log(
        `run ${run + 1}/${RUNS} ${LABEL[mode]}: ${r.recordsPerSec.toFixed(0)} rec/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, server ${r.serverCpuUsPerRecord.toFixed(2)} µs CPU/record` +
          (seen && mode === 'api' ? `; viewer got ${seen.snapshots} snapshots, ${seen.records} tail records` : ''),
      );
    }
  }
} finally {
  await peer.stop();
}
const loadAfter = loadavg();

const base = results.get('none')!;
const rows = modes.map((m) => {
  const rs = results.get(m)!;
  const ratios = rs.map((r, i) => r.recordsPerSec / base[i]!.recordsPerSec);
  const cpu = rs.map((r, i) => r.serverCpuUsPerRecord / base[i]!.serverCpuUsPerRecord);
  return `| ${LABEL[m]} | ${Math.round(median(rs.map((r) => r.recordsPerSec))).toLocaleString('en-US')} | ${median(ratios).toFixed(3)} | ${median(rs.map((r) => r.p99Ms)).toFixed(1)} | ${median(rs.map((r) => r.serverCpuUsPerRecord)).toFixed(2)} | ${median(cpu).toFixed(3)} |`;
});
const apiRatio = median(results.get('api')!.map((r, i) => r.recordsPerSec / base[i]!.recordsPerSec));
// Run-to-run spread of the reference itself: half the interquartile range over the median.
const sortedBase = base.map((r) => r.recordsPerSec).sort((a, b) => a - b);
const q = (p: number) => sortedBase[Math.min(sortedBase.length - 1, Math.floor(p * sortedBase.length))]!;
const spread = (q(0.75) - q(0.25)) / 2 / median(sortedBase);
const verdict =
  spread > 0.03
    ? `inconclusive on this run: the no-console runs themselves spread by ±${(100 * spread).toFixed(0)}% (interquartile), more than the 3% to detect`
    : apiRatio >= 0.97
      ? 'met'
      : 'not met';
const md = [
  `Command: \`node --import tsx bench/console/overhead.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\``,
  '',
  `Machine: ${machineLine()}; load average (1 min) ${loadBefore[0]!.toFixed(1)} at start, ${loadAfter[0]!.toFixed(1)} at end (shared machine: compare the ratios, measured per repetition).`,
  '',
  `Workload: bench/kinesis's PutRecords (${RECORDS_PER_REQUEST} × ${RECORD_BYTES} B records per request, ${CONCURRENCY} keep-alive clients, a ${SHARDS}-shard stream, ${DURATION_MS / 1000} s) against \`freshet server --fsync always\`, ${RUNS} repetitions, the modes taking turns within each. "× no console" and "CPU × no console" are medians of per-repetition ratios.`,
  '',
  '| console | records/s | × no console | p99 ms | server CPU µs/record | CPU × no console |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows,
  '',
  `Idle 4-shard stream, ${IDLE_MS / 1000} s each: the server uses ${idleCpu.none.toFixed(1)} ms of CPU per second without a console and ${idleCpu.api.toFixed(1)} ms per second with the API client (live feed + tail) open — the fixed cost of an open console is ${(idleCpu.api - idleCpu.none).toFixed(1)} ms of CPU per second (${((idleCpu.api - idleCpu.none) / 10).toFixed(2)}% of a core); the tail adds at most 200 records a second per shard on top.`,
  '',
  `Target (issue 17): an open console costs ≤ 3% of PutRecords throughput. Throughput with the API client open, median ratio: ${apiRatio.toFixed(3)} — ${verdict}.`,
].join('\n');
process.stdout.write(`${md}\n`);
if (!values['no-write']) {
  writeSection('console', 'Console: PutRecords throughput with a console open', md);
  log('wrote the console section of docs/benchmarks.md');
}
