export { DEFAULT_ENDPOINT, createClients, describeError, kinesisClient, resolveEndpoint } from './clients.ts';
export { isConnectionError } from '../generators/index.ts';
export type { ClientOptions, FreshetClients } from './clients.ts';
export { readStream } from './stream-reader.ts';
export type { ReadRecord, ReadStreamOptions, StartPosition } from './stream-reader.ts';
export { formatData } from './format.ts';
export type { DataFormat } from './format.ts';
export { waitFor, waitForStreamActive, waitForStreamGone } from './wait.ts';
export type { WaitOptions } from './wait.ts';
