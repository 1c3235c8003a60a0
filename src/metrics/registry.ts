/**
 * In-process metric emission. An engine resolves a handle once per resource
 * (stream, shard, delivery stream) — namespace, metric name, dimensions, unit
 * are fixed then — and calls `handle.record(value)` on its hot path: a few
 * additions into the handle's own fields, no string building, no map lookup,
 * no allocation. Once a second the registry folds every handle that saw
 * samples into the store as one datapoint (SampleCount, Sum, Minimum, Maximum
 * and, for distributions, the sketch) timestamped with the second of its first
 * sample, and resets it. After a second with nothing to write it polls every
 * 10 s instead (samples still carry their own time; readers flush first), so
 * an idle server has no timer ticking every second.
 *
 * Until a store is attached (`attach`), the registry is off and `record`
 * returns at its first line: emission costs nothing when nobody listens.
 */
import { log } from '../core/index.ts';
import type { Clock, TimerHandle } from '../core/index.ts';
import { Sketch } from './sketch.ts';
import type { MetricStore } from './store/store.ts';
import type { Dimension, SeriesInfo } from './store/series.ts';

const logger = log.child('metrics');

export interface HandleOptions {
  /** Keep the distribution (percentile statistics). Costs a sketch insert per sample; use for latencies. */
  distribution?: boolean;
  /** Store at 1-second resolution as well (high-resolution metric). */
  highResolution?: boolean;
}

export class MetricHandle {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  firstAtMs = 0;
  sketch: Sketch | null;
  series: SeriesInfo | null = null;
  released = false;

  constructor(
    private readonly registry: MetricsRegistry,
    readonly namespace: string,
    readonly metricName: string,
    readonly dimensions: readonly Dimension[],
    readonly unit: string,
    readonly highResolution: boolean,
    distribution: boolean,
  ) {
    this.sketch = distribution ? new Sketch() : null;
  }

  /** One sample. */
  // hot path
  record(value: number): void {
    const reg = this.registry;
    if (!reg.on) return;
    if (this.count === 0) {
      this.firstAtMs = reg.clock.now();
      reg.dirty.push(this);
    }
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.sketch !== null && value >= 0) this.sketch.add(value);
  }

  /** Stops emitting (the resource is gone); samples not yet flushed are still written. */
  release(): void {
    this.released = true;
  }
}

/** Called once a second before the flush: reads an engine's counters and records them into handles. */
export type MetricsCollector = () => void;

export class MetricsRegistry {
  /** True while a store is attached. */
  on = false;
  /** Handles with samples since the last flush. */
  dirty: MetricHandle[] = [];
  private collectors: MetricsCollector[] = [];
  private store: MetricStore | null = null;
  private timer: TimerHandle | null = null;
  flushes = 0;

  /** The last flush found nothing to write: tick slower until something is recorded again. */
  private quiet = false;

  constructor(
    readonly clock: Clock,
    private readonly flushIntervalMs = 1000,
    /** Between flushes that found nothing (collectors still run, a handle's samples keep their time). */
    private readonly quietIntervalMs = 10_000,
  ) {}

  /** A handle for one series. Call once per resource, not per sample. */
  handle(namespace: string, metricName: string, dimensions: readonly Dimension[], unit: string, options: HandleOptions = {}): MetricHandle {
    return new MetricHandle(this, namespace, metricName, dimensions, unit, options.highResolution ?? false, options.distribution ?? false);
  }

  /** Starts emitting into `store`, flushing every second of the clock. */
  attach(store: MetricStore): void {
    this.store = store;
    this.on = true;
    this.schedule();
  }

  /** Stops emitting; handles become no-ops again. Pending samples are flushed first. */
  detach(): void {
    this.flush();
    this.on = false;
    this.store = null;
    this.timer?.cancel();
    this.timer = null;
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(
      () => {
        this.quiet = !this.flush();
        if (this.on) this.schedule();
      },
      this.quiet ? this.quietIntervalMs : this.flushIntervalMs,
    );
  }

  /**
   * Adds a collector, for engines that keep their own counters (Firehose's
   * delivery metrics): it runs before each flush while the registry is on.
   * Returns its removal.
   */
  addCollector(collector: MetricsCollector): () => void {
    this.collectors.push(collector);
    return () => {
      this.collectors = this.collectors.filter((c) => c !== collector);
    };
  }

  /** Folds every handle's samples into the store now; false when there was nothing to write. */
  flush(): boolean {
    const store = this.store;
    if (!store) return false;
    for (const c of this.collectors) {
      try {
        c();
      } catch (e) {
        logger.swallowed('a metrics collector', e);
      }
    }
    const dirty = this.dirty;
    if (dirty.length === 0) return false;
    this.dirty = [];
    this.flushes++;
    for (const h of dirty) {
      if (h.count === 0) continue;
      if (!h.series) h.series = store.series(h.namespace, h.metricName, h.dimensions, h.unit);
      const sketch = h.sketch !== null && h.min >= 0 ? h.sketch : null;
      store.record(h.series, h.firstAtMs, h.count, h.sum, h.min, h.max, sketch, h.highResolution);
      h.count = 0;
      h.sum = 0;
      h.min = Number.POSITIVE_INFINITY;
      h.max = Number.NEGATIVE_INFINITY;
      h.sketch?.clear();
    }
    return true;
  }
}
