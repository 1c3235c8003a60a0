/**
 * EnableAlarmActions / DisableAlarmActions
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_EnableAlarmActions.html, …_DisableAlarmActions.html)
 * Read { AlarmNames }; write nothing. Unknown names are ignored, as in CloudWatch.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, engineCall } from './common.ts';

export const enableAlarmActions = defineAction(cloudWatchModel, 'EnableAlarmActions', async (input, ctx: CloudWatchContext) => {
  await engineCall(() => ctx.deps.alarms.setActionsEnabled(input.AlarmNames, true));
  return undefined;
});

export const disableAlarmActions = defineAction(cloudWatchModel, 'DisableAlarmActions', async (input, ctx: CloudWatchContext) => {
  await engineCall(() => ctx.deps.alarms.setActionsEnabled(input.AlarmNames, false));
  return undefined;
});
