export { systemClock, ManualClock } from './clock.ts';
export type { Clock, TimerHandle } from './clock.ts';
export { AwsError, ERROR_CATALOG, isAwsError } from './errors.ts';
export type { AwsErrorCode } from './errors.ts';
export { retry } from './retry.ts';
export type { RetryOptions } from './retry.ts';
export { BufferPool, dataBuffers } from './buffer-pool.ts';
