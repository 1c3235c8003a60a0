/** TagResource, UntagResource, ListTagsForResource on detectors, metric sets and alerts (at most 50 tags, as on AWS). */
import { defineAction } from '../../aws/index.ts';
import { lookoutMetricsModel } from '../../aws/models/lookoutmetrics.ts';
import type { DetectorsEngine } from '../engine.ts';
import { notFound, validation } from '../errors.ts';
import type { DetectorsContext } from './common.ts';

const MAX_TAGS = 50;

function checkResource(engine: DetectorsEngine, arn: string): void {
  if (engine.detectors.has(arn) || engine.metricSets.has(arn) || engine.alerts.has(arn)) return;
  throw notFound(arn, 'Resource');
}

export const tagResource = defineAction(lookoutMetricsModel, 'TagResource', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  checkResource(engine, input.ResourceArn);
  const next = { ...engine.tags.get(input.ResourceArn), ...input.Tags };
  if (Object.keys(next).length > MAX_TAGS) throw validation(`A resource can have at most ${MAX_TAGS} tags.`);
  engine.tags.set(input.ResourceArn, next);
  engine.save();
  return {};
});

export const untagResource = defineAction(lookoutMetricsModel, 'UntagResource', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  checkResource(engine, input.ResourceArn);
  const next = { ...engine.tags.get(input.ResourceArn) };
  for (const k of input.TagKeys) delete next[k];
  engine.tags.set(input.ResourceArn, next);
  engine.save();
  return {};
});

export const listTagsForResource = defineAction(lookoutMetricsModel, 'ListTagsForResource', (input, ctx: DetectorsContext) => {
  checkResource(ctx.deps, input.ResourceArn);
  return { Tags: { ...ctx.deps.tags.get(input.ResourceArn) } };
});
