/**
 * Event source mappings: what Freshet keeps about each (durable in the
 * MetaStore under `functions/esm/<uuid>`), their defaults and limits, and the
 * validation CreateEventSourceMapping / UpdateEventSourceMapping apply.
 *
 * Reference: Lambda API reference, CreateEventSourceMapping and
 * EventSourceMappingConfiguration; developer guide, "Lambda parameters for
 * Amazon Kinesis Data Streams event source mappings" and the SQS equivalent.
 */
import type { AwsError } from '../../core/index.ts';
import { lambdaError } from '../errors.ts';

export type MappingState = 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';
export type SourceKind = 'kinesis' | 'sqs';

export interface MappingRecord {
  uuid: string;
  /** As given (name or ARN, maybe qualified), normalised to an ARN. */
  functionArn: string;
  eventSourceArn: string;
  kind: SourceKind;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP' | undefined;
  startingPositionTimestampMs: number | undefined;
  parallelizationFactor: number;
  bisectBatchOnFunctionError: boolean;
  maximumRetryAttempts: number;
  maximumRecordAgeSeconds: number;
  functionResponseTypes: string[];
  tumblingWindowSeconds: number;
  filters: Array<{ pattern: string }>;
  onFailureDestination: string | undefined;
  /** SQS: ScalingConfig.MaximumConcurrency. */
  maximumConcurrency: number | undefined;
  enabled: boolean;
  state: MappingState;
  stateTransitionReason: string;
  lastModifiedMs: number;
  lastProcessingResult: string;
}

export interface MappingInput {
  functionName?: string;
  eventSourceArn?: string;
  enabled?: boolean;
  batchSize?: number;
  maximumBatchingWindowSeconds?: number;
  startingPosition?: string;
  startingPositionTimestampMs?: number;
  parallelizationFactor?: number;
  bisectBatchOnFunctionError?: boolean;
  maximumRetryAttempts?: number;
  maximumRecordAgeSeconds?: number;
  functionResponseTypes?: string[];
  tumblingWindowSeconds?: number;
  filters?: Array<{ pattern: string }>;
  onFailureDestination?: string;
  /** ScalingConfig.MaximumConcurrency; null: an empty ScalingConfig on update, which removes it. */
  maximumConcurrency?: number | null;
}

export const DEFAULTS = {
  kinesisBatchSize: 100,
  sqsBatchSize: 10,
} as const;

export const LIMITS = {
  maxKinesisBatch: 10_000,
  /** SQS: 10 without a batching window, 10,000 with one. */
  maxSqsBatch: 10,
  maxSqsBatchWithWindow: 10_000,
  maxBatchingWindowSeconds: 300,
  maxParallelization: 10,
  maxRetryAttempts: 10_000,
  minRecordAgeSeconds: 60,
  maxRecordAgeSeconds: 604_800,
  maxTumblingWindowSeconds: 900,
  /** The synchronous invocation payload limit a batch stays under. */
  maxBatchBytes: 6 * 1024 * 1024,
} as const;

function invalid(message: string): AwsError {
  return lambdaError('InvalidParameterValueException', message);
}

export function kindOf(arn: string): SourceKind | undefined {
  if (/^arn:aws[a-zA-Z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]+(\/consumer\/[a-zA-Z0-9_.-]+:\d+)?$/.test(arn)) return 'kinesis';
  if (/^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]+(\.fifo)?$/.test(arn)) return 'sqs';
  return undefined;
}

/** The stream name in a Kinesis stream (or stream consumer) ARN. */
export function streamNameOf(arn: string): string {
  const m = /:stream\/([^/]+)/.exec(arn);
  return m ? m[1]! : arn;
}

