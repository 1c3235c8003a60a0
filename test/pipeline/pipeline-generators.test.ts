import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import { applyDown, applyUp, createClients, loadPipeline, readStream, startPipelineGenerators, type FreshetClients } from '../../src/pipeline/index.ts';

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

describe('pipeline generators', () => {
  it('runs a file’s generators (a kind on a schedule and a replay) on an injected clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-pgen-'));
    writeFileSync(
      join(dir, 'series.jsonl'),
      [
        '{"timestamp":"2014-04-01T00:00:00Z","value":1}',
        '{"timestamp":"2014-04-01T01:00:00Z","value":2}',
        '{"timestamp":"2014-04-01T02:00:00Z","value":3}',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'freshet.yaml'),
      `name: pgen
streams:
  - name: pgen-crypto
  - name: pgen-series
generators:
  - { kind: crypto, stream: pgen-crypto, every: 1s, batch: 7, count: 21, seed: 3 }
  - { kind: replay, stream: pgen-series, file: series.jsonl, speedup: 3600, timeField: timestamp }
`,
    );
    const loaded = loadPipeline(join(dir, 'freshet.yaml'));
    await applyUp(loaded, clients);
    const clock = new ManualClock();
    const running = startPipelineGenerators(loaded, clients.kinesis, { clock });
    assert.deepEqual(
      running.map((r) => r.label),
      ['crypto → pgen-crypto', 'replay → pgen-series'],
    );
    await Promise.all(running.map((r) => r.flush()));
    assert.equal(running[0]!.stats.generated, 7);
    assert.equal(running[1]!.stats.generated, 1);
    clock.advance(1000);
    assert.equal(running[0]!.stats.generated, 14);
    assert.equal(running[1]!.stats.generated, 2);
    clock.advance(1000);
    const [crypto, series] = await Promise.all(running.map((r) => r.done));
    assert.equal(crypto!.sent, 21);
    assert.equal(series!.sent, 3);

    const read = async (stream: string) => {
      const out: string[] = [];
      await readStream({
        client: clients.kinesis,
        streamName: stream,
        follow: false,
        idlePollMs: 5,
        onRecord: (r) => out.push(Buffer.from(r.data).toString()),
      });
      return out;
    };
    const prices = (await read('pgen-crypto')).map((s) => JSON.parse(s) as { ticker: string; price: number });
    assert.equal(prices.length, 21);
    assert.ok(prices.every((p) => ['BTC', 'ETH', 'BNB', 'XRP', 'DOGE'].includes(p.ticker) && p.price >= 0 && p.price <= 100));
    assert.deepEqual(
      (await read('pgen-series')).map((s) => (JSON.parse(s) as { value: number }).value),
      [1, 2, 3],
    );
    await applyDown(loaded, clients);
  });
});
