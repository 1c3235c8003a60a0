/**
 * One benchmark run against one server: PutRecords from concurrent keep-alive
 * clients sending pre-serialized bodies for a fixed duration (or until the
 * pre-built bodies run out), then a full read-back of every shard from
 * TRIM_HORIZON, then the accounting (acknowledged vs read back).
 *
 * Everything the clock measures is network + server: bodies are built before
 * timing, responses are kept as raw buffers and parsed after the clock stops.
 */
import { randomBytes } from 'node:crypto';
import { percentile } from '../lib/report.ts';
import type { KinesisWire, RawResponse } from './wire.ts';

/** Stream names are patched into the pre-built bodies in place, so they all have this length. */
export const STREAM_NAME_LENGTH = 24;
const BODY_PREFIX = '{"StreamName":"';

export interface Bodies {
  recordBytes: number;
  recordsPerRequest: number;
  bodies: Buffer[];
  /** PartitionKey of record j of body i is keyOf(i * recordsPerRequest + j). */
  keyOf(index: number): string;
}

export function keyOf(index: number): string {
  return `pk-${index.toString(36).padStart(8, '0')}`;
}

/** Builds `requestCount` PutRecords bodies of `recordsPerRequest` records of `recordBytes` random bytes, every partition key unique. */
export function buildBodies(recordBytes: number, recordsPerRequest: number, requestCount: number): Bodies {
  // A pool of distinct payloads, cycled: the servers see realistic random bytes without building one per record.
  const pool = Array.from({ length: 64 }, () => randomBytes(recordBytes).toString('base64'));
  const bodies: Buffer[] = [];
  const namePlaceholder = 'x'.repeat(STREAM_NAME_LENGTH);
  let index = 0;
  for (let i = 0; i < requestCount; i++) {
    const parts: string[] = [];
    for (let j = 0; j < recordsPerRequest; j++, index++) {
      parts.push(`{"Data":"${pool[index % pool.length]}","PartitionKey":"${keyOf(index)}"}`);
    }
    bodies.push(Buffer.from(`${BODY_PREFIX}${namePlaceholder}","Records":[${parts.join(',')}]}`));
  }
  return { recordBytes, recordsPerRequest, bodies, keyOf };
}

export function setStreamName(bodies: Bodies, name: string): void {
  if (name.length !== STREAM_NAME_LENGTH) throw new Error(`stream name must be ${STREAM_NAME_LENGTH} chars: ${name}`);
  for (const b of bodies.bodies) b.write(name, BODY_PREFIX.length, 'latin1');
}

export interface RunResult {
  requests: number;
  acknowledged: number;
  /** Records rejected with an ErrorCode, or in a request answered with an error status. */
  failed: number;
  failedCodes: Record<string, number>;
  elapsedMs: number;
  recordsPerSec: number;
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Undefined when the server stores nothing (null server). */
  readBack?: {
    records: number;
    unique: number;
    duplicates: number;
    lost: number;
    /** Acknowledged sequence numbers read back with another partition key, or out of per-shard order. */
    mismatched: number;
    outOfOrder: number;
    elapsedMs: number;
    recordsPerSec: number;
    /** Server CPU time over the read-back per record read, µs. */
    serverCpuUsPerRecord: number;
    /** Server and load-generator CPU time over the read-back, as shares of one core. */
    serverCpuShare: number;
    clientCpuShare: number;
  };
  exhausted: boolean;
  /** Server CPU time (user + system) over the write phase per acknowledged record, µs. */
  serverCpuUsPerRecord: number;
  /** Load generator's CPU time over the write phase, as a share of one core (1 = a full core). */
  clientCpuShare: number;
}

interface PutRecordsOutput {
  Records: { SequenceNumber?: string | null; ShardId?: string; ErrorCode?: string | null }[];
}

interface GetRecordsOutput {
  Records: { SequenceNumber: string; PartitionKey: string; Data: string }[];
  NextShardIterator?: string;
}

