/**
 * Retries of destination writes, timed by the injected Clock: jittered
 * exponential backoff (the shared `retry()` helper) whose sleeps are clock
 * timers that `stop()` cancels, so a stopped pipeline abandons its retries at
 * once and tests move a ManualClock instead of waiting.
 */
import type { Clock, TimerHandle } from '../core/clock.ts';
import { retry } from '../core/retry.ts';

export interface RetrySettings {
  /** S3/directory destinations: AWS retries for up to 24 h. */
  s3MaxElapsedMs: number;
  initialDelayMs: number;
  s3MaxDelayMs: number;
  /** HTTP endpoint: 1 s doubling with jitter up to 2 min (Firehose HTTP spec). */
  httpMaxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { s3MaxElapsedMs: 24 * 3600_000, initialDelayMs: 1000, s3MaxDelayMs: 60_000, httpMaxDelayMs: 120_000 };

/** Thrown into a retry sleeping when the pipeline stops: the work is abandoned, not failed. */
export class Stopped extends Error {}

export class ClockRetrier {
  /** Attempts in progress (not sleeping). */
  busy = 0;
  private stoppedFlag = false;
  private readonly sleepers = new Set<{ timer: TimerHandle | null; reject: (e: unknown) => void }>();

  constructor(
    private readonly clock: Clock,
    readonly settings: RetrySettings,
    private readonly onRetry: (e: unknown, attempt: number, delayMs: number) => void,
  ) {}

  /** Set by stop(): no more attempts are made. */
  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Retries asleep in their backoff. */
  get sleeping(): number {
    return this.sleepers.size;
  }

  run<T>(fn: (attempt: number) => Promise<T>, maxElapsedMs: number, maxDelayMs: number): Promise<T> {
    const io = async (attempt: number): Promise<T> => {
      this.busy++;
      try {
        return await fn(attempt);
      } finally {
        this.busy--;
      }
    };
    return retry(io, {
      initialDelayMs: this.settings.initialDelayMs,
      maxDelayMs,
      maxElapsedMs,
      jitter: 0.2,
      isRetryable: (e) => !this.stoppedFlag && !(e instanceof Stopped),
      sleep: (ms) => this.sleep(ms),
      now: () => this.clock.now(),
      onRetry: this.onRetry,
    });
  }

  /** Cancels every backoff; their retries reject with Stopped, and later ones are not made. */
  stop(): void {
    this.stoppedFlag = true;
    for (const s of this.sleepers) {
      s.timer?.cancel();
      s.reject(new Stopped());
    }
    this.sleepers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stoppedFlag) {
        reject(new Stopped());
        return;
      }
      const entry: { timer: TimerHandle | null; reject: (e: unknown) => void } = { timer: null, reject };
      entry.timer = this.clock.setTimer(() => {
        this.sleepers.delete(entry);
        resolve();
      }, ms);
      this.sleepers.add(entry);
    });
  }
}
