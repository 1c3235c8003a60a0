import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTagsForStreamCommand } from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import {
  applyUp,
  createClients,
  generatorTagKey,
  loadPipeline,
  parseRunState,
  readStream,
  runPipelineGenerators,
  STALE_MS,
  type FreshetClients,
} from '../../src/pipeline/index.ts';

let server: FreshetServer;
let clients: FreshetClients;
before(async () => {
  server = await startServer({ port: 0, storage: 'memory' });
  clients = createClients({ endpoint: server.url });
});
after(async () => {
  clients.destroy();
  await server.close();
});

async function tradeIds(stream: string): Promise<number[]> {
  const ids: number[] = [];
  await readStream({
    client: clients.kinesis,
    streamName: stream,
    from: { kind: 'trim-horizon' },
    follow: false,
    idlePollMs: 5,
    onRecord: (r) => ids.push((JSON.parse(Buffer.from(r.data).toString()) as { id: number }).id),
  });
  return ids.sort((a, b) => a - b);
}

function pipeline(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-genstate-'));
  writeFileSync(
    join(dir, 'freshet.yaml'),
    `name: ${name}\nstreams:\n  - name: ${name}-trades\ngenerators:\n  - { kind: trades, stream: ${name}-trades, every: 1s, batch: 5 }\n`,
  );
  return loadPipeline(join(dir, 'freshet.yaml'));
}

describe('pipeline generators that know they are running', () => {
  it('continues the id sequence after a restart instead of starting again from 1', async () => {
    const loaded = pipeline(`gs${process.pid}a`);
    await applyUp(loaded, clients, { stateDir: join(loaded.dir, '.freshet') });
    const clock = new ManualClock();
    const first = await runPipelineGenerators(loaded, clients.kinesis, { clock, owner: 'first@test' });
    clock.advance(1000);
    await first.running[0]!.flush();
    await first.running[0]!.stop();
    const second = await runPipelineGenerators(loaded, clients.kinesis, { clock, owner: 'second@test' });
    assert.equal(second.alreadyRunning.length, 0);
    clock.advance(1000);
    await second.running[0]!.flush();
    await second.running[0]!.stop();
    const ids = await tradeIds(`${loaded.spec.name}-trades`);
    assert.deepEqual(
      ids,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('does not start a second copy while another process runs it, and takes over once that one is stale', async () => {
    const loaded = pipeline(`gs${process.pid}b`);
    await applyUp(loaded, clients, { stateDir: join(loaded.dir, '.freshet') });
    const clock = new ManualClock();
    const first = await runPipelineGenerators(loaded, clients.kinesis, { clock, owner: 'demo@test' });
    assert.equal(first.running.length, 1);
    const second = await runPipelineGenerators(loaded, clients.kinesis, { clock, owner: 'up@test' });
    assert.deepEqual(second.running, []);
    assert.deepEqual(second.alreadyRunning, [{ label: `trades → ${loaded.spec.name}-trades`, owner: 'demo@test' }]);

    // The first owner dies without a clean stop (kill -9): its claim reserved ids ahead, so a takeover after
    // STALE_MS continues past every id it may have written.
    await first.running[0]!.flush();
    const tags = await clients.kinesis.send(new ListTagsForStreamCommand({ StreamName: `${loaded.spec.name}-trades`, Limit: 50 }));
    const state = parseRunState(tags.Tags?.find((t) => t.Key === generatorTagKey(loaded.spec.name, 0))?.Value);
    assert.equal(state?.owner, 'demo@test');
    assert.ok(state!.next >= 5, `next ${state?.next}`);
    const takeoverClock = new ManualClock(clock.now() + STALE_MS);
    const third = await runPipelineGenerators(loaded, clients.kinesis, { clock: takeoverClock, owner: 'up@test' });
    assert.equal(third.running.length, 1);
    await third.running[0]!.flush();
    await third.running[0]!.stop();
    await first.running[0]!.stop();
    const ids = await tradeIds(`${loaded.spec.name}-trades`);
    assert.equal(new Set(ids).size, ids.length, `repeated ids: ${ids.join(',')}`);
  });
});
