export { JetStreamStorage } from './jetstream-storage.ts';
export type { JetStreamStorageOptions } from './jetstream-storage.ts';
export { KvMetaStore } from './kv-meta-store.ts';
