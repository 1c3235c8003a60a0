export { MemoryStorage } from './memory.ts';
export { FileStorage } from './file/file-storage.ts';
export type { FileStorageOptions, RecoveryNote } from './file/file-storage.ts';
export { parseFsyncMode } from './fsync-mode.ts';
export { StorageError } from './types.ts';
export { SpanBuilder, recordsFromSpans, spansFromRecords } from './spans.ts';
export type { AppendRecord, AppendResult, FsyncMode, LogRecord, LogStorage, MetaStore, ReadLimits, ReadResult, RecordSpans, ShardLog } from './types.ts';
export { createJetStreamStorage } from './jetstream/open.ts';
export type { JetStreamStorage, JetStreamStorageOptions } from './jetstream/jetstream-storage.ts';
