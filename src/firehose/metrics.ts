/**
 * Per-delivery-stream metrics, named as Firehose publishes them to CloudWatch
 * (namespace AWS/Firehose): IncomingBytes, IncomingRecords, DeliveryToS3.*,
 * DeliveryToHttpEndpoint.*, ExecuteProcessing.*. Plain counters and last
 * values: updating them costs an addition. `emitDeliveryMetrics` turns them
 * into AWS/Firehose time series once a second.
 */
import type { MetricHandle, MetricsRegistry } from '../metrics/index.ts';
export interface DeliveryMetricsSnapshot {
  IncomingBytes: number;
  IncomingRecords: number;
  IncomingPutRequests: number;
  'DeliveryToS3.Records': number;
  'DeliveryToS3.Bytes': number;
  /** Successful object writes / attempted object writes. */
  'DeliveryToS3.Success': number;
  /**
   * As CloudWatch defines it: age (seconds) of the oldest record in the delivery
   * stream not yet delivered to S3 (now − its arrival); 0 when nothing is pending.
   */
  'DeliveryToS3.DataFreshness': number;
  'DeliveryToS3.ObjectCount': number;
  'DeliveryToHttpEndpoint.Records': number;
  'DeliveryToHttpEndpoint.Bytes': number;
  'DeliveryToHttpEndpoint.Success': number;
  /** Like DeliveryToS3.DataFreshness, for an HTTP endpoint destination. */
  'DeliveryToHttpEndpoint.DataFreshness': number;
  'ExecuteProcessing.Duration': number;
  'ExecuteProcessing.Success': number;
  'SucceedProcessing.Records': number;
  'SucceedProcessing.Bytes': number;
  PartitionCount: number;
  PartitionCountExceeded: number;
  /** Records read from the log but not yet delivered. */
  BufferedRecords: number;
  /** Retries waiting on an unavailable destination. */
  DeliveryRetries: number;
  /** Freshet: records (and their bytes) given up after the retry window (24 h for S3/directory), as AWS discards them. */
  DroppedRecords: number;
  DroppedBytes: number;
}

/** What the running pipeline reports for DataFreshness. */
export interface PendingProbe {
  destination: 's3' | 'http';
  /** Age (ms) of the oldest record not yet delivered; 0 when none. */
  ageMs(): number;
}

/**
 * The counters kept across restarts (storage.meta `firehose/metrics/<name>`, see FirehoseEngine): totals since
 * the delivery stream was created. Gauges (buffered records, retries waiting, partitions, the last processing
 * duration) describe the running pipeline and start again from its state.
 */
export const PERSISTED_COUNTERS = [
  'incomingBytes',
  'incomingRecords',
  'incomingPutRequests',
  's3Records',
  's3Bytes',
  's3Attempts',
  's3Successes',
  's3Objects',
  'httpRecords',
  'httpBytes',
  'httpAttempts',
  'httpSuccesses',
  'processingInvocations',
  'processingSuccesses',
  'processedRecords',
  'processedBytes',
  'partitionCountExceeded',
  'droppedRecords',
  'droppedBytes',
] as const;
export type PersistedCounters = Record<(typeof PERSISTED_COUNTERS)[number], number>;

export class DeliveryMetrics {
  incomingBytes = 0;
  incomingRecords = 0;
  incomingPutRequests = 0;
  s3Records = 0;
  s3Bytes = 0;
  s3Attempts = 0;
  s3Successes = 0;
  s3Objects = 0;
  httpRecords = 0;
  httpBytes = 0;
  httpAttempts = 0;
  httpSuccesses = 0;
  processingDurationMs = 0;
  processingInvocations = 0;
  processingSuccesses = 0;
  processedRecords = 0;
  processedBytes = 0;
  partitionCount = 0;
  partitionCountExceeded = 0;
  bufferedRecords = 0;
  retries = 0;
  droppedRecords = 0;
  droppedBytes = 0;
  /** Set by the pipeline delivering the stream (replaced on UpdateDestination). */
  pending: PendingProbe | null = null;
  /** The counters restored at start-up: the emitter counts from them, not from zero (no spike after a restart). */
  private restoredFrom: Previous | null = null;

