/**
 * A metric set read straight from a Kinesis stream on this server — a Freshet extension: the S3SourceConfig's
 * `TemplatedPathList` entry is `kinesis://<stream>` (and `HistoricalDataPathList` may name the same stream, for
 * warm-up and backtests over its retained records). Each record holds one or more rows in the metric set's
 * format (CSV lines with the descriptor's `HeaderList`, or JSON objects one per line; KPL aggregates are
 * de-aggregated); rows are assigned to intervals by the timestamp column, never by arrival time.
 *
 * Live reading: every shard is read from its checkpoint every `PUMP_MS` of clock time and when an interval is
 * sealed. Rows are summed per interval and series while the interval is open; the detector seals interval
 * `s` when its run comes due (`s + frequency + Offset`): the shards are read to their ends first, so a row
 * that arrived before the Offset passed is counted, and a row of an interval already sealed is late and
 * dropped (counted as an invalid row of the interval sealed next). A row stamped more than a day ahead of
 * the clock is invalid too: a producer with a wrong clock must not grow the open intervals without bound.
 *
 * Restart safety: the checkpoint (`<detector>.stream.json`: shard positions, the open intervals' sums and the
 * first open interval) is written atomically and fsynced as one file, so positions and sums always agree:
 * after `kill -9` the shards are read again from the positions and nothing is counted twice or lost. Each
 * sealed interval is kept (`<detector>.stream/<start>.json`, written before the checkpoint that removes it
 * from the open set) until the detector's model checkpoint covers it: a restart re-runs the intervals after
 * the model checkpoint from these files, exactly as they were sealed.
 *
 * Under `--auth enforce` the metric set's `RoleArn` must be assumable by `lookoutmetrics.amazonaws.com` and
 * allowed to describe, list and read the stream; until it is, nothing is read and sealing fails the run
 * with AWS's AccessDenied text.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../core/index.ts';
import { splitCsvLine } from '../core/index.ts';
import type { RoleAuthorizer } from '../aws/index.ts';
import type { KinesisEngine, ShardReader } from '../kinesis/index.ts';
import { deaggregate, isAggregated } from '../kinesis/index.ts';
import type { ParsedRow, ParseStats, RowSchema } from './source.ts';
import { intervalStart, parseTimestampCell } from './time.ts';

export const STREAM_SCHEME = 'kinesis://';

/** Clock time between reads of the shards (and checkpoints) while no interval is being sealed. */
export const PUMP_MS = 5_000;
/** Records per read of one shard. */
const READ_BATCH = 10_000;
/** Rows stamped further ahead of the clock than this are invalid. */
const MAX_AHEAD_MS = 86_400_000;

