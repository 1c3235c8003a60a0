/**
 * AWS/Kinesis metrics, named, dimensioned and counted as Kinesis Data Streams publishes them:
 * stream-level metrics (dimension StreamName) for every stream, and the seven shard-level ones
 * (dimensions StreamName, ShardId) for the metrics EnableEnhancedMonitoring switched on.
 *
 * The Kinesis actions call one method per API call (not per record) on the stream's
 * KinesisStreamMetrics; each sample goes into a pre-resolved registry handle, folded into a datapoint
 * once a second. With no registry attached (`attachKinesisMetrics` never called) the actions find
 * nothing and pay a WeakMap miss; with the registry off, each handle returns at its first line.
 *
 * Units and statistics: bytes are data bytes (partition keys not counted); Records/Bytes metrics get
 * one sample per call (so Sum is the total and Average the per-call mean, as AWS documents for
 * GetRecords.Records and PutRecords.*); Success metrics get 1 or 0 per call (Average is the success
 * rate); latencies in milliseconds (with a distribution, so pNN works).
 */
import type { MetricHandle, MetricsRegistry } from './registry.ts';

export const KINESIS_NAMESPACE = 'AWS/Kinesis';

/** The shard-level metrics EnableEnhancedMonitoring names, in AWS's order. */
export const KINESIS_SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
] as const;

/** What a shard is to the emitter: its id. */
export interface KinesisShardRef {
  readonly shardId: string;
}

/** A page of records as the log returns it: enough to count records and data bytes. */
export interface KinesisSpansRef {
  readonly count: number;
  readonly dataStart: ArrayLike<number>;
  readonly dataEnd: ArrayLike<number>;
}

const owners = new WeakMap<object, KinesisMetrics>();

/** Makes `owner` (the Kinesis engine) emit AWS/Kinesis metrics into `registry`. */
export function attachKinesisMetrics(owner: object, registry: MetricsRegistry): KinesisMetrics {
  const m = new KinesisMetrics(registry);
  owners.set(owner, m);
  return m;
}

/** The emitter attached to `owner`, if any. */
export function kinesisMetricsOf(owner: object): KinesisMetrics | undefined {
  return owners.get(owner);
}

export class KinesisMetrics {
  private readonly streams = new Map<string, KinesisStreamMetrics>();

  constructor(readonly registry: MetricsRegistry) {}

  /**
   * The stream's emitter. `shardLevel`: the stream's enabled shard-level metrics (the array the
   * engine keeps; a new array, as EnableEnhancedMonitoring assigns, is read again).
   */
  stream(name: string, shardLevel: readonly string[] | undefined): KinesisStreamMetrics {
    let m = this.streams.get(name);
    if (m === undefined) {
      m = new KinesisStreamMetrics(this.registry, name);
      this.streams.set(name, m);
    }
    if (m.shardLevelSource !== shardLevel) m.setShardLevel(shardLevel);
    return m;
  }
}

class ShardMetrics {
  readonly incomingBytes: MetricHandle;
  readonly incomingRecords: MetricHandle;
  readonly outgoingBytes: MetricHandle;
  readonly outgoingRecords: MetricHandle;
  readonly writeExceeded: MetricHandle;
  readonly readExceeded: MetricHandle;
  readonly iteratorAge: MetricHandle;

  constructor(registry: MetricsRegistry, stream: string, shardId: string) {
    const dims = [
      { name: 'ShardId', value: shardId },
      { name: 'StreamName', value: stream },
    ];
    const h = (name: string, unit: string) => registry.handle(KINESIS_NAMESPACE, name, dims, unit);
    this.incomingBytes = h('IncomingBytes', 'Bytes');
    this.incomingRecords = h('IncomingRecords', 'Count');
    this.outgoingBytes = h('OutgoingBytes', 'Bytes');
    this.outgoingRecords = h('OutgoingRecords', 'Count');
    this.writeExceeded = h('WriteProvisionedThroughputExceeded', 'Count');
    this.readExceeded = h('ReadProvisionedThroughputExceeded', 'Count');
    this.iteratorAge = h('IteratorAgeMilliseconds', 'Milliseconds');
  }
}

