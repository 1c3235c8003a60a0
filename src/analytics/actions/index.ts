/**
 * Every operation of KinesisAnalytics_20150814 (the generated model, src/aws/models/kinesisanalytics.ts),
 * each mapped to its action or explicitly to `undefined` (AWS's UnknownOperationException). Requests are
 * validated against the model's shapes before a handler runs (src/aws, defineService); the handlers here
 * add the semantic checks the model cannot express.
 */
import { actionTable, defineAction } from '../../aws/index.ts';
import type { ActionContext, ActionResult, OperationOutput } from '../../aws/index.ts';
import { kinesisAnalyticsModel } from '../../aws/models/kinesisanalytics.ts';
import type { KinesisAnalyticsOperations } from '../../aws/models/kinesisanalytics.ts';
import { createApplication, deleteApplication, describeApplication, listApplications } from './applications.ts';
import {
  addApplicationCloudWatchLoggingOption,
  addApplicationInput,
  addApplicationInputProcessingConfiguration,
  addApplicationOutput,
  addApplicationReferenceDataSource,
  deleteApplicationCloudWatchLoggingOption,
  deleteApplicationInputProcessingConfiguration,
  deleteApplicationOutput,
  deleteApplicationReferenceDataSource,
  updateApplication,
} from './configuration.ts';
import { discoverInputSchema } from './discover-input-schema.ts';
import { startApplication, stopApplication } from './lifecycle.ts';
import { listTagsForResource, tagResource, untagResource } from './tags.ts';
import type { AnalyticsContext, Wire } from './context.ts';

type Ops = KinesisAnalyticsOperations;
type Handler = (ctx: AnalyticsContext, req: Wire) => unknown;

/**
 * An action whose handler reads the (validated) request as a record, as the v1 handlers were written;
 * the table and the validation are typed from the model all the same.
 */
function action<K extends keyof Ops & string>(operation: K, handler: Handler) {
  return defineAction(
    kinesisAnalyticsModel,
    operation,
    (input: object, ctx: ActionContext<AnalyticsContext>) => handler(ctx.deps, input as Wire) as Promise<ActionResult<OperationOutput<Ops, K>>>,
  );
}

export const ANALYTICS_ACTIONS = actionTable(kinesisAnalyticsModel, {
  AddApplicationCloudWatchLoggingOption: action('AddApplicationCloudWatchLoggingOption', addApplicationCloudWatchLoggingOption),
  AddApplicationInput: action('AddApplicationInput', addApplicationInput),
  AddApplicationInputProcessingConfiguration: action('AddApplicationInputProcessingConfiguration', addApplicationInputProcessingConfiguration),
  AddApplicationOutput: action('AddApplicationOutput', addApplicationOutput),
  AddApplicationReferenceDataSource: action('AddApplicationReferenceDataSource', addApplicationReferenceDataSource),
  CreateApplication: action('CreateApplication', createApplication),
  DeleteApplication: action('DeleteApplication', deleteApplication),
  DeleteApplicationCloudWatchLoggingOption: action('DeleteApplicationCloudWatchLoggingOption', deleteApplicationCloudWatchLoggingOption),
  DeleteApplicationInputProcessingConfiguration: action('DeleteApplicationInputProcessingConfiguration', deleteApplicationInputProcessingConfiguration),
  DeleteApplicationOutput: action('DeleteApplicationOutput', deleteApplicationOutput),
  DeleteApplicationReferenceDataSource: action('DeleteApplicationReferenceDataSource', deleteApplicationReferenceDataSource),
  DescribeApplication: action('DescribeApplication', describeApplication),
  DiscoverInputSchema: action('DiscoverInputSchema', discoverInputSchema),
  ListApplications: action('ListApplications', listApplications),
  ListTagsForResource: action('ListTagsForResource', listTagsForResource),
  StartApplication: action('StartApplication', startApplication),
  StopApplication: action('StopApplication', stopApplication),
  TagResource: action('TagResource', tagResource),
  UntagResource: action('UntagResource', untagResource),
  UpdateApplication: action('UpdateApplication', updateApplication),
});

export const ACTION_NAMES: readonly string[] = Object.keys(ANALYTICS_ACTIONS);
