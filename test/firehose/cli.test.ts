import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/delivery.ts';
import { startHarness } from './helpers.ts';
import type { Harness } from './helpers.ts';

async function cli(args: string[]): Promise<string> {
  const program = new Command();
  program.exitOverride();
  register(program);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  };
  try {
    await program.parseAsync(['node', 'freshet', ...args]);
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

describe('freshet delivery CLI', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('creates, puts, lists, describes with metrics, and deletes', async () => {
    const ep = ['--endpoint', h.server.url];
    const arn = await cli([
      'delivery',
      'create',
      'cli-stream',
      '--bucket',
      'cli-bucket',
      '--interval',
      '60',
      '--size-mb',
      '1',
      '--compression',
      'GZIP',
      '--newline',
      ...ep,
    ]);
    assert.equal(arn, 'arn:aws:firehose:us-east-1:000000000000:deliverystream/cli-stream');
    await h.tick(1000, 'cli-stream');
    assert.equal(await cli(['delivery', 'put', 'cli-stream', 'one', 'two', ...ep]), 'put 2 record(s)');
    await h.tick(60_000, 'cli-stream');
    assert.match(await cli(['delivery', 'list', '-o', 'table', ...ep]), /^cli-stream {2}ACTIVE/m);
    const text = await cli(['delivery', 'describe', 'cli-stream', '-o', 'table', ...ep]);
    assert.match(text, /cli-stream {2}ACTIVE {2}DirectPut {2}version 1/);
    assert.match(text, /buffering {4}1 MiB \/ 60 s, GZIP/);
    assert.match(text, /IncomingRecords\s+2/);
    assert.match(text, /DeliveryToS3\.Records\s+2/);
    assert.match(text, /DeliveryToS3\.Success\s+100\.0%/);
    // Everything is delivered: no record is waiting (CloudWatch's definition).
    assert.match(text, /DeliveryToS3\.DataFreshness\s+0\.0 s/);
    const json = JSON.parse(await cli(['delivery', 'describe', 'cli-stream', '--json', ...ep]));
    assert.equal(json.Metrics.IncomingBytes, 6);
    assert.equal(await cli(['delivery', 'delete', 'cli-stream', ...ep]), 'deleted cli-stream');
    assert.doesNotMatch(await cli(['delivery', 'list', '-o', 'table', ...ep]), /cli-stream/);
  });
});
