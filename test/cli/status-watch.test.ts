/**
 * `freshet status --watch`: the built CLI redraws the status every --interval seconds until Ctrl-C, one block
 * after another when piped (in place only on a terminal), and picks up what changed in between.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/server/index.ts';
import { spawnCli, waitForOutput } from './run-cli.ts';

describe('freshet status --watch', () => {
  it('redraws every interval, shows what changed since the last block, and stops cleanly on Ctrl-C', async () => {
    const server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0, pg: false });
    const child = spawnCli(['status', '--watch', '--interval', '0.2', '-o', 'table', '--endpoint', server.url]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const blocks = (out: string) => out.split(`Freshet at ${server.url}\n`).length - 1;
      let out = await waitForOutput(child, (o) => blocks(o) >= 2, 30_000);
      assert.match(out, /\nStreams\n {2}none yet — /);
      await server.kinesis.createStream('watched', { shardCount: 1 });
      out += await waitForOutput(child, (o) => /\nwatched +ACTIVE +1 +0 +0\.0\n/.test(o), 30_000);
      assert.ok(blocks(out) >= 3, out);
      assert.doesNotMatch(out, /\x1b\[2J/, 'no screen clearing when piped');
      child.kill('SIGINT');
      const code = await new Promise((r) => child.once('close', r));
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
    } finally {
      child.kill('SIGKILL');
      await server.close();
    }
  });
});
