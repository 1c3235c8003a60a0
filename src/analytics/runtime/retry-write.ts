/**
 * How SQL applications and Flink jobs retry their output writes: retryable AwsErrors (throttling, InternalFailure)
 * and storage appends refused for now — on JetStream a node's first append to a log another node appended to last
 * (as after a failover of leased work) or a leader change, which the Kinesis and Firehose APIs answer as a retryable
 * InternalFailure and which reach in-process writers (a delivery-stream output) as a StorageError. Anything else
 * fails the application.
 */
import { isAwsError, retry } from '../../core/index.ts';
import { StorageError } from '../../storage/index.ts';

export function isRetryableWrite(e: unknown): boolean {
  if (isAwsError(e)) return e.retryable;
  return e instanceof StorageError && e.code === 'EIO';
}

/** Runs `fn`, retrying retryable failures with jittered backoff for up to 30 s. */
export function retryWrite<T>(fn: () => Promise<T>): Promise<T> {
  return retry(fn, { initialDelayMs: 50, maxDelayMs: 2_000, maxElapsedMs: 30_000, jitter: 0.5, isRetryable: isRetryableWrite });
}
