/**
 * Firehose's Lambda processor running the server's functions: a Node and a
 * Python handler created with @aws-sdk/client-lambda from zip files transform
 * a delivery stream's records with AWS's event/response shapes (Ok, Dropped,
 * ProcessingFailed), and a handler that throws sends its records to the
 * processing-failed prefix with Lambda.FunctionError.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { listFiles, readObject, s3Dest, startHarness } from '../firehose/helpers.ts';
import type { Harness } from '../firehose/helpers.ts';
import { ROLE, zipOf } from './helpers.ts';

const NODE_TRANSFORM = `
exports.handler = async (event) => ({
  records: event.records.map((r) => {
    const text = Buffer.from(r.data, 'base64').toString('utf8');
    if (text === 'drop') return { recordId: r.recordId, result: 'Dropped', data: r.data };
    if (text === 'fail') return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
    return { recordId: r.recordId, result: 'Ok', data: Buffer.from(text.toUpperCase() + ' via ' + event.deliveryStreamArn.split('/')[1] + '\\n').toString('base64') };
  }),
});
`;

const PYTHON_TRANSFORM = `
import base64

def handler(event, context):
    out = []
    for r in event['records']:
        text = base64.b64decode(r['data']).decode('utf-8')
        if text == 'drop':
            out.append({'recordId': r['recordId'], 'result': 'Dropped', 'data': r['data']})
        else:
            data = base64.b64encode((text[::-1] + ' from ' + context.function_name + '\\n').encode()).decode()
            out.append({'recordId': r['recordId'], 'result': 'Ok', 'data': data})
    return {'records': out}
`;

describe('Firehose Lambda processor through functions', () => {
  let h: Harness;
  let lambda: LambdaClient;
  before(async () => {
    h = await startHarness();
    lambda = new LambdaClient({ endpoint: h.server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const create = (FunctionName: string, Runtime: 'nodejs20.x' | 'python3.12', Handler: string, files: Record<string, string>) =>
      lambda.send(new CreateFunctionCommand({ FunctionName, Runtime, Handler, Role: ROLE, Code: { ZipFile: zipOf(files) }, Timeout: 30 }));
    await create('fh-node', 'nodejs20.x', 'index.handler', { 'index.js': NODE_TRANSFORM });
    await create('fh-python', 'python3.12', 'transform.handler', { 'transform.py': PYTHON_TRANSFORM });
    await create('fh-throws', 'nodejs20.x', 'index.handler', { 'index.mjs': 'export const handler = async () => { throw new TypeError("bad batch"); };' });
  });
  after(async () => {
    lambda.destroy();
    await h.close();
  });

  /** Creates a delivery stream whose Lambda processor is `fn`, puts `records`, and returns the delivered objects by prefix. */
  async function deliver(name: string, fn: string, records: string[], retries = '0'): Promise<{ out: string[]; failed: string[] }> {
    const p = (ParameterName: string, ParameterValue: string) => ({ ParameterName, ParameterValue });
    await h.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: s3Dest(`bkt-${name}`, {
          Prefix: 'out/',
          ErrorOutputPrefix: 'err/!{firehose:error-output-type}/',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              { Type: 'Lambda', Parameters: [p('LambdaArn', `arn:aws:lambda:us-east-1:000000000000:function:${fn}`), p('NumberOfRetries', retries)] },
            ],
          },
        }) as never,
      }),
    );
    await h.tick(1000, name);
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: Buffer.from(r) })) }));
    // The function runs in its own process (real time): tick the buffers, then wait for the objects.
    const root = join(h.dir, 's3', `bkt-${name}`);
    const end = Date.now() + 60_000;
    let files: string[] = [];
    while (Date.now() < end) {
      await h.tick(60_000, name);
      files = await listFiles(root);
      if (files.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await h.tick(60_000, name);
    files = await listFiles(root);
    const read = async (f: string) => (await readObject(root, f)).toString();
    return {
      out: await Promise.all(files.filter((f) => f.startsWith('out/')).map(read)),
      failed: await Promise.all(files.filter((f) => f.startsWith('err/processing-failed/')).map(read)),
    };
  }

  it('runs a Node handler: Ok records transformed and delivered, Dropped removed, ProcessingFailed to the error prefix', async () => {
    const { out, failed } = await deliver('fh-node-stream', 'fh-node', ['keep me', 'drop', 'fail', 'also keep']);
    assert.deepEqual(out, ['KEEP ME via fh-node-stream\nALSO KEEP via fh-node-stream\n']);
    assert.equal(failed.length, 1);
    const rec = JSON.parse(failed[0]!.trim());
    assert.equal(rec.errorCode, 'Lambda.ProcessingFailedStatus');
    assert.equal(Buffer.from(rec.rawData, 'base64').toString(), 'fail');
    assert.equal(rec.lambdaArn, 'arn:aws:lambda:us-east-1:000000000000:function:fh-node');
  });

  it('runs a Python handler with its context', async () => {
    const { out, failed } = await deliver('fh-python-stream', 'fh-python', ['abc', 'drop', 'xyz']);
    assert.deepEqual(out, ['cba from fh-python\nzyx from fh-python\n']);
    assert.deepEqual(failed, []);
  });

  it('sends the records of a handler that throws to processing-failed with Lambda.FunctionError after the retries', async () => {
    const { out, failed } = await deliver('fh-throws-stream', 'fh-throws', ['r1', 'r2'], '1');
    assert.deepEqual(out, []);
    const lines = failed
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].errorCode, 'Lambda.FunctionError');
    assert.equal(lines[0].attemptsMade, 2);
    assert.match(lines[0].errorMessage, /TypeError: bad batch/);
  });
});
