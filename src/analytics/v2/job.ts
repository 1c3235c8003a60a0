/**
 * A Flink SQL application running inside the server: a FlinkApplication fed from the Kinesis engine
 * (one split per shard, from TRIM_HORIZON/LATEST per `scan.stream.initpos`, or from checkpointed
 * offsets), writing its `kinesis` sinks back into the engine and its `print` sinks to the log.
 * Other connectors (filesystem, firehose, datagen) run under `freshet sql run --dialect flink`; a job
 * that uses them here is refused at start with a message that says so.
 *
 * A checkpoint is the operator state plus each shard's next offset, taken between batches, so
 * restoring it replays nothing twice and skips nothing (sinks are at-least-once across a crash: rows
 * written after the last checkpoint are written again).
 */
import { randomUUID } from 'node:crypto';
import { AwsError, log, type Clock } from '../../core/index.ts';
import { FlinkApplication, SqlError, type FlinkState, type Row } from '../../sql/index.ts';
import type { StreamEngine, StreamShardReader } from '../runtime/ports.ts';
import { streamNameFromArn } from '../model.ts';

const logger = log.child('analytics-v2');

export interface JobState {
  flink: FlinkState;
  /** table → shardId → next offset */
  offsets: Record<string, Record<string, number>>;
}

interface Feed {
  table: string;
  stream: string;
  reader: StreamShardReader;
  off: () => void;
}

const SUPPORTED = new Set(['kinesis', 'print', 'blackhole']);

export class FlinkJob {
  readonly app: FlinkApplication;
  private feeds: Feed[] = [];
  private pending: Promise<unknown> = Promise.resolve();
  private draining: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** Rows written to each sink, and the failure that stopped the job. */
  failure: Error | null = null;
  onFailure: ((e: Error) => void) | null = null;

  private constructor(
    app: FlinkApplication,
    private readonly streams: StreamEngine,
    private readonly label: string,
  ) {
    this.app = app;
  }

  /** Plans the SQL (SqlError on mistakes) and checks that every table's connector can run in the server. */
  static plan(sql: string, options: Record<string, string>, clock?: Clock): FlinkApplication {
    const app = FlinkApplication.compile(sql, { options, ...(clock ? { clock } : {}) });
    for (const name of [...app.sourceNames(), ...app.sinkNames()]) {
      if (name.startsWith('$')) continue;
      const connector = app.stream(name).flink?.connector.connector;
      if (connector !== undefined && !SUPPORTED.has(connector)) {
        app.close();
        throw new SqlError(
          `table "${name}" uses the '${connector}' connector, which Freshet runs only under \`freshet sql run --dialect flink\`; applications in the server read and write 'kinesis' tables (and 'print')`,
        );
      }
    }
    return app;
  }

  static async start(label: string, sql: string, options: Record<string, string>, clock: Clock, streams: StreamEngine, state?: JobState): Promise<FlinkJob> {
    let app: FlinkApplication;
    try {
      app = FlinkJob.plan(sql, options, clock);
    } catch (e) {
      throw new AwsError('InvalidApplicationConfigurationException', e instanceof Error ? e.message : String(e));
    }
    const job = new FlinkJob(app, streams, label);
    try {
      if (state) app.restore(state.flink);
      job.attachSinks();
      await job.attachSources(state?.offsets ?? {});
    } catch (e) {
      job.close();
      throw e;
    }
    app.start(1000);
    job.kick();
    return job;
  }