// Bits of the enabled shard-level metrics.
const IN_BYTES = 1;
const IN_RECORDS = 2;
const OUT_BYTES = 4;
const OUT_RECORDS = 8;
const WRITE_EXCEEDED = 16;
const READ_EXCEEDED = 32;
const ITERATOR_AGE = 64;

export class KinesisStreamMetrics {
  /** The array setShardLevel last read. */
  shardLevelSource: readonly string[] | undefined = undefined;
  /** Enabled shard-level metrics as bits (0: none, the usual case). */
  private shardBits = 0;
  private readonly shards = new Map<string, ShardMetrics>();
  /** Per-shard scratch sums for PutRecords (bytes, records), indexed by the caller's shard index. */
  private scratchBytes = new Float64Array(8);
  private scratchRecords = new Float64Array(8);

  private readonly incomingBytes: MetricHandle;
  private readonly incomingRecords: MetricHandle;
  private readonly writeExceeded: MetricHandle;
  private readonly readExceeded: MetricHandle;
  private readonly putRecordBytes: MetricHandle;
  private readonly putRecordLatency: MetricHandle;
  private readonly putRecordSuccess: MetricHandle;
  private readonly putRecordsBytes: MetricHandle;
  private readonly putRecordsLatency: MetricHandle;
  private readonly putRecordsSuccess: MetricHandle;
  private readonly putRecordsRecords: MetricHandle;
  private readonly putRecordsTotal: MetricHandle;
  private readonly putRecordsSuccessful: MetricHandle;
  private readonly putRecordsFailed: MetricHandle;
  private readonly putRecordsThrottled: MetricHandle;
  private readonly getRecordsBytes: MetricHandle;
  private readonly getRecordsLatency: MetricHandle;
  private readonly getRecordsRecords: MetricHandle;
  private readonly getRecordsSuccess: MetricHandle;
  private readonly getRecordsIteratorAge: MetricHandle;
  private readonly subscribeSuccess: MetricHandle;
  private readonly subscribeRateExceeded: MetricHandle;
  private readonly eventBytes: MetricHandle;
  private readonly eventRecords: MetricHandle;
  private readonly eventMillisBehind: MetricHandle;
  private readonly eventSuccess: MetricHandle;

  constructor(
    private readonly registry: MetricsRegistry,
    readonly streamName: string,
  ) {
    const dims = [{ name: 'StreamName', value: streamName }];
    const h = (name: string, unit: string, distribution = false) => registry.handle(KINESIS_NAMESPACE, name, dims, unit, { distribution });
    this.incomingBytes = h('IncomingBytes', 'Bytes');
    this.incomingRecords = h('IncomingRecords', 'Count');
    this.writeExceeded = h('WriteProvisionedThroughputExceeded', 'Count');
    this.readExceeded = h('ReadProvisionedThroughputExceeded', 'Count');
    this.putRecordBytes = h('PutRecord.Bytes', 'Bytes');
    this.putRecordLatency = h('PutRecord.Latency', 'Milliseconds', true);
    this.putRecordSuccess = h('PutRecord.Success', 'Count');
    this.putRecordsBytes = h('PutRecords.Bytes', 'Bytes');
    this.putRecordsLatency = h('PutRecords.Latency', 'Milliseconds', true);
    this.putRecordsSuccess = h('PutRecords.Success', 'Count');
    this.putRecordsRecords = h('PutRecords.Records', 'Count');
    this.putRecordsTotal = h('PutRecords.TotalRecords', 'Count');
    this.putRecordsSuccessful = h('PutRecords.SuccessfulRecords', 'Count');
    this.putRecordsFailed = h('PutRecords.FailedRecords', 'Count');
    this.putRecordsThrottled = h('PutRecords.ThrottledRecords', 'Count');
    this.getRecordsBytes = h('GetRecords.Bytes', 'Bytes');
    this.getRecordsLatency = h('GetRecords.Latency', 'Milliseconds', true);
    this.getRecordsRecords = h('GetRecords.Records', 'Count');
    this.getRecordsSuccess = h('GetRecords.Success', 'Count');
    this.getRecordsIteratorAge = h('GetRecords.IteratorAgeMilliseconds', 'Milliseconds');
    this.subscribeSuccess = h('SubscribeToShard.Success', 'Count');
    this.subscribeRateExceeded = h('SubscribeToShard.RateExceeded', 'Count');
    this.eventBytes = h('SubscribeToShardEvent.Bytes', 'Bytes');
    this.eventRecords = h('SubscribeToShardEvent.Records', 'Count');
    this.eventMillisBehind = h('SubscribeToShardEvent.MillisBehindLatest', 'Milliseconds');
    this.eventSuccess = h('SubscribeToShardEvent.Success', 'Count');
  }

