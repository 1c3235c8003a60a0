/**
 * Retention: Increase/DecreaseStreamRetentionPeriod and the clock-driven trimming of expired data —
 * whole segments of each shard's log, and closed shards (with their logs) once they closed longer
 * than the retention period ago, as AWS drops them from ListShards.
 */
import { kinesisErrors } from '../errors.ts';
import type { TimerHandle } from '../../core/index.ts';
import type { EngineContext } from './context.ts';
import type { ShardState, StreamState } from './model.ts';

export class Retention {
  private timer: TimerHandle | undefined;
  private trimming: Promise<void> | undefined;
  private trimAgain = false;

  constructor(private readonly ctx: EngineContext) {}

  /** Earliest arrival time still inside the stream's retention period (the trim horizon). */
  cutoffMs(name: string): number {
    return this.ctx.clock.now() - this.ctx.stream(name).meta.retentionHours * 3_600_000;
  }

  async setRetention(name: string, hours: number, direction: 'increase' | 'decrease'): Promise<void> {
    const ctx = this.ctx;
    await ctx.withLock(name, async () => {
      const s = ctx.stream(name);
      if (hours < 24) {
        throw kinesisErrors.format('InvalidArgumentException', 'retentionTooShort', { hours });
      }
      if (hours > 8760) {
        throw kinesisErrors.format('InvalidArgumentException', 'retentionTooLong', { hours });
      }
      const cur = s.meta.retentionHours;
      if (direction === 'increase' && cur > hours) {
        throw kinesisErrors.format('InvalidArgumentException', 'retentionBelowCurrent', { hours, stream: name, current: cur });
      }
      if (direction === 'decrease' && cur < hours) {
        throw kinesisErrors.format('InvalidArgumentException', 'retentionAboveCurrent', { hours, stream: name, current: cur });
      }
      s.meta.retentionHours = hours;
      await ctx.persist(s);
    });
    if (direction === 'decrease') await this.trimStream(ctx.stream(name));
  }

  /** Starts the periodic trim (every `retentionCheckIntervalMs` of clock time, default 60 s). */
  schedule(): void {
    const ctx = this.ctx;
    const every = ctx.opts.retentionCheckIntervalMs ?? 60_000;
    this.timer = ctx.clock.setTimer(() => {
      if (ctx.closed) return;
      this.requestTrim();
      this.schedule();
    }, every);
  }

  cancel(): void {
    this.timer?.cancel();
  }

  /** Runs trimAll(), or once more after the running one if a trim is already under way. */
  private requestTrim(): void {
    if (this.trimming) {
      this.trimAgain = true;
      return;
    }
    this.trimming = (async () => {
      do {
        this.trimAgain = false;
        await this.trimAll();
      } while (this.trimAgain && !this.ctx.closed);
    })().finally(() => {
      this.trimming = undefined;
    });
    this.ctx.track(this.trimming, 'the retention trim');
  }

  /** Removes expired data from every stream (whole segments; see ShardLog.trimBefore). */
  async trimAll(): Promise<void> {
    for (const s of [...this.ctx.streams.values()]) await this.trimStream(s);
  }

  private async trimStream(s: StreamState): Promise<void> {
    if (s.meta.status === 'DELETING') return;
    const cutoff = this.ctx.clock.now() - s.meta.retentionHours * 3_600_000;
    let expired = false;
    for (const sh of s.shards) {
      if (!sh) continue;
      if (sh.info.closedMs !== undefined && sh.info.closedMs < cutoff) expired = true;
      else await sh.log.trimBefore(cutoff);
    }
    if (expired) await this.removeExpiredShards(s, cutoff);
  }

  /** Closed shards whose close time is past the retention period go, with their logs (as AWS drops them from ListShards). */
  private async removeExpiredShards(s: StreamState, cutoff: number): Promise<void> {
    const ctx = this.ctx;
    await ctx.withLock(s.meta.name, async () => {
      if (ctx.streams.get(s.meta.name) !== s || s.meta.status === 'DELETING') return;
      const gone: ShardState[] = [];
      for (const sh of s.shards) if (sh && sh.info.closedMs !== undefined && sh.info.closedMs < cutoff) gone.push(sh);
      if (!gone.length) return;
      for (const sh of gone) s.shards[sh.index] = undefined;
      s.meta.shards = s.meta.shards.filter((i) => !(i.closedMs !== undefined && i.closedMs < cutoff));
      await ctx.persist(s);
      for (const sh of gone) if (ctx.storage.getLog(sh.log.id)) await ctx.storage.deleteLog(sh.log.id);
    });
  }
}
