/**
 * Python handlers (Debian's python3) and a custom runtime (`provided.al2023`
 * with a bash `bootstrap` speaking the Runtime API through curl, zipped by
 * Info-ZIP so it keeps its executable bit), and SDKs inside functions reaching
 * Freshet through AWS_ENDPOINT_URL (boto3 from Python, the SDK v3 from Node).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KinesisClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import type { FunctionsEngine } from '../../src/functions/index.ts';
import { ROLE, json, openEngine, tailText, uniqueName, zipOf, zipWithTool } from './helpers.ts';

describe('Python and custom runtimes', () => {
  let server: FreshetServer;
  let fns: FunctionsEngine;
  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0, deleteDelayMs: 0 });
    ({ fns } = await openEngine({ endpointUrl: server.url }));
  });
  after(async () => {
    await fns.close();
    await server.close();
  });

  it('runs a Python handler with its context, logging format and AWS error shape', async () => {
    const name = uniqueName('py');
    const zip = zipOf({
      'lambda_function.py': [
        'import logging, os',
        'logger = logging.getLogger()',
        'logger.setLevel(logging.INFO)',
        'calls = 0',
        'def lambda_handler(event, context):',
        '    global calls',
        '    calls += 1',
        '    if event.get("fail"):',
        '        raise ValueError("no good: " + str(event["fail"]))',
        '    print("printed", event)',
        '    logger.info("logged")',
        '    return {"calls": calls, "fn": context.function_name, "version": context.function_version,',
        '            "arn": context.invoked_function_arn, "mem": context.memory_limit_in_mb, "id": context.aws_request_id,',
        '            "remaining": context.get_remaining_time_in_millis(), "stream": context.log_stream_name, "env": os.environ.get("STAGE")}',
      ].join('\n'),
    });
    await fns.createFunction(
      name,
      { runtime: 'python3.11', handler: 'lambda_function.lambda_handler', role: ROLE, timeoutSeconds: 10, environment: { STAGE: 'test' } },
      { zip },
    );
    const r = await fns.invoke(name, Buffer.from('{"x": 1}'), { logType: 'Tail' });
    assert.equal(r.functionError, undefined);
    const body = json(r.payload);
    assert.equal(body.calls, 1);
    assert.equal(body.fn, name);
    assert.equal(body.version, '$LATEST');
    assert.equal(body.arn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    assert.equal(body.mem, '128');
    assert.equal(body.id, r.requestId);
    assert.equal(body.env, 'test');
    assert.ok(body.remaining > 5000 && body.remaining <= 10_000);
    const tail = tailText(r.logResult);
    assert.match(tail, /printed \{'x': 1\}\n/);
    assert.match(tail, new RegExp(`\\[INFO\\]\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${r.requestId}\\tlogged\\n`));
    assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload).calls, 2, 'warm reuse');
    const failed = await fns.invoke(name, Buffer.from('{"fail": 7}'), { logType: 'Tail' });
    assert.equal(failed.functionError, 'Unhandled');
    const err = json(failed.payload);
    assert.equal(err.errorType, 'ValueError');
    assert.equal(err.errorMessage, 'no good: 7');
    assert.equal(err.requestId, failed.requestId);
    assert.ok(Array.isArray(err.stackTrace) && err.stackTrace.some((l: string) => l.includes('lambda_function.py')));
    assert.match(tailText(failed.logResult), /\[ERROR\] ValueError: no good: 7\rTraceback \(most recent call last\):/);
  });

  it('reports Python import and handler problems as Runtime.ImportModuleError and Runtime.HandlerNotFound', async () => {
    const a = uniqueName('pybad');
    await fns.createFunction(
      a,
      { runtime: 'python3.12', handler: 'nope.handler', role: ROLE },
      { zip: zipOf({ 'app.py': 'def handler(e, c):\n    return 1\n' }) },
    );
    const ra = json((await fns.invoke(a, Buffer.from('{}'))).payload);
    assert.equal(ra.errorType, 'Runtime.ImportModuleError');
    assert.equal(ra.errorMessage, "Unable to import module 'nope': No module named 'nope'");
    const b = uniqueName('pybad');
    await fns.createFunction(
      b,
      { runtime: 'python3.12', handler: 'app.missing', role: ROLE },
      { zip: zipOf({ 'app.py': 'def handler(e, c):\n    return 1\n' }) },
    );
    const rb = json((await fns.invoke(b, Buffer.from('{}'))).payload);
    assert.equal(rb.errorType, 'Runtime.HandlerNotFound');
    assert.equal(rb.errorMessage, "Handler 'missing' missing on module 'app'");
  });

  it('lets a Python handler write to a Freshet stream with boto3 and nothing but AWS_ENDPOINT_URL', async () => {
    const stream = uniqueName('py-out');
    await server.kinesis.createStream(stream, { shardCount: 1 });
    await server.kinesis.whenActive(stream);
    const name = uniqueName('pyboto');
    const zip = zipOf({
      'app.py': [
        'import boto3',
        'def handler(event, context):',
        '    k = boto3.client("kinesis")',
        `    r = k.put_record(StreamName="${stream}", Data=b"from python", PartitionKey="p")`,
        '    return r["ShardId"]',
      ].join('\n'),
    });
    await fns.createFunction(name, { runtime: 'python3.11', handler: 'app.handler', role: ROLE, timeoutSeconds: 30 }, { zip });
    const r = await fns.invoke(name, Buffer.from('{}'));
    assert.equal(r.functionError, undefined, r.payload.toString());
    assert.equal(json(r.payload), 'shardId-000000000000');
    const reader = await server.kinesis.openShardReader(stream, 'shardId-000000000000', { type: 'TRIM_HORIZON' });
    const { records } = await reader.read();
    assert.equal(Buffer.from(records[0]!.data).toString(), 'from python');
  });

  it('lets a Node handler write to a Freshet stream with the SDK v3 and nothing but AWS_ENDPOINT_URL', async () => {
    const stream = uniqueName('node-out');
    await server.kinesis.createStream(stream, { shardCount: 1 });
    await server.kinesis.whenActive(stream);
    const name = uniqueName('nodesdk');
    const zip = zipOf({
      'index.mjs': `
        import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
        const k = new KinesisClient({});
        export const handler = async () => (await k.send(new PutRecordCommand({ StreamName: '${stream}', Data: Buffer.from('from node'), PartitionKey: 'p' }))).ShardId;`,
    });
    await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE, timeoutSeconds: 30 }, { zip });
    const r = await fns.invoke(name, Buffer.from('{}'));
    assert.equal(r.functionError, undefined, r.payload.toString());
    const client = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const it = await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
    assert.equal(Buffer.from(got.Records![0]!.Data!).toString(), 'from node');
    client.destroy();
  });

  it('runs a custom runtime: a bash bootstrap speaking the Runtime API with curl', async () => {
    const name = uniqueName('custom');
    const bootstrap = [
      '#!/bin/bash',
      'set -euo pipefail',
      'echo "custom runtime starting with handler $_HANDLER"',
      'while true; do',
      '  HEADERS="$(mktemp)"',
      '  EVENT=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")',
      '  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d "[:space:]" | cut -d: -f2)',
      '  echo "handling $REQUEST_ID"',
      '  curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "{\\"echo\\": $EVENT, \\"handler\\": \\"$_HANDLER\\"}" > /dev/null',
      'done',
    ].join('\n');
    const zip = zipWithTool({ bootstrap: { text: bootstrap, mode: 0o755 } });
    await fns.createFunction(name, { runtime: 'provided.al2023', handler: 'function.handler', role: ROLE, timeoutSeconds: 10 }, { zip });
    const r = await fns.invoke(name, Buffer.from('{"n": 5}'), { logType: 'Tail' });
    assert.equal(r.functionError, undefined, r.payload.toString());
    assert.deepEqual(json(r.payload), { echo: { n: 5 }, handler: 'function.handler' });
    assert.match(tailText(r.logResult), /custom runtime starting with handler function\.handler\n/);
    assert.match(tailText(r.logResult), new RegExp(`handling ${r.requestId}\\n`));
    assert.deepEqual(json((await fns.invoke(name, Buffer.from('[1,2]'))).payload), { echo: [1, 2], handler: 'function.handler' });
  });

  it('fails a custom runtime without a bootstrap with Runtime.InvalidEntrypoint', async () => {
    const name = uniqueName('noboot');
    await fns.createFunction(name, { runtime: 'provided.al2023', role: ROLE }, { zip: zipOf({ 'readme.txt': 'no bootstrap here' }) });
    const r = await fns.invoke(name, Buffer.from('{}'));
    assert.equal(r.functionError, 'Unhandled');
    assert.equal(json(r.payload).errorType, 'Runtime.InvalidEntrypoint');
  });
});
