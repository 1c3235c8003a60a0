/**
 * What the server benchmarks share: the `--quick` / `--runs N` / `--no-write` flags and the command line they
 * quote, a Freshet server on a temporary data dir with durable storage (FileStorage, fsync always: an answered
 * record is on disk), an SDK Kinesis client on an HTTP/1.1 keep-alive pool, and an ACTIVE stream.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FileStorage } from '../../src/storage/index.ts';
import { startServer, type FreshetServer, type StartServerOptions } from '../../src/server/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface BenchArgs {
  quick: boolean;
  /** Runs whose median is quoted: --runs, else 1 with --quick and 3 without. */
  runs: number;
  /** False with --no-write: print the figures without touching docs/benchmarks.md. */
  write: boolean;
  /** The command that produced the figures, as docs/benchmarks.md quotes it. */
  command: string;
}

/** Parses the flags every server benchmark takes; `script` is its path from the repository root. */
export function benchArgs(script: string): BenchArgs {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  return {
    quick,
    runs: Number(values.runs ?? (quick ? 1 : 3)),
    write: values['no-write'] !== true,
    command: `node --import tsx ${script}${quick ? ' --quick' : ''}${values.runs ? ` --runs ${values.runs}` : ''}`,
  };
}

export interface DurableServer {
  server: FreshetServer;
  /** Closes the server and removes its data dir. */
  close(): Promise<void>;
}

/** A server on port 0 over a fresh temporary data dir, FileStorage with fsync always, streams created at once. */
export async function durableServer(prefix: string, options: Partial<StartServerOptions> = {}): Promise<DurableServer> {
  const dir = await mkdtemp(join(tmpdir(), `freshet-bench-${prefix}-`));
  const storage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' } });
  const server = await startServer({ port: 0, storage, dataDir: dir, createDelayMs: 0, ...options });
  return {
    server,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The SDK's Kinesis client for `url` over HTTP/1.1 keep-alive with up to `maxSockets` connections. */
export function benchKinesisClient(url: string, maxSockets: number): KinesisClient {
  return new KinesisClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets }) }),
  });
}

/** Creates a stream of `shardCount` shards in-process and waits until it is ACTIVE. */
export async function activeStream(server: FreshetServer, name: string, shardCount: number): Promise<void> {
  await server.kinesis.createStream(name, { shardCount });
  await server.kinesis.whenActive(name);
}
