/**
 * DescribeAlarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html)
 * Reads { AlarmNames, AlarmNamePrefix, AlarmTypes, ChildrenOfAlarmName, ParentsOfAlarmName, StateValue,
 * ActionPrefix, MaxRecords, NextToken }; writes { MetricAlarms, CompositeAlarms, NextToken }.
 * Without AlarmTypes only metric alarms are returned.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, compositeAlarmOut, engineCall, metricAlarmOut } from './common.ts';

export const describeAlarms = defineAction(cloudWatchModel, 'DescribeAlarms', async (input, ctx: CloudWatchContext) => {
  const page = await engineCall(() =>
    ctx.deps.alarms.describeAlarms({
      ...(input.AlarmNames !== undefined ? { alarmNames: input.AlarmNames } : {}),
      ...(input.AlarmNamePrefix !== undefined ? { alarmNamePrefix: input.AlarmNamePrefix } : {}),
      ...(input.AlarmTypes !== undefined ? { alarmTypes: input.AlarmTypes } : {}),
      ...(input.ChildrenOfAlarmName !== undefined ? { childrenOfAlarmName: input.ChildrenOfAlarmName } : {}),
      ...(input.ParentsOfAlarmName !== undefined ? { parentsOfAlarmName: input.ParentsOfAlarmName } : {}),
      ...(input.StateValue !== undefined ? { stateValue: input.StateValue } : {}),
      ...(input.ActionPrefix !== undefined ? { actionPrefix: input.ActionPrefix } : {}),
      ...(input.MaxRecords !== undefined ? { maxRecords: input.MaxRecords } : {}),
      ...(input.NextToken !== undefined ? { nextToken: input.NextToken } : {}),
    }),
  );
  return {
    MetricAlarms: page.alarms.filter((a) => a.type === 'MetricAlarm').map(metricAlarmOut),
    CompositeAlarms: page.alarms.filter((a) => a.type === 'CompositeAlarm').map(compositeAlarmOut),
    ...(page.nextToken !== undefined ? { NextToken: page.nextToken } : {}),
  };
});
