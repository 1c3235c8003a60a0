/**
 * Per-shard throughput limits, as AWS documents them for provisioned shards
 * (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html):
 *  - writes: 1 MiB/s (data + partition key) and 1,000 records/s;
 *  - reads: 5 GetRecords calls/s and 2 MiB/s, where one call may return up to 10 MiB and then the shard's
 *    reads are refused until the 2 MiB/s allowance has paid it back (a 10 MiB response blocks reads for 5 s).
 * Token buckets driven by the injected clock (continuous refill, one second of burst for writes and calls);
 * reads keep a byte debt that drains at 2 MiB/s and must be zero for a call to be admitted.
 * Off unless the engine is created with enforceLimits (`freshet server --enforce-limits`).
 */
export const WRITE_BYTES_PER_SEC = 1024 * 1024;
export const WRITE_RECORDS_PER_SEC = 1000;
export const READ_BYTES_PER_SEC = 2 * 1024 * 1024;
export const READ_CALLS_PER_SEC = 5;
/** Tolerance for floating-point drift in the continuous refill. */
const EPSILON = 1e-6;

export class ShardLimiter {
  private writeBytes = WRITE_BYTES_PER_SEC;
  private writeRecords = WRITE_RECORDS_PER_SEC;
  private readCalls = READ_CALLS_PER_SEC;
  private readDebt = 0;
  private lastMs: number;

  constructor(nowMs: number) {
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    const dt = (nowMs - this.lastMs) / 1000;
    if (dt <= 0) return;
    this.lastMs = nowMs;
    this.writeBytes = Math.min(WRITE_BYTES_PER_SEC, this.writeBytes + dt * WRITE_BYTES_PER_SEC);
    this.writeRecords = Math.min(WRITE_RECORDS_PER_SEC, this.writeRecords + dt * WRITE_RECORDS_PER_SEC);
    this.readCalls = Math.min(READ_CALLS_PER_SEC, this.readCalls + dt * READ_CALLS_PER_SEC);
    this.readDebt = Math.max(0, this.readDebt - dt * READ_BYTES_PER_SEC);
  }

  /** Admits one record of `bytes` (data + partition key) now, or refuses it without consuming anything. */
  admitWrite(nowMs: number, bytes: number): boolean {
    this.refill(nowMs);
    if (this.writeRecords < 1 - EPSILON || this.writeBytes < bytes - EPSILON) return false;
    this.writeRecords -= 1;
    this.writeBytes -= bytes;
    return true;
  }

  /** Admits one GetRecords call now (takes a call token), or refuses it. */
  admitRead(nowMs: number): boolean {
    this.refill(nowMs);
    // Half a byte of slack absorbs floating-point drift in the continuous refill.
    if (this.readCalls < 1 - EPSILON || this.readDebt > 0.5) return false;
    this.readCalls -= 1;
    return true;
  }

  /** Charges the bytes a GetRecords call returned. */
  chargeRead(nowMs: number, bytes: number): void {
    this.refill(nowMs);
    this.readDebt += bytes;
  }
}
