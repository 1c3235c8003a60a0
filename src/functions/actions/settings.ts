/**
 * Tags (TagResource, UntagResource, ListTags), concurrency
 * (PutFunctionConcurrency, GetFunctionConcurrency, DeleteFunctionConcurrency),
 * GetAccountSettings and the asynchronous-invocation configuration
 * (Put/Update/Get/Delete/ListFunctionEventInvokeConfig) and provisioned concurrency
 * (Put/Get/Delete/ListProvisionedConcurrencyConfigs) — Lambda API reference.
 */
import { defineAction } from '../../aws/index.ts';
import { lambdaModel } from '../../aws/models/lambda.ts';
import type { DestinationConfig } from '../../aws/models/lambda.ts';
import { lambdaError } from '../errors.ts';
import { LIMITS as FUNCTION_LIMITS } from '../model.ts';
import type { ProvisionedConcurrencyState } from '../engine.ts';
import { eventInvokeConfig, lambdaTime } from '../wire.ts';
import { wireContext } from './common.ts';
import type { LambdaContext } from './common.ts';

export const tagResource = defineAction(lambdaModel, 'TagResource', async (input, ctx: LambdaContext) => {
  await ctx.deps.functions.tag(input.Resource, input.Tags);
  return undefined;
});

export const untagResource = defineAction(lambdaModel, 'UntagResource', async (input, ctx: LambdaContext) => {
  await ctx.deps.functions.untag(input.Resource, input.TagKeys);
  return undefined;
});

export const listTags = defineAction(lambdaModel, 'ListTags', (input, ctx: LambdaContext) => ({ Tags: { ...ctx.deps.functions.get(input.Resource).tags } }));

export const putFunctionConcurrency = defineAction(lambdaModel, 'PutFunctionConcurrency', async (input, ctx: LambdaContext) => ({
  ReservedConcurrentExecutions: await ctx.deps.functions.putConcurrency(input.FunctionName, input.ReservedConcurrentExecutions),
}));

export const getFunctionConcurrency = defineAction(lambdaModel, 'GetFunctionConcurrency', (input, ctx: LambdaContext) => {
  const r = ctx.deps.functions.get(input.FunctionName);
  return r.reservedConcurrency !== undefined ? { ReservedConcurrentExecutions: r.reservedConcurrency } : {};
});

export const deleteFunctionConcurrency = defineAction(lambdaModel, 'DeleteFunctionConcurrency', async (input, ctx: LambdaContext) => {
  await ctx.deps.functions.deleteConcurrency(input.FunctionName);
  return undefined;
});

export const getAccountSettings = defineAction(lambdaModel, 'GetAccountSettings', (_input, ctx: LambdaContext) => {
  const s = ctx.deps.functions.accountSettings();
  return {
    AccountLimit: {
      TotalCodeSize: 80_530_636_800,
      CodeSizeUnzipped: FUNCTION_LIMITS.maxUnzippedBytes,
      CodeSizeZipped: FUNCTION_LIMITS.maxZipBytes,
      ConcurrentExecutions: s.concurrentExecutions,
      UnreservedConcurrentExecutions: s.unreservedConcurrentExecutions,
    },
    AccountUsage: { TotalCodeSize: s.totalCodeSize, FunctionCount: s.functionCount },
  };
});

function destinations(d: DestinationConfig | undefined): { onSuccess?: string; onFailure?: string } {
  const out: { onSuccess?: string; onFailure?: string } = {};
  if (d?.OnSuccess?.Destination) out.onSuccess = d.OnSuccess.Destination;
  if (d?.OnFailure?.Destination) out.onFailure = d.OnFailure.Destination;
  return out;
}

function checkQualifier(ctx: LambdaContext, name: string, qualifier: string | undefined): void {
  if (qualifier !== undefined && qualifier !== '$LATEST') ctx.deps.functions.versionExact(name, qualifier);
}

export const putFunctionEventInvokeConfig = defineAction(lambdaModel, 'PutFunctionEventInvokeConfig', async (input, ctx: LambdaContext) => {
  checkQualifier(ctx, input.FunctionName, input.Qualifier);
  const c = await ctx.deps.functions.putEventInvokeConfig(
    input.FunctionName,
    {
      ...(input.MaximumRetryAttempts !== undefined ? { maximumRetryAttempts: input.MaximumRetryAttempts } : {}),
      ...(input.MaximumEventAgeInSeconds !== undefined ? { maximumEventAgeSeconds: input.MaximumEventAgeInSeconds } : {}),
      ...destinations(input.DestinationConfig),
    },
    true,
  );
  return eventInvokeConfig(wireContext(ctx), ctx.deps.functions.get(input.FunctionName).name, input.Qualifier, c);
});

