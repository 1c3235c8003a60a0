export { MemoryStorage } from './memory.ts';
export { StorageError } from './types.ts';
export type { AppendRecord, AppendResult, FsyncMode, LogRecord, LogStorage, MetaStore, ReadLimits, ReadResult, ShardLog } from './types.ts';
