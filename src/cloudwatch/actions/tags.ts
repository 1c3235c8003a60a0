/**
 * ListTagsForResource, TagResource, UntagResource
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_TagResource.html and its siblings)
 * for alarm ARNs. Another resource (or an unknown alarm) is ResourceNotFoundException.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { cloudWatchErrors } from '../errors.ts';
import { type CloudWatchContext, alarmNameOfArn, engineCall, tagsIn, tagsOut } from './common.ts';

function alarmOf(ctx: CloudWatchContext, arn: string): string {
  const name = alarmNameOfArn(ctx, arn);
  if (name === undefined || ctx.deps.alarms.tagsOf(name) === undefined) {
    throw cloudWatchErrors.create('ResourceNotFoundException', `The specified resource ${arn} does not exist.`, {
      fields: { ResourceType: 'alarm', ResourceId: arn },
    });
  }
  return name;
}

export const listTagsForResource = defineAction(cloudWatchModel, 'ListTagsForResource', async (input, ctx: CloudWatchContext) => {
  const name = alarmOf(ctx, input.ResourceARN);
  return { Tags: tagsOut(ctx.deps.alarms.tagsOf(name)!) };
});

export const tagResource = defineAction(cloudWatchModel, 'TagResource', async (input, ctx: CloudWatchContext) => {
  const name = alarmOf(ctx, input.ResourceARN);
  const tags = [...ctx.deps.alarms.tagsOf(name)!];
  for (const t of tagsIn(input.Tags) ?? []) {
    const i = tags.findIndex((x) => x.key === t.key);
    if (i >= 0) tags[i] = t;
    else tags.push(t);
  }
  await engineCall(() => ctx.deps.alarms.setTags(name, tags));
  return {};
});

export const untagResource = defineAction(cloudWatchModel, 'UntagResource', async (input, ctx: CloudWatchContext) => {
  const name = alarmOf(ctx, input.ResourceARN);
  const drop = new Set(input.TagKeys);
  await engineCall(() =>
    ctx.deps.alarms.setTags(
      name,
      ctx.deps.alarms.tagsOf(name)!.filter((t) => !drop.has(t.key)),
    ),
  );
  return {};
});
