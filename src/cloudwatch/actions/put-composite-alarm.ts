/**
 * PutCompositeAlarm (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html)
 * Reads { AlarmName, AlarmRule, AlarmDescription, ActionsEnabled, AlarmActions, OKActions,
 * InsufficientDataActions, ActionsSuppressor(+WaitPeriod, ExtensionPeriod), Tags }; writes nothing.
 * The alarm is evaluated right after it is saved.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import type { CompositeAlarmInput } from '../../metrics/index.ts';
import { type CloudWatchContext, engineCall, tagsIn } from './common.ts';

export const putCompositeAlarm = defineAction(cloudWatchModel, 'PutCompositeAlarm', async (input, ctx: CloudWatchContext) => {
  const a: CompositeAlarmInput = { alarmName: input.AlarmName, alarmRule: input.AlarmRule };
  if (input.AlarmDescription !== undefined) a.alarmDescription = input.AlarmDescription;
  if (input.ActionsEnabled !== undefined) a.actionsEnabled = input.ActionsEnabled;
  if (input.OKActions !== undefined) a.okActions = input.OKActions;
  if (input.AlarmActions !== undefined) a.alarmActions = input.AlarmActions;
  if (input.InsufficientDataActions !== undefined) a.insufficientDataActions = input.InsufficientDataActions;
  if (input.ActionsSuppressor !== undefined) a.actionsSuppressor = input.ActionsSuppressor;
  if (input.ActionsSuppressorWaitPeriod !== undefined) a.actionsSuppressorWaitPeriod = input.ActionsSuppressorWaitPeriod;
  if (input.ActionsSuppressorExtensionPeriod !== undefined) a.actionsSuppressorExtensionPeriod = input.ActionsSuppressorExtensionPeriod;
  const tags = tagsIn(input.Tags);
  if (tags) a.tags = tags;
  await engineCall(() => ctx.deps.alarms.putCompositeAlarm(a));
  return undefined;
});
