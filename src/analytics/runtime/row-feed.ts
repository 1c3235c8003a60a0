/**
 * The input side of a running application: one read from every readable
 * shard, merged by arrival time across shards (records past the earliest
 * horizon a shard may still fill are put back for the next round), KPL
 * records de-aggregated, each record parsed into rows with ROWTIME = arrival
 * time kept non-decreasing, and consecutive rows of one stream and time pushed
 * into the SQL application together.
 */
import { decodeSequence, deaggregate, isAggregated } from '../../kinesis/index.ts';
import type { CompiledApplication, DeliveryInputReader, FunctionPort, RecordParser, StreamShardReader } from './ports.ts';
import { preprocess } from './input-processor.ts';
import type { InputProcessorSpec, SourceRecord } from './input-processor.ts';
import type { AppInput } from '../model.ts';
import type { ShardFollower } from './shard-follower.ts';

export interface ShardFeed {
  reader: StreamShardReader;
  /** In-app stream this shard feeds (shards are spread over `<prefix>_001…` by InputParallelism). */
  inAppStream: string;
  parser: RecordParser;
  unsubscribe: () => void;
  /** Set for a delivery-stream input. */
  delivery?: DeliveryInputReader;
  /** The input's InputLambdaProcessor, which records pass through before they are parsed. */
  processor?: InputProcessorSpec;
}

export interface InputFeed {
  input: AppInput;
  /** Kinesis stream or delivery stream name. */
  streamName: string;
  delivery: boolean;
  streamKey: string;
  shards: ShardFeed[];
  /** For a Kinesis input: follows its shards across resharding (parents before children). */
  follower?: ShardFollower<ShardFeed>;
}

/** The counters a RowFeed keeps (part of the application's stats). */
export interface FeedStats {
  recordsRead: number;
  /** Bytes of the records read (their data, before de-aggregation). */
  bytesRead: number;
  /** The largest MillisBehindLatest of the last read's shards (0 once caught up). */
  millisBehindLatest: number;
  rowsPushed: number;
  parseErrors: number;
}

export class RowFeed {
  /** ROWTIME of the last row pushed, or the time the application was advanced to: ROWTIME never goes back. */
  lastRowtimeMs = -Infinity;
  // Rows of consecutive records with the same stream and arrival time go to the engine in one push.
  private pendingStream = '';
  private pendingRowtime = 0;
  private pendingArrival = 0;
  private pendingRows: unknown[][] = [];

  constructor(
    private readonly sql: CompiledApplication,
    private readonly stats: FeedStats,
    private readonly readBatch: number,
    /** A record (or a row of it) that does not fit the input schema. */
    private readonly onParseError: (message: string, rowtimeMs: number, data: string) => void,
    /** The server's functions, for inputs with an InputLambdaProcessor. */
    private readonly functions?: FunctionPort,
  ) {}

  /** Records of one shard through its input's preprocessing function: what continues; failures go to error_stream. */
  private async preprocessed(feed: ShardFeed, records: SourceRecord[]): Promise<SourceRecord[]> {
    if (!feed.processor || records.length === 0) return records;
    const out = await preprocess(this.functions, feed.processor, feed.reader.shardId, records);
    for (const f of out.failed) {
      const rowtime = Math.max(f.record.approximateArrivalTimestampMs, this.lastRowtimeMs);
      this.stats.parseErrors++;
      this.onParseError(f.reason, rowtime, Buffer.from(f.record.data.buffer, f.record.data.byteOffset, f.record.data.byteLength).toString('utf8'));
    }
    return out.ok;
  }

