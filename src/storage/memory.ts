/**
 * In-memory LogStorage: no durability. Used with `--storage memory` and as the
 * reference semantics for the shared storage test suite.
 */
import type { AppendRecord, AppendResult, LogRecord, LogStorage, MetaStore, ReadLimits, ReadResult, RecordSpans, ShardLog } from './types.ts';
import { spansFromRecords } from './spans.ts';
import { StorageError } from './types.ts';

class MemoryShardLog implements ShardLog {
  private records: LogRecord[] = [];
  private base = 0; // offset of records[0]
  private listeners = new Set<(end: number) => void>();
  /** Set by deleteLog / close: later calls throw it, as the file backend's do. */
  gone: StorageError | null = null;

  constructor(readonly id: string) {}

  get startOffset(): number {
    return this.base;
  }
  get endOffset(): number {
    return this.base + this.records.length;
  }
  get lastTimestampMs(): number | undefined {
    return this.records.at(-1)?.timestampMs;
  }

  append(batch: readonly AppendRecord[]): AppendResult {
    if (this.gone) throw this.gone;
    const firstOffset = this.endOffset;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      // Copied: callers may reuse their buffers once append returns (as the file backend allows).
      this.records.push({ offset: firstOffset + i, key: r.key, data: Buffer.from(r.data), timestampMs: r.timestampMs });
    }
    const end = this.endOffset;
    if (this.listeners.size) for (const l of this.listeners) l(end);
    return { firstOffset, durable: Promise.resolve() };
  }

  async read(fromOffset: number, limits: ReadLimits): Promise<ReadResult> {
    if (this.gone) throw this.gone;
    let i = Math.max(0, fromOffset - this.base);
    const out: LogRecord[] = [];
    let bytes = 0;
    while (i < this.records.length && out.length < limits.maxRecords) {
      const r = this.records[i]!;
      if (out.length > 0 && bytes + r.data.length > limits.maxBytes) break;
      bytes += r.data.length;
      out.push(r);
      i++;
    }
    return { records: out, nextOffset: this.base + i };
  }

  async readSpans(fromOffset: number, limits: ReadLimits): Promise<RecordSpans> {
    const { records, nextOffset } = await this.read(fromOffset, limits);
    return spansFromRecords(records, nextOffset);
  }

  async offsetForTimestamp(ts: number): Promise<number> {
    const i = this.records.findIndex((r) => r.timestampMs >= ts);
    return i < 0 ? this.endOffset : this.base + i;
  }

  async trimBefore(ts: number): Promise<number> {
    let n = 0;
    while (n < this.records.length && this.records[n]!.timestampMs < ts) n++;
    this.records.splice(0, n);
    this.base += n;
    return this.base;
  }

  onAppend(listener: (end: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

class MemoryMetaStore implements MetaStore {
  private map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return structuredClone(this.map.get(key)) as T | undefined;
  }
  keys(prefix: string): string[] {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async put(key: string, value: unknown): Promise<void> {
    this.map.set(key, structuredClone(value));
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
}

export class MemoryStorage implements LogStorage {
  readonly meta: MetaStore = new MemoryMetaStore();
  private logs = new Map<string, MemoryShardLog>();
  async open(): Promise<void> {}
  async createLog(id: string): Promise<ShardLog> {
    if (this.logs.has(id)) throw new StorageError(`log ${id} exists`, 'EXISTS');
    const log = new MemoryShardLog(id);
    this.logs.set(id, log);
    return log;
  }
  getLog(id: string): ShardLog | undefined {
    return this.logs.get(id);
  }
  listLogs(): string[] {
    return [...this.logs.keys()].sort();
  }
  async deleteLog(id: string): Promise<void> {
    const log = this.logs.get(id);
    if (!log) return;
    log.gone = new StorageError(`log ${id} was deleted`, 'NOT_FOUND');
    this.logs.delete(id);
  }
  async close(): Promise<void> {}
}
