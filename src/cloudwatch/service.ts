/**
 * The CloudWatch API (`GraniteServiceVersion20100801`): one table listing every operation of the
 * generated model (src/aws/models/cloudwatch.ts), each handled in src/cloudwatch/actions/. The router
 * answers it in every protocol CloudWatch clients speak — awsQuery (form bodies, XML answers: Debian's
 * AWS CLI, boto3), AWS JSON 1.0 (awsQueryCompatible) and Smithy RPC v2 CBOR (current AWS SDKs) — and
 * checks requests against the model first (ValidationError, AWS's texts). The semantics are the
 * metrics engine's (src/metrics).
 */
import { actionTable, defineService } from '../aws/index.ts';
import type { AwsService, HttpRoute } from '../aws/index.ts';
import { cloudWatchModel } from '../aws/models/cloudwatch.ts';
import { type MetricsEngine, PROMETHEUS_CONTENT_TYPE } from '../metrics/index.ts';
import { cloudWatchErrors } from './errors.ts';
import { disableAlarmActions, enableAlarmActions } from './actions/alarm-actions.ts';
import { deleteDashboards, getDashboard, listDashboards, putDashboard } from './actions/dashboards.ts';
import { deleteAlarms } from './actions/delete-alarms.ts';
import { describeAlarmHistory } from './actions/describe-alarm-history.ts';
import { describeAlarms } from './actions/describe-alarms.ts';
import { describeAlarmsForMetric } from './actions/describe-alarms-for-metric.ts';
import { getMetricData } from './actions/get-metric-data.ts';
import { getMetricStatistics } from './actions/get-metric-statistics.ts';
import { listMetrics } from './actions/list-metrics.ts';
import { putCompositeAlarm } from './actions/put-composite-alarm.ts';
import { putMetricAlarm } from './actions/put-metric-alarm.ts';
import { putMetricData } from './actions/put-metric-data.ts';
import { setAlarmState } from './actions/set-alarm-state.ts';
import { listTagsForResource, tagResource, untagResource } from './actions/tags.ts';

/** Every GraniteServiceVersion20100801 operation; undefined ones answer the unknown-operation error. */
export const CLOUDWATCH_ACTIONS = actionTable(cloudWatchModel, {
  DeleteAlarmMuteRule: undefined,
  DeleteAlarms: deleteAlarms,
  DeleteAnomalyDetector: undefined,
  DeleteDashboards: deleteDashboards,
  DeleteInsightRules: undefined,
  DeleteMetricStream: undefined,
  DescribeAlarmContributors: undefined,
  DescribeAlarmHistory: describeAlarmHistory,
  DescribeAlarms: describeAlarms,
  DescribeAlarmsForMetric: describeAlarmsForMetric,
  DescribeAnomalyDetectors: undefined,
  DescribeInsightRules: undefined,
  DisableAlarmActions: disableAlarmActions,
  DisableInsightRules: undefined,
  EnableAlarmActions: enableAlarmActions,
  EnableInsightRules: undefined,
  GetAlarmMuteRule: undefined,
  GetDashboard: getDashboard,
  GetInsightRuleReport: undefined,
  GetMetricData: getMetricData,
  GetMetricStatistics: getMetricStatistics,
  GetMetricStream: undefined,
  GetMetricWidgetImage: undefined,
  GetOTelEnrichment: undefined,
  ListAlarmMuteRules: undefined,
  ListDashboards: listDashboards,
  ListManagedInsightRules: undefined,
  ListMetricStreams: undefined,
  ListMetrics: listMetrics,
  ListTagsForResource: listTagsForResource,
  PutAlarmMuteRule: undefined,
  PutAnomalyDetector: undefined,
  PutCompositeAlarm: putCompositeAlarm,
  PutDashboard: putDashboard,
  PutInsightRule: undefined,
  PutManagedInsightRules: undefined,
  PutMetricAlarm: putMetricAlarm,
  PutMetricData: putMetricData,
  PutMetricStream: undefined,
  SetAlarmState: setAlarmState,
  StartMetricStreams: undefined,
  StartOTelEnrichment: undefined,
  StopMetricStreams: undefined,
  StopOTelEnrichment: undefined,
  TagResource: tagResource,
  UntagResource: untagResource,
});

export type CloudWatchService = AwsService & { readonly metrics: MetricsEngine };

/** The CloudWatch service over a metrics engine (which the server opens and closes). */
export function createCloudWatchService(metrics: MetricsEngine): CloudWatchService {
  const service = defineService(
    {
      model: cloudWatchModel,
      actions: CLOUDWATCH_ACTIONS,
      errors: cloudWatchErrors,
      // CloudWatch answers malformed requests with ValidationError (the query protocol's code), not ValidationException.
      validation: { validationCode: 'ValidationError' },
      // PutMetricData takes up to 1 MB (1 MB + form/JSON framing here).
      maxRequestBytes: 2 * 1024 * 1024,
      close: () => metrics.close(),
    },
    metrics,
  );
  return { ...service, metrics };
}

/** `GET /metrics`: every series in the Prometheus text exposition format (see docs/metrics.md). */
export function prometheusRoute(metrics: MetricsEngine): HttpRoute {
  return {
    method: 'GET',
    path: '/metrics',
    handle(_req, res) {
      const body = metrics.prometheus();
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  };
}
