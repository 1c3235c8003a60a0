/**
 * `freshet status` beyond streams and delivery: SQL applications with their input lag, metric detectors, and
 * functions with their event source mappings (state, last result, lag), read by the built CLI from a real
 * server's `GET /status`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KinesisClient, CreateStreamCommand, PutRecordCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateAnomalyDetectorCommand, LookoutMetricsClient } from '@aws-sdk/client-lookoutmetrics';
import { startServer } from '../../src/server/index.ts';
import { applyUp, createClients, loadPipeline } from '../../src/pipeline/index.ts';
import { formatStatus } from '../../src/cli/commands/status.ts';
import { lag } from '../../src/cli/server-status.ts';
import type { ServerStatus } from '../../src/server/index.ts';
import { zipOf } from '../functions/helpers.ts';
import { ROOT, runCli } from './run-cli.ts';
import { runCliInProcess } from './run-cli-in-process.ts';

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

interface StatusJson extends ServerStatus {
  generators: unknown[];
}

async function statusJson(url: string): Promise<StatusJson> {
  const res = await runCli(['status', '-o', 'json', '--endpoint', url]);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as StatusJson;
}

describe('freshet status: applications, detectors, functions', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const stateDir = join(ROOT, '.freshet-test-output-status');
  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', functions: { mappingTransitionMs: 1 } });
  });
  after(async () => {
    await server.close();
    const { rmSync } = await import('node:fs');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('shows each SQL application’s input lag and rows out', async () => {
    const clients = createClients({ endpoint: server.url });
    try {
      await applyUp(loadPipeline(join(ROOT, 'examples', 's1-revenue-per-store', 'freshet.yaml')), clients, { stateDir });
    } finally {
      clients.destroy();
    }
    const status = await statusJson(server.url);
    const app = status.applications.find((a) => a.name === 's1-revenue-per-store');
    assert.ok(app, JSON.stringify(status.applications));
    assert.equal(app.kind, 'sql');
    assert.equal(app.millisBehindLatest, 0);
    assert.equal(app.rowsWritten, 0);
    const table = await runCliInProcess(['status', '-o', 'table', '--endpoint', server.url]);
    assert.match(table.stdout, /\nApplications\nNAME +KIND +STATUS +READ +ROWS OUT +LAG +ERRORS +CHECKPOINT\ns1-revenue-per-store +sql +\w+ +0 +0 +0 ms +0 /);
  });

  it('shows metric detectors with their status and last run', async () => {
    const lookout = new LookoutMetricsClient({ endpoint: server.url, region: 'us-east-1', credentials });
    try {
      await lookout.send(new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'views-watch', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }));
    } finally {
      lookout.destroy();
    }
    const status = await statusJson(server.url);
    assert.deepEqual(status.detectors, [
      { name: 'views-watch', status: 'INACTIVE', frequency: 'PT5M', nextIntervalMs: null, lastExecution: null, anomalyGroups: 0 },
    ]);
    const table = await runCliInProcess(['status', '-o', 'table', '--endpoint', server.url]);
    assert.match(table.stdout, /\nDetectors\nNAME +STATUS +EVERY +LAST RUN +ANOMALY GROUPS\nviews-watch +INACTIVE +PT5M +- +0\n/);
  });

  it('shows functions and their event source mappings with state, last result and lag', async () => {
    const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials });
    const lambda = new LambdaClient({ endpoint: server.url, region: 'us-east-1', credentials });
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'status-clicks', ShardCount: 1 }));
      await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30 }, { StreamName: 'status-clicks' });
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'count-clicks',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async () => null;' }) },
        }),
      );
      const mapping = await lambda.send(
        new CreateEventSourceMappingCommand({
          FunctionName: 'count-clicks',
          EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/status-clicks',
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 10,
        }),
      );
      await kinesis.send(new PutRecordCommand({ StreamName: 'status-clicks', PartitionKey: 'k', Data: Buffer.from('{"click":1}') }));
      // The mapping polls on its own: wait (bounded) until the record has gone through the function.
      let status = await statusJson(server.url);
      for (let i = 0; i < 100 && status.eventSourceMappings[0]?.recordsProcessed !== 1; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = await statusJson(server.url);
      }
      assert.deepEqual(status.functions, [{ name: 'count-clicks', runtime: 'nodejs20.x', environments: 1 }]);
      const [m] = status.eventSourceMappings;
      assert.ok(m);
      assert.equal(m.uuid, mapping.UUID);
      assert.equal(m.function, 'count-clicks');
      assert.equal(m.source, 'stream/status-clicks');
      assert.equal(m.state, 'Enabled');
      assert.equal(m.lastProcessingResult, 'OK');
      assert.equal(m.recordsProcessed, 1);
      assert.equal(typeof m.iteratorAgeMs, 'number');
      const table = await runCliInProcess(['status', '-o', 'table', '--endpoint', server.url]);
      assert.match(table.stdout, /\nFunctions\nNAME +RUNTIME +WARM\ncount-clicks +nodejs20\.x +1\n/);
      assert.match(
        table.stdout,
        /\nEvent source mappings\nFUNCTION +SOURCE +STATE +PROCESSED +LAG +LAST RESULT\ncount-clicks +stream\/status-clicks +Enabled +1 +\d+(\.\d)? m?s +OK\n/,
      );
    } finally {
      kinesis.destroy();
      lambda.destroy();
    }
  });
});

describe('formatStatus', () => {
  it('shows an application behind its input with its lag, and a Flink application without counters', () => {
    const status: ServerStatus = {
      streams: [],
      applications: [
        {
          name: 'slow',
          kind: 'sql',
          status: 'RUNNING',
          recordsRead: 5000,
          rowsWritten: 12,
          parseErrors: 0,
          millisBehindLatest: 12_300,
          lastCheckpointMs: null,
          recentErrors: [],
        },
        {
          name: 'flinky',
          kind: 'flink',
          status: 'RUNNING',
          recordsRead: null,
          rowsWritten: null,
          parseErrors: null,
          millisBehindLatest: null,
          lastCheckpointMs: null,
          recentErrors: [],
        },
      ],
      deliveryStreams: [],
      detectors: [],
      functions: [],
      eventSourceMappings: [],
    };
    const text = formatStatus(status, 'http://x', 0);
    assert.match(text, /\nslow +sql +RUNNING +5000 +12 +12\.3 s +0 +- *\n/);
    assert.match(text, /\nflinky +flink +RUNNING +- +- +- +- +- *\n/);
    // Sections for detectors and functions appear only once there are some.
    assert.doesNotMatch(text, /Detectors|Functions|Event source mappings/);
  });

  it('shows a running application held by its role as held with the reason, and a stopped one with an error as failed', () => {
    const app = (name: string, kind: 'sql' | 'flink', status: string, lastError: string): ServerStatus['applications'][number] => ({
      name,
      kind,
      status,
      recordsRead: kind === 'sql' ? 0 : null,
      rowsWritten: kind === 'sql' ? 0 : null,
      parseErrors: kind === 'sql' ? 0 : null,
      millisBehindLatest: null,
      lastCheckpointMs: null,
      recentErrors: [],
      lastError,
    });
    const status: ServerStatus = {
      streams: [],
      applications: [
        app('heldsql', 'sql', 'RUNNING', 'role may not kinesis:GetRecords'),
        app('heldflink', 'flink', 'RUNNING', 'role may not kinesis:PutRecords'),
        app('broken', 'flink', 'READY', 'the job failed to start'),
      ],
      deliveryStreams: [],
      detectors: [],
      functions: [],
      eventSourceMappings: [],
    };
    const text = formatStatus(status, 'http://x', 0);
    assert.match(text, /\nheldsql +sql +held: role may not kinesis:GetRecords +0 +0 +- +0 +- *\n/);
    assert.match(text, /\nheldflink +flink +held: role may not kinesis:PutRecords +- +- +- +- +- *\n/);
    assert.match(text, /\nbroken +flink +READY +- +- +- +failed +- *\n/);
    assert.doesNotMatch(text, /RUNNING/);
  });

  it('writes lags as people read them', () => {
    assert.deepEqual([lag(0), lag(850), lag(12_340), lag(600_000), lag(null)], ['0 ms', '850 ms', '12.3 s', '10 min', '-']);
  });
});
