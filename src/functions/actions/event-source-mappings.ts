/**
 * CreateEventSourceMapping, GetEventSourceMapping, ListEventSourceMappings,
 * UpdateEventSourceMapping, DeleteEventSourceMapping (Lambda API reference).
 */
import { defineAction } from '../../aws/index.ts';
import { lambdaModel } from '../../aws/models/lambda.ts';
import type { CreateEventSourceMappingRequest, UpdateEventSourceMappingRequest } from '../../aws/models/lambda.ts';
import type { MappingInput } from '../esm/model.ts';
import { mappingConfiguration, page } from '../wire.ts';
import type { LambdaContext } from './common.ts';

function mappingInput(
  input: Omit<Partial<CreateEventSourceMappingRequest>, 'StartingPosition'> & Partial<UpdateEventSourceMappingRequest> & { StartingPosition?: string },
): MappingInput {
  const m: MappingInput = {};
  if (input.FunctionName !== undefined) m.functionName = input.FunctionName;
  if (input.EventSourceArn !== undefined) m.eventSourceArn = input.EventSourceArn;
  if (input.Enabled !== undefined) m.enabled = input.Enabled;
  if (input.BatchSize !== undefined) m.batchSize = input.BatchSize;
  if (input.MaximumBatchingWindowInSeconds !== undefined) m.maximumBatchingWindowSeconds = input.MaximumBatchingWindowInSeconds;
  if (input.StartingPosition !== undefined) m.startingPosition = input.StartingPosition;
  if (input.StartingPositionTimestamp !== undefined) m.startingPositionTimestampMs = Math.round(input.StartingPositionTimestamp * 1000);
  if (input.ParallelizationFactor !== undefined) m.parallelizationFactor = input.ParallelizationFactor;
  if (input.BisectBatchOnFunctionError !== undefined) m.bisectBatchOnFunctionError = input.BisectBatchOnFunctionError;
  if (input.MaximumRetryAttempts !== undefined) m.maximumRetryAttempts = input.MaximumRetryAttempts;
  if (input.MaximumRecordAgeInSeconds !== undefined) m.maximumRecordAgeSeconds = input.MaximumRecordAgeInSeconds;
  if (input.FunctionResponseTypes !== undefined) m.functionResponseTypes = [...input.FunctionResponseTypes];
  if (input.TumblingWindowInSeconds !== undefined) m.tumblingWindowSeconds = input.TumblingWindowInSeconds;
  if (input.FilterCriteria !== undefined) m.filters = (input.FilterCriteria.Filters ?? []).map((f) => ({ pattern: f.Pattern ?? '' }));
  if (input.DestinationConfig !== undefined) m.onFailureDestination = input.DestinationConfig.OnFailure?.Destination ?? '';
  // An empty ScalingConfig removes the maximum (as Lambda's update-event-source-mapping --scaling-config '{}').
  if (input.ScalingConfig !== undefined) m.maximumConcurrency = input.ScalingConfig.MaximumConcurrency ?? null;
  return m;
}

export const createEventSourceMapping = defineAction(lambdaModel, 'CreateEventSourceMapping', async (input, ctx: LambdaContext) => {
  const m = mappingInput(input);
  if (m.onFailureDestination === '') delete m.onFailureDestination;
  return mappingConfiguration(await ctx.deps.functions.mappings.create(m));
});

export const getEventSourceMapping = defineAction(lambdaModel, 'GetEventSourceMapping', (input, ctx: LambdaContext) =>
  mappingConfiguration(ctx.deps.functions.mappings.get(input.UUID)),
);

export const listEventSourceMappings = defineAction(lambdaModel, 'ListEventSourceMappings', (input, ctx: LambdaContext) => {
  const all = ctx.deps.functions.mappings.list({
    ...(input.FunctionName !== undefined ? { functionName: input.FunctionName } : {}),
    ...(input.EventSourceArn !== undefined ? { eventSourceArn: input.EventSourceArn } : {}),
  });
  const { items, nextMarker } = page(all.map(mappingConfiguration), input.Marker, input.MaxItems, 100);
  return { EventSourceMappings: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
});

export const updateEventSourceMapping = defineAction(lambdaModel, 'UpdateEventSourceMapping', async (input, ctx: LambdaContext) =>
  mappingConfiguration(await ctx.deps.functions.mappings.update(input.UUID, mappingInput(input))),
);

export const deleteEventSourceMapping = defineAction(lambdaModel, 'DeleteEventSourceMapping', async (input, ctx: LambdaContext) =>
  mappingConfiguration(await ctx.deps.functions.mappings.delete(input.UUID)),
);
