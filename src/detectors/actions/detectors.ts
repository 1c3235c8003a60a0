/**
 * Anomaly detector actions (Amazon Lookout for Metrics API Reference): CreateAnomalyDetector,
 * DescribeAnomalyDetector, ListAnomalyDetectors, UpdateAnomalyDetector, DeleteAnomalyDetector,
 * ActivateAnomalyDetector, DeactivateAnomalyDetector, BackTestAnomalyDetector,
 * DescribeAnomalyDetectionExecutions. (Grouped by resource in one file: each handler is a few lines.)
 */
import { defineAction } from '../../aws/index.ts';
import { lookoutMetricsModel } from '../../aws/models/lookoutmetrics.ts';
import type { DescribeAnomalyDetectorResponse } from '../../aws/models/lookoutmetrics.ts';
import type { DetectorRecord, Frequency } from '../engine.ts';
import { conflict, validation } from '../errors.ts';
import { apiTime } from '../time.ts';
import { detectorOf, page, seconds, tagsOf } from './common.ts';
import type { DetectorsContext } from './common.ts';

const RUNNING = new Set(['ACTIVE', 'ACTIVATING', 'LEARNING', 'BACK_TEST_ACTIVATING', 'BACK_TEST_ACTIVE']);

export const createAnomalyDetector = defineAction(lookoutMetricsModel, 'CreateAnomalyDetector', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const arn = engine.arn('AnomalyDetector', input.AnomalyDetectorName);
  if (engine.detectors.has(arn)) throw conflict(`An anomaly detector with name ${input.AnomalyDetectorName} already exists.`, arn, 'AnomalyDetector');
  const frequency = input.AnomalyDetectorConfig.AnomalyDetectorFrequency as Frequency | undefined;
  if (frequency === undefined) throw validation('AnomalyDetectorFrequency is required.');
  const now = ctx.clock.now();
  const d: DetectorRecord = {
    arn,
    name: input.AnomalyDetectorName,
    frequency,
    creationTime: now,
    lastModificationTime: now,
    status: 'INACTIVE',
    ...(input.AnomalyDetectorDescription !== undefined ? { description: input.AnomalyDetectorDescription } : {}),
    ...(input.KmsKeyArn !== undefined ? { kmsKeyArn: input.KmsKeyArn } : {}),
  };
  engine.detectors.set(arn, d);
  if (input.Tags) engine.tags.set(arn, { ...input.Tags });
  engine.save();
  return { AnomalyDetectorArn: arn };
});

export const describeAnomalyDetector = defineAction(
  lookoutMetricsModel,
  'DescribeAnomalyDetector',
  (input, ctx: DetectorsContext): DescribeAnomalyDetectorResponse => {
    const d = detectorOf(ctx.deps, input.AnomalyDetectorArn);
    return {
      AnomalyDetectorArn: d.arn,
      AnomalyDetectorName: d.name,
      ...(d.description !== undefined ? { AnomalyDetectorDescription: d.description } : {}),
      AnomalyDetectorConfig: { AnomalyDetectorFrequency: d.frequency as 'PT5M' },
      CreationTime: seconds(d.creationTime),
      LastModificationTime: seconds(d.lastModificationTime),
      Status: d.status,
      ...(d.failureReason !== undefined ? { FailureReason: d.failureReason } : {}),
      ...(d.failureType !== undefined ? { FailureType: d.failureType } : {}),
      ...(d.kmsKeyArn !== undefined ? { KmsKeyArn: d.kmsKeyArn } : {}),
    };
  },
);

export const listAnomalyDetectors = defineAction(lookoutMetricsModel, 'ListAnomalyDetectors', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const all = [...engine.detectors.values()].sort((a, b) => a.name.localeCompare(b.name));
  const p = page(all, input.MaxResults, input.NextToken);
  return {
    AnomalyDetectorSummaryList: p.items.map((d) => {
      const tags = tagsOf(engine, d.arn);
      return {
        AnomalyDetectorArn: d.arn,
        AnomalyDetectorName: d.name,
        ...(d.description !== undefined ? { AnomalyDetectorDescription: d.description } : {}),
        CreationTime: seconds(d.creationTime),
        LastModificationTime: seconds(d.lastModificationTime),
        Status: d.status,
        ...(tags ? { Tags: tags } : {}),
      };
    }),
    ...(p.NextToken !== undefined ? { NextToken: p.NextToken } : {}),
  };
});

