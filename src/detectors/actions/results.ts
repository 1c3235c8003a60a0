/**
 * Result actions (Amazon Lookout for Metrics API Reference): ListAnomalyGroupSummaries, GetAnomalyGroup,
 * ListAnomalyGroupTimeSeries, ListAnomalyGroupRelatedMetrics, GetDataQualityMetrics, PutFeedback, GetFeedback.
 * A detector in a BACK_TEST_* status reports its backtest's groups, otherwise its live groups.
 */
import { defineAction } from '../../aws/index.ts';
import { lookoutMetricsModel } from '../../aws/models/lookoutmetrics.ts';
import type { AnomalyGroup, GetDataQualityMetricsResponse } from '../../aws/models/lookoutmetrics.ts';
import type { AnomalyGroupRecord, DetectorRecord, DetectorsEngine } from '../engine.ts';
import { lookoutMetricsErrors } from '../errors.ts';
import { contributions, relatedMetrics } from '../groups.ts';
import { apiTime, frequencyMs } from '../time.ts';
import { detectorOf, page } from './common.ts';
import type { DetectorsContext } from './common.ts';

function groupsOf(engine: DetectorsEngine, d: DetectorRecord): AnomalyGroupRecord[] {
  const mode = d.status.startsWith('BACK_TEST') ? 'backtest' : 'live';
  return [...engine.groups.values()]
    .filter((g) => g.detectorArn === d.arn && g.mode === mode)
    .sort((a, b) => b.startMs - a.startMs || a.id.localeCompare(b.id));
}

function groupOf(engine: DetectorsEngine, detectorArn: string, id: string): AnomalyGroupRecord {
  const g = engine.groups.get(id);
  if (!g || g.detectorArn !== detectorArn) throw lookoutMetricsErrors.format('ResourceNotFoundException', 'group', { id });
  return g;
}

/** GetAnomalyGroup's shape for a group (also what the CLI prints). */
export function anomalyGroupOf(g: AnomalyGroupRecord): AnomalyGroup {
  const metrics = [...new Set(g.series.map((s) => s.metric))];
  return {
    StartTime: apiTime(g.startMs),
    EndTime: apiTime(g.endMs),
    AnomalyGroupId: g.id,
    AnomalyGroupScore: g.score,
    PrimaryMetricName: g.primaryMetric,
    MetricLevelImpactList: metrics.map((m) => {
      const series = g.series.filter((s) => s.metric === m);
      return {
        MetricName: m,
        NumTimeSeries: series.length,
        ContributionMatrix: {
          DimensionContributionList: contributions(series).map((c) => ({
            DimensionName: c.name,
            DimensionValueContributionList: c.values.map((v) => ({ DimensionValue: v.value, ContributionScore: v.score })),
          })),
        },
      };
    }),
  };
}

export const listAnomalyGroupSummaries = defineAction(lookoutMetricsModel, 'ListAnomalyGroupSummaries', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  const all = groupsOf(engine, d).filter((g) => g.score >= input.SensitivityThreshold);
  const p = page(all, input.MaxResults, input.NextToken);
  const counts = new Map<string, number>();
  for (const g of all) counts.set(g.primaryMetric, (counts.get(g.primaryMetric) ?? 0) + 1);
  const first = engine.executions.get(d.arn)?.[0];
  return {
    AnomalyGroupSummaryList: p.items.map((g) => ({
      StartTime: apiTime(g.startMs),
      EndTime: apiTime(g.endMs),
      AnomalyGroupId: g.id,
      AnomalyGroupScore: g.score,
      PrimaryMetricName: g.primaryMetric,
    })),
    AnomalyGroupStatistics: {
      ...(first ? { EvaluationStartDate: apiTime(first.startMs) } : {}),
      TotalCount: all.length,
      ItemizedMetricStatsList: [...counts].map(([MetricName, OccurrenceCount]) => ({ MetricName, OccurrenceCount })),
    },
    ...(p.NextToken !== undefined ? { NextToken: p.NextToken } : {}),
  };
});

export const getAnomalyGroup = defineAction(lookoutMetricsModel, 'GetAnomalyGroup', (input, ctx: DetectorsContext) => {
  detectorOf(ctx.deps, input.AnomalyDetectorArn);
  return { AnomalyGroup: anomalyGroupOf(groupOf(ctx.deps, input.AnomalyDetectorArn, input.AnomalyGroupId)) };
});

