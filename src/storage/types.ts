/**
 * The storage contract. The embedded file log implements it today; a NATS
 * JetStream backend implements it later (a JetStream stream per shard log,
 * stream sequence = offset, a KV bucket for the MetaStore).
 *
 * Offsets are per-log, dense, start at 0 and never repeat (trim only moves the
 * start forward). Offsets are assigned synchronously, in call order, when
 * `append` is called, so a caller that serialises its calls knows the order.
 * Readers only ever see durable records: `endOffset` is the durable high-water
 * mark, so nothing a consumer has seen can vanish in a crash.
 */

export type FsyncMode = { kind: 'always' } | { kind: 'interval'; intervalMs: number } | { kind: 'never' };

export interface AppendRecord {
  /** Partition key (or any routing key); UTF-8, at most 256 chars for Kinesis. */
  key: string;
  data: Uint8Array;
  /** Arrival time, ms since epoch. Callers keep it non-decreasing per log. */
  timestampMs: number;
}

export interface LogRecord {
  offset: number;
  key: string;
  data: Uint8Array;
  timestampMs: number;
}

export interface AppendResult {
  /**
   * Offset of the first record of the batch; the rest follow densely. Final once `durable` resolves: a backend
   * shared by several nodes (JetStream) may place a batch again at a later offset when another node appended first.
   */
  readonly firstOffset: number;
  /** Resolves once the whole batch is durable per the FsyncMode (and visible to readers). Rejects on I/O failure (e.g. ENOSPC), in which case no record of the batch is visible. */
  durable: Promise<void>;
}

export interface ReadLimits {
  maxRecords: number;
  maxBytes: number;
}

export interface ReadResult {
  records: LogRecord[];
  /** Offset to read from next (== last returned offset + 1, or the requested offset when nothing was returned and it was valid). */
  nextOffset: number;
}

/**
 * The records of one read as spans of the buffers they were read into — no
 * object per record. GetRecords encodes its response straight from these.
 * Record i (0 ≤ i < count) lives in `bufs[buf[i]]`: its UTF-8 key is bytes
 * [keyStart[i], dataStart[i]) and its data [dataStart[i], dataEnd[i]).
 * The arrays may be longer than `count`.
 */
export interface RecordSpans {
  count: number;
  /** As ReadResult.nextOffset. */
  nextOffset: number;
  offsets: Float64Array;
  timestamps: Float64Array;
  bufs: Buffer[];
  buf: Uint32Array;
  keyStart: Uint32Array;
  dataStart: Uint32Array;
  dataEnd: Uint32Array;
  /**
   * Optional: recycles the buffers behind the spans. Call it only once nothing
   * refers to their bytes any more (no views kept); afterwards the spans are void.
   */
  release(): void;
}

export interface ShardLog {
  readonly id: string;
  /** First readable offset (moves forward with trim/retention). */
  readonly startOffset: number;
  /** One past the last durable offset. */
  readonly endOffset: number;
  /** Arrival time of the last durable record, or undefined if the log is empty. */
  readonly lastTimestampMs: number | undefined;

  /** Takes a copy of the records' keys and bytes before it returns: callers may reuse their buffers at once. */
  append(records: readonly AppendRecord[]): AppendResult;
  /** Reads durable records from `fromOffset` (clamped up to startOffset). */
  read(fromOffset: number, limits: ReadLimits): Promise<ReadResult>;
  /** The same read as `read`, as spans (see RecordSpans): the hot path of GetRecords. */
  readSpans(fromOffset: number, limits: ReadLimits): Promise<RecordSpans>;
  /** First offset whose record has timestampMs >= ts (endOffset if none). */
  offsetForTimestamp(timestampMs: number): Promise<number>;
  /** Removes whole segments whose records are all older than `timestampMs`. Returns the new startOffset. */
  trimBefore(timestampMs: number): Promise<number>;
  /** Calls `listener` (synchronously, after durability) whenever endOffset advances. Returns an unsubscribe. Costs nothing when nobody listens. */
  onAppend(listener: (endOffset: number) => void): () => void;
  /**
   * Shared backends (several Freshet nodes on one log): re-reads the start, end and last timestamp that other
   * nodes' appends and trims moved. Absent where one process owns the log.
   */
  refresh?(): Promise<void>;
  /**
   * Shared backends: refuses every later append, from any node, and resolves with the final endOffset (a closing
   * shard's end, exact even while other nodes were writing to it). Absent where one process owns the log.
   */
  seal?(): Promise<number>;
}

/** A small durable key/value store for metadata (streams, shards, tags, checkpoints). */
export interface MetaStore {
  get<T = unknown>(key: string): T | undefined;
  /** Keys starting with `prefix`, sorted. */
  keys(prefix: string): string[];
  /** Resolves once durable. */
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Shared stores (several nodes): stores `value` only if no node has the key; else rejects with StorageError EXISTS. */
  create?(key: string, value: unknown): Promise<void>;
  /** Shared stores: stores `value` only if no other node changed the key since this node last saw it; else rejects with CONFLICT. */
  updateIfUnchanged?(key: string, value: unknown): Promise<void>;
  /** Shared stores: calls `listener(key)` after another node created, changed or deleted a key starting with `prefix`. Returns an unsubscribe. */
  watch?(prefix: string, listener: (key: string) => void): () => void;
}

export interface LogStorage {
  readonly meta: MetaStore;
  /** Opens (and on the file backend: locks and recovers) the storage. */
  open(): Promise<void>;
  /** Ids are opaque, made of [A-Za-z0-9_.-] and '/'; e.g. `<stream-uuid>/shardId-000000000000`. */
  createLog(id: string): Promise<ShardLog>;
  /** Shared backends: the log, created if no node has created it yet (another node may be creating it at the same time). */
  openLog?(id: string): Promise<ShardLog>;
  getLog(id: string): ShardLog | undefined;
  listLogs(): string[];
  deleteLog(id: string): Promise<void>;
  close(): Promise<void>;
}

export class StorageError extends Error {
  constructor(
    message: string,
    readonly code: 'ENOSPC' | 'EIO' | 'LOCKED' | 'CLOSED' | 'NOT_FOUND' | 'EXISTS' | 'CORRUPT' | string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}