  /** The counters to keep across a restart. */
  persisted(): PersistedCounters {
    const out = {} as PersistedCounters;
    for (const k of PERSISTED_COUNTERS) out[k] = this[k];
    return out;
  }

  /** Continues from counters kept by `persisted()` before a restart (unknown or missing ones stay 0). */
  restore(saved: Partial<Record<string, unknown>>): void {
    for (const k of PERSISTED_COUNTERS) {
      const v = saved[k];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) this[k] = v;
    }
    this.restoredFrom = counters(this);
  }

  /** What the emitter's first comparison starts from. */
  baseline(): Previous {
    return this.restoredFrom ? { ...this.restoredFrom } : counters(new DeliveryMetrics());
  }

  snapshot(): DeliveryMetricsSnapshot {
    const p = this.pending;
    const ageSeconds = p ? p.ageMs() / 1000 : 0;
    return {
      IncomingBytes: this.incomingBytes,
      IncomingRecords: this.incomingRecords,
      IncomingPutRequests: this.incomingPutRequests,
      'DeliveryToS3.Records': this.s3Records,
      'DeliveryToS3.Bytes': this.s3Bytes,
      'DeliveryToS3.Success': this.s3Attempts ? this.s3Successes / this.s3Attempts : 1,
      'DeliveryToS3.DataFreshness': p?.destination === 's3' ? ageSeconds : 0,
      'DeliveryToS3.ObjectCount': this.s3Objects,
      'DeliveryToHttpEndpoint.Records': this.httpRecords,
      'DeliveryToHttpEndpoint.Bytes': this.httpBytes,
      'DeliveryToHttpEndpoint.Success': this.httpAttempts ? this.httpSuccesses / this.httpAttempts : 1,
      'DeliveryToHttpEndpoint.DataFreshness': p?.destination === 'http' ? ageSeconds : 0,
      'ExecuteProcessing.Duration': this.processingDurationMs,
      'ExecuteProcessing.Success': this.processingInvocations ? this.processingSuccesses / this.processingInvocations : 1,
      'SucceedProcessing.Records': this.processedRecords,
      'SucceedProcessing.Bytes': this.processedBytes,
      PartitionCount: this.partitionCount,
      PartitionCountExceeded: this.partitionCountExceeded,
      BufferedRecords: this.bufferedRecords,
      DeliveryRetries: this.retries,
      DroppedRecords: this.droppedRecords,
      DroppedBytes: this.droppedBytes,
    };
  }
}

/** The counters an emitter compares from one second to the next. */
interface Previous {
  incomingBytes: number;
  incomingRecords: number;
  incomingPutRequests: number;
  s3Records: number;
  s3Bytes: number;
  s3Attempts: number;
  s3Successes: number;
  s3Objects: number;
  httpRecords: number;
  httpBytes: number;
  httpAttempts: number;
  httpSuccesses: number;
  processingInvocations: number;
  processingSuccesses: number;
  processedRecords: number;
  processedBytes: number;
}

interface Emitting {
  metrics: DeliveryMetrics;
  prev: Previous;
  h: Record<string, MetricHandle>;
}

const COUNTS: ReadonlyArray<[keyof Previous, string, string]> = [
  ['incomingBytes', 'IncomingBytes', 'Bytes'],
  ['incomingRecords', 'IncomingRecords', 'Count'],
  ['incomingPutRequests', 'IncomingPutRequests', 'Count'],
  ['s3Records', 'DeliveryToS3.Records', 'Count'],
  ['s3Bytes', 'DeliveryToS3.Bytes', 'Bytes'],
  ['s3Objects', 'DeliveryToS3.ObjectCount', 'Count'],
  ['httpRecords', 'DeliveryToHttpEndpoint.Records', 'Count'],
  ['httpBytes', 'DeliveryToHttpEndpoint.Bytes', 'Bytes'],
  ['processedRecords', 'SucceedProcessing.Records', 'Count'],
  ['processedBytes', 'SucceedProcessing.Bytes', 'Bytes'],
];

