/**
 * Log groups: CreateLogGroup, DeleteLogGroup, DescribeLogGroups (prefix or pattern, limit 1–50,
 * nextToken), PutRetentionPolicy, DeleteRetentionPolicy. Reference: CloudWatch Logs API reference.
 */
import { defineAction } from '../../aws/index.ts';
import { logsModel } from '../../aws/models/logs.ts';
import type { LogGroup } from '../../aws/models/logs.ts';
import { RETENTION_DAYS } from '../engine.ts';
import { logsErrors } from '../errors.ts';
import { decodeToken, encodeToken } from './common.ts';
import type { LogsContext } from './common.ts';

export const createLogGroup = defineAction(logsModel, 'CreateLogGroup', async (input, ctx: LogsContext) => {
  await ctx.deps.engine.createGroup(input.logGroupName, {
    ...(input.tags ? { tags: input.tags } : {}),
    ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
  });
  return undefined;
});

export const deleteLogGroup = defineAction(logsModel, 'DeleteLogGroup', async (input, ctx: LogsContext) => {
  await ctx.deps.engine.deleteGroup(input.logGroupName);
  return undefined;
});

export const describeLogGroups = defineAction(logsModel, 'DescribeLogGroups', (input, ctx: LogsContext) => {
  const engine = ctx.deps.engine;
  if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
    throw logsErrors.format('InvalidParameterException', 'prefixAndPattern', {});
  }
  const after = input.nextToken !== undefined ? decodeToken(input.nextToken) : undefined;
  const limit = input.limit ?? 50;
  const prefix = input.logGroupNamePrefix;
  const pattern = input.logGroupNamePattern?.toLowerCase();
  const out: LogGroup[] = [];
  let more = false;
  for (const g of engine.listGroups()) {
    if (after !== undefined && g.name <= after) continue;
    if (prefix !== undefined && !g.name.startsWith(prefix)) continue;
    if (pattern !== undefined && !g.name.toLowerCase().includes(pattern)) continue;
    if (out.length === limit) {
      more = true;
      break;
    }
    out.push({
      logGroupName: g.name,
      creationTime: g.createdMs,
      ...(g.retentionDays !== undefined ? { retentionInDays: g.retentionDays } : {}),
      metricFilterCount: 0,
      arn: `${engine.groupArn(g.name)}:*`,
      storedBytes: g.storedBytes,
      ...(g.kmsKeyId !== undefined ? { kmsKeyId: g.kmsKeyId } : {}),
    });
  }
  const last = out.at(-1);
  return { logGroups: out, ...(more && last ? { nextToken: encodeToken(last.logGroupName!) } : {}) };
});

export const putRetentionPolicy = defineAction(logsModel, 'PutRetentionPolicy', async (input, ctx: LogsContext) => {
  const days = input.retentionInDays;
  if (!(RETENTION_DAYS as readonly number[]).includes(days)) {
    throw logsErrors.format('InvalidParameterException', 'retention', { value: String(days), allowed: RETENTION_DAYS.join(', ') });
  }
  await ctx.deps.engine.setRetention(input.logGroupName, days);
  return undefined;
});

export const deleteRetentionPolicy = defineAction(logsModel, 'DeleteRetentionPolicy', async (input, ctx: LogsContext) => {
  await ctx.deps.engine.setRetention(input.logGroupName, undefined);
  return undefined;
});
