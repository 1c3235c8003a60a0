/**
 * Per-delivery-stream metrics, named as Firehose publishes them to CloudWatch
 * (namespace AWS/Firehose): IncomingBytes, IncomingRecords, DeliveryToS3.*,
 * DeliveryToHttpEndpoint.*, ExecuteProcessing.*. Plain counters and last
 * values: updating them costs an addition; the metrics issue can export them.
 */
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