  /** One batch from every readable shard of `inputs`, merged by arrival time and pushed. Returns the number of records read. */
  async readOnce(inputs: readonly InputFeed[]): Promise<number> {
    const feeds: ShardFeed[] = [];
    for (const input of inputs) {
      const follower = input.follower;
      for (const s of input.shards) if (!follower || follower.readable(s)) feeds.push(s);
    }
    if (feeds.length === 0) return 0;
    const batches = await Promise.all(feeds.map((f) => f.reader.read(this.readBatch)));
    // Even when stopping, what was read is pushed: the readers' offsets have moved past it.
    let total = 0;
    let behind = 0;
    for (const b of batches) {
      total += b.records.length;
      if (b.millisBehindLatest > behind) behind = b.millisBehindLatest;
    }
    this.stats.millisBehindLatest = behind;
    if (total === 0) return 0;
    this.stats.recordsRead += total;
    if (feeds.length === 1) {
      this.stats.bytesRead += dataBytes(batches[0]!.records);
      this.pushRecords(feeds[0]!, await this.preprocessed(feeds[0]!, batches[0]!.records));
      this.pushPending();
      return total;
    }
    // A batch that may not be the end of its shard bounds what can be merged: past its last arrival
    // time another shard's later records could still belong in between. Records beyond that
    // horizon are put back (the reader's offset moves back to them) and read again next round.
    let horizon = Infinity;
    for (let k = 0; k < feeds.length; k++) {
      const b = batches[k]!;
      const last = b.records[b.records.length - 1];
      if (last !== undefined && (b.records.length >= this.readBatch || b.millisBehindLatest > 0)) {
        if (last.approximateArrivalTimestampMs < horizon) horizon = last.approximateArrivalTimestampMs;
      }
    }
    let merged = total;
    if (horizon !== Infinity) {
      merged = 0;
      for (let k = 0; k < feeds.length; k++) {
        const recs = batches[k]!.records;
        let keep = 0;
        while (keep < recs.length && recs[keep]!.approximateArrivalTimestampMs <= horizon) keep++;
        if (keep < recs.length) {
          const reader = feeds[k]!.reader;
          const seq = recs[keep]!.sequenceNumber;
          const back = reader.offsetOf ? reader.offsetOf(seq) : decodeSequence(seq)?.offset;
          if (back === undefined) throw new Error(`cannot decode sequence number ${seq}`);
          reader.offset = back;
          batches[k]!.records = recs.slice(0, keep);
        }
        merged += keep;
      }
      this.stats.recordsRead -= total - merged;
    }
    for (const b of batches) this.stats.bytesRead += dataBytes(b.records);
    // Preprocessing (InputLambdaProcessor) after the horizon: what was put back is read and processed again next round.
    let pushed = 0;
    for (let k = 0; k < feeds.length; k++) {
      if (feeds[k]!.processor) batches[k]!.records = await this.preprocessed(feeds[k]!, batches[k]!.records);
      pushed += batches[k]!.records.length;
    }
    // Merge shards by arrival time (k-way by index; batches are each already in order).
    const idx = new Array<number>(feeds.length).fill(0);
    for (let done = 0; done < pushed; done++) {
      let best = -1;
      let bestTs = Infinity;
      for (let k = 0; k < feeds.length; k++) {
        const r = batches[k]!.records[idx[k]!];
        if (r !== undefined && r.approximateArrivalTimestampMs < bestTs) {
          bestTs = r.approximateArrivalTimestampMs;
          best = k;
        }
      }
      const rec = batches[best]!.records[idx[best]!++]!;
      this.pushRecord(feeds[best]!, rec.data, rec.approximateArrivalTimestampMs, rec.partitionKey, rec.sequenceNumber);
    }
    this.pushPending();
    return merged;
  }

  // hot path: one call per source record.
  private pushRecords(
    feed: ShardFeed,
    records: ReadonlyArray<{ data: Uint8Array; approximateArrivalTimestampMs: number; partitionKey: string; sequenceNumber: string }>,
  ): void {
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      this.pushRecord(feed, r.data, r.approximateArrivalTimestampMs, r.partitionKey, r.sequenceNumber);
    }
  }

  // hot path: one call per source record. A KPL-aggregated record gives one row source per user record.
  private pushRecord(feed: ShardFeed, data: Uint8Array, arrivalMs: number, partitionKey = '', sequenceNumber = ''): void {
    if (isAggregated(data)) {
      const users = deaggregate(data, partitionKey, sequenceNumber);
      if (users !== undefined) {
        for (let i = 0; i < users.length; i++) this.pushData(feed, users[i]!.data, arrivalMs);
        return;
      }
    }
    this.pushData(feed, data, arrivalMs);
  }

  // hot path
  private pushData(feed: ShardFeed, data: Uint8Array, arrivalMs: number): void {
    // ROWTIME is the arrival time, kept monotonic across shards and time advances.
    const rowtime = Math.max(arrivalMs, this.lastRowtimeMs);
    this.lastRowtimeMs = rowtime;
    const parsed = feed.parser.parse(data);
    const errors = parsed.errors;
    if (errors.length > 0) {
      this.pushPending();
      this.stats.parseErrors += errors.length;
      for (let i = 0; i < errors.length; i++) this.onParseError(errors[i]!.message, rowtime, errors[i]!.data);
    }
    const rows = parsed.rows;
    if (rows.length === 0) return;
    this.stats.rowsPushed += rows.length;
    if (this.pendingRows.length > 0 && (this.pendingStream !== feed.inAppStream || this.pendingRowtime !== rowtime || this.pendingArrival !== arrivalMs)) {
      this.pushPending();
    }
    this.pendingStream = feed.inAppStream;
    this.pendingRowtime = rowtime;
    this.pendingArrival = arrivalMs;
    const pending = this.pendingRows;
    for (let i = 0; i < rows.length; i++) pending.push(rows[i]!);
  }

  private pushPending(): void {
    const rows = this.pendingRows;
    if (rows.length === 0) return;
    this.pendingRows = [];
    this.sql.push(this.pendingStream, rows, this.pendingRowtime, this.pendingArrival);
  }
}

function dataBytes(records: ReadonlyArray<{ data: Uint8Array }>): number {
  let n = 0;
  for (let i = 0; i < records.length; i++) n += records[i]!.data.length;
  return n;
}
