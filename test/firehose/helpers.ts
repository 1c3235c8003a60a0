/** Shared set-up for Firehose tests: a real Freshet server on a loopback port, a ManualClock and the AWS SDK client. */
import http from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import type { LogStorage } from '../../src/storage/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import type { FirehoseEngine, FirehoseOptions, FirehoseService } from '../../src/firehose/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const ROLE = 'arn:aws:iam::123456789012:role/firehose_delivery_role';
export const START_MS = Date.UTC(2021, 0, 31, 14, 5, 47, 190);

export interface Harness {
  server: FreshetServer;
  client: FirehoseClient;
  clock: ManualClock;
  dir: string;
  engine: FirehoseEngine;
  /** Advances the clock and waits until the named streams' pipelines are idle. */
  tick(ms: number, ...names: string[]): Promise<void>;
  settle(...names: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(opts: { firehose?: FirehoseOptions; storage?: LogStorage; dir?: string; clock?: ManualClock } = {}): Promise<Harness> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'freshet-fh-')));
  const clock = opts.clock ?? new ManualClock(START_MS);
  const server = await startServer({
    port: 0,
    storage: opts.storage ?? new MemoryStorage(),
    dataDir: dir,
    clock,
    firehose: { createDelayMs: 1000, logger: () => {}, ...opts.firehose },
  });
  const client = new FirehoseClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });
  const service = server.services.find((s) => s.targetPrefix === 'Firehose_20150804') as FirehoseService;
  const engine = service.engine;
  await engine.ready();
  const settle = async (...names: string[]) => {
    for (let i = 0; i < 3; i++) {
      for (const n of names) await engine.settled(n);
      await new Promise((r) => setImmediate(r));
    }
  };
  return {
    server,
    client,
    clock,
    dir,
    engine,
    settle,
    async tick(ms, ...names) {
      await settle(...names);
      clock.advance(ms);
      await settle(...names);
    },
    async close() {
      client.destroy();
      await server.close();
      if (!opts.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under `root`, as sorted paths relative to it (missing root → []). */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(root, p).split('\\').join('/'));
    }
  }
  await walk(root);
  return out.sort();
}

export async function readObject(root: string, key: string): Promise<Buffer> {
  return readFile(join(root, key));
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function s3Dest(bucket: string, extra: Record<string, unknown> = {}) {
  return { BucketARN: `arn:aws:s3:::${bucket}`, RoleARN: ROLE, ...extra };
}

export const enc = (s: string) => new TextEncoder().encode(s);