  private attachSinks(): void {
    for (const sink of this.app.sinkNames()) {
      const plan = this.app.stream(sink);
      const c = plan.flink?.connector;
      if (!c) continue;
      if (c.connector === 'kinesis') {
        const stream = c.options.stream ?? streamNameFromArn(c.options['stream.arn'] ?? '') ?? '';
        const encode = this.app.encoder(sink);
        this.app.onOutput(sink, (rows: Row[]) => {
          const records: { partitionKey: string; data: Uint8Array }[] = [];
          for (const r of rows) {
            const text = encode(r);
            if (text !== null) records.push({ partitionKey: randomUUID(), data: Buffer.from(text, 'utf8') });
          }
          if (records.length === 0) return;
          this.pending = this.pending.then(() => this.streams.putRecords(stream, records)).catch((e) => this.fail(e));
        });
      } else if (c.connector === 'print') {
        this.app.onOutput(sink, (rows: Row[]) => {
          for (const r of rows) logger.info('print', { application: this.label, sink, row: this.app.printText(sink, r) });
        });
      }
    }
  }

  private async attachSources(offsets: Record<string, Record<string, number>>): Promise<void> {
    for (const table of this.app.sourceNames()) {
      const c = this.app.stream(table).flink?.connector;
      if (c?.connector !== 'kinesis') continue;
      const stream = c.options.stream ?? streamNameFromArn(c.options['stream.arn'] ?? '') ?? '';
      let shards: { shardId: string }[];
      try {
        shards = this.streams.describe(stream).shards;
      } catch {
        throw new AwsError('InvalidApplicationConfigurationException', `table "${table}" reads stream ${stream}, which does not exist`);
      }
      const initpos = (c.options['scan.stream.initpos'] ?? c.options['source.init.position'] ?? 'LATEST').toUpperCase();
      const ids = shards.map((s) => s.shardId);
      this.app.registerSplits(table, ids);
      for (const id of ids) {
        const reader = await this.streams.openShardReader(stream, id, { type: initpos === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST' });
        const at = offsets[table]?.[id];
        if (at !== undefined) reader.offset = at;
        const off = reader.onAppend(() => this.kick());
        this.feeds.push({ table, stream, reader, off });
      }
    }
  }

  private fail(e: unknown): void {
    if (this.failure) return;
    this.failure = e instanceof Error ? e : new Error(String(e));
    logger.warn('flink application failed', { application: this.label, error: this.failure.message });
    this.onFailure?.(this.failure);
  }

  /** Reads whatever the shards hold now (again if more arrives meanwhile). */
  kick(): void {
    if (this.closed) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drainOnce()
      .catch((e) => this.fail(e))
      .finally(() => {
        this.draining = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drainOnce(): Promise<void> {
    for (;;) {
      let got = 0;
      for (const f of this.feeds) {
        if (this.closed) return;
        const { records } = await f.reader.read(1000);
        if (records.length === 0) continue;
        got += records.length;
        this.app.pushRecords(
          f.table,
          records.map((r) => ({
            data: r.data,
            arrivalMs: r.approximateArrivalTimestampMs,
            partitionKey: r.partitionKey,
            shardId: f.reader.shardId,
            sequenceNumber: r.sequenceNumber,
          })),
          records[records.length - 1]!.approximateArrivalTimestampMs,
          f.reader.shardId,
        );
      }
      if (got === 0) return;
    }
  }

  /** Waits until every record in the shards has gone through and every sink write has landed. */
  async settle(): Promise<void> {
    do {
      this.again = false;
      if (this.draining) await this.draining;
      await this.drainOnce();
      await this.pending;
    } while (this.draining !== null || this.again);
    if (this.failure) throw this.failure;
  }

  /** Moves processing time (idle splits, processing-time windows) and writes what that fires. */
  async advance(nowMs: number): Promise<void> {
    this.app.advanceTime(nowMs);
    await this.pending;
  }

  async checkpoint(): Promise<JobState> {
    await this.settle();
    const offsets: JobState['offsets'] = {};
    for (const f of this.feeds) (offsets[f.table] ??= {})[f.reader.shardId] = f.reader.offset;
    return { flink: this.app.checkpoint(), offsets };
  }

  close(): void {
    this.closed = true;
    for (const f of this.feeds) f.off();
    this.feeds = [];
    this.app.close();
  }
}