export const updateFunctionEventInvokeConfig = defineAction(lambdaModel, 'UpdateFunctionEventInvokeConfig', async (input, ctx: LambdaContext) => {
  checkQualifier(ctx, input.FunctionName, input.Qualifier);
  const c = await ctx.deps.functions.putEventInvokeConfig(
    input.FunctionName,
    {
      ...(input.MaximumRetryAttempts !== undefined ? { maximumRetryAttempts: input.MaximumRetryAttempts } : {}),
      ...(input.MaximumEventAgeInSeconds !== undefined ? { maximumEventAgeSeconds: input.MaximumEventAgeInSeconds } : {}),
      ...destinations(input.DestinationConfig),
    },
    false,
  );
  return eventInvokeConfig(wireContext(ctx), ctx.deps.functions.get(input.FunctionName).name, input.Qualifier, c);
});

export const getFunctionEventInvokeConfig = defineAction(lambdaModel, 'GetFunctionEventInvokeConfig', (input, ctx: LambdaContext) => {
  const r = ctx.deps.functions.get(input.FunctionName);
  if (!r.eventInvokeConfig) {
    throw lambdaError(
      'ResourceNotFoundException',
      `The function ${ctx.deps.functions.arn(r.name, input.Qualifier ?? '$LATEST')} doesn't have an EventInvokeConfig`,
    );
  }
  return eventInvokeConfig(wireContext(ctx), r.name, input.Qualifier, r.eventInvokeConfig);
});

export const listFunctionEventInvokeConfigs = defineAction(lambdaModel, 'ListFunctionEventInvokeConfigs', (input, ctx: LambdaContext) => {
  const r = ctx.deps.functions.get(input.FunctionName);
  return { FunctionEventInvokeConfigs: r.eventInvokeConfig ? [eventInvokeConfig(wireContext(ctx), r.name, undefined, r.eventInvokeConfig)] : [] };
});

export const deleteFunctionEventInvokeConfig = defineAction(lambdaModel, 'DeleteFunctionEventInvokeConfig', async (input, ctx: LambdaContext) => {
  await ctx.deps.functions.deleteEventInvokeConfig(input.FunctionName);
  return undefined;
});

function provisionedConfig(s: ProvisionedConcurrencyState): {
  RequestedProvisionedConcurrentExecutions: number;
  AvailableProvisionedConcurrentExecutions: number;
  AllocatedProvisionedConcurrentExecutions: number;
  Status: ProvisionedConcurrencyState['status'];
  StatusReason?: string;
  LastModified: string;
} {
  return {
    RequestedProvisionedConcurrentExecutions: s.requested,
    AvailableProvisionedConcurrentExecutions: s.available,
    AllocatedProvisionedConcurrentExecutions: s.allocated,
    Status: s.status,
    ...(s.statusReason !== undefined ? { StatusReason: s.statusReason } : {}),
    LastModified: lambdaTime(s.lastModifiedMs),
  };
}

export const putProvisionedConcurrencyConfig = defineAction(lambdaModel, 'PutProvisionedConcurrencyConfig', async (input, ctx: LambdaContext) =>
  provisionedConfig(await ctx.deps.functions.putProvisionedConcurrency(input.FunctionName, input.Qualifier, input.ProvisionedConcurrentExecutions)),
);

export const getProvisionedConcurrencyConfig = defineAction(lambdaModel, 'GetProvisionedConcurrencyConfig', (input, ctx: LambdaContext) =>
  provisionedConfig(ctx.deps.functions.getProvisionedConcurrency(input.FunctionName, input.Qualifier)),
);

export const listProvisionedConcurrencyConfigs = defineAction(lambdaModel, 'ListProvisionedConcurrencyConfigs', (input, ctx: LambdaContext) => {
  const name = ctx.deps.functions.get(input.FunctionName).name;
  const all = ctx.deps.functions.listProvisionedConcurrency(input.FunctionName);
  const start = input.Marker !== undefined ? Number(input.Marker) : 0;
  const max = input.MaxItems ?? 50;
  const page = all.slice(start, start + max);
  return {
    ProvisionedConcurrencyConfigs: page.map((s) => ({ FunctionArn: ctx.deps.functions.arn(name, s.qualifier), ...provisionedConfig(s) })),
    ...(start + max < all.length ? { NextMarker: String(start + max) } : {}),
  };
});

export const deleteProvisionedConcurrencyConfig = defineAction(lambdaModel, 'DeleteProvisionedConcurrencyConfig', async (input, ctx: LambdaContext) => {
  await ctx.deps.functions.deleteProvisionedConcurrency(input.FunctionName, input.Qualifier);
  return undefined;
});