/** What the metric set's role needs on its stream (as a delivery stream's role needs on its Kinesis source). */
export const STREAM_READ_ACTIONS = ['kinesis:DescribeStream', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'] as const;
export const LOOKOUTMETRICS_PRINCIPAL = 'lookoutmetrics.amazonaws.com';

/** The stream named by a `kinesis://<stream>` path, or undefined for any other path. */
export function parseStreamPath(path: string): string | undefined {
  if (!path.startsWith(STREAM_SCHEME)) return undefined;
  const name = path.slice(STREAM_SCHEME.length).replace(/\/+$/, '');
  return /^[a-zA-Z0-9_.-]{1,128}$/.test(name) ? name : undefined;
}

/** One series' sums and counts per metric within an interval. */
interface SeriesSums {
  dims: string[];
  sum: number[];
  count: number[];
}

/** An interval's rows as they are summed: what the detector receives when it is sealed. */
export interface IntervalSums {
  rows: number;
  invalidRows: number;
  partialRows: number;
  series: Map<string, SeriesSums>;
}

interface IntervalFile {
  rows: number;
  invalidRows: number;
  partialRows: number;
  /** [dims, sums, counts] per series. */
  series: [string[], number[], number[]][];
}

interface Checkpoint {
  version: 1;
  stream: string;
  /** The stream's incarnation: positions of an earlier stream of the same name are not resumed. */
  incarnation: string;
  positions: Record<string, number>;
  /** Start of the first interval still open: rows of earlier intervals are late. */
  openFromMs: number;
  pending: Record<string, IntervalFile>;
}

function emptySums(): IntervalSums {
  return { rows: 0, invalidRows: 0, partialRows: 0, series: new Map() };
}

function toFile(s: IntervalSums): IntervalFile {
  const series: IntervalFile['series'] = [];
  for (const a of s.series.values()) series.push([a.dims, a.sum, a.count]);
  return { rows: s.rows, invalidRows: s.invalidRows, partialRows: s.partialRows, series };
}

function fromFile(f: IntervalFile): IntervalSums {
  const s: IntervalSums = { rows: f.rows, invalidRows: f.invalidRows, partialRows: f.partialRows, series: new Map() };
  for (const [dims, sum, count] of f.series) s.series.set(dims.join('\u0000'), { dims, sum, count });
  return s;
}

/**
 * The interval's rows as the series models take them: one row per series whose values are the interval's
 * aggregate (sum, or sum ÷ count for AVG; NaN where the series had no value), which the models aggregate
 * to the same figure as the raw rows.
 */
export function sumsToRows(s: IntervalSums, startMs: number, avg: readonly boolean[]): ParsedRow[] {
  const out: ParsedRow[] = [];
  for (const a of s.series.values()) {
    const values = new Array<number>(avg.length);
    for (let m = 0; m < avg.length; m++) {
      const c = a.count[m] ?? 0;
      values[m] = c === 0 ? NaN : avg[m] ? a.sum[m]! / c : a.sum[m]!;
    }
    out.push({ timestampMs: startMs, values, dimensions: a.dims });
  }
  return out;
}

/** Writes `text` to `dir/name` atomically and durably: a temporary file, fsynced, renamed over the old one. */
function writeDurable(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
}

/**
 * Parses records into rows of the metric set's columns, without a closure per row: the CSV column of each
 * field is looked up once.
 */
export class RecordParser {
  private readonly tsIndex: number;
  private readonly metricIndex: number[];
  private readonly dimIndex: number[];
  private readonly decoder = new TextDecoder();

  constructor(readonly schema: RowSchema) {
    const header = schema.headerList ?? [];
    this.tsIndex = header.indexOf(schema.timestampColumn);
    this.metricIndex = schema.metrics.map((m) => header.indexOf(m));
    this.dimIndex = schema.dimensions.map((d) => header.indexOf(d));
  }

  // hot path: once per record
  parse(data: Uint8Array, stats: ParseStats, out: ParsedRow[]): void {
    const text = this.decoder.decode(data);
    let from = 0;
    while (from <= text.length) {
      let nl = text.indexOf('\n', from);
      if (nl < 0) nl = text.length;
      const line = text.slice(from, nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
      from = nl + 1;
      if (line.trim() === '') continue;
      stats.rows += 1;
      if (this.schema.format === 'JSON') this.parseJson(line, stats, out);
      else this.parseCsv(line, stats, out);
    }
  }

  private parseJson(line: string, stats: ParseStats, out: ParsedRow[]): void {
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line) as Record<string, unknown>;
    } catch {
      stats.invalidRows += 1;
      return;
    }
    if (obj === null || typeof obj !== 'object') {
      stats.invalidRows += 1;
      return;
    }
    const s = this.schema;
    const ts = parseTimestampCell(cellOf(obj[s.timestampColumn]), s.timestampFormat, s.timezone);
    if (!Number.isFinite(ts)) {
      stats.invalidRows += 1;
      return;
    }
    let partial = false;
    const values = new Array<number>(s.metrics.length);
    for (let m = 0; m < s.metrics.length; m++) {
      const c = cellOf(obj[s.metrics[m]!]);
      const v = c.trim() === '' ? NaN : Number(c);
      if (Number.isNaN(v)) partial = true;
      values[m] = v;
    }
    const dims = new Array<string>(s.dimensions.length);
    for (let d = 0; d < s.dimensions.length; d++) {
      const c = cellOf(obj[s.dimensions[d]!]);
      if (c === '') partial = true;
      dims[d] = c;
    }
    if (partial) stats.partialRows += 1;
    out.push({ timestampMs: ts, values, dimensions: dims });
  }

  private parseCsv(line: string, stats: ParseStats, out: ParsedRow[]): void {
    const s = this.schema;
    const cells = splitCsvLine(line, s.delimiter);
    const ts = this.tsIndex < 0 ? NaN : parseTimestampCell(cells[this.tsIndex] ?? '', s.timestampFormat, s.timezone);
    if (!Number.isFinite(ts)) {
      stats.invalidRows += 1;
      return;
    }
    let partial = false;
    const values = new Array<number>(this.metricIndex.length);
    for (let m = 0; m < this.metricIndex.length; m++) {
      const c = cells[this.metricIndex[m]!];
      const v = c === undefined || c.trim() === '' ? NaN : Number(c);
      if (Number.isNaN(v)) partial = true;
      values[m] = v;
    }
    const dims = new Array<string>(this.dimIndex.length);
    for (let d = 0; d < this.dimIndex.length; d++) {
      const c = cells[this.dimIndex[d]!] ?? '';
      if (c === '') partial = true;
      dims[d] = c;
    }
    if (partial) stats.partialRows += 1;
    out.push({ timestampMs: ts, values, dimensions: dims });
  }
}

