export { GENERATORS, getGenerator, encodeRecord } from './registry.ts';
export { startGenerator, resolveSchedule } from './run.ts';
export type { GeneratorRunOptions, GeneratorHandle, GeneratorStats } from './run.ts';
export { startReplay, loadReplayFile, parseEventTime } from './replay.ts';
/** Kept for callers of src/generators: the CSV splitter now lives in core. */
export { splitCsvLine } from '../core/index.ts';
export type { ReplayOptions, ReplayHandle, ReplayRow } from './replay.ts';
export { KinesisWriter, isRetryablePutError } from './writer.ts';
/** Kept for callers of src/generators: it lives in src/client, which commands load without the generators. */
export { isConnectionError } from '../client/index.ts';
export type { KinesisWriterOptions, RecordSink, WriterStats } from './writer.ts';
export { startProgress } from './progress.ts';
export { Rng } from './random.ts';
export type { GeneratorKind, GeneratedRecord, RecordFactory, FactoryOptions, RecordFormat, DefaultSchedule } from './types.ts';
export { STORES, CATEGORIES } from './sales.ts';
export { TICKERS } from './trades.ts';
export { PLATFORMS, MARKETPLACES } from './ecommerce.ts';
export { CRYPTO_TICKERS } from './crypto.ts';
export { TICKER_SYMBOLS } from './ticker.ts';
export { parseRate, parseDuration } from './parse.ts';
