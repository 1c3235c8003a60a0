/**
 * `functions:`, `queues:` and `eventSourceMappings:` in freshet.yaml, applied
 * by `up` / `diff` / `down` through the Lambda and SQS APIs: S4.1
 * (examples/s4-ingest-functions) end to end — readings consumed by the
 * function, a poison record's metadata alone in the dead-letter queue — then
 * an unchanged second `up`, a code change seen by `diff`, and `down`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetFunctionCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { applyDown, applyUp, createClients, loadPipeline, planUp } from '../../src/pipeline/index.ts';
import type { FreshetClients } from '../../src/pipeline/index.ts';
import type { LambdaService } from '../../src/functions/index.ts';
import { waitUntil } from './esm-harness.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/s4-ingest-functions', import.meta.url));

describe('pipeline files with functions, queues and event source mappings', () => {
  let server: FreshetServer;
  let clients: FreshetClients;
  let dir: string;
  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0, functions: { mappingTransitionMs: 1, mappingRetryInitialMs: 20 } });
    clients = createClients({ endpoint: server.url, maxAttempts: 1 });
    dir = mkdtempSync(join(tmpdir(), 'freshet-s41-'));
    cpSync(EXAMPLE, dir, { recursive: true });
  });
  after(async () => {
    clients.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs S4.1: up creates them, records are consumed, a poison record ends in the dead-letter queue; up again changes nothing; down removes them', async () => {
    const file = join(dir, 'freshet.yaml');
    const created = await applyUp(loadPipeline(file), clients, { stateDir: join(dir, '.freshet') });
    assert.deepEqual(
      created.filter((c) => c.action === 'create').map((c) => c.resource),
      ['stream', 'queue', 'function', 'event-source-mapping', 'ingest-route', 'alarm', 'dashboard'],
    );
    const good = Array.from({ length: 30 }, (_, i) => ({
      Data: Buffer.from(JSON.stringify({ sensor_id: i + 1, current_temperature: 20 + i, status: 'OK', event_time: '2022-11-20T18:31:30.693395' })),
      PartitionKey: String(i + 1),
    }));
    const poison = { Data: Buffer.from('{"not": "a reading"}'), PartitionKey: '7' };
    await clients.kinesis.send(new PutRecordsCommand({ StreamName: 's41-readings', Records: [...good.slice(0, 15), poison, ...good.slice(15)] }));
    // The same readings' second half again through the HTTP ingest route (S4.1's proxy), as one batch and one by one.
    const viaHttp = Array.from({ length: 10 }, (_, i) => ({ sensor_id: 31 + i, current_temperature: 50, status: 'OK', event_time: '2022-11-20T18:31:31' }));
    const ingest = (body: unknown, key = 's41-sensor-key') =>
      fetch(`${server.url}/ingest/readings`, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) });
    assert.equal((await ingest(viaHttp[0], 'wrong-key-here')).status, 403);
    assert.equal((await ingest(viaHttp.slice(0, 9))).status, 200);
    const single = await ingest(viaHttp[9]);
    assert.equal(single.status, 200);
    assert.match(((await single.json()) as { SequenceNumber: string }).SequenceNumber, /^\d+$/);

    const lambda = server.services.find((s): s is LambdaService => 'functions' in s)!;
    const processed = () =>
      new Set(
        lambda.functions.logs
          .recent('s41-consumer')
          .filter((e) => /\tsensor \d+ OK/.test(e.message))
          .map((e) => e.message.split('\t').at(-1)),
      );
    await waitUntil(() => processed().size === 40, 'every good reading (30 put, 10 over HTTP)', 60_000);
    const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: 's41-dead-letters' }));
    let failure: any;
    await waitUntil(
      async () => {
        const r = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
        if (r.Messages?.length) failure = JSON.parse(r.Messages[0]!.Body!);
        return failure !== undefined;
      },
      'the dead-letter record',
      60_000,
    );
    assert.equal(failure.KinesisBatchInfo.batchSize, 1);
    assert.equal(failure.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(failure.requestContext.approximateInvokeCount >= 3, true);

    const again = await planUp(loadPipeline(file), clients, { stateDir: join(dir, '.freshet') });
    assert.deepEqual(
      again.map((c) => c.action),
      again.map(() => 'unchanged'),
    );

    writeFileSync(join(dir, 'functions', 'consumer', 'extra.mjs'), 'export const v = 2;\n');
    const changed = await planUp(loadPipeline(file), clients, { stateDir: join(dir, '.freshet') });
    const fn = changed.find((c) => c.resource === 'function')!;
    assert.equal(fn.action, 'update');
    assert.match(fn.details.join('\n'), /^code /m);
    await applyUp(loadPipeline(file), clients, { stateDir: join(dir, '.freshet') });
    const sha = (await clients.lambda.send(new GetFunctionCommand({ FunctionName: 's41-consumer' }))).Configuration?.CodeSha256;
    assert.ok(sha);

    const removed = await applyDown(loadPipeline(file), clients, { stateDir: join(dir, '.freshet') });
    assert.deepEqual(
      removed.map((c) => `${c.resource}:${c.action}`),
      ['dashboard:delete', 'alarm:delete', 'ingest-route:delete', 'event-source-mapping:delete', 'function:delete', 'queue:delete', 'stream:delete'],
    );
    assert.deepEqual((await clients.lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings, []);
    assert.equal((await ingest(viaHttp[0])).status, 404, 'the route is gone with the pipeline');
  });
});
