/**
 * `freshet functions list|invoke|logs [--follow]` against a Freshet server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Command } from 'commander';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { register } from '../../src/cli/commands/functions.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { spawnCli } from '../cli/run-cli.ts';
import { ROLE, zipOf } from './helpers.ts';

async function cli(args: string[]): Promise<string[]> {
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
  return lines;
}

describe('freshet functions', () => {
  let server: FreshetServer;
  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0 });
    const lambda = new LambdaClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'greeter',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        MemorySize: 256,
        Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async (e) => { console.log("greeting", e.name); return "hello " + e.name; };' }) },
      }),
    );
    lambda.destroy();
  });
  after(async () => {
    await server.close();
  });

  it('lists functions, invokes one and prints its log', async () => {
    const list = await cli(['functions', 'list', '-o', 'table', '--endpoint', server.url]);
    assert.match(list.join('\n'), /^greeter\s+nodejs20\.x\s+index\.handler\s+256 MB\s+3 s/m);
    assert.deepEqual(await cli(['functions', 'invoke', 'greeter', '--payload', '{"name": "ada"}', '--endpoint', server.url]), ['"hello ada"']);
    const logs = (await cli(['functions', 'logs', 'greeter', '--endpoint', server.url])).join('\n');
    assert.match(logs, /START RequestId: [0-9a-f-]+ Version: \$LATEST/);
    assert.match(logs, /\tINFO\tgreeting ada/);
    assert.match(logs, /REPORT RequestId: /);
    await assert.rejects(cli(['functions', 'invoke', 'greeter', '--payload', 'not json', '--endpoint', server.url]), /the payload is not JSON/);
    await assert.rejects(cli(['functions', 'logs', 'nobody', '--endpoint', server.url]), /Function not found: nobody/);
  });

  it('follows the log as invocations run', async () => {
    // The built CLI (bin/freshet.js), as users run it: --follow is the one path here that needs a process of its own.
    const child = spawnCli(['functions', 'logs', 'greeter', '--follow', '--since', '1s', '--endpoint', server.url]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    try {
      // Invoke until the follower (whose start-up takes a while) has printed one.
      const deadline = Date.now() + 30_000;
      while (!out.includes('greeting grace') && Date.now() < deadline) {
        await cli(['functions', 'invoke', 'greeter', '--payload', '{"name": "grace"}', '--endpoint', server.url]);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(out, /\tINFO\tgreeting grace/);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });
});