export const listAnomalyGroupTimeSeries = defineAction(lookoutMetricsModel, 'ListAnomalyGroupTimeSeries', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  const g = groupOf(engine, d.arn, input.AnomalyGroupId);
  const series = g.series.filter((s) => s.metric === input.MetricName);
  const freq = frequencyMs(d.frequency);
  // One timeline for the page: from the earliest interval any series has a value in, to the latest kept.
  let from = Infinity;
  let to = -Infinity;
  for (const s of series) {
    s.values.forEach((v, i) => {
      if (v === null) return;
      const t = s.valuesStartMs + i * freq;
      if (t < from) from = t;
      if (t > to) to = t;
    });
  }
  const timestamps: number[] = [];
  for (let t = from; t <= to; t += freq) timestamps.push(t);
  const p = page(series, input.MaxResults, input.NextToken);
  return {
    AnomalyGroupId: g.id,
    MetricName: input.MetricName,
    TimestampList: timestamps.map(apiTime),
    TimeSeriesList: p.items.map((s) => ({
      TimeSeriesId: s.seriesId,
      DimensionList: Object.entries(s.dimensions).map(([DimensionName, DimensionValue]) => ({ DimensionName, DimensionValue })),
      // A missing interval is reported as 0 (the shape has no null).
      MetricValueList: timestamps.map((t) => s.values[Math.round((t - s.valuesStartMs) / freq)] ?? 0),
    })),
    ...(p.NextToken !== undefined ? { NextToken: p.NextToken } : {}),
  };
});

export const listAnomalyGroupRelatedMetrics = defineAction(lookoutMetricsModel, 'ListAnomalyGroupRelatedMetrics', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  const g = groupOf(engine, d.arn, input.AnomalyGroupId);
  const others = [...engine.groups.values()].filter((x) => x.detectorArn === d.arn && x.mode === g.mode);
  const items = relatedMetrics(g, others, frequencyMs(d.frequency));
  const filtered = input.RelationshipTypeFilter === undefined ? items : items.filter((r) => r.RelationshipType === input.RelationshipTypeFilter);
  const p = page(filtered, input.MaxResults, input.NextToken);
  return { InterMetricImpactList: p.items, ...(p.NextToken !== undefined ? { NextToken: p.NextToken } : {}) };
});

export const getDataQualityMetrics = defineAction(
  lookoutMetricsModel,
  'GetDataQualityMetrics',
  (input, ctx: DetectorsContext): GetDataQualityMetricsResponse => {
    const engine = ctx.deps;
    const d = detectorOf(engine, input.AnomalyDetectorArn);
    const ms = engine.metricSetOf(d.arn);
    const q = engine.quality.get(d.arn);
    if (!ms || !q || (input.MetricSetArn !== undefined && input.MetricSetArn !== ms.arn)) return { AnomalyDetectorDataQualityMetricList: [] };
    const valid = q.rows - q.invalidRows;
    return {
      AnomalyDetectorDataQualityMetricList: [
        {
          StartTimestamp: q.startMs / 1000,
          MetricSetDataQualityMetricList: [
            {
              MetricSetArn: ms.arn,
              DataQualityMetricList: [
                { MetricType: 'ROWS_PROCESSED', MetricDescription: 'Rows read in the last interval.', MetricValue: valid },
                {
                  MetricType: 'INVALID_ROWS_COMPLIANCE',
                  MetricDescription: 'Share of rows without a valid timestamp.',
                  MetricValue: q.rows === 0 ? 0 : q.invalidRows / q.rows,
                },
                {
                  MetricType: 'ROWS_PARTIAL_COMPLIANCE',
                  MetricDescription: 'Share of rows with a metric or dimension missing.',
                  MetricValue: valid === 0 ? 0 : q.partialRows / valid,
                },
                { MetricType: 'TIME_SERIES_COUNT', MetricDescription: 'Time series of the metric set.', MetricValue: q.seriesCount },
              ],
            },
          ],
        },
      ],
    };
  },
);

export const putFeedback = defineAction(lookoutMetricsModel, 'PutFeedback', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  const f = input.AnomalyGroupTimeSeriesFeedback;
  const g = groupOf(engine, d.arn, f.AnomalyGroupId);
  if (!g.series.some((s) => s.seriesId === f.TimeSeriesId))
    throw lookoutMetricsErrors.create('ResourceNotFoundException', `Time series ${f.TimeSeriesId} is not in anomaly group ${g.id}.`);
  engine.putFeedback(d.arn, g.id, f.TimeSeriesId, f.IsAnomaly);
  return {};
});

export const getFeedback = defineAction(lookoutMetricsModel, 'GetFeedback', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  const f = input.AnomalyGroupTimeSeriesFeedback;
  groupOf(engine, d.arn, f.AnomalyGroupId);
  const prefix = `${d.arn} ${f.AnomalyGroupId} `;
  const all: { TimeSeriesId: string; IsAnomaly: boolean }[] = [];
  for (const [k, v] of engine.feedback) {
    if (!k.startsWith(prefix)) continue;
    const id = k.slice(prefix.length);
    if (f.TimeSeriesId !== undefined && id !== f.TimeSeriesId) continue;
    all.push({ TimeSeriesId: id, IsAnomaly: v });
  }
  const p = page(all, input.MaxResults, input.NextToken);
  return { AnomalyGroupTimeSeriesFeedback: p.items, ...(p.NextToken !== undefined ? { NextToken: p.NextToken } : {}) };
});
