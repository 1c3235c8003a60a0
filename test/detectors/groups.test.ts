/** relatedMetrics (src/detectors/groups.ts) on hand-made groups: the order of first anomalous intervals within one group. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relatedMetrics } from '../../src/detectors/groups.ts';
import type { RelatedGroup } from '../../src/detectors/groups.ts';

const F = 300_000;
const hit = (metric: string, mp: string, firstMs: number) => ({
  seriesId: `${metric}|${mp}`,
  metric,
  dimensions: { marketplace: mp },
  severity: 80,
  value: 1,
  expected: 10,
  reason: 'forecast',
  firstMs,
});

describe('related metrics within one group', () => {
  const g: RelatedGroup = {
    id: 'g',
    startMs: 0,
    endMs: 4 * F,
    primaryMetric: 'views',
    series: [hit('views', 'DE', F), hit('revenue', 'DE', 0), hit('orders', 'DE', 3 * F), hit('clicks', 'UK', F)],
  };
  it('calls a measure anomalous before the primary a cause, after it an effect, and at the same time neither', () => {
    const r = relatedMetrics(g, [g], F);
    assert.deepEqual(
      r.map((x) => [x.MetricName, x.RelationshipType ?? null, x.ContributionPercentage]),
      [
        ['revenue', 'CAUSE_OF_INPUT_ANOMALY_GROUP', 25],
        ['clicks', null, 25],
        ['orders', 'EFFECT_OF_INPUT_ANOMALY_GROUP', 25],
      ],
    );
  });
  it('ignores other groups beyond the window or without a shared dimension value', () => {
    const far: RelatedGroup = { id: 'far', startMs: -20 * F, endMs: -19 * F, primaryMetric: 'revenue', series: [hit('revenue', 'DE', -20 * F)] };
    const elsewhere: RelatedGroup = { id: 'uk', startMs: -2 * F, endMs: -F, primaryMetric: 'revenue', series: [hit('revenue', 'UK', -2 * F)] };
    const near: RelatedGroup = { id: 'near', startMs: -2 * F, endMs: -F, primaryMetric: 'cpu', series: [hit('cpu', 'DE', -2 * F)] };
    const ids = relatedMetrics(g, [g, far, elsewhere, near], F).map((x) => `${x.MetricName}@${x.AnomalyGroupId}`);
    assert.ok(ids.includes('cpu@near'));
    assert.ok(!ids.includes('revenue@far'));
    assert.ok(!ids.includes('revenue@uk'));
  });
});