function cellOf(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v);
}

export interface StreamSourceDeps {
  kinesis: KinesisEngine | undefined;
  clock: Clock;
  /** Only under `--auth enforce`. */
  roles: RoleAuthorizer | undefined;
  /** `<data-dir>/detectors`, or undefined in memory. */
  dir: string | undefined;
  log: ((line: string) => void) | undefined;
}

export interface StreamSourceSpec {
  /** Names the checkpoint files and the role's session. */
  detectorName: string;
  stream: string;
  roleArn: string | undefined;
  schema: RowSchema;
  freqMs: number;
}

/** Why the role may not read the stream now (AWS's AccessDenied text), or undefined when it may (or auth is not enforced). */
function roleProblem(deps: StreamSourceDeps, spec: StreamSourceSpec, streamArn: string): string | undefined {
  const roles = deps.roles;
  if (roles === undefined) return undefined;
  if (spec.roleArn === undefined) return `The metric set has no RoleArn to read ${streamArn} with.`;
  if (!roles.assumableBy(spec.roleArn, LOOKOUTMETRICS_PRINCIPAL)) return `Lookout for Metrics is unable to assume role ${spec.roleArn}.`;
  for (const action of STREAM_READ_ACTIONS) {
    const denied = roles.denied(spec.roleArn, action, streamArn, spec.detectorName);
    if (denied !== undefined) return denied;
  }
  return undefined;
}

function requireKinesis(deps: StreamSourceDeps): KinesisEngine {
  if (!deps.kinesis) throw new Error('this server has no Kinesis engine to read a kinesis:// source from');
  return deps.kinesis;
}

function describeStream(kinesis: KinesisEngine, name: string): ReturnType<KinesisEngine['describe']> {
  try {
    return kinesis.describe(name);
  } catch {
    throw new Error(`Kinesis stream ${name} does not exist on this server`);
  }
}

/**
 * Every row of the stream's retained records (every shard from TRIM_HORIZON to its current end): warm-up
 * from history and backtests.
 */