export async function createStream(wire: KinesisWire, name: string, shardCount: number): Promise<string[]> {
  await wire.call('CreateStream', { StreamName: name, ShardCount: shardCount });
  for (let i = 0; ; i++) {
    const d = await wire.call<{ StreamDescriptionSummary: { StreamStatus: string } }>('DescribeStreamSummary', { StreamName: name });
    if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
    if (i > 400) throw new Error(`stream ${name} not ACTIVE after 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Array.from({ length: shardCount }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
}

function seqLess(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

const NEXT_ITERATOR = Buffer.from('"NextShardIterator":"');
const RECORDS = Buffer.from('"Records":[');

/**
 * Finds NextShardIterator and emptiness without parsing the whole (10+ MB)
 * body; falls back to JSON.parse. The members may come in any order, so the
 * iterator is looked for before the record list, then after it from the end:
 * neither search crosses the record list, which keeps the load generator's CPU
 * per page small next to the server's (a full scan cost it ~1–4 µs per 1 KiB record).
 */
// hot path: once per GetRecords page during the timed read-back.
function scanGetRecords(chunks: Buffer[], length: number): { next: string | undefined; empty: boolean } {
  const head = joinFirst(chunks, EDGE_BYTES);
  const r = head.indexOf(RECORDS);
  const empty = r >= 0 && head[r + RECORDS.length] === 0x5d; // ]
  let tail = head;
  let at = r >= 0 ? head.subarray(0, r).indexOf(NEXT_ITERATOR) : -1;
  if (at < 0 && r >= 0) {
    tail = length > head.length ? joinLast(chunks, EDGE_BYTES) : head;
    at = tail.lastIndexOf(NEXT_ITERATOR);
  }
  if (at >= 0) {
    const from = at + NEXT_ITERATOR.length;
    const to = tail.indexOf(0x22, from);
    if (to > 0) return { next: tail.toString('latin1', from, to), empty };
  }
  const parsed = JSON.parse(Buffer.concat(chunks, length).toString('utf8')) as GetRecordsOutput;
  return { next: parsed.NextShardIterator ?? undefined, empty: parsed.Records.length === 0 };
}

/** How much of a page's start and end the scan looks at: the members besides Records are well within it. */
const EDGE_BYTES = 64 * 1024;

function joinFirst(chunks: Buffer[], atLeast: number): Buffer {
  let n = 0;
  let bytes = 0;
  while (n < chunks.length && bytes < atLeast) bytes += chunks[n++]!.length;
  return n === 1 ? chunks[0]! : Buffer.concat(chunks.slice(0, n), bytes);
}

function joinLast(chunks: Buffer[], atLeast: number): Buffer {
  let n = chunks.length;
  let bytes = 0;
  while (n > 0 && bytes < atLeast) bytes += chunks[--n]!.length;
  return n === chunks.length - 1 ? chunks[n]! : Buffer.concat(chunks.slice(n), bytes);
}

/** A GetRecords page as received: its body's chunks (joined once the clock has stopped). */
export interface Page {
  chunks: Buffer[];
  length: number;
}

export function pageBody(p: Page): Buffer {
  return p.chunks.length === 1 ? p.chunks[0]! : Buffer.concat(p.chunks, p.length);
}

/**
 * Where the read-back keeps the pages it receives: large blocks allocated before the clock starts,
 * each received chunk copied in. Keeping the socket's own 64 KiB chunks instead grows the process's
 * off-heap memory by hundreds of MB during the read-back, and V8 answers that with a full
 * mark-compact every few tens of MB — the load generator's CPU, not the server's, then set the pace.
 */
export class PageArena {
  private readonly blocks: Buffer[] = [];
  private block: Buffer;
  private pos = 0;

  constructor(
    expectedBytes: number,
    private readonly blockBytes = 64 * 1024 * 1024,
  ) {
    // Touched now (fill), before any clock starts: first-touch page faults on fresh memory would
    // otherwise cost the load generator ~40% of its read-back CPU.
    for (let b = 0; b < Math.max(1, Math.ceil(expectedBytes / blockBytes)); b++) this.blocks.push(Buffer.allocUnsafeSlow(blockBytes).fill(0));
    this.block = this.blocks[0]!;
  }

  // hot path: once per received chunk during the timed read-back
  readonly keep = (chunk: Buffer): Buffer => {
    if (chunk.length > this.blockBytes) return chunk;
    if (this.pos + chunk.length > this.block.length) {
      const i = this.blocks.indexOf(this.block) + 1;
      if (i >= this.blocks.length) this.blocks.push(Buffer.allocUnsafeSlow(this.blockBytes).fill(0));
      this.block = this.blocks[i]!;
      this.pos = 0;
    }
    const view = this.block.subarray(this.pos, this.pos + chunk.length);
    chunk.copy(view);
    this.pos += chunk.length;
    return view;
  };
}

export async function readShard(wire: KinesisWire, stream: string, shardId: string, out: Page[], deadline: number, arena?: PageArena): Promise<void> {
  const it = await wire.call<{ ShardIterator: string }>('GetShardIterator', { StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' });
  let iterator: string | undefined = it.ShardIterator;
  while (iterator !== undefined) {
    const res = await wire.sendForChunks('GetRecords', Buffer.from(`{"ShardIterator":"${iterator}","Limit":10000}`), arena?.keep);
    if (res.status !== 200) throw new Error(`GetRecords on ${shardId}: HTTP ${res.status}: ${Buffer.concat(res.chunks).toString('utf8', 0, 300)}`);
    const { next, empty } = scanGetRecords(res.chunks, res.length);
    // The local servers answer an empty page only once caught up with the shard's end.
    if (empty) break;
    out.push({ chunks: res.chunks, length: res.length });
    iterator = next;
    if (Date.now() > deadline) throw new Error(`read-back of ${shardId} did not finish in time`);
  }
}

export interface RunOptions {
  streamName: string;
  shardCount: number;
  concurrency: number;
  durationMs: number;
  readBack: boolean;
  readBackTimeoutMs: number;
  /** The server process's CPU time so far (ms), to report CPU per record. */
  serverCpuMs?: () => number;
  /** Runs once the stream is ACTIVE, before the clock starts (bench/console opens a console here). */
  beforeWrite?: (shardIds: string[]) => Promise<void>;
}

export async function runOnce(wire: KinesisWire, bodies: Bodies, opts: RunOptions): Promise<RunResult> {
  const shardIds = await createStream(wire, opts.streamName, opts.shardCount);
  setStreamName(bodies, opts.streamName);
  await opts.beforeWrite?.(shardIds);

  // A server that stores nothing (the null server) gets the bodies round-robin for the whole
  // duration: its keys need not be unique, and it outruns any pool of pre-built bodies.
  const cycle = !opts.readBack;
  const n = bodies.bodies.length;
  const responses: (RawResponse | undefined)[] = new Array(n);
  const latencies: number[] = [];
  let next = 0;
  let sent = 0;
  let ackedCycled = 0;
  const cpu0 = process.cpuUsage();
  const serverCpu0 = opts.serverCpuMs?.() ?? NaN;
  const start = performance.now();
  const deadline = start + opts.durationMs;
  const loop = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if ((i >= n && !cycle) || performance.now() >= deadline) return;
      const t0 = performance.now();
      // A transport error (e.g. the server dropped the connection) fails the request's records; it does not stop the run.
      const res = await wire.send('PutRecords', bodies.bodies[i % n]!).catch((e: unknown): RawResponse => ({ status: 0, body: Buffer.from(String(e)) }));
      latencies.push(performance.now() - t0);
      sent++;
      if (i < n) responses[i] = res;
      else if (res.status === 200) ackedCycled += bodies.recordsPerRequest;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const serverCpuWriteMs = (opts.serverCpuMs?.() ?? NaN) - serverCpu0;
  const requests = Math.min(sent, n);

  // Accounting, after the clock: acknowledged = records answered with a sequence number.
  const acked = new Map<string, string>(); // `${shardId}/${seq}` → partition key
  let failed = 0;
  const failedCodes: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const res = responses[i];
    if (res === undefined) continue;
    if (res.status !== 200) {
      failed += bodies.recordsPerRequest;
      const code =
        res.status === 0
          ? `transport error: ${res.body.toString('utf8', 0, 100)}`
          : `HTTP ${res.status} ${/"__type":"([^"]+)"/.exec(res.body.toString('utf8', 0, 400))?.[1] ?? ''}`.trim();
      failedCodes[code] = (failedCodes[code] ?? 0) + bodies.recordsPerRequest;
      continue;
    }
    const out = JSON.parse(res.body.toString('utf8')) as PutRecordsOutput;
    for (let j = 0; j < out.Records.length; j++) {
      const r = out.Records[j]!;
      // kinesis-local sends `"ErrorCode":null` on success, hence the loose comparisons.
      if (r.ErrorCode != null || r.SequenceNumber == null) {
        failed++;
        const code = r.ErrorCode ?? 'no SequenceNumber';
        failedCodes[code] = (failedCodes[code] ?? 0) + 1;
      } else {
        acked.set(`${r.ShardId}/${r.SequenceNumber}`, bodies.keyOf(i * bodies.recordsPerRequest + j));
      }
    }
  }
  // Only the first pass over the bodies is parsed record by record; later passes (null server only) count whole requests.
  const acknowledged = acked.size + ackedCycled;
  const result: RunResult = {
    requests: sent,
    acknowledged,
    failed,
    failedCodes,
    elapsedMs,
    recordsPerSec: acknowledged / (elapsedMs / 1000),
    mbPerSec: (acknowledged * bodies.recordBytes) / 1e6 / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    exhausted: !cycle && requests === n,
    clientCpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
    serverCpuUsPerRecord: (serverCpuWriteMs * 1000) / acknowledged,
  };
  if (!opts.readBack) return result;

  const pages = shardIds.map((): Page[] => []);
  // Room for every acknowledged record's JSON (base64 data, a 56-digit sequence number, key, member names).
  const arena = new PageArena(acknowledged * (Math.ceil(bodies.recordBytes / 3) * 4 + 200));
  const readCpu0 = opts.serverCpuMs?.() ?? NaN;
  const readClientCpu0 = process.cpuUsage();
  const readStart = performance.now();
  const readDeadline = Date.now() + opts.readBackTimeoutMs;
  await Promise.all(shardIds.map((id, s) => readShard(wire, opts.streamName, id, pages[s]!, readDeadline, arena)));
  const readMs = performance.now() - readStart;
  const readCpuMs = (opts.serverCpuMs?.() ?? NaN) - readCpu0;
  const readClientCpu = process.cpuUsage(readClientCpu0);

  const seen = new Set<string>();
  let records = 0;
  let duplicates = 0;
  let mismatched = 0;
  let outOfOrder = 0;
  let found = 0;
  const expectedDataLength = Math.ceil(bodies.recordBytes / 3) * 4;
  for (let s = 0; s < shardIds.length; s++) {
    let last = '';
    for (const page of pages[s]!) {
      const out = JSON.parse(pageBody(page).toString('utf8')) as GetRecordsOutput;
      for (const r of out.Records) {
        records++;
        const id = `${shardIds[s]}/${r.SequenceNumber}`;
        if (last !== '' && !seqLess(last, r.SequenceNumber)) outOfOrder++;
        last = r.SequenceNumber;
        if (seen.has(id)) {
          duplicates++;
          continue;
        }
        seen.add(id);
        const key = acked.get(id);
        if (key === undefined) continue; // read back but never acknowledged (e.g. answered after a client-side failure)
        if (key !== r.PartitionKey || r.Data.length !== expectedDataLength) mismatched++;
        else found++;
      }
    }
  }
  result.readBack = {
    records,
    unique: seen.size,
    duplicates,
    lost: acked.size - found - mismatched,
    mismatched,
    outOfOrder,
    elapsedMs: readMs,
    recordsPerSec: records / (readMs / 1000),
    serverCpuUsPerRecord: (readCpuMs * 1000) / records,
    serverCpuShare: readCpuMs / readMs,
    clientCpuShare: (readClientCpu.user + readClientCpu.system) / 1000 / readMs,
  };
  return result;
}
