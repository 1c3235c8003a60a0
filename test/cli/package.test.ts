/**
 * The npm package as users get it: `npm pack`, installed into an empty project with npm from the local cache
 * (no network), then `npx freshet` there — without TypeScript, tsx or esbuild, which are development
 * dependencies only.
 *
 * The install is offline: npm's cache holds the tarballs `npm ci` fetched for this checkout, but not the
 * registry's package listings a plain `npm install <tgz>` resolves versions with. So the project gets a lock
 * file made from this repo's: the tarball as `freshet`, and every package this repo's lock does not mark as a
 * development one, at the versions tested here. `npm ci --offline` then installs exactly those.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateStreamCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { ROOT } from './run-cli.ts';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

interface LockEntry {
  version?: string;
  dev?: boolean;
  [key: string]: unknown;
}

describe('npm package', () => {
  let dir = '';
  let app = '';
  let packed: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-package-'));
    app = join(dir, 'app');
    await mkdir(app);
    // dist/ is current (run-cli.ts built it), so `prepare` need not run again.
    const { stdout } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
    const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    packed = info!.files.map((f) => f.path);
    const tarball = join(dir, info!.filename);

    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const self = lock.packages['']!;
    const manifest = { name: 'freshet-package-test', version: '1.0.0', private: true, dependencies: { freshet: `file:${tarball}` } };
    const packages: Record<string, LockEntry> = {
      '': manifest,
      'node_modules/freshet': {
        version: self.version,
        resolved: `file:${tarball}`,
        dependencies: self.dependencies,
        bin: self.bin,
        engines: self.engines,
        license: self.license,
      },
    };
    for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
    await writeFile(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    await writeFile(
      join(app, 'package-lock.json'),
      JSON.stringify({ name: manifest.name, version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
    );
    await run(NPM, ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 << 20 });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('packs the built CLI, its run-time files and the examples, and no sources or tests', () => {
    for (const f of ['package.json', 'README.md', 'bin/freshet.js', 'dist/cli.js', 'dist/lambda-worker.mjs', 'examples/s1-revenue-per-store/freshet.yaml']) {
      assert.ok(packed.includes(f), `${f} missing from the package: ${packed.join(', ')}`);
    }
    assert.deepEqual(
      packed.filter((f) => /^(src|test|bench|scripts)\//.test(f) || f.endsWith('.ts') || f.endsWith('.map')),
      [],
    );
  });

  it('installs without TypeScript, tsx or esbuild', () => {
    for (const dev of ['typescript', 'tsx', 'esbuild', '@biomejs/biome']) assert.ok(!existsSync(join(app, 'node_modules', dev)), `${dev} was installed`);
    assert.ok(existsSync(join(app, 'node_modules', '.bin', 'freshet')));
  });

  it('runs `npx freshet --help`', async () => {
    const { stdout } = await run(NPX, ['--offline', 'freshet', '--help'], { cwd: app });
    assert.match(stdout, /^Usage: freshet \[options\] \[command\]/);
    assert.match(stdout, /server \[options\]/);
  });

  it('checks SQL with the installed front end', async () => {
    const file = join(app, 'node_modules', 'freshet', 'examples', 's1-revenue-per-store', 'revenue.sql');
    const { stdout } = await run(join(app, 'node_modules', '.bin', 'freshet'), ['sql', 'check', file], { cwd: app });
    assert.match(stdout, /ok/i);
  });

  it('starts a server that answers a Kinesis request', async () => {
    const child = spawn(join(app, 'node_modules', '.bin', 'freshet'), ['server', '--port', '0', '--data-dir', join(dir, 'data')], {
      cwd: app,
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
      } finally {
        kinesis.destroy();
      }
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }
  });
});