export const updateAnomalyDetector = defineAction(lookoutMetricsModel, 'UpdateAnomalyDetector', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  const frequency = input.AnomalyDetectorConfig?.AnomalyDetectorFrequency as Frequency | undefined;
  if (frequency !== undefined && frequency !== d.frequency) {
    if (RUNNING.has(d.status)) throw conflict('The frequency of an active anomaly detector cannot be changed. Deactivate it first.', d.arn, 'AnomalyDetector');
    d.frequency = frequency;
    const ms = engine.metricSetOf(d.arn);
    if (ms) ms.frequency = frequency;
    engine.resetModel(d.arn);
  }
  if (input.AnomalyDetectorDescription !== undefined) d.description = input.AnomalyDetectorDescription;
  if (input.KmsKeyArn !== undefined) d.kmsKeyArn = input.KmsKeyArn;
  d.lastModificationTime = ctx.clock.now();
  engine.save();
  return { AnomalyDetectorArn: d.arn };
});

export const deleteAnomalyDetector = defineAction(lookoutMetricsModel, 'DeleteAnomalyDetector', (input, ctx: DetectorsContext) => {
  detectorOf(ctx.deps, input.AnomalyDetectorArn);
  ctx.deps.delete(input.AnomalyDetectorArn);
  return {};
});

export const activateAnomalyDetector = defineAction(lookoutMetricsModel, 'ActivateAnomalyDetector', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  if (!engine.metricSetOf(d.arn)) throw validation(`Anomaly detector ${d.arn} has no metric set. Create a metric set before activating it.`);
  if (RUNNING.has(d.status)) throw conflict(`Anomaly detector ${d.arn} is already ${d.status}.`, d.arn, 'AnomalyDetector');
  engine.activate(d.arn);
  return {};
});

export const deactivateAnomalyDetector = defineAction(lookoutMetricsModel, 'DeactivateAnomalyDetector', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  if (!RUNNING.has(d.status)) throw conflict(`Anomaly detector ${d.arn} is not active (status ${d.status}).`, d.arn, 'AnomalyDetector');
  engine.deactivate(d.arn);
  return {};
});

export const backTestAnomalyDetector = defineAction(lookoutMetricsModel, 'BackTestAnomalyDetector', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  const ms = engine.metricSetOf(d.arn);
  if (!ms) throw validation(`Anomaly detector ${d.arn} has no metric set. Create a metric set before testing it.`);
  if ((ms.source.S3SourceConfig?.HistoricalDataPathList ?? []).length === 0)
    throw validation('Back testing needs historical data: set HistoricalDataPathList in the metric set.');
  if (RUNNING.has(d.status)) throw conflict(`Anomaly detector ${d.arn} is already ${d.status}.`, d.arn, 'AnomalyDetector');
  engine.backtest(d.arn);
  return {};
});

export const describeAnomalyDetectionExecutions = defineAction(lookoutMetricsModel, 'DescribeAnomalyDetectionExecutions', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  let list = [...(engine.executions.get(d.arn) ?? [])].reverse();
  if (input.Timestamp !== undefined) {
    const t = input.Timestamp;
    list = list.filter((e) => apiTime(e.startMs) === t || String(e.startMs / 1000) === t || new Date(e.startMs).toISOString() === t);
  }
  const p = page(list, input.MaxResults, input.NextToken, 20);
  return {
    ExecutionList: p.items.map((e) => ({
      Timestamp: apiTime(e.startMs),
      Status: e.status,
      ...(e.failureReason !== undefined ? { FailureReason: e.failureReason } : {}),
    })),
    ...(p.NextToken !== undefined ? { NextToken: p.NextToken } : {}),
  };
});
