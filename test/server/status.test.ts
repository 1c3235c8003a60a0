/**
 * `GET /status` reports the errors.swallowed metric: background failures that were caught, logged and not
 * rethrown (a failed trim, delete or persist), per logger namespace, so they are visible without reading logs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import type { ServerStatus } from '../../src/server/index.ts';
import { startTestServer, uniqueName } from '../kinesis/helpers.ts';

async function status(url: string): Promise<ServerStatus> {
  const res = await fetch(`${url}/status`);
  assert.equal(res.status, 200);
  return (await res.json()) as ServerStatus;
}

describe('GET /status: swallowed errors', () => {
  it('counts a background failure the server logged and went on from, under its namespace', async () => {
    const clock = new ManualClock();
    const storage = new MemoryStorage();
    await storage.open();
    let failPuts = false;
    const put = storage.meta.put.bind(storage.meta);
    storage.meta.put = (key, value) => (failPuts ? Promise.reject(new Error('disk full')) : put(key, value));
    const { server, client } = await startTestServer({ storage, clock, createDelayMs: 100 });
    try {
      const before = await status(server.url);
      assert.equal(typeof before.swallowedErrors, 'object');
      const kinesisBefore = before.swallowedErrors?.kinesis ?? 0;
      const name = uniqueName('swallowed');
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      // The stream turns ACTIVE in the background; persisting that status fails and is swallowed.
      failPuts = true;
      clock.advance(100);
      await server.kinesis.whenIdle();
      failPuts = false;
      const after = await status(server.url);
      assert.equal(after.swallowedErrors?.kinesis, kinesisBefore + 1);
      assert.equal(after.streams.find((s) => s.name === name)?.status, 'ACTIVE');
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
