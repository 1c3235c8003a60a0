/**
 * Every action of KinesisAnalytics_20150814, each mapped to its handler or
 * explicitly to `undefined` (the server answers UnknownOperationException).
 * Requests are validated against the service model's constraints first.
 */
import type { ActionHandler } from '../../aws/index.ts';
import { VALIDATORS } from '../wire/shapes.ts';
import { createApplication, deleteApplication, describeApplication, listApplications } from './applications.ts';
import {
  addApplicationCloudWatchLoggingOption,
  addApplicationInput,
  addApplicationOutput,
  addApplicationReferenceDataSource,
  deleteApplicationCloudWatchLoggingOption,
  deleteApplicationOutput,
  deleteApplicationReferenceDataSource,
  updateApplication,
} from './configuration.ts';
import { discoverInputSchema } from './discover-input-schema.ts';
import { startApplication, stopApplication } from './lifecycle.ts';
import { listTagsForResource, tagResource, untagResource } from './tags.ts';
import type { AnalyticsContext, Wire } from './context.ts';

type Handler = (ctx: AnalyticsContext, req: Wire) => unknown;

const HANDLERS: Readonly<Record<string, Handler | undefined>> = {
  AddApplicationCloudWatchLoggingOption: addApplicationCloudWatchLoggingOption,
  AddApplicationInput: addApplicationInput,
  // Lambda preprocessing of input records is not implemented.
  AddApplicationInputProcessingConfiguration: undefined,
  AddApplicationOutput: addApplicationOutput,
  AddApplicationReferenceDataSource: addApplicationReferenceDataSource,
  CreateApplication: createApplication,
  DeleteApplication: deleteApplication,
  DeleteApplicationCloudWatchLoggingOption: deleteApplicationCloudWatchLoggingOption,
  DeleteApplicationInputProcessingConfiguration: undefined,
  DeleteApplicationOutput: deleteApplicationOutput,
  DeleteApplicationReferenceDataSource: deleteApplicationReferenceDataSource,
  DescribeApplication: describeApplication,
  DiscoverInputSchema: discoverInputSchema,
  ListApplications: listApplications,
  ListTagsForResource: listTagsForResource,
  StartApplication: startApplication,
  StopApplication: stopApplication,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateApplication: updateApplication,
};

export const ACTION_NAMES: readonly string[] = Object.keys(HANDLERS);

/** The service's action table, bound to one AnalyticsContext. */
export function bindActions(ctx: AnalyticsContext): Record<string, ActionHandler | undefined> {
  const table: Record<string, ActionHandler | undefined> = {};
  for (const [name, handler] of Object.entries(HANDLERS)) {
    if (!handler) {
      table[name] = undefined;
      continue;
    }
    const validate = VALIDATORS[name];
    if (!validate) throw new Error(`analytics: no request shape for ${name}`);
    table[name] = (input) => handler(ctx, validate(input));
  }
  return table;
}
