/**
 * DeleteAlarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html)
 * Reads { AlarmNames }; writes nothing. All or none: an unknown name is ResourceNotFound.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, engineCall } from './common.ts';

export const deleteAlarms = defineAction(cloudWatchModel, 'DeleteAlarms', async (input, ctx: CloudWatchContext) => {
  await engineCall(() => ctx.deps.alarms.deleteAlarms(input.AlarmNames));
  return undefined;
});
