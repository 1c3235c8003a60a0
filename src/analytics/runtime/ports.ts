/**
 * What the runtime host needs from the SQL engine and from delivery streams,
 * as narrow interfaces. sql-adapter.ts implements SqlPort over src/sql; the
 * service wires a DeliveryPort to Firehose when that service is present.
 */
import type { Clock } from '../../core/index.ts';
import type { ColumnSpec, RecordSchema, RecordFormatType } from '../model.ts';

/** An in-application stream fed by an input: its name and record schema. */
export interface InputStreamSpec {
  name: string;
  columns: readonly ColumnSpec[];
}

export interface ReferenceTableSpec {
  name: string;
  columns: readonly ColumnSpec[];
  /** Parsed rows (without ROWTIME). */
  rows: unknown[][];
}

/** One compiled, running SQL application. */
export interface CompiledApplication {
  /**
   * Feeds rows (values in input-column order, without ROWTIME) into an input
   * in-app stream. `arrivalMs` is the source record's approximate arrival time
   * (APPROXIMATE_ARRIVAL_TIME); `rowtimeMs` is ROWTIME, never decreasing.
   */
  push(stream: string, rows: unknown[][], rowtimeMs: number, arrivalMs: number): void;
  /** Tells the engine time has reached `nowMs`: windows ending at or before it close. */
  advanceTime(nowMs: number): void;
  /** Rows written to an in-app stream (error_stream included); `row[0]` is ROWTIME, then the stream's columns. Returns an unsubscribe. */
  onOutput(stream: string, listener: (rows: readonly unknown[][]) => void): () => void;
  /** Names of every in-app stream (inputs, streams the code creates, error_stream). */
  streamNames(): readonly string[];
  /** One row as an object keyed by column name (TIMESTAMPs as KDA text), with ROWTIME. */
  rowObject(stream: string, row: readonly unknown[]): Record<string, unknown>;
  /** The in-app stream's name as the code defines it (exact, else case-insensitive match), or undefined. */
  resolveStream(name: string): string | undefined;
  /** A formatter for rows of an in-app stream, as JSON or CSV records. */
  formatter(stream: string, format: RecordFormatType): RowFormatter;
  /** Column names of an in-app stream (without ROWTIME). */
  columnNames(stream: string): readonly string[];
  checkpoint(): unknown;
  restore(state: unknown): void;
  close(): void;
}

export interface ParsedRecords {
  /** Rows of typed values in column order. */
  rows: unknown[][];
  /** Rows (or the whole record) that did not parse, with the reason. */
  errors: Array<{ message: string; data: string }>;
}

export interface RecordParser {
  parse(data: Uint8Array): ParsedRecords;
}

export interface RowFormatter {
  /** Formats one output row (`row[0]` is ROWTIME, excluded) as a record. */
  format(row: readonly unknown[]): Uint8Array;
}

export interface SqlPort {
  /** Compiles application code against its inputs and reference tables; throws an Error whose message says what is wrong (with line:column). */
  compile(code: string, inputs: readonly InputStreamSpec[], tables: readonly ReferenceTableSpec[], clock: Clock): CompiledApplication;
  /** Like compile, but only reports the problem; undefined when the code is valid. */
  check(code: string, inputs: readonly InputStreamSpec[], tables: readonly ReferenceTableSpec[]): string | undefined;
  /** Syntax only (for code whose inputs are not configured yet); undefined when it parses. */
  checkSyntax(code: string): string | undefined;
  /** Reports an unusable RecordColumn SqlType, or undefined. */
  checkColumns(columns: readonly ColumnSpec[]): string | undefined;
  parser(schema: RecordSchema): RecordParser;
}

/**
 * The server's functions (src/functions), invoked synchronously with a JSON event: LambdaOutput
 * destinations. Rejects when the function fails, times out, is throttled or answers with non-JSON.
 */
export interface FunctionPort {
  /** Whether a function ARN (or name, with an optional qualifier) names a function of this server. */
  has(ref: string): boolean;
  invoke(ref: string, event: unknown): Promise<unknown>;
}

/** In-process delivery-stream writes (Firehose PutRecordBatch without the wire). */
export interface DeliveryPort {
  putRecordBatch(deliveryStreamName: string, records: readonly Uint8Array[]): Promise<void>;
  /** True when the delivery stream exists. */
  exists?(deliveryStreamName: string): boolean;
  /**
   * Opens a reader over the records put into a delivery stream (an application input), at its oldest
   * record or its tip. `holder` names the consumer: positions it `retain()`s are kept from being
   * trimmed after delivery until `releaseReader(name, holder)`. Rejects when the stream does not exist.
   */
  openReader?(deliveryStreamName: string, position: 'TRIM_HORIZON' | 'LATEST', holder: string): Promise<DeliveryInputReader>;
  releaseReader?(deliveryStreamName: string, holder: string): Promise<void>;
}

/** A delivery stream read like a single shard. */
export interface DeliveryInputReader extends StreamShardReader {
  /** Creation time of the delivery stream (identifies this incarnation of the name). */
  readonly createdMs: number;
  retain(offset: number): Promise<void>;
  close(): void;
}

/** The slice of KinesisEngine (src/kinesis) the host uses, structurally typed. */
export interface StreamShardReader {
  readonly shardId: string;
  /** Next log offset to read. */
  offset: number;
  read(limit?: number): Promise<{
    records: Array<{ sequenceNumber: string; partitionKey: string; data: Uint8Array; approximateArrivalTimestampMs: number }>;
    millisBehindLatest: number;
  }>;
  onAppend(listener: (endOffset: number) => void): () => void;
  /** The log offset of a record this reader returned (default: decoded from a Kinesis sequence number). */
  offsetOf?(sequenceNumber: string): number;
  /** True once the shard is closed (split or merged) and read to its end; its children come next. */
  readonly ended?: boolean;
}

export interface StreamEngine {
  describe(name: string): {
    streamName: string;
    streamArn: string;
    createdMs: number;
    status: string;
    shards: Array<{ shardId: string; parentShardId?: string; adjacentParentShardId?: string }>;
  };
  openShardReader(
    name: string,
    shardId: string,
    position: { type: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP'; timestampMs?: number },
  ): Promise<StreamShardReader>;
  putRecords(name: string, records: ReadonlyArray<{ partitionKey: string; data: Uint8Array }>): Promise<unknown>;
  /** Resolves once the stream is ACTIVE (a CREATING stream lists no shards). */
  whenActive?(name: string): Promise<void>;
}

/**
 * Several Freshet nodes on one JetStream namespace (issue 19): may this node run `resource` (`analytics/<app>`)?
 * True when it holds the resource's lease (or just took it); false when another node runs it.
 */
export interface RunGate {
  mayRun(resource: string): Promise<boolean>;
}