export async function readStreamRows(deps: StreamSourceDeps, spec: StreamSourceSpec, stats: ParseStats, out: ParsedRow[]): Promise<void> {
  const kinesis = requireKinesis(deps);
  const desc = describeStream(kinesis, spec.stream);
  const problem = roleProblem(deps, spec, desc.streamArn);
  if (problem !== undefined) throw new Error(problem);
  const parser = new RecordParser(spec.schema);
  for (const shard of desc.shards) {
    const reader = await kinesis.openShardReader(spec.stream, shard.shardId, { type: 'TRIM_HORIZON' });
    await drain(reader, parser, stats, out);
  }
}

/** Reads a shard to its current end, parsing every record (KPL aggregates de-aggregated). */
async function drain(reader: ShardReader, parser: RecordParser, stats: ParseStats, out: ParsedRow[]): Promise<boolean> {
  let any = false;
  for (;;) {
    const before = reader.offset;
    const { records } = await reader.read(READ_BATCH);
    if (reader.offset === before) return any;
    any = true;
    for (const rec of records) {
      if (!isAggregated(rec.data)) {
        parser.parse(rec.data, stats, out);
        continue;
      }
      const users = deaggregate(rec.data, rec.partitionKey, rec.sequenceNumber);
      if (!users) parser.parse(rec.data, stats, out);
      else for (const u of users) parser.parse(u.data, stats, out);
    }
  }
}

/** The live reader of one detector's stream: open intervals' sums, sealing, checkpoints. */
export class StreamSource {
  private readonly parser: RecordParser;
  private readonly readers = new Map<string, ShardReader>();
  private positions: Record<string, number> = {};
  private incarnation = '';
  private openFromMs = 0;
  private readonly pending = new Map<number, IntervalSums>();
  /** Late or too-early rows seen since the last seal (reported with the next sealed interval). */
  private lateRows = 0;
  private chain: Promise<void> = Promise.resolve();
  private pumpQueued = false;
  private timer: TimerHandle | undefined;
  private started = false;
  private stopped = false;
  private lastError: string | undefined;
  /** Why the role may not read the stream (under `--auth enforce`), for the run's failure reason. */
  problem: string | undefined;

  constructor(
    private readonly deps: StreamSourceDeps,
    readonly spec: StreamSourceSpec,
  ) {
    this.parser = new RecordParser(spec.schema);
  }

  private get checkpointName(): string {
    return `${this.spec.detectorName}.stream.json`;
  }

  private get sealedDir(): string | undefined {
    return this.deps.dir === undefined ? undefined : join(this.deps.dir, `${this.spec.detectorName}.stream`);
  }

  /**
   * Starts (or resumes from its checkpoint) reading; rows of intervals before `openFromMs` are late. A first
   * start reads from the end of each shard (LATEST): the detector's first interval starts after activation.
   */
  start(openFromMs?: number): Promise<void> {
    this.stopped = false;
    return this.enqueue(async () => {
      if (!this.started) {
        this.load();
        this.started = true;
      }
      if (openFromMs !== undefined && openFromMs > this.openFromMs) {
        for (const k of [...this.pending.keys()]) if (k < openFromMs) this.pending.delete(k);
        this.openFromMs = openFromMs;
      }
      await this.pump();
      this.arm();
    });
  }

  private load(): void {
    if (this.deps.dir === undefined) return;
    let cp: Checkpoint;
    try {
      cp = JSON.parse(readFileSync(join(this.deps.dir, this.checkpointName), 'utf8')) as Checkpoint;
    } catch {
      return;
    }
    if (cp.stream !== this.spec.stream) return;
    this.incarnation = cp.incarnation;
    this.positions = { ...cp.positions };
    this.openFromMs = cp.openFromMs;
    for (const [k, f] of Object.entries(cp.pending)) this.pending.set(Number(k), fromFile(f));
  }

