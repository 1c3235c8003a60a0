/**
 * scripts/check-code.mjs's import rules, run against small trees: a wrong-way import between src/ folders,
 * an import past a folder's index.ts, and a cycle between folders of one layer each fail the run; so do
 * a new double cast through unknown, an error made outside its service's catalog, and an allowance the code
 * no longer uses.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SCRIPT = new URL('../../scripts/check-code.mjs', import.meta.url).pathname;

function check(files: Record<string, string>): { status: number | null; stderr: string } {
  const root = mkdtempSync(join(tmpdir(), 'freshet-layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const r = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('check-code import rules', () => {
  it('passes imports that go down the layers through index.ts, and generated model files', () => {
    const r = check({
      'src/core/index.ts': 'export const a = 1;\n',
      'src/aws/index.ts': "export { a } from '../core/index.ts';\n",
      'src/aws/models/sqs.ts': 'export const sqsModel = {};\n',
      'src/queues/actions/send.ts': "import { a } from '../../aws/index.ts';\nimport { sqsModel } from '../../aws/models/sqs.ts';\n",
      'src/queues/index.ts': "export * from './actions/send.ts';\n",
      'src/server/index.ts': "const m = import('../queues/index.ts');\n",
    });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });

  it('fails on a service importing the composition root', () => {
    const r = check({ 'src/server/index.ts': '', 'src/kinesis/service.ts': "import type { X } from '../server/index.ts';\n" });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /src\/kinesis\/service\.ts: imports src\/server\/index\.ts — src\/kinesis\/ \(engines\/services\) must not import src\/server\/ \(server\)/,
    );
  });

  it('fails on the toolkit importing a service, by dynamic import too', () => {
    const r = check({ 'src/kinesis/index.ts': '', 'src/aws/router.ts': "const k = await import('../kinesis/index.ts');\n" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /src\/aws\/router\.ts: imports src\/kinesis\/index\.ts — src\/aws\/ \(aws\) must not import src\/kinesis\//);
  });

  it('fails on an import past another folder’s index.ts', () => {
    const r = check({ 'src/core/errors.ts': '', 'src/firehose/engine2.ts': "export { AwsError } from '../core/errors.ts';\n" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /src\/firehose\/engine2\.ts: imports src\/core\/errors\.ts — import src\/core\/index\.ts instead/);
  });

  it('fails on two service folders importing each other', () => {
    const r = check({
      'src/firehose/index.ts': "import '../analytics/index.ts';\n",
      'src/analytics/index.ts': "import { x } from '../firehose/index.ts';\n",
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /folders import each other in a cycle: (analytics → firehose → analytics|firehose → analytics → firehose)/);
  });
});

// Spelled in two parts, or this file would break the rule it tests.
const DOUBLE_CAST = ['as unknown', 'as'].join(' ');

describe('check-code double-cast rule', () => {
  it('fails on a double cast in a file that has none allowed', () => {
    const r = check({ 'src/kinesis/engine.ts': `export const n = (1 ${DOUBLE_CAST} string).length;\n` });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`src/kinesis/engine\\.ts: 1 \`${DOUBLE_CAST}\` cast\\(s\\), 0 allowed — type the value instead`));
  });

  it('passes a file with exactly its recorded count, and fails one with fewer until the count is lowered', () => {
    const cast = `const native = (zlib ${DOUBLE_CAST} { crc32?: unknown }).crc32;\n`;
    assert.equal(check({ 'src/storage/file/crc32.ts': cast }).status, 0);
    const r = check({ 'src/storage/file/crc32.ts': 'export const native = undefined;\n' });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      new RegExp(`src/storage/file/crc32\\.ts: 0 \`${DOUBLE_CAST}\` cast\\(s\\) where 1 are allowed — lower its count in ALLOWED_DOUBLE_CASTS to 0`),
    );
  });
});

describe('check-code error-catalog rule', () => {
  it('fails on an error made outside the catalog in a service file, and names the fix', () => {
    const r = check({ 'src/kinesis/actions/put-record.ts': "throw new AwsError('InvalidArgumentException', 'Records size exceeds 5 MB limit');\n" });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /src\/kinesis\/actions\/put-record\.ts: 1 `new AwsError\(` where 0 are allowed — make the error from the service's catalog \(src\/<service>\/errors\.ts/,
    );
  });

  it('passes errors made from the catalog, and `new AwsError(` in src/core, src/aws and the catalog files', () => {
    const r = check({
      'src/kinesis/actions/put-record.ts': "throw kinesisErrors.format('InvalidArgumentException', 'recordsTooLarge', {});\n",
      'src/functions/errors.ts': "export const e = new AwsError(spec, 'text');\n",
      'src/aws/router.ts': "export const e = new AwsError('UnknownOperationException', '');\n",
      'src/core/errors.ts': "export const e = new AwsError('InternalFailure', '');\n",
    });
    assert.equal(r.status, 0, r.stderr);
  });

  it('holds a file that predates the rule to its recorded count, and asks to lower it once errors move to the catalog', () => {
    const bare = "throw new AwsError('AccessDeniedException', text);\n";
    assert.equal(check({ 'src/iam/authorizer.ts': bare }).status, 0);
    const more = check({ 'src/iam/authorizer.ts': bare + bare });
    assert.equal(more.status, 1);
    assert.match(more.stderr, /src\/iam\/authorizer\.ts: 2 `new AwsError\(` where 1 are allowed/);
    const fewer = check({ 'src/iam/authorizer.ts': 'export {};\n' });
    assert.equal(fewer.status, 1);
    assert.match(fewer.stderr, /src\/iam\/authorizer\.ts: 0 `new AwsError\(` where 1 are allowed — lower its count in ALLOWED_BARE_ERRORS to 0/);
  });
});
