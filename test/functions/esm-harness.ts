/**
 * Set-up for event source mapping tests: in-process Kinesis and queue
 * engines on MemoryStorage, a functions engine wired to both (short retry
 * backoff), and handlers that append what they receive to a file.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, systemClock } from '../../src/core/index.ts';
import type { Clock } from '../../src/core/index.ts';
import { KinesisEngine } from '../../src/kinesis/index.ts';
import { QueuesEngine } from '../../src/queues/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { FunctionsEngine } from '../../src/functions/index.ts';
import { ACCOUNT, REGION, ROLE, uniqueName, zipOf } from './helpers.ts';

export interface EsmHarness {
  kinesis: KinesisEngine;
  queues: QueuesEngine;
  fns: FunctionsEngine;
  dir: string;
  clock: Clock;
  /** Creates a stream with `shards` shards and waits until it is ACTIVE. */
  stream(shards?: number): Promise<{ name: string; arn: string }>;
  /** Creates a Node function from `index.js` source; OUT (a file in `dir`) and extra env are set. */
  fn(source: string, opts?: { env?: Record<string, string>; timeoutSeconds?: number }): Promise<{ name: string; out: string }>;
  /** The JSON lines a handler appended to `out`. */
  lines(out: string): any[];
  close(): Promise<void>;
}

export async function esmHarness(opts: { clock?: Clock } = {}): Promise<EsmHarness> {
  const clock = opts.clock ?? systemClock;
  const storage = new MemoryStorage();
  await storage.open();
  const kinesis = await KinesisEngine.open({
    storage,
    clock,
    region: REGION,
    accountId: ACCOUNT,
    shardLimit: 100,
    createDelayMs: 0,
    deleteDelayMs: 0,
    updateDelayMs: 0,
  });
  const queues = await QueuesEngine.open({ storage, clock, region: REGION, accountId: ACCOUNT });
  const fns = await FunctionsEngine.open({
    storage,
    clock,
    region: REGION,
    accountId: ACCOUNT,
    kinesis,
    queues,
    mappingTransitionMs: 1,
    mappingRetryInitialMs: 20,
    mappingRetryMaxMs: 100,
  });
  const dir = mkdtempSync(join(tmpdir(), 'freshet-esm-'));
  return {
    kinesis,
    queues,
    fns,
    dir,
    clock,
    async stream(shards = 1) {
      const name = uniqueName('s');
      await kinesis.createStream(name, { shardCount: shards });
      if (clock instanceof ManualClock) clock.advance(0);
      await kinesis.whenActive(name);
      return { name, arn: kinesis.arnFor(name) };
    },
    async fn(source, o = {}) {
      const name = uniqueName('h');
      const out = join(dir, `${name}.jsonl`);
      await fns.createFunction(
        name,
        {
          runtime: 'nodejs20.x',
          handler: 'index.handler',
          role: ROLE,
          timeoutSeconds: o.timeoutSeconds ?? 30,
          environment: { OUT: out, DIR: dir, ...(o.env ?? {}) },
        },
        { zip: zipOf({ 'index.js': source }) },
      );
      return { name, out };
    },
    lines(out) {
      if (!existsSync(out)) return [];
      return readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l)
        .map((l) => JSON.parse(l));
    },
    async close() {
      await fns.close();
      await queues.close();
      await kinesis.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A handler that records each batch's data strings and sequence numbers, then runs `body` (which may throw or return). */
export function recorder(body = 'return null;'): string {
  return `
    const fs = require('fs');
    exports.handler = async (event, context) => {
      const datas = (event.Records || []).map((r) => Buffer.from(r.kinesis ? r.kinesis.data : r.body, r.kinesis ? 'base64' : 'utf8').toString());
      const seqs = (event.Records || []).map((r) => r.kinesis ? r.kinesis.sequenceNumber : r.messageId);
      const keys = (event.Records || []).map((r) => r.kinesis ? r.kinesis.partitionKey : undefined);
      const t0 = Date.now();
      const run = async () => { ${body} };
      let result, failed = false;
      try { result = await run(); } catch (e) { failed = true; fs.appendFileSync(process.env.OUT, JSON.stringify({ datas, seqs, keys, t0, t1: Date.now(), failed, window: event.window, state: event.state, final: event.isFinalInvokeForWindow }) + '\\n'); throw e; }
      fs.appendFileSync(process.env.OUT, JSON.stringify({ datas, seqs, keys, t0, t1: Date.now(), failed, window: event.window, state: event.state, final: event.isFinalInvokeForWindow }) + '\\n');
      return result;
    };`;
}

export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
