/**
 * PublishVersion, ListVersionsByFunction and the alias actions (CreateAlias,
 * GetAlias, ListAliases, UpdateAlias, DeleteAlias) — Lambda API reference.
 */
import { defineAction } from '../../aws/index.ts';
import { lambdaModel } from '../../aws/models/lambda.ts';
import { aliasConfiguration, functionConfiguration, page } from '../wire.ts';
import { wireContext } from './common.ts';
import type { LambdaContext } from './common.ts';

export const publishVersion = defineAction(lambdaModel, 'PublishVersion', async (input, ctx: LambdaContext) => {
  const fns = ctx.deps.functions;
  const v = await fns.publishVersion(input.FunctionName, {
    ...(input.CodeSha256 !== undefined ? { codeSha256: input.CodeSha256 } : {}),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    ...(input.RevisionId !== undefined ? { revisionId: input.RevisionId } : {}),
  });
  return functionConfiguration(wireContext(ctx), fns.get(input.FunctionName), v);
});

export const listVersionsByFunction = defineAction(lambdaModel, 'ListVersionsByFunction', (input, ctx: LambdaContext) => {
  const fns = ctx.deps.functions;
  const record = fns.get(input.FunctionName);
  const w = wireContext(ctx);
  const { items, nextMarker } = page(
    fns.listVersions(record.name).map((v) => functionConfiguration(w, record, v)),
    input.Marker,
    input.MaxItems,
  );
  return { Versions: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
});

export const createAlias = defineAction(lambdaModel, 'CreateAlias', async (input, ctx: LambdaContext) => {
  const fns = ctx.deps.functions;
  const a = await fns.createAlias(input.FunctionName, {
    name: input.Name,
    functionVersion: input.FunctionVersion,
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    ...(input.RoutingConfig?.AdditionalVersionWeights ? { additionalVersionWeights: input.RoutingConfig.AdditionalVersionWeights } : {}),
  });
  return aliasConfiguration(wireContext(ctx), fns.get(input.FunctionName).name, a);
});

export const getAlias = defineAction(lambdaModel, 'GetAlias', (input, ctx: LambdaContext) => {
  const fns = ctx.deps.functions;
  return aliasConfiguration(wireContext(ctx), fns.get(input.FunctionName).name, fns.getAlias(input.FunctionName, input.Name));
});

export const listAliases = defineAction(lambdaModel, 'ListAliases', (input, ctx: LambdaContext) => {
  const fns = ctx.deps.functions;
  const name = fns.get(input.FunctionName).name;
  const w = wireContext(ctx);
  const { items, nextMarker } = page(
    fns.listAliases(input.FunctionName, input.FunctionVersion).map((a) => aliasConfiguration(w, name, a)),
    input.Marker,
    input.MaxItems,
  );
  return { Aliases: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
});

export const updateAlias = defineAction(lambdaModel, 'UpdateAlias', async (input, ctx: LambdaContext) => {
  const fns = ctx.deps.functions;
  const a = await fns.updateAlias(input.FunctionName, input.Name, {
    ...(input.FunctionVersion !== undefined ? { functionVersion: input.FunctionVersion } : {}),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    ...(input.RoutingConfig !== undefined ? { additionalVersionWeights: input.RoutingConfig.AdditionalVersionWeights ?? {} } : {}),
    ...(input.RevisionId !== undefined ? { revisionId: input.RevisionId } : {}),
  });
  return aliasConfiguration(wireContext(ctx), fns.get(input.FunctionName).name, a);
});

export const deleteAlias = defineAction(lambdaModel, 'DeleteAlias', async (input, ctx: LambdaContext) => {
  await ctx.deps.functions.deleteAlias(input.FunctionName, input.Name);
  return undefined;
});
