/**
 * DescribeAlarmHistory (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html)
 * Reads { AlarmName, AlarmTypes, HistoryItemType, StartDate, EndDate, MaxRecords, NextToken, ScanBy };
 * writes { AlarmHistoryItems, NextToken }.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, engineCall, historyOut, millis } from './common.ts';

export const describeAlarmHistory = defineAction(cloudWatchModel, 'DescribeAlarmHistory', async (input, ctx: CloudWatchContext) => {
  const page = await engineCall(() =>
    ctx.deps.alarms.describeAlarmHistory({
      ...(input.AlarmName !== undefined ? { alarmName: input.AlarmName } : {}),
      ...(input.AlarmTypes !== undefined ? { alarmTypes: input.AlarmTypes } : {}),
      ...(input.HistoryItemType !== undefined ? { historyItemType: input.HistoryItemType } : {}),
      ...(input.StartDate !== undefined ? { startDateMs: millis(input.StartDate) } : {}),
      ...(input.EndDate !== undefined ? { endDateMs: millis(input.EndDate) } : {}),
      ...(input.MaxRecords !== undefined ? { maxRecords: input.MaxRecords } : {}),
      ...(input.NextToken !== undefined ? { nextToken: input.NextToken } : {}),
      ...(input.ScanBy !== undefined ? { scanBy: input.ScanBy } : {}),
    }),
  );
  return { AlarmHistoryItems: page.items.map(historyOut), ...(page.nextToken !== undefined ? { NextToken: page.nextToken } : {}) };
});
