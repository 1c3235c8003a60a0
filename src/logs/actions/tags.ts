/**
 * Tags of log groups: TagResource / UntagResource / ListTagsForResource (by the group's ARN, with or
 * without the trailing `:*`), and the older TagLogGroup / UntagLogGroup / ListTagsLogGroup (by name).
 */
import { defineAction } from '../../aws/index.ts';
import { logsModel } from '../../aws/models/logs.ts';
import { logsErrors } from '../errors.ts';
import type { LogsContext } from './common.ts';

function groupOfArn(ctx: LogsContext, arn: string): string {
  const name = ctx.deps.engine.groupFromArn(arn);
  if (name === undefined || !ctx.deps.engine.hasGroup(name)) throw logsErrors.format('ResourceNotFoundException', 'group', {});
  return name;
}

export const tagResource = defineAction(logsModel, 'TagResource', async (input, ctx: LogsContext) => {
  await ctx.deps.engine.tag(groupOfArn(ctx, input.resourceArn), input.tags);
  return undefined;
});

export const untagResource = defineAction(logsModel, 'UntagResource', async (input, ctx: LogsContext) => {
  await ctx.deps.engine.untag(groupOfArn(ctx, input.resourceArn), input.tagKeys);
  return undefined;
});

export const listTagsForResource = defineAction(logsModel, 'ListTagsForResource', (input, ctx: LogsContext) => ({
  tags: ctx.deps.engine.tags(groupOfArn(ctx, input.resourceArn)),
}));

export const tagLogGroup = defineAction(logsModel, 'TagLogGroup', async (input, ctx: LogsContext) => {
  await ctx.deps.engine.tag(input.logGroupName, input.tags);
  return undefined;
});

export const untagLogGroup = defineAction(logsModel, 'UntagLogGroup', async (input, ctx: LogsContext) => {
  await ctx.deps.engine.untag(input.logGroupName, input.tags);
  return undefined;
});

export const listTagsLogGroup = defineAction(logsModel, 'ListTagsLogGroup', (input, ctx: LogsContext) => ({
  tags: ctx.deps.engine.tags(input.logGroupName),
}));
