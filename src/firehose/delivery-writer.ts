/**
 * The destination side of a delivery pipeline: turns one flushed buffer into
 * what the destination receives — an object (newline-joined records or
 * Parquet, compressed, under its prefix key) in the S3 or directory bucket, an
 * HTTP endpoint batch (with the S3 backup of all data when configured), the
 * source-record backup object, or error records under the error prefix — and
 * writes it with retries, counting attempts and successes in the metrics.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { compressAsync, extensionFor } from './compression.ts';
import type { DestinationConfig, HttpDestConfig, ParquetColumn, S3DestConfig } from './config.ts';
import { postBatch } from './destinations/http-endpoint.ts';
import type { ObjectStores, ObjectWriter } from './destinations/object-store.ts';
import type { ClockRetrier } from './delivery-retry.ts';
import { Stopped } from './delivery-retry.ts';
import type { DeliveryMetrics } from './metrics.ts';
import type { ParquetPlan } from './parquet.ts';
import { planParquet, toParquet } from './parquet.ts';
import { errorObjectKey, objectKey, parsePrefix } from './prefix.ts';
import type { ErrorOutputType, PrefixTemplate } from './prefix.ts';
import { errorRecordJson } from './processors.ts';
import type { DeliveryRecord, FailedRecord } from './processors.ts';

/** What a flushed buffer hands to the destination. */
export interface OutputBatch {
  kind: 'data' | 'error' | 'backup';
  errorType?: ErrorOutputType;
  records: DeliveryRecord[];
  failed: FailedRecord[];
  oldestArrivalMs: number;
  partitionKeys?: Record<string, string>;
}

export interface DestinationWriterOptions {
  name: string;
  arn: string;
  version: number;
  clock: Clock;
  dest: DestinationConfig;
  stores: ObjectStores;
  tables: Readonly<Record<string, readonly ParquetColumn[]>>;
  metrics: DeliveryMetrics;
  retrier: ClockRetrier;
  say: (message: string) => void;
  /** `--auth enforce`: AWS's AccessDenied text when `roleArn` may not do `action` on `resource`, else undefined. */
  access?: RoleCheck;
}

/** How a delivery stream's roles are checked (engine.ts builds it from the server's RoleAuthorizer). */
export type RoleCheck = (roleArn: string, action: string, resource: string) => string | undefined;

/** A destination write the role may not make: retried like any S3 failure (AWS retries for up to 24 h), with AWS's error code. */
export class S3AccessDenied extends Error {
  readonly code = 'S3.AccessDenied';
  constructor(detail: string) {
    super(
      `Access was denied. Ensure that the trust policy for the provided IAM role allows Firehose to assume the role, and the access policy allows access to the S3 bucket. (${detail})`,
    );
    this.name = 'S3AccessDenied';
  }
}

const textEncoder = new TextEncoder();

export class DestinationWriter {
  readonly s3: S3DestConfig;
  readonly http: HttpDestConfig | null;
  readonly prefix: PrefixTemplate | null;
  private readonly errorPrefix: PrefixTemplate | null;
  private readonly parquet: ParquetPlan | null;
  private readonly writer: ObjectWriter;
  /** ExtendedS3 S3BackupMode Enabled: source records (before processing) are also written here. */
  private readonly backup: { cfg: S3DestConfig; writer: ObjectWriter; prefix: PrefixTemplate | null } | null;

  /** Throws when the configuration cannot run (e.g. a Parquet conversion whose table schema is not declared). */
  constructor(private readonly o: DestinationWriterOptions) {
    const d = o.dest;
    this.http = d.kind === 'http' ? d.http : null;
    this.s3 = d.kind === 's3' ? d.s3 : d.http.s3;
    this.prefix = this.s3.prefix ? parsePrefix(this.s3.prefix) : null;
    this.errorPrefix = this.s3.errorOutputPrefix ? parsePrefix(this.s3.errorOutputPrefix) : null;
    this.parquet = d.kind === 's3' && d.s3.dataFormatConversion?.enabled ? this.planParquet(d.s3) : null;
    this.writer = o.stores.forBucket(this.s3.bucket);
    const b = d.kind === 's3' && d.s3.s3BackupMode === 'Enabled' ? d.s3.s3Backup : undefined;
    this.backup = b ? { cfg: b, writer: o.stores.forBucket(b.bucket), prefix: b.prefix ? parsePrefix(b.prefix) : null } : null;
  }

  /** Whether source records are also backed up (they then get a backup buffer of their own). */
  get backsUpSource(): boolean {
    return this.backup !== null;
  }

  private planParquet(s3: S3DestConfig): ParquetPlan {
    const raw = s3.dataFormatConversion!.raw as {
      SchemaConfiguration?: { DatabaseName?: string; TableName?: string };
      OutputFormatConfiguration?: { Serializer?: { ParquetSerDe?: { Compression?: string } } };
    };
    const db = raw.SchemaConfiguration?.DatabaseName ?? '';
    const table = raw.SchemaConfiguration?.TableName ?? '';
    const cols = this.o.tables[`${db}.${table}`] ?? this.o.tables[table];
    if (!cols) throw new Error(`No table schema declared for ${db}.${table}: declare it in the server's firehose.tables option`);
    return planParquet(cols, raw.OutputFormatConfiguration?.Serializer?.ParquetSerDe?.Compression);
  }

  /** Delivers one flushed buffer; rejects once its retry window has passed (or with Stopped). */
  write(batch: OutputBatch): Promise<void> {
    if (batch.kind === 'error') return this.writeErrors(batch.errorType!, batch.failed);
    if (batch.kind === 'backup') return this.writeBackup(batch);
    if (this.http) return this.deliverHttp(batch);
    return this.deliverS3(batch);
  }

