/**
 * Alert actions (Amazon Lookout for Metrics API Reference): CreateAlert, DescribeAlert, ListAlerts,
 * UpdateAlert, DeleteAlert. Alert names are unique in the region, as on AWS. Delivery: src/detectors/alerts.ts.
 */
import { defineAction } from '../../aws/index.ts';
import { lookoutMetricsModel } from '../../aws/models/lookoutmetrics.ts';
import type { Action, DescribeAlertResponse } from '../../aws/models/lookoutmetrics.ts';
import type { AlertRecord } from '../engine.ts';
import { conflict, validation } from '../errors.ts';
import { alertOf, detectorOf, page, seconds, tagsOf } from './common.ts';
import type { DetectorsContext } from './common.ts';

function checkAction(action: Action): void {
  const n = (action.SNSConfiguration ? 1 : 0) + (action.LambdaConfiguration ? 1 : 0);
  if (n !== 1) throw validation('Action must have exactly one of SNSConfiguration and LambdaConfiguration.');
}

function typeOf(a: AlertRecord): 'SNS' | 'LAMBDA' {
  return a.action.SNSConfiguration ? 'SNS' : 'LAMBDA';
}

export const createAlert = defineAction(lookoutMetricsModel, 'CreateAlert', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  const arn = engine.arn('Alert', input.AlertName);
  if (engine.alerts.has(arn)) throw conflict(`An alert with name ${input.AlertName} already exists.`, arn, 'Alert');
  checkAction(input.Action);
  const now = ctx.clock.now();
  const a: AlertRecord = {
    arn,
    detectorArn: d.arn,
    name: input.AlertName,
    sensitivity: input.AlertSensitivityThreshold ?? 70,
    action: input.Action,
    status: 'ACTIVE',
    creationTime: now,
    lastModificationTime: now,
    ...(input.AlertDescription !== undefined ? { description: input.AlertDescription } : {}),
    ...(input.AlertFilters !== undefined ? { filters: input.AlertFilters } : {}),
  };
  engine.alerts.set(arn, a);
  if (input.Tags) engine.tags.set(arn, { ...input.Tags });
  engine.save();
  return { AlertArn: arn };
});

export const describeAlert = defineAction(lookoutMetricsModel, 'DescribeAlert', (input, ctx: DetectorsContext): DescribeAlertResponse => {
  const a = alertOf(ctx.deps, input.AlertArn);
  return {
    Alert: {
      Action: a.action,
      ...(a.description !== undefined ? { AlertDescription: a.description } : {}),
      AlertArn: a.arn,
      AnomalyDetectorArn: a.detectorArn,
      AlertName: a.name,
      AlertSensitivityThreshold: a.sensitivity,
      AlertType: typeOf(a),
      AlertStatus: a.status,
      LastModificationTime: seconds(a.lastModificationTime),
      CreationTime: seconds(a.creationTime),
      ...(a.filters !== undefined ? { AlertFilters: a.filters } : {}),
    },
  };
});

export const listAlerts = defineAction(lookoutMetricsModel, 'ListAlerts', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  if (input.AnomalyDetectorArn !== undefined) detectorOf(engine, input.AnomalyDetectorArn);
  const all = [...engine.alerts.values()]
    .filter((a) => input.AnomalyDetectorArn === undefined || a.detectorArn === input.AnomalyDetectorArn)
    .sort((a, b) => a.name.localeCompare(b.name));
  const p = page(all, input.MaxResults, input.NextToken);
  return {
    AlertSummaryList: p.items.map((a) => {
      const tags = tagsOf(engine, a.arn);
      return {
        AlertArn: a.arn,
        AnomalyDetectorArn: a.detectorArn,
        AlertName: a.name,
        AlertSensitivityThreshold: a.sensitivity,
        AlertType: typeOf(a),
        AlertStatus: a.status,
        LastModificationTime: seconds(a.lastModificationTime),
        CreationTime: seconds(a.creationTime),
        ...(tags ? { Tags: tags } : {}),
      };
    }),
    ...(p.NextToken !== undefined ? { NextToken: p.NextToken } : {}),
  };
});

export const updateAlert = defineAction(lookoutMetricsModel, 'UpdateAlert', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const a = alertOf(engine, input.AlertArn);
  if (input.Action) {
    checkAction(input.Action);
    a.action = input.Action;
  }
  if (input.AlertDescription !== undefined) a.description = input.AlertDescription;
  if (input.AlertSensitivityThreshold !== undefined) a.sensitivity = input.AlertSensitivityThreshold;
  if (input.AlertFilters !== undefined) a.filters = input.AlertFilters;
  a.lastModificationTime = ctx.clock.now();
  engine.save();
  return { AlertArn: a.arn };
});

export const deleteAlert = defineAction(lookoutMetricsModel, 'DeleteAlert', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  alertOf(engine, input.AlertArn);
  engine.alerts.delete(input.AlertArn);
  engine.tags.delete(input.AlertArn);
  engine.save();
  return {};
});
