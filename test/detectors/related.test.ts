/**
 * ListAnomalyGroupRelatedMetrics by temporal precedence, through @aws-sdk/client-lookoutmetrics on a
 * ManualClock: revenue in DE drops first, views in DE drop three intervals later; the views group lists
 * revenue as a potential cause (naming the revenue group), the revenue group lists views as an effect,
 * and RelationshipTypeFilter selects either side.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ActivateAnomalyDetectorCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  GetAnomalyGroupCommand,
  ListAnomalyGroupRelatedMetricsCommand,
  ListAnomalyGroupSummariesCommand,
} from '@aws-sdk/client-lookoutmetrics';
import { formatJava } from '../../src/firehose/index.ts';
import { Rng } from '../../src/generators/index.ts';
import { MARKETPLACES } from './data.ts';
import { ROLE, T0, startHarness } from './helpers.ts';
import type { Harness } from './helpers.ts';

const FREQ = 300_000;
const N = 170;
const REVENUE_DROP = [150, 151];
const VIEWS_DROP = [154, 156];

function writeIntervals(h: Harness): void {
  const rng = new Rng(11);
  for (let i = 0; i < N; i++) {
    const start = T0 + i * FREQ;
    const day = Math.sin((2 * Math.PI * (start % 86_400_000)) / 86_400_000);
    const rows = ['marketplace,event_time,views,revenue'];
    for (const [k, m] of MARKETPLACES.entries()) {
      let views = (1000 + 300 * k) * (1 + 0.3 * day) * (1 + 0.05 * rng.normal());
      let revenue = (50_000 + 9_000 * k) * (1 + 0.3 * day) * (1 + 0.05 * rng.normal());
      if (m === 'DE' && i >= REVENUE_DROP[0]! && i <= REVENUE_DROP[1]!) revenue *= 0.2;
      if (m === 'DE' && i >= VIEWS_DROP[0]! && i <= VIEWS_DROP[1]!) views *= 0.2;
      rows.push(`${m},${formatJava('yyyy-MM-dd HH:mm:ss.S', start + 1000 * k)},${Math.round(views)},${Math.round(revenue)}`);
    }
    const dir = join(h.bucketDir, 'related', `intvl_date=${formatJava('yyyy-MM-dd', start)}`, `intvl_hhmm=${formatJava('HHmm', start)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'part-0000.csv'), `${rows.join('\n')}\n`);
  }
}

describe('ListAnomalyGroupRelatedMetrics (SDK, ManualClock)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ start: T0 - 2000 });
    writeIntervals(h);
  });
  after(async () => {
    await h.close();
  });

  it('lists an earlier measure of the same dimension value as a cause and a later one as an effect', async () => {
    const c = h.client;
    const { AnomalyDetectorArn: arn } = await c.send(
      new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'related', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
    );
    await c.send(
      new CreateMetricSetCommand({
        AnomalyDetectorArn: arn,
        MetricSetName: 'shop',
        MetricList: [
          { MetricName: 'views', AggregationFunction: 'SUM' },
          { MetricName: 'revenue', AggregationFunction: 'SUM' },
        ],
        DimensionList: ['marketplace'],
        TimestampColumn: { ColumnName: 'event_time', ColumnFormat: 'yyyy-MM-dd HH:mm:ss.s' },
        Offset: 60,
        MetricSetFrequency: 'PT5M',
        Timezone: 'UTC',
        MetricSource: {
          S3SourceConfig: {
            RoleArn: ROLE,
            TemplatedPathList: ['s3://freshet-s3/related/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
            FileFormatDescriptor: { CsvFormatDescriptor: { ContainsHeader: true, Delimiter: ',' } },
          },
        },
      }),
    );
    await c.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    h.clock.advance(1000);
    await h.engine.settled();
    h.clock.advanceTo(T0 + N * FREQ + 60_000);
    await h.engine.settled();

    const summaries = (await c.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 50 }))).AnomalyGroupSummaryList ?? [];
    const at = (i: number) => new Date(T0 + i * FREQ).toISOString().replace('.000Z', 'Z');
    const revenueGroup = summaries.find((g) => g.StartTime === at(REVENUE_DROP[0]!));
    const viewsGroup = summaries.find((g) => g.StartTime === at(VIEWS_DROP[0]!));
    assert.ok(revenueGroup && viewsGroup, JSON.stringify(summaries));
    assert.equal(revenueGroup.PrimaryMetricName, 'revenue');
    assert.equal(viewsGroup.PrimaryMetricName, 'views');
    const top = async (id: string) =>
      (await c.send(new GetAnomalyGroupCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: id }))).AnomalyGroup?.MetricLevelImpactList?.[0]?.ContributionMatrix
        ?.DimensionContributionList?.[0]?.DimensionValueContributionList?.[0]?.DimensionValue;
    assert.equal(await top(viewsGroup.AnomalyGroupId!), 'DE');

    const related = async (id: string, filter?: 'CAUSE_OF_INPUT_ANOMALY_GROUP' | 'EFFECT_OF_INPUT_ANOMALY_GROUP') =>
      (
        await c.send(
          new ListAnomalyGroupRelatedMetricsCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: id, ...(filter ? { RelationshipTypeFilter: filter } : {}) }),
        )
      ).InterMetricImpactList ?? [];
    const causes = await related(viewsGroup.AnomalyGroupId!, 'CAUSE_OF_INPUT_ANOMALY_GROUP');
    assert.deepEqual(
      causes.map((r) => [r.MetricName, r.AnomalyGroupId, r.RelationshipType]),
      [['revenue', revenueGroup.AnomalyGroupId, 'CAUSE_OF_INPUT_ANOMALY_GROUP']],
    );
    assert.equal(causes[0]!.ContributionPercentage, 100);
    assert.deepEqual(await related(viewsGroup.AnomalyGroupId!, 'EFFECT_OF_INPUT_ANOMALY_GROUP'), []);
    const effects = await related(revenueGroup.AnomalyGroupId!);
    assert.deepEqual(
      effects.map((r) => [r.MetricName, r.AnomalyGroupId, r.RelationshipType]),
      [['views', viewsGroup.AnomalyGroupId, 'EFFECT_OF_INPUT_ANOMALY_GROUP']],
    );
  });
});
