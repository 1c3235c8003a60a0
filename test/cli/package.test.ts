/**
 * The npm package as users get it: `npm pack`, installed into an empty project with npm from the local cache
 * (no network; see install-package.ts), then `npx freshet` there — without TypeScript, tsx or esbuild, which
 * are development dependencies only. The dependencies a previous run installed from the same lock entries are
 * reused (install-package.ts): the package itself is extracted from its new tarball every time.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateStreamCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { strToU8, zipSync } from 'fflate';
import { installPackage, type InstalledPackage } from './install-package.ts';
import './run-cli.ts'; // brings dist/ up to date

const run = promisify(execFile);
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

describe('npm package', () => {
  let dir = '';
  let pkg: InstalledPackage;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-package-'));
    pkg = await installPackage(dir, { reuse: true });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('packs the built CLI, its run-time files and the examples, and no sources or tests', () => {
    for (const f of [
      'package.json',
      'README.md',
      'bin/freshet.js',
      'dist/cli.js',
      'dist/lambda-worker.mjs',
      'dist/console/app.js',
      'dist/console/app.css',
      'dist/runtimes/node/bootstrap.mjs',
      'dist/runtimes/node/sdk-resolve.mjs',
      'dist/runtimes/python/bootstrap.py',
      'examples/s1-revenue-per-store/freshet.yaml',
    ]) {
      assert.ok(pkg.files.includes(f), `${f} missing from the package: ${pkg.files.join(', ')}`);
    }
    assert.deepEqual(
      pkg.files.filter((f) => /^(src|test|bench|scripts)\//.test(f) || f.endsWith('.ts') || f.endsWith('.map')),
      [],
    );
  });

  it('installs without TypeScript, tsx or esbuild', () => {
    for (const dev of ['typescript', 'tsx', 'esbuild', '@biomejs/biome']) assert.ok(!existsSync(join(pkg.app, 'node_modules', dev)), `${dev} was installed`);
    assert.ok(existsSync(pkg.bin));
  });

  it('runs `npx freshet --help`', async () => {
    const { stdout } = await run(NPX, ['--offline', 'freshet', '--help'], { cwd: pkg.app });
    assert.match(stdout, /^Usage: freshet \[options\] \[command\]/);
    assert.match(stdout, /server \[options\]/);
  });

  it('checks SQL with the installed front end', async () => {
    const file = join(pkg.app, 'node_modules', 'freshet', 'examples', 's1-revenue-per-store', 'revenue.sql');
    const { stdout } = await run(pkg.bin, ['sql', 'check', file], { cwd: pkg.app });
    assert.match(stdout, /ok/i);
  });

  it('starts a server that answers a Kinesis request, serves the console and runs a Node.js function', async () => {
    const child = spawn(pkg.bin, ['server', '--port', '0', '--data-dir', join(dir, 'data')], {
      cwd: pkg.app,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          const m = /Kinesis endpoint (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
      });
      const kinesis = new KinesisClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      try {
        await kinesis.send(new CreateStreamCommand({ StreamName: 'packaged', ShardCount: 1 }));
        assert.deepEqual((await kinesis.send(new ListStreamsCommand({}))).StreamNames, ['packaged']);
        // The web console's bundle ships in the package and is served by the installed server.
        const app = await fetch(`${url}/console/assets/app.js`);
        assert.equal(app.status, 200);
        assert.ok((await app.text()).length > 10_000);
        // Functions run on the runtime bootstrap shipped in dist/runtimes, and can require the AWS SDK.
        const lambda = new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
        try {
          const code =
            "const { KinesisClient } = require('@aws-sdk/client-kinesis'); exports.handler = async (e) => ({ twice: e.n * 2, sdk: typeof KinesisClient });";
          await lambda.send(
            new CreateFunctionCommand({
              FunctionName: 'packaged-fn',
              Runtime: 'nodejs20.x',
              Role: 'arn:aws:iam::000000000000:role/lambda-role',
              Handler: 'index.handler',
              Code: { ZipFile: zipSync({ 'index.js': strToU8(code) }) },
            }),
          );
          const out = await lambda.send(new InvokeCommand({ FunctionName: 'packaged-fn', Payload: Buffer.from('{"n":21}') }));
          assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
          assert.deepEqual(JSON.parse(Buffer.from(out.Payload!).toString()), { twice: 42, sdk: 'function' });
        } finally {
          lambda.destroy();
        }
      } finally {
        kinesis.destroy();
      }
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }
  });
});
