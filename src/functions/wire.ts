/**
 * Lambda's wire shapes from the engine's records: FunctionConfiguration,
 * AliasConfiguration, EventSourceMappingConfiguration and
 * FunctionEventInvokeConfig, as AWSLambda 2015-03-31 returns them (Lambda API
 * reference, each shape's page). The only place camelCase becomes AWS's names.
 */
import type { AliasConfiguration, EventSourceMappingConfiguration, FunctionConfiguration, FunctionEventInvokeConfig } from '../aws/models/lambda.ts';
import type { MappingRecord } from './esm/model.ts';
import type { AliasRecord, EventInvokeConfig, FunctionRecord, VersionRecord } from './model.ts';
import { functionArn } from './model.ts';

export interface WireContext {
  region: string;
  accountId: string;
}

/** `2019-10-08T11:03:47.133+0000`, Lambda's LastModified format. */
export function lambdaTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

type Runtime = NonNullable<FunctionConfiguration['Runtime']>;

export function functionConfiguration(ctx: WireContext, record: FunctionRecord, v: VersionRecord): FunctionConfiguration {
  const qualified = v.version !== '$LATEST';
  const vars = Object.keys(v.environment).length ? { Environment: { Variables: { ...v.environment } } } : {};
  return {
    FunctionName: record.name,
    FunctionArn: functionArn(ctx.region, ctx.accountId, record.name, qualified ? v.version : undefined),
    Runtime: v.runtime as Runtime,
    Role: v.role,
    Handler: v.handler,
    CodeSize: v.codeSize,
    Description: v.description,
    Timeout: v.timeoutSeconds,
    MemorySize: v.memoryMb,
    LastModified: lambdaTime(v.lastModifiedMs),
    CodeSha256: v.codeSha256,
    Version: v.version,
    ...vars,
    TracingConfig: { Mode: v.tracingMode === 'Active' ? 'Active' : 'PassThrough' },
    RevisionId: v.revisionId,
    ...(v.deadLetterTargetArn ? { DeadLetterConfig: { TargetArn: v.deadLetterTargetArn } } : {}),
    ...(v.layers.length ? { Layers: v.layers.map((Arn) => ({ Arn, CodeSize: 0 })) } : {}),
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: v.architectures.map((a) => (a === 'arm64' ? 'arm64' : 'x86_64')),
    EphemeralStorage: { Size: v.ephemeralStorageMb },
  };
}

export function aliasConfiguration(ctx: WireContext, name: string, a: AliasRecord): AliasConfiguration {
  return {
    AliasArn: functionArn(ctx.region, ctx.accountId, name, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    ...(Object.keys(a.additionalVersionWeights).length ? { RoutingConfig: { AdditionalVersionWeights: { ...a.additionalVersionWeights } } } : {}),
    RevisionId: a.revisionId,
  };
}

export function eventInvokeConfig(ctx: WireContext, name: string, qualifier: string | undefined, c: EventInvokeConfig): FunctionEventInvokeConfig {
  return {
    LastModified: c.lastModifiedMs / 1000,
    FunctionArn: functionArn(ctx.region, ctx.accountId, name, qualifier ?? '$LATEST'),
    MaximumRetryAttempts: c.maximumRetryAttempts,
    MaximumEventAgeInSeconds: c.maximumEventAgeSeconds,
    DestinationConfig: {
      OnSuccess: c.onSuccess ? { Destination: c.onSuccess } : {},
      OnFailure: c.onFailure ? { Destination: c.onFailure } : {},
    },
  };
}

/** A mapping as Lambda reports it; Kinesis-only settings are left out of SQS mappings, as Lambda does. */
export function mappingConfiguration(m: MappingRecord): EventSourceMappingConfiguration {
  const common: EventSourceMappingConfiguration = {
    UUID: m.uuid,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowSeconds,
    EventSourceArn: m.eventSourceArn,
    ...(m.filters.length ? { FilterCriteria: { Filters: m.filters.map((f) => ({ Pattern: f.pattern })) } } : {}),
    FunctionArn: m.functionArn,
    LastModified: m.lastModifiedMs / 1000,
    State: m.state,
    StateTransitionReason: m.stateTransitionReason,
    FunctionResponseTypes: m.functionResponseTypes.filter((t): t is 'ReportBatchItemFailures' => t === 'ReportBatchItemFailures'),
  };
  if (m.kind === 'sqs') {
    return { ...common, ...(m.maximumConcurrency !== undefined ? { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } } : {}) };
  }
  return {
    ...common,
    ...(m.startingPosition ? { StartingPosition: m.startingPosition } : {}),
    ...(m.startingPositionTimestampMs !== undefined ? { StartingPositionTimestamp: m.startingPositionTimestampMs / 1000 } : {}),
    ParallelizationFactor: m.parallelizationFactor,
    LastProcessingResult: m.lastProcessingResult,
    DestinationConfig: m.onFailureDestination ? { OnFailure: { Destination: m.onFailureDestination } } : { OnFailure: {} },
    MaximumRecordAgeInSeconds: m.maximumRecordAgeSeconds,
    BisectBatchOnFunctionError: m.bisectBatchOnFunctionError,
    MaximumRetryAttempts: m.maximumRetryAttempts,
    TumblingWindowInSeconds: m.tumblingWindowSeconds,
  };
}

/** Marker-based pages over a sorted list (Lambda's Marker / MaxItems / NextMarker). */
export function page<T>(
  items: readonly T[],
  marker: string | undefined,
  maxItems: number | undefined,
  fallback = 50,
): { items: T[]; nextMarker: string | undefined } {
  const start = marker === undefined ? 0 : Math.max(0, Number.parseInt(Buffer.from(marker, 'base64').toString('utf8'), 10) || 0);
  const size = maxItems ?? fallback;
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size), 'utf8').toString('base64') : undefined;
  return { items: slice, nextMarker: next };
}
