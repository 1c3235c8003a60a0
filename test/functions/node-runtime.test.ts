/**
 * Node.js handlers from zip packages, run in child processes through the
 * Lambda Runtime API: ES module and CommonJS handlers, async and callback
 * styles, the context object, environment variables, logs (START / END /
 * REPORT, LogType Tail), AWS's errors for handler problems, warm reuse, and
 * the AWS SDK v3 offered to handlers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FunctionsEngine } from '../../src/functions/index.ts';
import { ROLE, json, openEngine, tailText, uniqueName, zipOf } from './helpers.ts';

describe('Node.js runtime', () => {
  let fns: FunctionsEngine;
  before(async () => {
    ({ fns } = await openEngine({ endpointUrl: 'http://127.0.0.1:4567' }));
  });
  after(async () => {
    await fns.close();
  });

  it('runs an async ES-module handler with the context, environment and a tail of its log', async () => {
    const name = uniqueName('esm');
    const zip = zipOf({
      'index.mjs': `
        let calls = 0;
        console.log('init phase');
        export const handler = async (event, context) => {
          calls++;
          console.log('event', JSON.stringify(event));
          return {
            calls,
            event,
            ctx: {
              functionName: context.functionName, functionVersion: context.functionVersion,
              invokedFunctionArn: context.invokedFunctionArn, memoryLimitInMB: context.memoryLimitInMB,
              awsRequestId: context.awsRequestId, logGroupName: context.logGroupName, logStreamName: context.logStreamName,
              remaining: context.getRemainingTimeInMillis(),
            },
            env: {
              greeting: process.env.GREETING, region: process.env.AWS_REGION, fn: process.env.AWS_LAMBDA_FUNCTION_NAME,
              endpoint: process.env.AWS_ENDPOINT_URL, handler: process.env._HANDLER, taskRoot: process.env.LAMBDA_TASK_ROOT,
              cwd: process.cwd(), trace: process.env._X_AMZN_TRACE_ID,
            },
          };
        };`,
    });
    await fns.createFunction(
      name,
      { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE, timeoutSeconds: 30, memoryMb: 256, environment: { GREETING: 'hi' } },
      { zip },
    );
    const r = await fns.invoke(name, Buffer.from('{"a":1}'), { logType: 'Tail' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.functionError, undefined);
    assert.equal(r.executedVersion, '$LATEST');
    const body = json(r.payload);
    assert.deepEqual(body.event, { a: 1 });
    assert.equal(body.calls, 1);
    assert.equal(body.ctx.functionName, name);
    assert.equal(body.ctx.functionVersion, '$LATEST');
    assert.equal(body.ctx.invokedFunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    assert.equal(body.ctx.memoryLimitInMB, '256');
    assert.equal(body.ctx.awsRequestId, r.requestId);
    assert.equal(body.ctx.logGroupName, `/aws/lambda/${name}`);
    assert.match(body.ctx.logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.ok(body.ctx.remaining > 25_000 && body.ctx.remaining <= 30_000, `remaining ${body.ctx.remaining}`);
    assert.deepEqual(
      { ...body.env, taskRoot: undefined, cwd: undefined, trace: undefined },
      {
        greeting: 'hi',
        region: 'us-east-1',
        fn: name,
        endpoint: 'http://127.0.0.1:4567',
        handler: 'index.handler',
        taskRoot: undefined,
        cwd: undefined,
        trace: undefined,
      },
    );
    assert.equal(body.env.cwd, body.env.taskRoot);
    assert.match(body.env.trace, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    const tail = tailText(r.logResult);
    assert.match(tail, /\tundefined\tINFO\tinit phase\n/);
    assert.match(tail, new RegExp(`START RequestId: ${r.requestId} Version: \\$LATEST\\n`));
    assert.match(tail, new RegExp(`\\t${r.requestId}\\tINFO\\tevent \\{"a":1\\}\\n`));
    assert.match(tail, new RegExp(`END RequestId: ${r.requestId}\\n`));
    assert.match(
      tail,
      new RegExp(
        `REPORT RequestId: ${r.requestId}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d\\d ms\\t\\n$`,
      ),
    );
    // Warm reuse: the same environment (module state) serves the next call, and REPORT has no Init Duration.
    const again = await fns.invoke(name, Buffer.from('{}'), { logType: 'Tail' });
    assert.equal(json(again.payload).calls, 2);
    assert.doesNotMatch(tailText(again.logResult), /Init Duration/);
    assert.equal(fns.environmentCount(name), 1);
    const events = fns.logs.recent(name);
    assert.ok(events.some((e) => e.message.startsWith(`REPORT RequestId: ${again.requestId}`)));
  });

  it('runs CommonJS callback handlers, waiting for the event loop unless callbackWaitsForEmptyEventLoop is false', async () => {
    const name = uniqueName('cjs');
    const zip = zipOf({
      'lib/app.js': `
        exports.handlers = {
          wait: (event, context, callback) => {
            const start = Date.now();
            setTimeout(() => { global.lateTimer = Date.now() - start; }, 1000);
            callback(null, { style: 'callback' });
          },
          nowait: (event, context, callback) => {
            context.callbackWaitsForEmptyEventLoop = false;
            setTimeout(() => {}, 3000);
            callback(null, { style: 'nowait' });
          },
          fail: (event, context, callback) => callback(new TypeError('bad input')),
          legacy: (event, context) => { context.succeed({ legacy: true }); },
        };`,
    });
    await fns.createFunction(name, { runtime: 'nodejs18.x', handler: 'lib/app.handlers.wait', role: ROLE }, { zip });
    await fns.invoke(name, Buffer.from('{}')); // cold start outside the timing
    const t0 = performance.now();
    assert.deepEqual(json((await fns.invoke(name, Buffer.from('{}'))).payload), { style: 'callback' });
    assert.ok(performance.now() - t0 >= 990, 'the result waited for the pending timer');
    await fns.updateFunctionConfiguration(name, { handler: 'lib/app.handlers.nowait' });
    await fns.invoke(name, Buffer.from('{}')); // cold start outside the timing
    const t1 = performance.now();
    assert.deepEqual(json((await fns.invoke(name, Buffer.from('{}'))).payload), { style: 'nowait' });
    // The pending timer is 3 s: well under that is not waiting for it, with room for a slow machine.
    assert.ok(performance.now() - t1 < 2500, 'the result did not wait for the timer');
    await fns.updateFunctionConfiguration(name, { handler: 'lib/app.handlers.fail' });
    const failed = await fns.invoke(name, Buffer.from('{}'));
    assert.equal(failed.functionError, 'Unhandled');
    const err = json(failed.payload);
    assert.equal(err.errorType, 'TypeError');
    assert.equal(err.errorMessage, 'bad input');
    assert.ok(Array.isArray(err.trace) && err.trace[0] === 'TypeError: bad input');
    await fns.updateFunctionConfiguration(name, { handler: 'lib/app.handlers.legacy' });
    assert.deepEqual(json((await fns.invoke(name, Buffer.from('{}'))).payload), { legacy: true });
  });

  it('reports handler problems with the Runtime.* errors AWS uses', async () => {
    const cases: Array<{ files: Record<string, string>; handler: string; errorType: string; message: RegExp }> = [
      {
        files: { 'index.js': 'exports.handler = async () => 1;' },
        handler: 'missing.handler',
        errorType: 'Runtime.ImportModuleError',
        message: /Cannot find module 'missing'/,
      },
      {
        files: { 'index.js': 'exports.other = async () => 1;' },
        handler: 'index.handler',
        errorType: 'Runtime.HandlerNotFound',
        message: /^index\.handler is undefined or not exported$/,
      },
      {
        files: { 'index.js': 'exports.handler = 42;' },
        handler: 'index.handler',
        errorType: 'Runtime.HandlerNotFound',
        message: /^index\.handler is not a function$/,
      },
      { files: { 'index.js': 'exports.handler = async () => 1;' }, handler: 'index', errorType: 'Runtime.MalformedHandlerName', message: /^Bad handler$/ },
      {
        files: { 'index.js': 'exports.handler = async () => { ;' },
        handler: 'index.handler',
        errorType: 'Runtime.UserCodeSyntaxError',
        message: /SyntaxError/,
      },
    ];
    for (const c of cases) {
      const name = uniqueName('bad');
      await fns.createFunction(name, { runtime: 'nodejs22.x', handler: c.handler, role: ROLE }, { zip: zipOf(c.files) });
      const r = await fns.invoke(name, Buffer.from('{}'), { logType: 'Tail' });
      assert.equal(r.functionError, 'Unhandled', c.handler);
      const e = json(r.payload);
      assert.equal(e.errorType, c.errorType);
      assert.match(e.errorMessage, c.message);
      assert.match(tailText(r.logResult), /INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error/);
    }
  });

  it('fails an invocation whose process exits or rejects unhandled, and starts a fresh environment next time', async () => {
    const name = uniqueName('exit');
    const zip = zipOf({
      'index.mjs': `
        let n = 0;
        export const handler = async (event) => {
          n++;
          if (event.exit) process.exit(3);
          if (event.reject) { Promise.reject(new Error('nobody catches me')); await new Promise((r) => setTimeout(r, 200)); }
          return n;
        };`,
    });
    await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip });
    assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload), 1);
    const exit = await fns.invoke(name, Buffer.from('{"exit":true}'), { logType: 'Tail' });
    assert.equal(exit.functionError, 'Unhandled');
    assert.deepEqual(json(exit.payload), {
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${exit.requestId} Error: Runtime exited with error: exit status 3`,
    });
    assert.match(tailText(exit.logResult), /Error: Runtime exited with error: exit status 3\nRuntime\.ExitError\nEND RequestId/);
    assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload), 1, 'a new environment');
    const rejected = await fns.invoke(name, Buffer.from('{"reject":true}'));
    assert.equal(json(rejected.payload).errorType, 'Runtime.UnhandledPromiseRejection');
    assert.match(json(rejected.payload).errorMessage, /nobody catches me/);
  });

  it('bounds the heap by MemorySize: a handler that outgrows it fails and its environment is replaced', async () => {
    const name = uniqueName('oom');
    const zip = zipOf({
      'index.js': `
        exports.handler = async (event) => {
          if (!event.grow) return process.memoryUsage().heapTotal;
          const keep = [];
          for (;;) keep.push(new Array(1e5).fill(Math.random()));
        };`,
    });
    await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE, memoryMb: 128, timeoutSeconds: 60 }, { zip });
    const r = await fns.invoke(name, Buffer.from('{"grow":true}'));
    assert.equal(r.functionError, 'Unhandled');
    const e = json(r.payload);
    assert.ok(['Runtime.OutOfMemory', 'Runtime.ExitError'].includes(e.errorType), e.errorType);
    assert.match(e.errorMessage, /Runtime exited with error/);
    assert.equal(typeof json((await fns.invoke(name, Buffer.from('{}'))).payload), 'number');
  });

  it('offers the AWS SDK v3 to ES-module and CommonJS handlers', async () => {
    const name = uniqueName('sdk');
    const zip = zipOf({
      'esm.mjs': `import { KinesisClient } from '@aws-sdk/client-kinesis'; export const handler = async () => typeof KinesisClient;`,
      'cjs.js': `const { KinesisClient } = require('@aws-sdk/client-kinesis'); exports.handler = async () => typeof KinesisClient;`,
    });
    await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'esm.handler', role: ROLE, timeoutSeconds: 30 }, { zip });
    assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload), 'function');
    await fns.updateFunctionConfiguration(name, { handler: 'cjs.handler' });
    assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload), 'function');
  });
});
