/**
 * S4.4 end to end through the engines: a stream feeds the enrichment
 * function of examples/s4-enrichment (unchanged handler code) through an
 * event source mapping; the handler calls an endpoint stub that adds
 * latency, and writes enriched records to another stream with the SDK
 * pointed at Freshet by AWS_ENDPOINT_URL alone. With ParallelizationFactor 4
 * the same shard is processed several batches at a time: the stub sees more
 * requests at once than one batch makes (with 1, never more than one batch's).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { FunctionsEngine, LambdaService } from '../../src/functions/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { ROLE, uniqueName } from './helpers.ts';
import { waitUntil } from './esm-harness.ts';

const FUNCTION_DIR = fileURLToPath(new URL('../../examples/s4-enrichment/functions/enrich', import.meta.url));
const STUB = new URL('../../examples/s4-enrichment/endpoint-stub.mjs', import.meta.url).href;
const TICKERS = ['AMZN', 'MSFT', 'AAPL', 'XOM', 'JPM', 'ACME'];

describe('S4.4 enrichment through an event source mapping', () => {
  let server: FreshetServer;
  let fns: FunctionsEngine;
  let stub: Server;
  /** Requests the endpoint stub is answering now, and the most at once since the last run() began. */
  let inStub = 0;
  let maxInStub = 0;
  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0, functions: { mappingTransitionMs: 1 } });
    fns = server.services.find((s): s is LambdaService => 'functions' in s)!.functions;
    const { startStub } = (await import(STUB)) as { startStub: (port: number, delayMs: number) => Promise<Server> };
    stub = await startStub(0, 100);
    stub.on('request', (_req, res) => {
      maxInStub = Math.max(maxInStub, ++inStub);
      res.on('close', () => inStub--);
    });
  });
  after(async () => {
    await server.close();
    stub.close();
  });

  async function run(parallelizationFactor: number): Promise<{ maxConcurrent: number; out: any[] }> {
    const input = uniqueName('ticks');
    const output = uniqueName('enriched');
    for (const s of [input, output]) {
      await server.kinesis.createStream(s, { shardCount: 1 });
      await server.kinesis.whenActive(s);
    }
    const name = uniqueName('enrich');
    const port = (stub.address() as { port: number }).port;
    await fns.createFunction(
      name,
      {
        runtime: 'nodejs20.x',
        handler: 'index.handler',
        role: ROLE,
        timeoutSeconds: 30,
        environment: { ENRICH_URL: `http://127.0.0.1:${port}/`, OUTPUT_STREAM: output },
      },
      { directory: FUNCTION_DIR },
    );
    const n = 96;
    await server.kinesis.putRecords(
      input,
      Array.from({ length: n }, (_, i) => ({
        partitionKey: `${TICKERS[i % TICKERS.length]}-${i % 24}`,
        data: Buffer.from(
          JSON.stringify({ EVENT_TIME: new Date(Date.UTC(2020, 7, 1, 12, 0, i)).toISOString(), TICKER: TICKERS[i % TICKERS.length], PRICE: 50 + i }),
        ),
      })),
    );
    // Warm environments first: the comparison is about batches in flight, not cold starts.
    await Promise.all(Array.from({ length: parallelizationFactor }, () => fns.invoke(name, Buffer.from('{"Records":[]}'))));
    maxInStub = 0;
    await fns.mappings.create({
      functionName: name,
      eventSourceArn: server.kinesis.arnFor(input),
      startingPosition: 'TRIM_HORIZON',
      batchSize: 4,
      parallelizationFactor,
      functionResponseTypes: ['ReportBatchItemFailures'],
    });
    const reader = await server.kinesis.openShardReader(output, 'shardId-000000000000', { type: 'TRIM_HORIZON' });
    const out: any[] = [];
    await waitUntil(
      async () => {
        const { records } = await reader.read();
        for (const r of records) out.push(JSON.parse(Buffer.from(r.data).toString('utf8')));
        return out.length >= n;
      },
      'every enriched record',
      60_000,
    );
    return { maxConcurrent: maxInStub, out };
  }

  it('enriches every record, and processes several batches of the shard at once with ParallelizationFactor 4', async () => {
    const one = await run(1);
    const four = await run(4);
    for (const { out } of [one, four]) {
      assert.equal(out.length, 96);
      assert.ok(out.every((r) => typeof r.sector === 'string' && typeof r.rating === 'string' && typeof r.PRICE === 'number'));
      assert.equal(out.find((r) => r.TICKER === 'AMZN')?.sector, 'Consumer Discretionary');
    }
    // A batch of 4 records makes 4 requests at once (the handler enriches a batch with Promise.allSettled).
    assert.ok(one.maxConcurrent <= 4, `ParallelizationFactor 1: ${one.maxConcurrent} requests at once`);
    assert.ok(four.maxConcurrent > 4, `ParallelizationFactor 4: only ${four.maxConcurrent} requests at once`);
  });
});
