/** A Freshet server with its Postgres endpoint on free loopback ports, and card-payment loads for the views tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Clock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import type { PgAuthenticate } from '../../src/views/index.ts';
import { cardPayments } from '../../src/generators/card-payments.ts';

export interface ViewsHarness {
  server: FreshetServer;
  pgPort: number;
  /** A connected node-postgres client (closed by `close()`). */
  client(options?: Partial<pg.ClientConfig>): Promise<pg.Client>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** File storage in this dir (restart tests); default: memory storage, views in memory. */
  dataDir?: string;
  clock?: Clock;
  authenticate?: PgAuthenticate;
  autoRefreshIntervalMs?: number;
  refreshBatchRecords?: number;
}

export async function startViews(opts: HarnessOptions = {}): Promise<ViewsHarness> {
  const server = await startServer({
    port: 0,
    ...(opts.dataDir !== undefined ? { storage: 'file' as const, dataDir: opts.dataDir, fsync: { kind: 'never' as const } } : { storage: 'memory' as const }),
    ...(opts.clock ? { clock: opts.clock } : {}),
    createDelayMs: 0,
    updateDelayMs: 0,
    deleteDelayMs: 0,
    pg: {
      port: 0,
      ...(opts.authenticate ? { authenticate: opts.authenticate } : {}),
      views: {
        onError: () => undefined,
        ...(opts.autoRefreshIntervalMs !== undefined ? { autoRefreshIntervalMs: opts.autoRefreshIntervalMs } : {}),
        ...(opts.refreshBatchRecords !== undefined ? { refreshBatchRecords: opts.refreshBatchRecords } : {}),
      },
    },
  });
  const clients: pg.Client[] = [];
  const pgPort = server.pg!.port;
  return {
    server,
    pgPort,
    async client(options = {}) {
      const c = new pg.Client({ host: '127.0.0.1', port: pgPort, user: 'analyst', database: 'dev', ...options });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) await c.end().catch(() => undefined);
      await server.close();
    },
  };
}

let counter = 0;
/** A stream name unique to this process and call (stream names may hold '-', which views quote). */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `freshet-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface CardPayment {
  TRANSACTION_ID: number;
  TX_DATETIME: string;
  CUSTOMER_ID: number;
  TERMINAL_ID: number;
  TX_AMOUNT: number;
}

/** `n` card payments from the generator (seeded), stamped from `startMs` one millisecond apart. */
export function cardLoad(n: number, seed = 7, startMs = Date.UTC(2024, 3, 1, 10, 0, 0)): Array<{ partitionKey: string; value: CardPayment }> {
  const f = cardPayments.create({ seed, anomalyRate: 0.01 });
  const out: Array<{ partitionKey: string; value: CardPayment }> = [];
  for (let i = 0; i < n; i++) {
    const r = f.next(startMs + i * 1000);
    const v = r.value;
    out.push({
      partitionKey: r.partitionKey,
      value: {
        TRANSACTION_ID: Number(v.TRANSACTION_ID),
        TX_DATETIME: String(v.TX_DATETIME),
        CUSTOMER_ID: Number(v.CUSTOMER_ID),
        TERMINAL_ID: Number(v.TERMINAL_ID),
        TX_AMOUNT: Number(v.TX_AMOUNT),
      },
    });
  }
  return out;
}

/** Puts records in batches of 500 through the in-process engine. */
export async function putAll(server: FreshetServer, stream: string, records: ReadonlyArray<{ partitionKey: string; data: Uint8Array }>): Promise<void> {
  for (let i = 0; i < records.length; i += 500) await server.kinesis.putRecords(stream, records.slice(i, i + 500));
}

export async function createStream(server: FreshetServer, name: string, shards: number): Promise<void> {
  await server.kinesis.createStream(name, { shardCount: shards });
  await server.kinesis.whenActive(name);
}

/** Sum of amounts in cents (exact). */
export function centsOf(rows: ReadonlyArray<{ value: CardPayment }>): number {
  let c = 0;
  for (const r of rows) c += Math.round(r.value.TX_AMOUNT * 100);
  return c;
}

/** The seeds' DDL (Redshift streaming ingestion, card payments), for a stream and view name. */
export function seedDdl(stream: string, view: string, autoRefresh = false): string[] {
  return [
    `CREATE EXTERNAL SCHEMA IF NOT EXISTS kds FROM KINESIS IAM_ROLE 'arn:aws:iam::000000000000:role/redshift-streaming-role'`,
    `CREATE MATERIALIZED VIEW ${view} ${autoRefresh ? 'AUTO REFRESH YES ' : ''}AS
  SELECT approximate_arrival_timestamp, partition_key, shard_id, sequence_number,
         JSON_PARSE(kinesis_data) AS payload
  FROM kds."${stream}"
  WHERE CAN_JSON_PARSE(kinesis_data)`,
  ];
}
