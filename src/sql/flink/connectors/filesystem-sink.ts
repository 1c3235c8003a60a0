/**
 * The `filesystem` sink with Flink's exactly-once protocol: rows are buffered
 * per partition; at a checkpoint they are written (and fsynced) to hidden
 * in-progress files (`.part-<id>-0-<n>.inprogress`), which are renamed to their
 * final names (`part-<id>-0-<n>`) only once the checkpoint that lists them is
 * durable. After a crash, the restored checkpoint's files are committed and
 * in-progress files of any later, unfinished checkpoint are deleted — their
 * rows are replayed from the sources' checkpointed positions, so every row ends
 * up in exactly one visible file.
 *
 * Partitions (`PARTITIONED BY (dt, hr)`) are directories `dt=…/hr=…` whose
 * columns are not repeated inside the files. A partition is committed — its
 * success file (`_SUCCESS`, or `sink.partition-commit.success-file.name`) is
 * written when `sink.partition-commit.policy.kind` includes success-file —
 * after a checkpoint, once `sink.partition-commit.trigger` says it is complete:
 * `process-time` (default) when processing time passes its first write plus
 * `sink.partition-commit.delay`, or `partition-time` when the watermark passes
 * the time its values name (`partition.time-extractor.timestamp-pattern`) plus
 * the delay. Files roll at every checkpoint and when one grows past
 * `sink.rolling-policy.file-size`.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { FormatPlan } from '../../plan/flink.ts';
import type { ColumnDef } from '../../plan/types.ts';
import { createEncoder } from '../../formats/flink.ts';
import { formatTimestamp } from '../../runtime/functions.ts';

let parquetWriter: typeof import('hyparquet-writer') | undefined;

export interface FileSinkState {
  /** Files written and synced under their in-progress name: [in-progress path, final path], relative to the sink's directory. */
  pending: [string, string][];
  /** Partitions waiting for their commit: [partition path, first write (processing ms)]. */
  partitions: [string, number][];
  counter: number;
}

export interface FileSinkOptions {
  dir: string;
  columns: readonly ColumnDef[];
  partitionKeys: readonly string[];
  format: FormatPlan;
  options: Readonly<Record<string, string>>;
  /** Names this job's files (default: a random UUID). */
  fileId?: string;
}

interface Buffer {
  lines: string[];
  rows: unknown[][];
  bytes: number;
}

const MB = 1024 * 1024;

function sizeOption(v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?\s*$/i.exec(v);
  if (!m) return dflt;
  const unit = (m[2] ?? 'b').toLowerCase();
  const f = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? MB : unit.startsWith('g') ? 1024 * MB : 1;
  return Math.round(Number(m[1]) * f);
}

function durationOption(v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  if (!m) return dflt;
  const u = m[2]!.toLowerCase();
  const f =
    u === '' || u === 'ms'
      ? 1
      : u.startsWith('s')
        ? 1000
        : u.startsWith('m') && u !== 'ms'
          ? 60_000
          : u.startsWith('h')
            ? 3_600_000
            : u.startsWith('d')
              ? 86_400_000
              : 1;
  return Math.round(Number(m[1]) * f);
}

