/**
 * CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
 * UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction
 * (Lambda API reference, each action's page).
 */
import { defineAction } from '../../aws/index.ts';
import { lambdaModel } from '../../aws/models/lambda.ts';
import type { FunctionConfiguration } from '../../aws/models/lambda.ts';
import { lambdaError } from '../errors.ts';
import { functionConfiguration, page } from '../wire.ts';
import { codeFrom, settingsFrom, wireContext } from './common.ts';
import type { LambdaContext } from './common.ts';

export const createFunction = defineAction(lambdaModel, 'CreateFunction', async (input, ctx: LambdaContext) => {
  const fns = ctx.deps.functions;
  if (input.PackageType === 'Image') {
    throw lambdaError('InvalidParameterValueException', 'Container images are not supported by Freshet: use a zip package (ZipFile or S3Bucket/S3Key).');
  }
  const code = await codeFrom(ctx, input.Code);
  const { name } = fns.resolveName(input.FunctionName);
  const { record, version } = await fns.createFunction(name, settingsFrom(input), code, {
    ...(input.Tags ? { tags: input.Tags } : {}),
    ...(input.Publish ? { publish: true } : {}),
  });
  return functionConfiguration(wireContext(ctx), record, version);
});

export const getFunction = defineAction(lambdaModel, 'GetFunction', (input, ctx: LambdaContext) => {
  const fns = ctx.deps.functions;
  const { record, version } = fns.versionExact(input.FunctionName, input.Qualifier);
  return {
    Configuration: functionConfiguration(wireContext(ctx), record, version),
    Code: { RepositoryType: 'S3', Location: fns.codeLocation(version) },
    ...(Object.keys(record.tags).length ? { Tags: { ...record.tags } } : {}),
    ...(record.reservedConcurrency !== undefined ? { Concurrency: { ReservedConcurrentExecutions: record.reservedConcurrency } } : {}),
  };
});

export const getFunctionConfiguration = defineAction(lambdaModel, 'GetFunctionConfiguration', (input, ctx: LambdaContext) => {
  const { record, version } = ctx.deps.functions.versionExact(input.FunctionName, input.Qualifier);
  return functionConfiguration(wireContext(ctx), record, version);
});

export const listFunctions = defineAction(lambdaModel, 'ListFunctions', (input, ctx: LambdaContext) => {
  const w = wireContext(ctx);
  const all: FunctionConfiguration[] = [];
  for (const r of ctx.deps.functions.list()) {
    all.push(functionConfiguration(w, r, r.latest));
    if (input.FunctionVersion === 'ALL') for (const v of ctx.deps.functions.listVersions(r.name).slice(1)) all.push(functionConfiguration(w, r, v));
  }
  const { items, nextMarker } = page(all, input.Marker, input.MaxItems);
  return { Functions: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
});

export const updateFunctionCode = defineAction(lambdaModel, 'UpdateFunctionCode', async (input, ctx: LambdaContext) => {
  const code = await codeFrom(ctx, input);
  const { record, version } = await ctx.deps.functions.updateFunctionCode(input.FunctionName, code, {
    ...(input.Publish ? { publish: true } : {}),
    ...(input.RevisionId !== undefined ? { revisionId: input.RevisionId } : {}),
  });
  return functionConfiguration(wireContext(ctx), record, version);
});

export const updateFunctionConfiguration = defineAction(lambdaModel, 'UpdateFunctionConfiguration', async (input, ctx: LambdaContext) => {
  const { record, version } = await ctx.deps.functions.updateFunctionConfiguration(input.FunctionName, settingsFrom(input), {
    ...(input.RevisionId !== undefined ? { revisionId: input.RevisionId } : {}),
  });
  return functionConfiguration(wireContext(ctx), record, version);
});

export const deleteFunction = defineAction(lambdaModel, 'DeleteFunction', async (input, ctx: LambdaContext) => {
  await ctx.deps.functions.deleteFunction(input.FunctionName, input.Qualifier);
  return undefined;
});
