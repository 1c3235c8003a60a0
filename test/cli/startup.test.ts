/**
 * What the built CLI loads at start-up: `freshet --help` only commander and the command table, `freshet server`
 * none of the libraries only some requests need (the AWS SDK clients, Parquet, ZIP and Snappy compression,
 * SubscribeToShard's event-stream codec, KPL de-aggregation, pipeline files, TLS certificates, DuckDB,
 * TypeScript). fixtures/log-loads.mjs records every ESM and CommonJS module the
 * process loads.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from './run-cli.ts';

const PRELOAD = join(import.meta.dirname, 'fixtures', 'log-loads.mjs');

/** Package names (`@scope/name` or `name`) and dist/ files a module list touches. */
function summarize(lines: readonly string[]): { packages: Set<string>; dist: Set<string> } {
  const packages = new Set<string>();
  const dist = new Set<string>();
  for (const line of lines) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (pkg) packages.add(pkg[1]!);
    else if (line.includes('/dist/')) dist.add(line.slice(line.lastIndexOf('/') + 1));
  }
  return { packages, dist };
}

/** Runs the built CLI with the load logger until `done(stdout)` holds (or it exits), then stops it. */
async function loadsOf(args: string[], dir: string, done: (stdout: string) => boolean = () => false): Promise<string[]> {
  const log = join(dir, `loads-${args[0]}.txt`);
  const child = spawn(process.execPath, ['--import', PRELOAD, CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, FRESHET_LOAD_LOG: log },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    if (done(stdout)) child.kill('SIGTERM');
  });
  child.stderr.on('data', (d) => (stderr += d));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  assert.ok(code === 0 || signal === 'SIGTERM', `freshet ${args.join(' ')} failed (${code ?? signal}): ${stderr}`);
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}

describe('CLI start-up', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-startup-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('`freshet --help` loads commander and the command table only', async () => {
    const { packages, dist } = summarize(await loadsOf(['--help'], dir));
    assert.deepEqual([...packages], ['commander']);
    assert.deepEqual([...dist], ['cli.js']);
  });

  it('`freshet server` starts without the AWS SDK clients, Parquet, ZIP, Snappy, event-stream, KPL, pipeline, TLS, DuckDB or TypeScript libraries', async () => {
    const dataDir = join(dir, 'data');
    const lines = await loadsOf(['server', '--port', '0', '--data-dir', dataDir], dir, (out) => out.includes('Kinesis endpoint'));
    const { packages } = summarize(lines);
    const lazy = [
      '@aws-sdk/client-s3',
      '@aws-sdk/client-kinesis',
      '@aws-sdk/client-firehose',
      '@aws-sdk/client-kinesis-analytics',
      'hyparquet-writer',
      'fflate',
      'snappyjs',
      '@smithy/eventstream-codec',
      'aws-kinesis-agg',
      'protobufjs',
      'ajv',
      'yaml',
      'selfsigned',
      '@duckdb/node-api',
      'tsx',
      'typescript',
      'esbuild',
    ];
    assert.deepEqual(
      lazy.filter((p) => packages.has(p)),
      [],
      `loaded at start-up: ${[...packages].join(', ')}`,
    );
    // The server itself did load: its wire codec is there.
    assert.ok(packages.has('cbor-x'), [...packages].join(', '));
  });
});