  private checkpoint(): void {
    if (this.deps.dir === undefined) return;
    const pending: Record<string, IntervalFile> = {};
    for (const [k, s] of this.pending) pending[String(k)] = toFile(s);
    const cp: Checkpoint = {
      version: 1,
      stream: this.spec.stream,
      incarnation: this.incarnation,
      positions: this.positions,
      openFromMs: this.openFromMs,
      pending,
    };
    writeDurable(this.deps.dir, this.checkpointName, JSON.stringify(cp));
  }

  private arm(): void {
    if (this.stopped || this.timer) return;
    this.timer = this.deps.clock.setTimer(() => {
      this.timer = undefined;
      if (this.stopped) return;
      if (!this.pumpQueued) {
        this.pumpQueued = true;
        void this.enqueue(async () => {
          this.pumpQueued = false;
          await this.pump();
          this.lastError = undefined;
        }).catch((e: unknown) => {
          // Said once per distinct problem: the pump retries every PUMP_MS.
          const line = `detector ${this.spec.detectorName}: reading ${this.spec.stream}: ${(e as Error).message}`;
          if (line !== this.lastError) this.deps.log?.(line);
          this.lastError = line;
        });
      }
      this.arm();
    }, PUMP_MS);
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => {});
    return next;
  }

  /** Reads every shard to its end, adds the rows to their open intervals and checkpoints. Throws when the stream cannot be read. */
  private async pump(): Promise<void> {
    if (this.stopped) return;
    const kinesis = requireKinesis(this.deps);
    const desc = describeStream(kinesis, this.spec.stream);
    const problem = roleProblem(this.deps, this.spec, desc.streamArn);
    this.problem = problem;
    if (problem !== undefined) throw new Error(problem);
    let changed = false;
    if (desc.incarnation !== this.incarnation) {
      // A new stream of that name (or the first start): the first incarnation is read from LATEST, a recreated one from its start.
      const first = this.incarnation === '';
      this.incarnation = desc.incarnation;
      this.positions = {};
      this.readers.clear();
      changed = true;
      for (const s of desc.shards) {
        const r = await kinesis.openShardReader(this.spec.stream, s.shardId, { type: first ? 'LATEST' : 'TRIM_HORIZON' });
        this.readers.set(s.shardId, r);
        this.positions[s.shardId] = r.offset;
      }
    }
    const listed = new Set<string>();
    for (const s of desc.shards) {
      listed.add(s.shardId);
      if (this.readers.has(s.shardId)) continue;
      // A shard seen for the first time (a child of a split or merge) holds only records that arrived after reading began.
      const r = await kinesis.openShardReader(this.spec.stream, s.shardId, { type: 'TRIM_HORIZON' });
      const at = this.positions[s.shardId];
      if (at !== undefined) r.offset = Math.max(r.offset, at);
      else changed = true;
      this.readers.set(s.shardId, r);
      this.positions[s.shardId] = r.offset;
    }
    for (const id of [...this.readers.keys()]) {
      if (listed.has(id)) continue;
      this.readers.delete(id);
      delete this.positions[id];
      changed = true;
    }
    const rows: ParsedRow[] = [];
    const stats: ParseStats = { rows: 0, invalidRows: 0, partialRows: 0 };
    for (const r of this.readers.values()) {
      if (await drain(r, this.parser, stats, rows)) {
        this.positions[r.shardId] = r.offset;
        changed = true;
      }
    }
    this.add(rows, stats);
    if (changed) this.checkpoint();
  }

  // hot path: once per row
  private add(rows: readonly ParsedRow[], stats: ParseStats): void {
    const freq = this.spec.freqMs;
    const aheadLimit = this.deps.clock.now() + MAX_AHEAD_MS;
    // Rows that fail to parse cannot be placed in an interval: they count against the next one sealed.
    this.lateRows += stats.invalidRows;
    const nm = this.spec.schema.metrics.length;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const start = intervalStart(r.timestampMs, freq);
      if (start < this.openFromMs || r.timestampMs > aheadLimit) {
        this.lateRows += 1;
        continue;
      }
      let iv = this.pending.get(start);
      if (!iv) this.pending.set(start, (iv = emptySums()));
      iv.rows += 1;
      const key = r.dimensions.join('\u0000');
      let a = iv.series.get(key);
      if (!a) iv.series.set(key, (a = { dims: r.dimensions, sum: new Array<number>(nm).fill(0), count: new Array<number>(nm).fill(0) }));
      // Partial as the parser counts it: a metric without a number or an empty dimension.
      let partial = false;
      for (let m = 0; m < nm; m++) {
        const v = r.values[m]!;
        if (Number.isNaN(v)) {
          partial = true;
          continue;
        }
        a.sum[m]! += v;
        a.count[m]! += 1;
      }
      for (let d = 0; d < r.dimensions.length; d++) if (r.dimensions[d] === '') partial = true;
      if (partial) iv.partialRows += 1;
    }
  }

  /**
   * Seals interval `startMs` once its Offset has passed: reads the shards to their ends, closes the interval
   * (later rows of it are late) and returns its sums. An interval sealed before (a restart re-running
   * intervals after the model checkpoint) returns what it was sealed with.
   */
  seal(startMs: number): Promise<IntervalSums> {
    return new Promise<IntervalSums>((resolve, reject) => {
      void this.enqueue(async () => {
        try {
          if (!this.started) {
            this.load();
            this.started = true;
          }
          if (startMs < this.openFromMs) {
            const kept = this.sealed(startMs);
            if (!kept)
              this.deps.log?.(
                `detector ${this.spec.detectorName}: interval ${new Date(startMs).toISOString()} was sealed but is no longer kept; it runs empty`,
              );
            resolve(kept ?? emptySums());
            return;
          }
          await this.pump();
          const sums = this.pending.get(startMs) ?? emptySums();
          for (const k of [...this.pending.keys()]) {
            if (k > startMs) continue;
            // Earlier open intervals are never sealed (the detector skipped them): their rows are late.
            if (k < startMs) this.lateRows += this.pending.get(k)!.rows;
            this.pending.delete(k);
          }
          sums.invalidRows += this.lateRows;
          sums.rows += this.lateRows;
          this.lateRows = 0;
          this.openFromMs = startMs + this.spec.freqMs;
          this.keepSealed(startMs, sums);
          this.checkpoint();
          resolve(sums);
        } catch (e) {
          reject(e as Error);
        }
      });
    });
  }

  /** Keeps a sealed interval for the runs a restart repeats (without a data directory there is no restart to serve). */
  private keepSealed(startMs: number, sums: IntervalSums): void {
    const dir = this.sealedDir;
    if (dir !== undefined) writeDurable(dir, `${startMs}.json`, JSON.stringify(toFile(sums)));
  }

  private sealed(startMs: number): IntervalSums | undefined {
    const dir = this.sealedDir;
    if (dir === undefined) return undefined;
    try {
      return fromFile(JSON.parse(readFileSync(join(dir, `${startMs}.json`), 'utf8')) as IntervalFile);
    } catch {
      return undefined;
    }
  }

  /** Forgets sealed intervals up to and including `throughMs` (the detector's model checkpoint covers them). */
  prune(throughMs: number): void {
    const dir = this.sealedDir;
    if (dir === undefined) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const k = Number(n.replace(/\.json$/, ''));
      if (Number.isFinite(k) && k <= throughMs) rmSync(join(dir, n), { force: true });
    }
  }

  /** Stops reading (the checkpoint stays: a later start resumes from it). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.chain;
  }

  /** Stops and removes the checkpoint and the sealed intervals (the detector or its source is gone). */
  async remove(): Promise<void> {
    await this.stop();
    if (this.deps.dir === undefined) return;
    rmSync(join(this.deps.dir, this.checkpointName), { force: true });
    rmSync(this.sealedDir!, { recursive: true, force: true });
  }
}
