/**
 * The LookoutMetrics API (2017-07-25, restJson1: `POST /CreateAnomalyDetector`, …) on the one port: one table
 * listing every operation of the generated model (src/aws/models/lookoutmetrics.ts). Requests are checked
 * against the model (ValidationException) before an action runs; the actions (src/detectors/actions/, one
 * file per resource) add the semantic rules and call the DetectorsEngine. PT1M is accepted as a frequency
 * besides AWS's four (a Freshet extension for demos).
 */
import { actionTable, defineService } from '../aws/index.ts';
import type { AwsService } from '../aws/index.ts';
import { lookoutMetricsModel } from '../aws/models/lookoutmetrics.ts';
import { DetectorsEngine } from './engine.ts';
import type { DetectorsDeps } from './engine.ts';
import { lookoutMetricsErrors } from './errors.ts';
import { createAlert, deleteAlert, describeAlert, listAlerts, updateAlert } from './actions/alerts.ts';
import {
  activateAnomalyDetector,
  backTestAnomalyDetector,
  createAnomalyDetector,
  deactivateAnomalyDetector,
  deleteAnomalyDetector,
  describeAnomalyDetectionExecutions,
  describeAnomalyDetector,
  listAnomalyDetectors,
  updateAnomalyDetector,
} from './actions/detectors.ts';
import { createMetricSet, describeMetricSet, detectMetricSetConfig, getSampleData, listMetricSets, updateMetricSet } from './actions/metric-sets.ts';
import {
  getAnomalyGroup,
  getDataQualityMetrics,
  getFeedback,
  listAnomalyGroupRelatedMetrics,
  listAnomalyGroupSummaries,
  listAnomalyGroupTimeSeries,
  putFeedback,
} from './actions/results.ts';
import { listTagsForResource, tagResource, untagResource } from './actions/tags.ts';

/** Every LookoutMetrics operation. */
export const LOOKOUTMETRICS_ACTIONS = actionTable(lookoutMetricsModel, {
  ActivateAnomalyDetector: activateAnomalyDetector,
  BackTestAnomalyDetector: backTestAnomalyDetector,
  CreateAlert: createAlert,
  CreateAnomalyDetector: createAnomalyDetector,
  CreateMetricSet: createMetricSet,
  DeactivateAnomalyDetector: deactivateAnomalyDetector,
  DeleteAlert: deleteAlert,
  DeleteAnomalyDetector: deleteAnomalyDetector,
  DescribeAlert: describeAlert,
  DescribeAnomalyDetectionExecutions: describeAnomalyDetectionExecutions,
  DescribeAnomalyDetector: describeAnomalyDetector,
  DescribeMetricSet: describeMetricSet,
  DetectMetricSetConfig: detectMetricSetConfig,
  GetAnomalyGroup: getAnomalyGroup,
  GetDataQualityMetrics: getDataQualityMetrics,
  GetFeedback: getFeedback,
  GetSampleData: getSampleData,
  ListAlerts: listAlerts,
  ListAnomalyDetectors: listAnomalyDetectors,
  ListAnomalyGroupRelatedMetrics: listAnomalyGroupRelatedMetrics,
  ListAnomalyGroupSummaries: listAnomalyGroupSummaries,
  ListAnomalyGroupTimeSeries: listAnomalyGroupTimeSeries,
  ListMetricSets: listMetricSets,
  ListTagsForResource: listTagsForResource,
  PutFeedback: putFeedback,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAlert: updateAlert,
  UpdateAnomalyDetector: updateAnomalyDetector,
  UpdateMetricSet: updateMetricSet,
});

export type DetectorsService = AwsService & { readonly engine: DetectorsEngine };

export function createDetectorsService(deps: DetectorsDeps): DetectorsService {
  const engine = new DetectorsEngine(deps);
  const service = defineService(
    {
      model: lookoutMetricsModel,
      actions: LOOKOUTMETRICS_ACTIONS,
      errors: lookoutMetricsErrors,
      validation: {
        enumExtensions: { Frequency: ['PT1M'] },
        // kinesis://<stream>: a Kinesis stream on this server read directly (a Freshet extension; stream-source.ts).
        patternOverrides: {
          TemplatedPath: /^(?:s3:\/\/[a-zA-Z0-9_\-/ {}=]+|kinesis:\/\/[a-zA-Z0-9_.-]{1,128})$/,
          HistoricalDataPath: /^(?:s3:\/\/[a-z0-9].+|kinesis:\/\/[a-zA-Z0-9_.-]{1,128})$/,
        },
      },
      close: () => engine.close(),
    },
    engine,
  );
  return { ...service, engine };
}
