/**
 * The functions engine around the runtimes: timeouts on the injected clock,
 * concurrency limits and reserved concurrency (TooManyRequestsException),
 * versions and aliases as immutable snapshots, Event invocations with
 * retries and an on-failure destination, code from a directory, durability
 * of configurations across a restart, and AWS's validation errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ManualClock, systemClock } from '../../src/core/index.ts';
import { FileStorage } from '../../src/storage/index.ts';
import { ROLE, json, openEngine, tailText, uniqueName, waitFor, zipOf } from './helpers.ts';

async function rejects(p: Promise<unknown>, code: string, message?: RegExp, status?: number): Promise<void> {
  await assert.rejects(p, (e: any) => {
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    if (status !== undefined) assert.equal(e.httpStatus, status);
    return true;
  });
}

describe('timeouts', () => {
  it('kills an invocation at its Timeout (clock time) with AWS’s Sandbox.Timedout error and log line', async () => {
    const clock = new ManualClock(Date.now());
    const { fns } = await openEngine({ clock });
    const dir = await mkdtemp(join(tmpdir(), 'freshet-timeout-'));
    try {
      const name = uniqueName('slow');
      const zip = zipOf({
        'index.js': `
          const fs = require('fs');
          exports.handler = async (event) => {
            if (event.hang) { fs.writeFileSync(${JSON.stringify(join(dir, 'started'))}, '1'); await new Promise(() => setInterval(() => {}, 1000)); }
            return 'quick';
          };`,
      });
      await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE, timeoutSeconds: 2 }, { zip });
      const pending = fns.invoke(name, Buffer.from('{"hang":true}'), { logType: 'Tail' });
      await waitFor(() => existsSync(join(dir, 'started')), 20_000, 'the handler to start');
      clock.advance(1999);
      await new Promise((r) => setTimeout(r, 20));
      clock.advance(1);
      const r = await pending;
      assert.equal(r.functionError, 'Unhandled');
      assert.deepEqual(json(r.payload), { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${r.requestId} Error: Task timed out after 2.00 seconds` });
      assert.match(tailText(r.logResult), new RegExp(`Z ${r.requestId} Task timed out after 2\\.00 seconds\\n$`));
      // The timed-out environment is gone; the next call starts a new one that works.
      assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload), 'quick');
      assert.equal(fns.environmentCount(name), 1);
    } finally {
      await fns.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('concurrency', () => {
  it('throttles beyond reserved concurrency with TooManyRequestsException, and refuses reservations below the unreserved minimum', async () => {
    const { fns } = await openEngine({ accountConcurrency: 4, minUnreservedConcurrency: 1 });
    try {
      const name = uniqueName('conc');
      const zip = zipOf({ 'index.js': 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms || 0)); return "done"; };' });
      await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip });
      await fns.putConcurrency(name, 1);
      await fns.invoke(name, Buffer.from('{}')); // warm
      const slow = fns.invoke(name, Buffer.from('{"ms":300}'));
      await rejects(fns.invoke(name, Buffer.from('{}')), 'TooManyRequestsException', /^Rate Exceeded\.$/, 429);
      await assert.rejects(fns.invoke(name, Buffer.from('{}')), (e: any) => e.fields?.Reason === 'ReservedFunctionConcurrentInvocationLimitExceeded');
      assert.equal(json((await slow).payload), 'done');
      assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload), 'done');
      await fns.putConcurrency(name, 0);
      await rejects(fns.invoke(name, Buffer.from('{}')), 'TooManyRequestsException');
      await rejects(fns.putConcurrency(name, 4), 'InvalidParameterValueException', /below its minimum value of \[1\]/);
      await fns.deleteConcurrency(name);
      // Unreserved functions share what is left of the account limit.
      const other = uniqueName('conc');
      await fns.createFunction(other, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip });
      await fns.putConcurrency(other, 2);
      const running = [fns.invoke(name, Buffer.from('{"ms":400}')), fns.invoke(name, Buffer.from('{"ms":400}'))];
      await new Promise((r) => setTimeout(r, 50));
      await assert.rejects(
        fns.invoke(name, Buffer.from('{}')),
        (e: any) => e.code === 'TooManyRequestsException' && e.fields?.Reason === 'ConcurrentInvocationLimitExceeded',
      );
      await Promise.all(running);
      assert.deepEqual(fns.accountSettings().unreservedConcurrentExecutions, 2);
    } finally {
      await fns.close();
    }
  });
});

describe('versions and aliases', () => {
  it('publishes immutable versions, routes aliases to them, and deletes versions an alias does not use', async () => {
    const { fns } = await openEngine();
    try {
      const name = uniqueName('ver');
      const code = (v: string) => zipOf({ 'index.js': `exports.handler = async () => ${JSON.stringify(v)};` });
      const created = await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip: code('one') }, { publish: true });
      assert.equal(created.version.version, '1');
      await fns.updateFunctionCode(name, { zip: code('two') });
      const v2 = await fns.publishVersion(name, { description: 'second' });
      assert.equal(v2.version, '2');
      assert.equal(v2.description, 'second');
      // Publishing again without changes returns the same version.
      assert.equal((await fns.publishVersion(name)).version, '2');
      await fns.updateFunctionCode(name, { zip: code('three') });
      await fns.createAlias(name, { name: 'live', functionVersion: '1' });
      const viaAlias = await fns.invoke(name, Buffer.from('{}'), { qualifier: 'live' });
      assert.equal(json(viaAlias.payload), 'one');
      assert.equal(viaAlias.executedVersion, '1');
      assert.equal(json((await fns.invoke(`${name}:2`, Buffer.from('{}'))).payload), 'two');
      assert.equal(json((await fns.invoke(`arn:aws:lambda:us-east-1:000000000000:function:${name}:$LATEST`, Buffer.from('{}'))).payload), 'three');
      await fns.updateAlias(name, 'live', { functionVersion: '2' });
      assert.equal(json((await fns.invoke(name, Buffer.from('{}'), { qualifier: 'live' })).payload), 'two');
      assert.deepEqual(
        fns.listVersions(name).map((v) => v.version),
        ['$LATEST', '1', '2'],
      );
      await rejects(fns.deleteFunction(name, '2'), 'ResourceConflictException', /aliases reference it: \[live\]/);
      await fns.deleteFunction(name, '1');
      await rejects(fns.invoke(name, Buffer.from('{}'), { qualifier: '1' }), 'ResourceNotFoundException', new RegExp(`function:${name}:1$`), 404);
      await rejects(fns.createAlias(name, { name: 'live', functionVersion: '2' }), 'ResourceConflictException', /Alias already exists/);
      await rejects(fns.createAlias(name, { name: 'x', functionVersion: '9' }), 'ResourceNotFoundException');
      await rejects(fns.publishVersion(name, { codeSha256: 'abc' }), 'InvalidParameterValueException', /is different from current CodeSHA256/);
      await rejects(fns.updateFunctionConfiguration(name, { description: 'x' }, { revisionId: 'stale' }), 'PreconditionFailedException');
    } finally {
      await fns.close();
    }
  });
});

describe('Event invocations', () => {
  it('answers 202, retries a failing event after the configured delays and sends the failure to the destination', async () => {
    const clock = new ManualClock(Date.now());
    const { fns } = await openEngine({ clock, asyncRetryDelaysMs: [60_000, 120_000] });
    const delivered: Array<{ arn: string; record: any }> = [];
    fns.deliverDestination = async (arn, record) => {
      delivered.push({ arn, record });
    };
    try {
      const name = uniqueName('async');
      const zip = zipOf({ 'index.js': 'let n = 0; exports.handler = async (e) => { n++; if (e.fail) throw new Error("attempt " + n); return n; };' });
      await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip });
      await fns.putEventInvokeConfig(name, { onFailure: 'arn:aws:sqs:us-east-1:000000000000:dlq', onSuccess: 'arn:aws:sqs:us-east-1:000000000000:ok' }, true);
      const r = await fns.invoke(name, Buffer.from('{"fail":true}'), { invocationType: 'Event' });
      assert.equal(r.statusCode, 202);
      assert.equal(r.payload.length, 0);
      await fns.settled();
      assert.equal(delivered.length, 0, 'retrying, not yet failed');
      clock.advance(60_000);
      await fns.settled();
      clock.advance(120_000);
      await fns.settled();
      assert.equal(delivered.length, 1);
      const rec = delivered[0]!;
      assert.equal(rec.arn, 'arn:aws:sqs:us-east-1:000000000000:dlq');
      assert.equal(rec.record.requestContext.condition, 'RetriesExhausted');
      assert.equal(rec.record.requestContext.approximateInvokeCount, 3);
      assert.equal(rec.record.requestContext.requestId, r.requestId);
      assert.deepEqual(rec.record.requestPayload, { fail: true });
      assert.equal(rec.record.responseContext.functionError, 'Unhandled');
      assert.equal(rec.record.responsePayload.errorMessage, 'attempt 3');
      await fns.invoke(name, Buffer.from('{}'), { invocationType: 'Event' });
      await fns.settled();
      assert.equal(delivered[1]?.arn, 'arn:aws:sqs:us-east-1:000000000000:ok');
      assert.equal(delivered[1]?.record.requestContext.condition, 'Success');
      assert.equal(delivered[1]?.record.responsePayload, 4);
      const dry = await fns.invoke(name, Buffer.from('{}'), { invocationType: 'DryRun' });
      assert.equal(dry.statusCode, 204);
    } finally {
      await fns.close();
    }
  });
});

describe('Event invocations across a restart', () => {
  it('runs an acknowledged event after a restart on the same data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-fn-async-'));
    const clock = new ManualClock(Date.now());
    try {
      let storage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, clock });
      await storage.open();
      let { fns } = await openEngine({ storage, dataDir: dir, clock });
      const name = uniqueName('later');
      const out = join(dir, 'ran.txt');
      await fns.createFunction(
        name,
        { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE },
        { zip: zipOf({ 'index.js': `exports.handler = async (e) => { require('fs').appendFileSync(${JSON.stringify(out)}, e.n + '\\n'); };` }) },
      );
      // Reserved concurrency 0: the event is throttled and waits.
      await fns.putConcurrency(name, 0);
      const r = await fns.invoke(name, Buffer.from('{"n": 7}'), { invocationType: 'Event' });
      assert.equal(r.statusCode, 202);
      await fns.close();
      await storage.close();
      storage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, clock });
      await storage.open();
      ({ fns } = await openEngine({ storage, dataDir: dir, clock }));
      await fns.deleteConcurrency(name);
      clock.advance(1000);
      await waitFor(() => existsSync(out), 20_000, 'the event to run');
      await fns.settled();
      assert.equal(readFileSync(out, 'utf8'), '7\n');
      await fns.close();
      await storage.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('function lifecycle', () => {
  it('keeps configurations, versions and code across a restart on the same data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-fn-durable-'));
    try {
      let storage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' } });
      await storage.open();
      let { fns } = await openEngine({ storage, dataDir: dir, clock: systemClock });
      const name = uniqueName('keep');
      await fns.createFunction(
        name,
        { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE, environment: { K: 'v' } },
        { zip: zipOf({ 'index.js': 'exports.handler = async () => process.env.K;' }) },
        { publish: true, tags: { team: 'x' } },
      );
      await fns.close();
      await storage.close();
      storage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' } });
      await storage.open();
      ({ fns } = await openEngine({ storage, dataDir: dir, clock: systemClock }));
      const rec = fns.get(name);
      assert.deepEqual(rec.tags, { team: 'x' });
      assert.ok(rec.versions['1']);
      assert.equal(json((await fns.invoke(name, Buffer.from('{}'), { qualifier: '1' })).payload), 'v');
      await fns.deleteFunction(name);
      await rejects(fns.invoke(name, Buffer.from('{}')), 'ResourceNotFoundException');
      await fns.close();
      await storage.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('snapshots code from a local directory, so later edits need UpdateFunctionCode', async () => {
    const { fns } = await openEngine();
    const dir = await mkdtemp(join(tmpdir(), 'freshet-fn-dir-'));
    try {
      await mkdir(join(dir, 'src'));
      await writeFile(join(dir, 'src', 'main.js'), 'exports.run = async () => "v1";');
      const name = uniqueName('dir');
      const a = await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'src/main.run', role: ROLE }, { directory: dir });
      assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload), 'v1');
      await writeFile(join(dir, 'src', 'main.js'), 'exports.run = async () => "v2";');
      assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload), 'v1');
      const b = await fns.updateFunctionCode(name, { directory: dir });
      assert.notEqual(b.version.codeSha256, a.version.codeSha256);
      assert.equal(json((await fns.invoke(name, Buffer.from('{}'))).payload), 'v2');
      // The same files give the same CodeSha256.
      const again = await fns.updateFunctionCode(name, { directory: dir });
      assert.equal(again.version.codeSha256, b.version.codeSha256);
    } finally {
      await fns.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('validates as Lambda does', async () => {
    const { fns } = await openEngine();
    try {
      const zip = zipOf({ 'index.js': 'exports.handler = async () => 1;' });
      const name = uniqueName('val');
      await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip });
      await rejects(
        fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip }),
        'ResourceConflictException',
        new RegExp(`^Function already exist: ${name}$`),
      );
      await rejects(
        fns.createFunction(uniqueName(), { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip: Buffer.from('not a zip') }),
        'InvalidParameterValueException',
        /Could not unzip uploaded file/,
      );
      await rejects(
        fns.createFunction(uniqueName(), { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE, environment: { AWS_REGION: 'x' } }, { zip }),
        'InvalidParameterValueException',
        /Reserved keys used in this request: AWS_REGION/,
      );
      await rejects(
        fns.createFunction(uniqueName(), { runtime: 'nodejs20.x', handler: 'index.handler', role: 'nope' }, { zip }),
        'ValidationException',
        /at 'role'/,
      );
      await rejects(
        fns.createFunction(uniqueName(), { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE, timeoutSeconds: 901 }, { zip }),
        'ValidationException',
        /at 'timeout'/,
      );
      await rejects(fns.createFunction('bad name', { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip }), 'ValidationException');
      // The model's constraints come from the validator compiled from Lambda's model, in its words.
      await rejects(
        fns.createFunction(uniqueName(), { runtime: 'nodejs20.x', handler: 'index.handler' }, { zip }),
        'ValidationException',
        /^1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null$/,
      );
      await rejects(
        fns.createFunction(uniqueName(), { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE, memoryMb: 64, timeoutSeconds: 0 }, { zip }),
        'ValidationException',
        /^2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128$/,
      );
      await rejects(
        fns.updateFunctionConfiguration(name, { memoryMb: 20_000 }),
        'ValidationException',
        /^1 validation error detected: Value '20000' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240$/,
      );
      await rejects(
        fns.invoke('nope', Buffer.from('{}')),
        'ResourceNotFoundException',
        /^Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope$/,
        404,
      );
      await rejects(fns.invoke(name, Buffer.from('{not json')), 'InvalidRequestContentException', /Could not parse request body into json/);
      await rejects(fns.invoke(name, Buffer.alloc(6 * 1024 * 1024 + 1, 32)), 'RequestTooLargeException', /6291456 bytes/, 413);
      await rejects(fns.invoke(name, Buffer.alloc(1024 * 1024 + 1, 32), { invocationType: 'Event' }), 'RequestTooLargeException');
      await rejects(fns.invoke(`${name}:1`, Buffer.from('{}'), { qualifier: '2' }), 'InvalidParameterValueException', /derived qualifier/);
    } finally {
      await fns.close();
    }
  });
});

describe('provisioned concurrency', () => {
  it('stays IN_PROGRESS until its environments are up and the clock passes provisionedReadyMs, serves warm, spills over beyond its count, is never reaped, and warms again after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-fn-provisioned-'));
    const clock = new ManualClock(Date.now());
    const open = async () => {
      const storage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, clock });
      await storage.open();
      const { fns } = await openEngine({ storage, dataDir: dir, clock, provisionedReadyMs: 60_000 });
      return { storage, fns };
    };
    try {
      let { storage, fns } = await open();
      const name = uniqueName('warm');
      const code = 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms || 0)); return process.env.AWS_LAMBDA_INITIALIZATION_TYPE; };';
      await fns.createFunction(name, { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE }, { zip: zipOf({ 'index.js': code }) }, { publish: true });
      assert.equal((await fns.putProvisionedConcurrency(name, '1', 1)).status, 'IN_PROGRESS');
      await waitFor(() => fns.provisionedEnvironmentCount(name) === 1, 20_000, 'the provisioned environment');
      assert.equal(fns.getProvisionedConcurrency(name, '1').status, 'IN_PROGRESS', 'up, but the clock has not passed provisionedReadyMs');
      clock.advance(60_000);
      const ready = fns.getProvisionedConcurrency(name, '1');
      assert.deepEqual([ready.status, ready.allocated, ready.available], ['READY', 1, 1]);
      // Two at once: one runs on the provisioned environment, the other spills over to a new on-demand one.
      const both = await Promise.all([0, 1].map(() => fns.invoke(name, Buffer.from('{"ms": 300}'), { qualifier: '1' })));
      assert.deepEqual(both.map((r) => json(r.payload)).sort(), ['on-demand', 'provisioned-concurrency']);
      assert.equal(fns.environmentCount(name), 2);
      // Idle past the reaping time: the on-demand environment stops, the provisioned one stays.
      clock.advance(11 * 60_000);
      await waitFor(() => fns.environmentCount(name) === 1, 5000, 'the on-demand environment to be reaped');
      assert.equal(fns.provisionedEnvironmentCount(name), 1);
      await fns.close();
      await storage.close();

      ({ storage, fns } = await open());
      assert.equal(fns.getProvisionedConcurrency(name, '1').status, 'IN_PROGRESS');
      await waitFor(() => fns.provisionedEnvironmentCount(name) === 1, 20_000, 'the environment started again');
      clock.advance(60_000);
      assert.equal(fns.getProvisionedConcurrency(name, '1').status, 'READY');
      assert.equal(json((await fns.invoke(name, Buffer.from('{}'), { qualifier: '1' })).payload), 'provisioned-concurrency');
      await fns.deleteProvisionedConcurrency(name, '1');
      assert.equal(fns.provisionedEnvironmentCount(name), 0);
      assert.deepEqual(fns.listProvisionedConcurrency(name), []);
      await fns.close();
      await storage.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports FAILED with FUNCTION_ERROR_INIT_FAILURE when the version cannot initialise', async () => {
    const clock = new ManualClock(Date.now());
    const { fns } = await openEngine({ clock, provisionedReadyMs: 1000 });
    try {
      const name = uniqueName('broken');
      await fns.createFunction(
        name,
        { runtime: 'nodejs20.x', handler: 'index.handler', role: ROLE },
        { zip: zipOf({ 'index.js': 'throw new Error("no config");' }) },
        { publish: true },
      );
      await fns.putProvisionedConcurrency(name, '1', 1);
      clock.advance(1000);
      await waitFor(() => fns.getProvisionedConcurrency(name, '1').status !== 'IN_PROGRESS', 20_000, 'the init to fail');
      const s = fns.getProvisionedConcurrency(name, '1');
      assert.deepEqual([s.status, s.statusReason, s.allocated], ['FAILED', 'FUNCTION_ERROR_INIT_FAILURE', 0]);
    } finally {
      await fns.close();
    }
  });
});
