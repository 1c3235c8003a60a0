/** The one retry helper: jittered exponential backoff for retryable errors. Settings are passed in. */
export interface RetryOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up once this much time has passed since the first attempt. */
  maxElapsedMs: number;
  /** 0..1: the fraction of each delay that is randomised. */
  jitter: number;
  isRetryable: (e: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  const start = now();
  let delay = opts.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!opts.isRetryable(e) || now() - start >= opts.maxElapsedMs) throw e;
      const jittered = delay * (1 - opts.jitter + opts.jitter * 2 * random());
      const wait = Math.min(jittered, Math.max(0, opts.maxElapsedMs - (now() - start)));
      opts.onRetry?.(e, attempt, wait);
      await sleep(wait);
      delay = Math.min(opts.maxDelayMs, delay * 2);
    }
  }
}
