/**
 * What a client of a Freshet server needs and nothing more: where the server is, SDK client settings, the
 * Kinesis client, reading a stream and waiting for one, one actionable line for a failed call, and the
 * pipeline generators' run-state tags. Apart from src/pipeline (which loads every SDK client, the pipeline
 * loader, yaml and ajv) so that everyday client commands (`freshet status`, `streams list`, `put`, `tail`)
 * start fast: importing a folder's index loads every module it names, even in the bundle (esbuild's code
 * splitting assigns whole files to chunks).
 */
export { DEFAULT_ENDPOINT, describeError, isConnectionError, resolveEndpoint } from './endpoint.ts';
export { clientConfig, kinesisClient } from './client-config.ts';
export type { ClientOptions } from './client-config.ts';
export { withSdkClient } from './with-client.ts';
export type { SdkClientClass } from './with-client.ts';
export { HEARTBEAT_MS, STALE_MS, formatRunState, generatorTagKey, parseRunState } from './run-state.ts';
export type { GeneratorRunState } from './run-state.ts';
export { readStream } from './stream-reader.ts';
export type { ReadRecord, ReadStreamOptions, StartPosition } from './stream-reader.ts';
export { formatData } from './format.ts';
export type { DataFormat } from './format.ts';
export { waitFor, waitForStreamActive, waitForStreamGone } from './wait.ts';
export type { WaitOptions } from './wait.ts';