  setShardLevel(metrics: readonly string[] | undefined): void {
    this.shardLevelSource = metrics;
    let bits = 0;
    for (const m of metrics ?? []) {
      const i = (KINESIS_SHARD_LEVEL_METRICS as readonly string[]).indexOf(m);
      if (i >= 0) bits |= 1 << i;
    }
    this.shardBits = bits;
  }

  private shard(shardId: string): ShardMetrics {
    let s = this.shards.get(shardId);
    if (s === undefined) {
      s = new ShardMetrics(this.registry, this.streamName, shardId);
      this.shards.set(shardId, s);
    }
    return s;
  }

  /** A PutRecord that wrote `bytes` of data to shard `shardId`. */
  putRecord(shardId: string, bytes: number, latencyMs: number): void {
    if (!this.registry.on) return;
    this.putRecordBytes.record(bytes);
    this.putRecordLatency.record(latencyMs);
    this.putRecordSuccess.record(1);
    this.incomingBytes.record(bytes);
    this.incomingRecords.record(1);
    this.writeExceeded.record(0);
    const bits = this.shardBits;
    if (bits !== 0) {
      const s = this.shard(shardId);
      if (bits & IN_BYTES) s.incomingBytes.record(bytes);
      if (bits & IN_RECORDS) s.incomingRecords.record(1);
      if (bits & WRITE_EXCEEDED) s.writeExceeded.record(0);
    }
  }

  /** A PutRecord refused by shard `shardId`'s write limit. */
  putRecordThrottled(shardId: string, latencyMs: number): void {
    if (!this.registry.on) return;
    this.putRecordLatency.record(latencyMs);
    this.putRecordSuccess.record(0);
    this.writeExceeded.record(1);
    if (this.shardBits & WRITE_EXCEEDED) this.shard(shardId).writeExceeded.record(1);
  }

  /**
   * hot path: a PutRecords call of `total` records. `shardOf`/`datas`: the records written (shard
   * index into `shards`, data); `throttledShardOf`: the shard index of each record refused by a
   * write limit (null: none).
   */
  putRecords(
    total: number,
    shardOf: ArrayLike<number>,
    datas: readonly Uint8Array[],
    throttledShardOf: ArrayLike<number> | null,
    latencyMs: number,
    shards: readonly (KinesisShardRef | undefined)[],
  ): void {
    if (!this.registry.on) return;
    const ok = datas.length;
    const throttled = throttledShardOf === null ? 0 : throttledShardOf.length;
    let bytes = 0;
    for (let i = 0; i < ok; i++) bytes += datas[i]!.length;
    this.putRecordsTotal.record(total);
    this.putRecordsSuccessful.record(ok);
    this.putRecordsRecords.record(ok);
    this.putRecordsFailed.record(total - ok - throttled);
    this.putRecordsThrottled.record(throttled);
    this.putRecordsBytes.record(bytes);
    this.putRecordsLatency.record(latencyMs);
    this.putRecordsSuccess.record(ok > 0 ? 1 : 0);
    this.incomingBytes.record(bytes);
    this.incomingRecords.record(ok);
    this.writeExceeded.record(throttled);
    const bits = this.shardBits;
    if (bits === 0) return;
    const n = shards.length;
    if (this.scratchBytes.length < n) {
      this.scratchBytes = new Float64Array(n * 2);
      this.scratchRecords = new Float64Array(n * 2);
    }
    const sb = this.scratchBytes;
    const sr = this.scratchRecords;
    sb.fill(0, 0, n);
    sr.fill(0, 0, n);
    for (let i = 0; i < ok; i++) {
      const k = shardOf[i]!;
      sb[k]! += datas[i]!.length;
      sr[k]! += 1;
    }
    for (let k = 0; k < n; k++) {
      const ref = shards[k];
      if (sr[k] === 0 || ref === undefined) continue;
      const s = this.shard(ref.shardId);
      if (bits & IN_BYTES) s.incomingBytes.record(sb[k]!);
      if (bits & IN_RECORDS) s.incomingRecords.record(sr[k]!);
    }
    if (throttled > 0 && bits & WRITE_EXCEEDED) {
      sr.fill(0, 0, n);
      for (let i = 0; i < throttled; i++) sr[throttledShardOf![i]!]! += 1;
      for (let k = 0; k < n; k++) {
        const ref = shards[k];
        if (sr[k] !== 0 && ref !== undefined) this.shard(ref.shardId).writeExceeded.record(sr[k]!);
      }
    }
  }

