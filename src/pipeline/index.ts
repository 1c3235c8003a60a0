// Kept for callers of src/pipeline; client commands import these from src/client, which loads no more.
export { DEFAULT_ENDPOINT, clientConfig, describeError, isConnectionError, kinesisClient, resolveEndpoint } from '../client/index.ts';
export type { ClientOptions } from '../client/index.ts';
export { createClients } from './clients.ts';
export type { FreshetClients } from './clients.ts';
export { formatData, readStream, waitFor, waitForStreamActive, waitForStreamGone } from '../client/index.ts';
export type { DataFormat, ReadRecord, ReadStreamOptions, StartPosition, WaitOptions } from '../client/index.ts';
export { PIPELINE_SCHEMA } from './schema.ts';
export { PipelineError, loadPipeline, parsePipeline } from './load.ts';
export type { LoadedPipeline } from './load.ts';
export type { PipelineSpec, StreamSpec, DeliveryStreamSpec, ApplicationSpec, GeneratorSpec, AppStartPosition } from './types.ts';
export { ApplyError, PIPELINE_TAG, applyDown, applyUp, formatChange, planDown, planUp, subsetDiff } from './apply.ts';
export type { ApplyOptions, ChangeAction, PlannedChange, ResourceKind } from './apply.ts';
export { HEARTBEAT_MS, STALE_MS, generatorTagKey, parseRunState } from '../client/index.ts';
export type { GeneratorRunState } from '../client/index.ts';
export { runPipelineGenerators, startPipelineGenerators } from './generators.ts';
export type { PipelineGeneratorsResult, RunningGenerator } from './generators.ts';