/** Checks the settings of a mapping of `kind` (merged with its current ones on update). */
export function validateMapping(m: MappingRecord): void {
  if (m.kind === 'kinesis') {
    if (!Number.isInteger(m.batchSize) || m.batchSize < 1 || m.batchSize > LIMITS.maxKinesisBatch) {
      throw invalid(`BatchSize must be between 1 and ${LIMITS.maxKinesisBatch} for Kinesis event sources.`);
    }
    if (m.startingPosition === undefined) throw invalid('StartingPosition is required for Kinesis event sources.');
    if (!['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(m.startingPosition)) {
      throw invalid(`Unsupported starting position ${m.startingPosition} for Kinesis event sources.`);
    }
    if (m.startingPosition === 'AT_TIMESTAMP' && m.startingPositionTimestampMs === undefined) {
      throw invalid('StartingPositionTimestamp must be set for starting position AT_TIMESTAMP.');
    }
    if (!Number.isInteger(m.parallelizationFactor) || m.parallelizationFactor < 1 || m.parallelizationFactor > LIMITS.maxParallelization) {
      throw invalid(`ParallelizationFactor must be between 1 and ${LIMITS.maxParallelization}.`);
    }
    if (!Number.isInteger(m.maximumRetryAttempts) || m.maximumRetryAttempts < -1 || m.maximumRetryAttempts > LIMITS.maxRetryAttempts) {
      throw invalid(`MaximumRetryAttempts must be between -1 and ${LIMITS.maxRetryAttempts}.`);
    }
    const age = m.maximumRecordAgeSeconds;
    if (!Number.isInteger(age) || (age !== -1 && (age < LIMITS.minRecordAgeSeconds || age > LIMITS.maxRecordAgeSeconds))) {
      throw invalid(`MaximumRecordAgeInSeconds must be -1 or between ${LIMITS.minRecordAgeSeconds} and ${LIMITS.maxRecordAgeSeconds}.`);
    }
    if (!Number.isInteger(m.tumblingWindowSeconds) || m.tumblingWindowSeconds < 0 || m.tumblingWindowSeconds > LIMITS.maxTumblingWindowSeconds) {
      throw invalid(`TumblingWindowInSeconds must be between 0 and ${LIMITS.maxTumblingWindowSeconds}.`);
    }
    if (m.onFailureDestination !== undefined && kindOf(m.onFailureDestination) !== 'sqs') {
      throw invalid('Unsupported destination: Freshet delivers on-failure records to SQS queues (arn:aws:sqs:...).');
    }
  } else {
    const max = m.maximumBatchingWindowSeconds > 0 ? LIMITS.maxSqsBatchWithWindow : LIMITS.maxSqsBatch;
    if (!Number.isInteger(m.batchSize) || m.batchSize < 1 || m.batchSize > max) {
      throw invalid(
        m.maximumBatchingWindowSeconds > 0
          ? `Maximum batch size for SQS is ${LIMITS.maxSqsBatchWithWindow}.`
          : 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
      );
    }
    if (m.startingPosition !== undefined) throw invalid('StartingPosition is not valid for SQS event sources.');
    if (m.onFailureDestination !== undefined) throw invalid('Unsupported DestinationConfig parameter for given event source mapping type.');
    if (m.bisectBatchOnFunctionError || m.parallelizationFactor !== 1 || m.tumblingWindowSeconds !== 0) {
      throw invalid('Unsupported parameter for given event source mapping type.');
    }
    if (m.maximumConcurrency !== undefined && (!Number.isInteger(m.maximumConcurrency) || m.maximumConcurrency < 2 || m.maximumConcurrency > 1000)) {
      throw invalid('ScalingConfig.MaximumConcurrency must be between 2 and 1000.');
    }
  }
  if (
    !Number.isInteger(m.maximumBatchingWindowSeconds) ||
    m.maximumBatchingWindowSeconds < 0 ||
    m.maximumBatchingWindowSeconds > LIMITS.maxBatchingWindowSeconds
  ) {
    throw invalid(`MaximumBatchingWindowInSeconds must be between 0 and ${LIMITS.maxBatchingWindowSeconds}.`);
  }
  for (const t of m.functionResponseTypes) {
    if (t !== 'ReportBatchItemFailures') throw invalid(`Unsupported FunctionResponseType: ${t}`);
  }
}
