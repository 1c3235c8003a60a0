/**
 * TagResource, UntagResource, ListTagsForResource
 * (https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_TagResource.html).
 * Read `ResourceARN` (an application ARN) plus `Tags[{Key, Value}]` / `TagKeys[]`;
 * ListTagsForResource answers `{Tags}`. Tags do not change ApplicationVersionId.
 */

import type { ApplicationConfig } from '../model.ts';
import { checkTagCount, setTag } from './applications.ts';
import type { AnalyticsContext, Wire } from './context.ts';
import { analyticsErrors } from '../errors.ts';

function byArn(ctx: AnalyticsContext, arn: string): ApplicationConfig {
  const app = ctx.registry.byArn(arn);
  if (!app) throw analyticsErrors.create('ResourceNotFoundException', `Application with ARN ${arn} is not found`);
  return app;
}

export async function tagResource(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const app = byArn(ctx, req.ResourceARN as string);
  await ctx.registry.serialise(app.name, async () => {
    const next = structuredClone(app.tags);
    const draft = { ...app, tags: next };
    for (const t of req.Tags as Wire[]) setTag(draft, t.Key as string, (t.Value as string | undefined) ?? '');
    checkTagCount(next.length);
    app.tags = next;
    await ctx.registry.save(app);
  });
  return {};
}

export async function untagResource(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const app = byArn(ctx, req.ResourceARN as string);
  const keys = new Set(req.TagKeys as string[]);
  await ctx.registry.serialise(app.name, async () => {
    app.tags = app.tags.filter(([k]) => !keys.has(k));
    await ctx.registry.save(app);
  });
  return {};
}

export function listTagsForResource(ctx: AnalyticsContext, req: Wire): Wire {
  const app = byArn(ctx, req.ResourceARN as string);
  return { Tags: app.tags.map(([Key, Value]) => ({ Key, Value })) };
}