function syncWrite(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class FileSystemSink {
  readonly dir: string;
  private readonly columns: readonly ColumnDef[];
  private readonly dataCols: number[];
  private readonly partCols: number[];
  private readonly encode: ((values: readonly unknown[], kind: number) => string | null) | null;
  private readonly buffers = new Map<string, Buffer>();
  private readonly fileId: string;
  private counter = 0;
  private pending: [string, string][] = [];
  private partitions = new Map<string, number>();
  private readonly rollBytes: number;
  private readonly trigger: 'process-time' | 'partition-time';
  private readonly delayMs: number;
  private readonly successFile: string | null;
  private readonly pattern: string | null;
  private readonly defaultName: string;

  /**
   * A sink ready to write: Parquet's writer is loaded first (it is not loaded with the SQL engine, so a
   * server that never writes Parquet does not pay for it).
   */
  static async open(opts: FileSinkOptions): Promise<FileSystemSink> {
    if (opts.format.name === 'parquet') parquetWriter ??= await import('hyparquet-writer');
    return new FileSystemSink(opts);
  }

  /** Use FileSystemSink.open() for Parquet (the constructor cannot load the writer). */
  constructor(private readonly opts: FileSinkOptions) {
    if (opts.format.name === 'parquet' && parquetWriter === undefined) throw new Error('a Parquet file sink is created with FileSystemSink.open()');
    this.dir = opts.dir;
    this.columns = opts.columns;
    this.partCols = opts.partitionKeys.map((k) => opts.columns.findIndex((c) => c.name === k));
    this.dataCols = opts.columns.map((_c, i) => i).filter((i) => !this.partCols.includes(i));
    const dataColumns = this.dataCols.map((i) => opts.columns[i]!);
    this.encode = opts.format.name === 'parquet' ? null : createEncoder(opts.format, dataColumns);
    this.fileId = opts.fileId ?? randomUUID();
    const o = opts.options;
    this.rollBytes = sizeOption(o['sink.rolling-policy.file-size'], 128 * MB);
    this.trigger = o['sink.partition-commit.trigger'] === 'partition-time' ? 'partition-time' : 'process-time';
    this.delayMs = durationOption(o['sink.partition-commit.delay'], 0);
    const kinds = (o['sink.partition-commit.policy.kind'] ?? '').split(',').map((x) => x.trim());
    this.successFile = kinds.includes('success-file') ? (o['sink.partition-commit.success-file.name'] ?? '_SUCCESS') : null;
    this.pattern = o['partition.time-extractor.timestamp-pattern'] ?? null;
    this.defaultName = o['partition.default-name'] ?? '__DEFAULT_PARTITION__';
  }

  private partitionValue(v: unknown, col: ColumnDef): string {
    if (v === null || v === undefined) return this.defaultName;
    let s: string;
    if (col.type.name === 'DATE') s = formatTimestamp(v as number).slice(0, 10);
    else if (col.type.name === 'TIMESTAMP') s = formatTimestamp(v as number);
    else s = String(v);
    // Hive-style escaping of characters that cannot be in a path segment.
    return s.replace(/[%/\\:=#?*"'<>|\u0000-\u001f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  }

  private partitionOf(values: readonly unknown[]): string {
    if (this.partCols.length === 0) return '';
    return this.partCols.map((i) => `${this.columns[i]!.name}=${this.partitionValue(values[i], this.columns[i]!)}`).join('/');
  }

  /** Buffers sink rows ([time, ...columns]); a buffer over the rolling size is written as a pending file at once. */
  write(rows: readonly (readonly unknown[])[], nowMs: number): void {
    for (const r of rows) {
      const values = r.slice(1, this.columns.length + 1);
      const part = this.partitionOf(values);
      let b = this.buffers.get(part);
      if (!b) {
        b = { lines: [], rows: [], bytes: 0 };
        this.buffers.set(part, b);
      }
      const data = this.dataCols.map((i) => values[i]);
      if (this.encode) {
        const line = this.encode(data, 0);
        if (line === null) continue;
        b.lines.push(line);
        b.bytes += line.length + 1;
      } else {
        b.rows.push(data);
        b.bytes += 64;
      }
      if (this.partCols.length > 0 && !this.partitions.has(part)) this.partitions.set(part, nowMs);
      if (b.bytes >= this.rollBytes) this.roll(part, b);
    }
  }

  /** Writes a partition's buffer to a new in-progress file (synced), pending until the next commit. */
  private roll(part: string, b: Buffer): void {
    if (b.lines.length === 0 && b.rows.length === 0) return;
    const n = this.counter++;
    const name = `part-${this.fileId}-0-${n}`;
    const finalPath = part ? join(part, name) : name;
    const tmpPath = part ? join(part, `.${name}.inprogress.${randomUUID()}`) : `.${name}.inprogress.${randomUUID()}`;
    syncWrite(join(this.dir, tmpPath), this.encode ? `${b.lines.join('\n')}\n` : this.parquet(b.rows));
    this.pending.push([tmpPath, finalPath]);
    b.lines = [];
    b.rows = [];
    b.bytes = 0;
  }

  private parquet(rows: unknown[][]): Uint8Array {
    const cols = this.dataCols.map((i) => this.columns[i]!);
    const type = (t: ColumnDef['type']): 'STRING' | 'INT32' | 'INT64' | 'DOUBLE' | 'FLOAT' | 'BOOLEAN' | 'TIMESTAMP' => {
      switch (t.name) {
        case 'INTEGER':
        case 'SMALLINT':
        case 'TINYINT':
          return 'INT32';
        case 'BIGINT':
          return 'INT64';
        case 'DOUBLE':
        case 'DECIMAL':
          return 'DOUBLE';
        case 'REAL':
          return 'FLOAT';
        case 'BOOLEAN':
          return 'BOOLEAN';
        case 'TIMESTAMP':
          return 'TIMESTAMP';
        default:
          return 'STRING';
      }
    };
    const columnData = cols.map((c, k) => {
      const t = type(c.type);
      const data = rows.map((r) => {
        const v = r[k];
        if (v === null || v === undefined) return null;
        if (t === 'INT64') return BigInt(v as number);
        if (t === 'TIMESTAMP') return new Date(v as number);
        if (t === 'STRING') return c.type.name === 'DATE' ? formatTimestamp(v as number).slice(0, 10) : typeof v === 'string' ? v : JSON.stringify(v);
        return v;
      });
      return { name: c.name, data: data as never, type: t };
    });
    return new Uint8Array(
      parquetWriter!.parquetWriteBuffer({
        columnData,
        codec: (this.opts.format.options.compression ?? 'SNAPPY').toUpperCase() === 'UNCOMPRESSED' ? 'UNCOMPRESSED' : 'SNAPPY',
      }),
    );
  }

  /** Checkpoint, phase 1: every buffer becomes a synced in-progress file; returns the state to store with the checkpoint. */
  prepare(): FileSinkState {
    for (const [part, b] of this.buffers) this.roll(part, b);
    this.buffers.clear();
    return { pending: [...this.pending], partitions: [...this.partitions.entries()], counter: this.counter };
  }

  /**
   * Checkpoint, phase 2, once the state from prepare() is durable: its files are renamed into place, then
   * partitions whose trigger is due are committed. Returns what became visible. Idempotent.
   */
  commit(state: FileSinkState, nowMs: number, watermarkMs: number): { files: string[]; partitions: string[] } {
    const files: string[] = [];
    for (const [tmp, fin] of state.pending) {
      const from = join(this.dir, tmp);
      const to = join(this.dir, fin);
      try {
        renameSync(from, to);
        files.push(fin);
      } catch (e) {
        // Already renamed by an earlier attempt at this commit: fine; anything else is a real failure.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        try {
          statSync(to);
        } catch {
          throw new Error(`file sink: neither ${tmp} nor ${fin} exists under ${this.dir}; the checkpoint's data is lost`);
        }
      }
    }
    const done = new Set(state.pending.map((p) => p[0]));
    this.pending = this.pending.filter((p) => !done.has(p[0]));
    const committed: string[] = [];
    for (const [part, createdMs] of state.partitions) {
      if (!this.due(part, createdMs, nowMs, watermarkMs)) continue;
      // Rows written after the checkpoint keep the partition open for the next commit.
      if (this.buffers.has(part) || this.pending.some((p) => p[1].startsWith(`${part}/`))) continue;
      if (this.successFile) syncWrite(join(this.dir, part, this.successFile), '');
      committed.push(part);
      if (this.partitions.get(part) === createdMs) this.partitions.delete(part);
    }
    return { files, partitions: committed };
  }

  private due(part: string, createdMs: number, nowMs: number, watermarkMs: number): boolean {
    if (this.trigger === 'process-time') return nowMs >= createdMs + this.delayMs;
    const t = this.partitionTime(part);
    return t !== null && watermarkMs >= t + this.delayMs;
  }

  /** The time a partition's values name: the extractor pattern ($dt $hr:00:00), else the first value as a date-time. */
  private partitionTime(part: string): number | null {
    const values = new Map(part.split('/').map((kv) => kv.split('=') as [string, string]));
    let text: string;
    if (this.pattern) text = this.pattern.replace(/\$(\w+)/g, (_m, k: string) => decodeURIComponent(values.get(k) ?? ''));
    else text = decodeURIComponent([...values.values()][0] ?? '');
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2})(?::(\d{2})(?::(\d{2}))?)?)?/.exec(text.trim());
    if (!m) return null;
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  }

  /**
   * After a restart: completes the restored checkpoint's commit and deletes in-progress files it does not list
   * (written for a checkpoint that never completed — their rows will be replayed). Buffered rows start empty.
   */
  recover(state: FileSinkState | undefined, nowMs: number, watermarkMs: number): void {
    this.buffers.clear();
    this.pending = [];
    this.partitions = new Map();
    if (state) {
      this.counter = Math.max(this.counter, state.counter);
      this.pending = [...state.pending];
      this.commit(state, nowMs, watermarkMs);
      for (const [part, created] of state.partitions) if (!this.partitions.has(part)) this.partitions.set(part, created);
    }
    const keep = new Set((state?.pending ?? []).map((p) => p[0]));
    const walk = (dir: string): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const n of names) {
        const p = join(dir, n);
        if (n.startsWith('.part-') && n.includes('.inprogress')) {
          if (!keep.has(relative(this.dir, p))) rmSync(p, { force: true });
        } else if (!n.includes('.') && statSync(p).isDirectory()) walk(p);
        else if (n.includes('=') && statSync(p).isDirectory()) walk(p);
      }
    };
    walk(this.dir);
  }

  /** Rows buffered or pending, not yet visible (for status). */
  get uncommitted(): number {
    let n = this.pending.length;
    for (const b of this.buffers.values()) n += b.lines.length + b.rows.length;
    return n;
  }
}
