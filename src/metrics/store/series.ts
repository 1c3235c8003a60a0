/**
 * The series catalog. CloudWatch identifies a metric by namespace, metric name
 * and its set of dimensions (order does not matter); data also keeps the unit
 * it was published with ("CloudWatch does not perform unit conversions"), so
 * the store keeps one series per (metric, unit) and queries either pick one
 * unit or fold them all.
 */
export interface Dimension {
  name: string;
  value: string;
}

export interface SeriesInfo {
  readonly id: number;
  readonly namespace: string;
  readonly metricName: string;
  /** Sorted by name. */
  readonly dimensions: readonly Dimension[];
  readonly unit: string;
  /** The metric's identity without the unit. */
  readonly metricKey: string;
  /** Received data with StorageResolution 1 at least once. */
  highResolution: boolean;
  /** Time (s) of the newest datapoint's arrival, for ListMetrics' two weeks and RecentlyActive. */
  lastSeenSec: number;
  /** SampleCount and Sum recorded since this process started (Prometheus counters; not persisted). */
  totalCount: number;
  totalSum: number;
}

export function sortDimensions(dims: readonly Dimension[]): Dimension[] {
  return [...dims].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Identity of a metric: namespace, name and the sorted dimensions, joined with separators no name contains. */
export function metricKeyOf(namespace: string, metricName: string, sortedDims: readonly Dimension[]): string {
  let k = `${namespace}\u0000${metricName}`;
  for (const d of sortedDims) k += `\u0000${d.name}\u0001${d.value}`;
  return k;
}

export function seriesKeyOf(metricKey: string, unit: string): string {
  return `${metricKey}\u0002${unit}`;
}

export class SeriesCatalog {
  private readonly byId = new Map<number, SeriesInfo>();
  private readonly byKey = new Map<string, SeriesInfo>();
  private readonly byMetric = new Map<string, SeriesInfo[]>();
  nextId = 1;

  get size(): number {
    return this.byId.size;
  }

  get(id: number): SeriesInfo | undefined {
    return this.byId.get(id);
  }

  find(metricKey: string, unit: string): SeriesInfo | undefined {
    return this.byKey.get(seriesKeyOf(metricKey, unit));
  }

  /** Every unit-series of a metric. */
  forMetric(metricKey: string): readonly SeriesInfo[] {
    return this.byMetric.get(metricKey) ?? [];
  }

  all(): IterableIterator<SeriesInfo> {
    return this.byId.values();
  }

  metrics(): IterableIterator<[string, SeriesInfo[]]> {
    return this.byMetric.entries();
  }

  add(info: Omit<SeriesInfo, 'metricKey' | 'totalCount' | 'totalSum'>): SeriesInfo {
    const metricKey = metricKeyOf(info.namespace, info.metricName, info.dimensions);
    const full: SeriesInfo = { ...info, metricKey, totalCount: 0, totalSum: 0 };
    this.byId.set(full.id, full);
    this.byKey.set(seriesKeyOf(metricKey, full.unit), full);
    let list = this.byMetric.get(metricKey);
    if (!list) this.byMetric.set(metricKey, (list = []));
    list.push(full);
    if (full.id >= this.nextId) this.nextId = full.id + 1;
    return full;
  }
}
