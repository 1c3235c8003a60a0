/**
 * Alert delivery. An alert's SNS action is delivered as an SNS HTTP(S) subscription would receive it: a POST
 * with `x-amz-sns-message-type: Notification` and SNS's JSON envelope (Type, MessageId, TopicArn, Subject,
 * Message, Timestamp, …) whose `Message` is the anomaly alert document Lookout for Metrics sends (alertName,
 * alertEventId, anomalyDetectorArn, alertArn, alertDescription, impactedMetric with its dimension
 * contributions and relevant time series, anomalySeverityScore, anomalyGroupId; SnsFormat LONG_TEXT and
 * SHORT_TEXT send a readable text instead). Without SNS, a `freshet:webhook` tag receives the alert document
 * itself. The topic's webhook URL comes from the server's `detectors.topics` map or the alert's
 * `freshet:webhook` tag. Signatures are not produced (SignatureVersion is given, Signature empty).
 * A Lambda action invokes the function (a function of the server's Lambda service, src/functions) once,
 * synchronously, with the alert document as its event; a failure is logged, not retried.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/index.ts';
import type { FunctionInvoker } from '../functions/index.ts';
import type { AlertRecord, AnomalyGroupRecord, DetectorRecord, GroupSeries } from './engine.ts';
import { contributions } from './groups.ts';
import { apiTime } from './time.ts';

export type AlertTarget =
  | { kind: 'sns'; url: string; topicArn: string; format: 'JSON' | 'LONG_TEXT' | 'SHORT_TEXT' }
  | { kind: 'webhook'; url: string }
  | { kind: 'lambda'; functionArn: string; functions: FunctionInvoker };

export interface AlertContext {
  alert: AlertRecord;
  detector: DetectorRecord;
  group: AnomalyGroupRecord;
  /** The group's series that pass the alert's threshold and filters. */
  series: GroupSeries[];
  clock: Clock;
}

/** The alert document (the `Message` of the SNS notification). */
export function alertDocument(ctx: AlertContext): Record<string, unknown> {
  const { alert, group, series } = ctx;
  const primary = series.reduce((a, b) => (b.severity > a.severity ? b : a));
  const metric = primary.metric;
  const ofMetric = series.filter((s) => s.metric === metric);
  const dimensionContribution: { dimensionName: string; dimensionValue: string; valueContribution: number }[] = [];
  for (const dc of contributions(ofMetric)) {
    for (const v of dc.values) dimensionContribution.push({ dimensionName: dc.name, dimensionValue: v.value, valueContribution: v.score });
  }
  return {
    alertName: alert.name,
    alertEventId: `${alert.arn}:event/${randomUUID()}`,
    anomalyDetectorArn: alert.detectorArn,
    alertArn: alert.arn,
    alertDescription: alert.description ?? '',
    impactedMetric: {
      metricName: metric,
      dimensionContribution,
      relevantTimeSeries: ofMetric.map((s) => ({
        timeSeriesId: s.seriesId,
        dimensions: Object.entries(s.dimensions).map(([dimensionName, dimensionValue]) => ({ dimensionName, dimensionValue })),
        metricValue: s.value,
        expectedValue: Number.isFinite(s.expected) ? s.expected : null,
      })),
    },
    relevantMetrics: [...new Set(series.map((s) => s.metric))].filter((m) => m !== metric),
    anomalySeverityScore: group.score,
    anomalyGroupId: group.id,
    anomalyStartTime: apiTime(group.startMs),
    anomalyEndTime: apiTime(group.endMs),
  };
}

function textOf(doc: Record<string, unknown>, long: boolean): string {
  const impacted = doc.impactedMetric as {
    metricName: string;
    dimensionContribution: { dimensionName: string; dimensionValue: string; valueContribution: number }[];
  };
  const head = `Anomaly in ${impacted.metricName} (severity ${doc.anomalySeverityScore}) detected by alert ${doc.alertName} at ${doc.anomalyStartTime}.`;
  if (!long) return head;
  const lines = impacted.dimensionContribution.map((c) => `  ${c.dimensionName}=${c.dimensionValue}: ${c.valueContribution}%`);
  return [head, 'Contributions:', ...lines, `Anomaly group: ${doc.anomalyGroupId}`].join('\n');
}

export async function deliverAlert(target: AlertTarget, ctx: AlertContext): Promise<void> {
  const doc = alertDocument(ctx);
  if (target.kind === 'lambda') {
    await target.functions.invoke(target.functionArn, doc);
    return;
  }
  let body: string;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=UTF-8' };
  if (target.kind === 'sns') {
    const message = target.format === 'JSON' ? JSON.stringify(doc) : textOf(doc, target.format === 'LONG_TEXT');
    const messageId = randomUUID();
    headers['x-amz-sns-message-type'] = 'Notification';
    headers['x-amz-sns-message-id'] = messageId;
    headers['x-amz-sns-topic-arn'] = target.topicArn;
    body = JSON.stringify({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: target.topicArn,
      Subject: `Lookout for Metrics alert ${ctx.alert.name}`,
      Message: message,
      Timestamp: new Date(ctx.clock.now()).toISOString(),
      SignatureVersion: '1',
      Signature: '',
      SigningCertURL: '',
      UnsubscribeURL: '',
    });
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(doc);
  }
  const res = await fetch(target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${target.url} answered HTTP ${res.status}`);
}