  /** Throws S3AccessDenied when the destination's role may not put `key` into its bucket (only under `--auth enforce`). */
  private mayPut(cfg: S3DestConfig, key: string): void {
    const denied = this.o.access?.(cfg.roleArn, 's3:PutObject', `arn:aws:s3:::${cfg.bucket}/${key}`);
    if (denied !== undefined) throw new S3AccessDenied(denied);
  }

  private retryS3<T>(fn: () => Promise<T>): Promise<T> {
    const s = this.o.retrier.settings;
    return this.o.retrier.run(fn, s.s3MaxElapsedMs, s.s3MaxDelayMs);
  }

  private async deliverS3(batch: OutputBatch): Promise<void> {
    const m = this.o.metrics;
    let body: Uint8Array | null;
    let count = batch.records.length;
    if (this.parquet) {
      const res = await toParquet(this.parquet, batch.records);
      if (res.failed.length) await this.writeErrors('format-conversion-failed', res.failed);
      body = res.body;
      count = res.converted.length;
    } else {
      body = concat(batch.records);
    }
    if (!body) return;
    const rawBytes = body.length;
    const compressed = await compressAsync(this.s3.compression, body, 'data');
    const ext = this.s3.fileExtension ?? (this.parquet ? '' : extensionFor(this.s3.compression));
    const key = objectKey({
      prefix: this.prefix,
      streamName: this.o.name,
      version: this.o.version,
      ext,
      ctx: { timestampMs: batch.oldestArrivalMs, timeZone: this.s3.customTimeZone, partitionKeys: batch.partitionKeys },
    });
    await this.retryS3(async () => {
      m.s3Attempts++;
      this.mayPut(this.s3, key);
      await this.writer.put(key, compressed);
      m.s3Successes++;
    });
    m.s3Records += count;
    m.s3Bytes += rawBytes;
    m.s3Objects++;
  }

  private async deliverHttp(batch: OutputBatch): Promise<void> {
    const http = this.http!;
    const m = this.o.metrics;
    // One request, retried as is: same id and generation time on every attempt.
    const requestId = randomUUID();
    const generatedMs = this.o.clock.now();
    const data = batch.records.map((r) => r.data);
    let attempts = 0;
    let bytes = 0;
    for (const d of data) bytes += d.length;
    try {
      await this.o.retrier.run(
        async () => {
          attempts++;
          m.httpAttempts++;
          await postBatch(http, this.o.arn, { requestId, timestampMs: generatedMs, records: data });
          m.httpSuccesses++;
        },
        http.retryDurationInSeconds * 1000,
        this.o.retrier.settings.httpMaxDelayMs,
      );
    } catch (e) {
      if (e instanceof Stopped || this.o.retrier.stopped) throw e;
      const code = (e as { code?: string }).code ?? 'HttpEndpoint.DestinationException';
      this.o.say(`HTTP delivery gave up after ${attempts} attempts: ${(e as Error).message}`);
      await this.writeErrors(
        'http-endpoint-failed',
        batch.records.map((r) => ({
          data: r.data,
          arrivalMs: r.arrivalMs,
          offset: r.offset,
          type: 'http-endpoint-failed' as const,
          errorCode: code,
          errorMessage: (e as Error).message,
          attemptsMade: attempts,
        })),
      );
      return;
    }
    m.httpRecords += batch.records.length;
    m.httpBytes += bytes;
    if (http.s3BackupMode === 'AllData') {
      const body = await compressAsync(http.s3.compression, concat(batch.records), 'data');
      const key = objectKey({
        prefix: this.prefix,
        streamName: this.o.name,
        version: this.o.version,
        ext: extensionFor(http.s3.compression),
        ctx: { timestampMs: batch.oldestArrivalMs, timeZone: http.s3.customTimeZone },
      });
      await this.retryS3(() => {
        this.mayPut(this.s3, key);
        return this.writer.put(key, body);
      });
    }
  }

  private async writeBackup(batch: OutputBatch): Promise<void> {
    const b = this.backup!;
    const body = await compressAsync(b.cfg.compression, concat(batch.records), 'data');
    const key = objectKey({
      prefix: b.prefix,
      streamName: this.o.name,
      version: this.o.version,
      ext: extensionFor(b.cfg.compression),
      ctx: { timestampMs: batch.oldestArrivalMs, timeZone: b.cfg.customTimeZone },
    });
    await this.retryS3(() => {
      this.mayPut(b.cfg, key);
      return b.writer.put(key, body);
    });
  }

  private async writeErrors(type: ErrorOutputType, failed: readonly FailedRecord[]): Promise<void> {
    if (failed.length === 0) return;
    let oldest = failed[0]!.arrivalMs;
    for (const f of failed) if (f.arrivalMs < oldest) oldest = f.arrivalMs;
    const now = this.o.clock.now();
    let text = '';
    for (const f of failed) text += `${errorRecordJson(f, now)}\n`;
    const key = errorObjectKey({
      prefix: this.prefix,
      errorPrefix: this.errorPrefix,
      streamName: this.o.name,
      version: this.o.version,
      ctx: { timestampMs: oldest, timeZone: this.s3.customTimeZone, errorType: type },
    });
    const body = textEncoder.encode(text);
    await this.retryS3(() => {
      this.mayPut(this.s3, key);
      return this.writer.put(key, body);
    });
  }
}

function concat(records: readonly DeliveryRecord[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < records.length; i++) total += records[i]!.data.length;
  const out = new Uint8Array(total);
  let o = 0;
  // hot path: object assembly
  for (let i = 0; i < records.length; i++) {
    const d = records[i]!.data;
    out.set(d, o);
    o += d.length;
  }
  return out;
}
