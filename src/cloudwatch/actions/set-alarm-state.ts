/**
 * SetAlarmState (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html)
 * Reads { AlarmName, StateValue, StateReason, StateReasonData }; writes nothing. Runs the new state's actions.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, engineCall } from './common.ts';

export const setAlarmState = defineAction(cloudWatchModel, 'SetAlarmState', async (input, ctx: CloudWatchContext) => {
  await engineCall(() => ctx.deps.alarms.setAlarmState(input.AlarmName, input.StateValue, input.StateReason, input.StateReasonData));
  return undefined;
});