  /**
   * A GetRecords call on shard `shardId` that returned `spans`; `lastArrivalMs`: the arrival time of
   * the page's last record (undefined: no records, age 0 as AWS reports for a consumer at the tip).
   */
  getRecords(shardId: string, spans: KinesisSpansRef, lastArrivalMs: number | undefined, nowMs: number, latencyMs: number): void {
    if (!this.registry.on) return;
    const n = spans.count;
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += spans.dataEnd[i]! - spans.dataStart[i]!;
    this.recordsRead(shardId, n, bytes, lastArrivalMs, nowMs, latencyMs);
  }

  /**
   * A read of `n` records (`bytes` of data) from shard `shardId` by a GetRecords call or an in-process
   * consumer (a delivery stream's or SQL application's shard reader, which AWS's services read with GetRecords too).
   */
  recordsRead(shardId: string, n: number, bytes: number, lastArrivalMs: number | undefined, nowMs: number, latencyMs: number): void {
    if (!this.registry.on) return;
    const age = lastArrivalMs === undefined ? 0 : Math.max(0, nowMs - lastArrivalMs);
    this.getRecordsRecords.record(n);
    this.getRecordsBytes.record(bytes);
    this.getRecordsLatency.record(latencyMs);
    this.getRecordsSuccess.record(1);
    this.getRecordsIteratorAge.record(age);
    this.readExceeded.record(0);
    const bits = this.shardBits;
    if (bits !== 0) {
      const s = this.shard(shardId);
      if (bits & OUT_BYTES) s.outgoingBytes.record(bytes);
      if (bits & OUT_RECORDS) s.outgoingRecords.record(n);
      if (bits & ITERATOR_AGE) s.iteratorAge.record(age);
      if (bits & READ_EXCEEDED) s.readExceeded.record(0);
    }
  }

  /** A GetRecords call refused by shard `shardId`'s read limit. */
  getRecordsThrottled(shardId: string, latencyMs: number): void {
    if (!this.registry.on) return;
    this.getRecordsLatency.record(latencyMs);
    this.getRecordsSuccess.record(0);
    this.readExceeded.record(1);
    if (this.shardBits & READ_EXCEEDED) this.shard(shardId).readExceeded.record(1);
  }

  /** A SubscribeToShard call that started a subscription (1) or was refused within 5 s of the last one (rate exceeded). */
  subscribe(ok: boolean): void {
    if (!this.registry.on) return;
    this.subscribeSuccess.record(ok ? 1 : 0);
    if (!ok) this.subscribeRateExceeded.record(1);
  }

  /** One SubscribeToShardEvent pushed from shard `shardId`. */
  subscribeEvent(shardId: string, records: number, bytes: number, millisBehindLatest: number): void {
    if (!this.registry.on) return;
    this.eventRecords.record(records);
    this.eventBytes.record(bytes);
    this.eventMillisBehind.record(millisBehindLatest);
    this.eventSuccess.record(1);
    const bits = this.shardBits;
    if (bits & (OUT_BYTES | OUT_RECORDS)) {
      const s = this.shard(shardId);
      if (bits & OUT_BYTES) s.outgoingBytes.record(bytes);
      if (bits & OUT_RECORDS) s.outgoingRecords.record(records);
    }
  }
}