function counters(m: DeliveryMetrics): Previous {
  return {
    incomingBytes: m.incomingBytes,
    incomingRecords: m.incomingRecords,
    incomingPutRequests: m.incomingPutRequests,
    s3Records: m.s3Records,
    s3Bytes: m.s3Bytes,
    s3Attempts: m.s3Attempts,
    s3Successes: m.s3Successes,
    s3Objects: m.s3Objects,
    httpRecords: m.httpRecords,
    httpBytes: m.httpBytes,
    httpAttempts: m.httpAttempts,
    httpSuccesses: m.httpSuccesses,
    processingInvocations: m.processingInvocations,
    processingSuccesses: m.processingSuccesses,
    processedRecords: m.processedRecords,
    processedBytes: m.processedBytes,
  };
}

/**
 * Emits every delivery stream's counters as AWS/Firehose metrics (dimension
 * DeliveryStreamName), once a second through the registry: each counter's
 * increase in that second is one datapoint (so Sum is exact; SampleCount counts
 * seconds with activity, where AWS counts requests); the Success metrics are
 * one sample per delivery attempt (1 or 0), so their Average is the success
 * rate; DeliveryToS3/HttpEndpoint.DataFreshness is the age (s) of the oldest
 * undelivered record, sampled each second; ExecuteProcessing.Duration the last
 * processing call's duration (ms) in a second with calls. Returns the collector's removal.
 */
export function emitDeliveryMetrics(registry: MetricsRegistry, streams: () => Iterable<[string, DeliveryMetrics]>): () => void {
  const emitting = new Map<string, Emitting>();
  return registry.addCollector(() => {
    const seen = new Set<string>();
    for (const [name, m] of streams()) {
      seen.add(name);
      let e = emitting.get(name);
      if (!e || e.metrics !== m) {
        const dims = [{ name: 'DeliveryStreamName', value: name }];
        const h: Record<string, MetricHandle> = {};
        for (const [, metric, unit] of COUNTS) h[metric] = registry.handle('AWS/Firehose', metric, dims, unit);
        for (const metric of ['DeliveryToS3.Success', 'DeliveryToHttpEndpoint.Success', 'ExecuteProcessing.Success'])
          h[metric] = registry.handle('AWS/Firehose', metric, dims, 'None');
        h['DeliveryToS3.DataFreshness'] = registry.handle('AWS/Firehose', 'DeliveryToS3.DataFreshness', dims, 'Seconds');
        h['DeliveryToHttpEndpoint.DataFreshness'] = registry.handle('AWS/Firehose', 'DeliveryToHttpEndpoint.DataFreshness', dims, 'Seconds');
        h['ExecuteProcessing.Duration'] = registry.handle('AWS/Firehose', 'ExecuteProcessing.Duration', dims, 'Milliseconds', { distribution: true });
        // A stream's counters start at zero when its DeliveryMetrics is made (or at the totals restored after a
        // restart), so a stream seen for the first time starts from there: what it did before the collector first
        // ran (up to 10 s on an idle registry) is kept, and totals from before a restart are not counted again.
        e = { metrics: m, prev: m.baseline(), h };
        emitting.set(name, e);
      }
      const now = counters(m);
      const p = e.prev;
      for (const [key, metric] of COUNTS) if (now[key] > p[key]) e.h[metric]!.record(now[key] - p[key]);
      const outcomes = (metric: string, attempts: number, successes: number): void => {
        for (let i = 0; i < successes; i++) e.h[metric]!.record(1);
        for (let i = successes; i < attempts; i++) e.h[metric]!.record(0);
      };
      outcomes('DeliveryToS3.Success', now.s3Attempts - p.s3Attempts, now.s3Successes - p.s3Successes);
      outcomes('DeliveryToHttpEndpoint.Success', now.httpAttempts - p.httpAttempts, now.httpSuccesses - p.httpSuccesses);
      outcomes('ExecuteProcessing.Success', now.processingInvocations - p.processingInvocations, now.processingSuccesses - p.processingSuccesses);
      if (now.processingInvocations > p.processingInvocations) e.h['ExecuteProcessing.Duration']!.record(m.processingDurationMs);
      const pending = m.pending;
      if (pending) e.h[pending.destination === 's3' ? 'DeliveryToS3.DataFreshness' : 'DeliveryToHttpEndpoint.DataFreshness']!.record(pending.ageMs() / 1000);
      e.prev = now;
    }
    for (const name of emitting.keys()) if (!seen.has(name)) emitting.delete(name);
  });
}
