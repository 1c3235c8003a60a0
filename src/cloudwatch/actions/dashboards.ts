/**
 * PutDashboard, GetDashboard, ListDashboards, DeleteDashboards
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html and its siblings).
 * PutDashboard reads { DashboardName, DashboardBody } and writes { DashboardValidationMessages }; a body
 * that fails validation is DashboardInvalidInputError (InvalidParameterInput) with the messages.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, engineCall, seconds } from './common.ts';

export const putDashboard = defineAction(cloudWatchModel, 'PutDashboard', async (input, ctx: CloudWatchContext) => {
  const messages = await engineCall(() => ctx.deps.dashboards.put(input.DashboardName, input.DashboardBody), { dashboard: true });
  return { DashboardValidationMessages: messages };
});

export const getDashboard = defineAction(cloudWatchModel, 'GetDashboard', async (input, ctx: CloudWatchContext) => {
  const d = await engineCall(() => ctx.deps.dashboards.get(input.DashboardName), { dashboard: true });
  return { DashboardArn: d.dashboardArn, DashboardBody: d.dashboardBody, DashboardName: d.dashboardName };
});

export const listDashboards = defineAction(cloudWatchModel, 'ListDashboards', async (input, ctx: CloudWatchContext) => {
  const page = await engineCall(() => ctx.deps.dashboards.list(input.DashboardNamePrefix, input.NextToken), { dashboard: true });
  return {
    DashboardEntries: page.entries.map((d) => ({
      DashboardName: d.dashboardName,
      DashboardArn: d.dashboardArn,
      LastModified: seconds(d.lastModifiedMs),
      Size: d.sizeBytes,
    })),
    ...(page.nextToken !== undefined ? { NextToken: page.nextToken } : {}),
  };
});

export const deleteDashboards = defineAction(cloudWatchModel, 'DeleteDashboards', async (input, ctx: CloudWatchContext) => {
  await engineCall(() => ctx.deps.dashboards.delete(input.DashboardNames), { dashboard: true });
  return {};
});
