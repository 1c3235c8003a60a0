/**
 * The generated models (src/aws/models/*.ts) are what scripts/gen-models.py makes of the Debian botocore
 * models and the committed overlays: regenerated into a temporary directory, Biome-formatted as the
 * committed files are, they must match byte for byte. And the models carry what the codecs need.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kinesisModel } from '../../src/aws/models/kinesis.ts';
import { sqsModel } from '../../src/aws/models/sqs.ts';
import { cloudWatchModel } from '../../src/aws/models/cloudwatch.ts';
import { lambdaModel } from '../../src/aws/models/lambda.ts';
import { stsModel } from '../../src/aws/models/sts.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

describe('generated AWS models', () => {
  it('match what scripts/gen-models.py generates from the Debian models and the overlays', () => {
    const out = mkdtempSync(join(tmpdir(), 'freshet-models-'));
    try {
      const gen = spawnSync('python3', [join(ROOT, 'scripts', 'gen-models.py'), '--out', out], { encoding: 'utf8' });
      assert.equal(gen.status, 0, gen.stderr);
      const committed = readdirSync(join(ROOT, 'src', 'aws', 'models')).sort();
      assert.deepEqual(readdirSync(out).sort(), committed);
      for (const file of committed) {
        const formatted = spawnSync(BIOME, ['format', `--stdin-file-path=src/aws/models/${file}`], {
          input: readFileSync(join(out, file)),
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        assert.equal(formatted.status, 0, formatted.stderr);
        const expected = readFileSync(join(ROOT, 'src', 'aws', 'models', file), 'utf8');
        assert.ok(
          formatted.stdout === expected,
          `src/aws/models/${file} differs from the generator's output: run python3 scripts/gen-models.py && npx biome format --write src/aws/models`,
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('carry constraints, HTTP bindings and wire traits', () => {
    assert.deepEqual(kinesisModel.shapes.StreamName, { type: 'string', max: 128, min: 1, pattern: '[a-zA-Z0-9_.-]+' });
    assert.equal(kinesisModel.metadata.targetPrefix, 'Kinesis_20131202');
    // Added by the overlay from a newer AWS model.
    assert.ok(kinesisModel.operations.PutResourcePolicy);
    const invoke = lambdaModel.operations.Invoke;
    assert.deepEqual(invoke.http, { method: 'POST', requestUri: '/2015-03-31/functions/{FunctionName}/invocations' });
    const req = lambdaModel.shapes[invoke.input!];
    assert.equal(req?.type, 'structure');
    if (req?.type === 'structure') {
      assert.deepEqual(req.members.InvocationType, { shape: 'InvocationType', location: 'header', locationName: 'X-Amz-Invocation-Type' });
      assert.equal(req.payload, 'Payload');
    }
    assert.deepEqual(sqsModel.metadata.protocols, ['query', 'json']);
    assert.equal(sqsModel.operations.SendMessage.resultWrapper, 'SendMessageResult');
    assert.deepEqual(sqsModel.shapes.QueueDoesNotExist, {
      type: 'structure',
      members: { message: { shape: 'ExceptionMessage' } },
      exception: true,
      error: { code: 'AWS.SimpleQueueService.NonExistentQueue', httpStatusCode: 400, senderFault: true },
    });
    assert.deepEqual(cloudWatchModel.metadata.protocols, ['query', 'json', 'smithy-rpc-v2-cbor']);
    assert.equal(stsModel.metadata.xmlNamespace, 'https://sts.amazonaws.com/doc/2011-06-15/');
  });
});
