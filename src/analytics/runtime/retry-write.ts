/**
 * How SQL applications and Flink jobs retry their output writes: retryable AwsErrors (throttling, InternalFailure)
 * and storage appends refused for now — on JetStream a node's first append to a log another node appended to last
 * (as after a failover of leased work) or a leader change, which the Kinesis and Firehose APIs answer as a retryable
 * InternalFailure and which reach in-process writers (a delivery-stream output) as a StorageError. Anything else
 * fails the application.
 */
import { isAwsError, log, retry } from '../../core/index.ts';
import { StorageError } from '../../storage/index.ts';

export function isRetryableWrite(e: unknown): boolean {
  if (isAwsError(e)) return e.retryable;
  return e instanceof StorageError && e.code === 'EIO';
}

const logger = log.child('analytics');

/**
 * Runs `fn`, retrying retryable failures with jittered backoff for up to 30 s. Each retry is a warning: a write that
 * failed may still have been stored in part (a timed-out append), so its retry is where at-least-once duplicates come
 * from, and an operator counting them needs to see when it happened.
 */
export function retryWrite<T>(fn: () => Promise<T>, what = 'an output write'): Promise<T> {
  return retry(fn, {
    initialDelayMs: 50,
    maxDelayMs: 2_000,
    maxElapsedMs: 30_000,
    jitter: 0.5,
    isRetryable: isRetryableWrite,
    onRetry: (e, attempt, delayMs) =>
      logger.warn('retrying a failed write', { write: what, attempt, delayMs: Math.round(delayMs), error: e instanceof Error ? e.message : String(e) }),
  });
}
