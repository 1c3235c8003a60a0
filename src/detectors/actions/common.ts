/** Helpers the LookoutMetrics actions share: the engine context, lookups that throw AWS's errors, paging. */
import type { ActionContext } from '../../aws/index.ts';
import type { AlertRecord, DetectorRecord, DetectorsEngine, MetricSetRecord } from '../engine.ts';
import { notFound, validation } from '../errors.ts';

export type DetectorsContext = ActionContext<DetectorsEngine>;

export function detectorOf(engine: DetectorsEngine, arn: string): DetectorRecord {
  const d = engine.detectors.get(arn);
  if (!d) throw notFound(arn, 'AnomalyDetector');
  return d;
}

export function metricSetOf(engine: DetectorsEngine, arn: string): MetricSetRecord {
  const m = engine.metricSets.get(arn);
  if (!m) throw notFound(arn, 'MetricSet');
  return m;
}

export function alertOf(engine: DetectorsEngine, arn: string): AlertRecord {
  const a = engine.alerts.get(arn);
  if (!a) throw notFound(arn, 'Alert');
  return a;
}

/** Epoch seconds, as the restJson1 codec writes timestamps. */
export function seconds(ms: number): number {
  return ms / 1000;
}

/** One page of `items`: NextToken is the next index, base64 (AWS's tokens are opaque). */
export function page<T>(items: readonly T[], maxResults: number | undefined, nextToken: string | undefined, max = 100): { items: T[]; NextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    const n = Number(Buffer.from(nextToken, 'base64').toString('utf8'));
    if (!Number.isInteger(n) || n < 0) throw validation('Invalid NextToken.');
    start = n;
  }
  const size = maxResults ?? max;
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
  return next === undefined ? { items: slice } : { items: slice, NextToken: next };
}

/** Tags of a resource, or undefined when it has none (the field is then left out). */
export function tagsOf(engine: DetectorsEngine, arn: string): Record<string, string> | undefined {
  const t = engine.tags.get(arn);
  return t && Object.keys(t).length > 0 ? { ...t } : undefined;
}
