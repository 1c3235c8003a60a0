/**
 * examples/s5-card-payments end to end, in-process on a ManualClock: `applyUp` creates the stream, the
 * external schema and the AUTO REFRESH view (through the Postgres endpoint), the card-payments generator
 * writes two minutes of payments, and the example's query (top terminals by amount per minute) returns
 * exactly what the records read back from the stream say. `diff` is then empty and `down` drops the view.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import { applyDown, applyUp, createClients, loadPipeline, planUp, readStream, startPipelineGenerators } from '../../src/pipeline/index.ts';
import type { ReadRecord } from '../../src/pipeline/index.ts';
import { ROOT } from '../cli/run-cli.ts';

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('examples/s5-card-payments', () => {
  it('finds the top terminals by amount per minute from a streaming view, as the stream holds them', async () => {
    const clock = new ManualClock(Date.UTC(2024, 3, 1, 10, 0, 0));
    const server = await startServer({
      port: 0,
      storage: 'memory',
      clock,
      pg: { port: 0, views: { autoRefreshIntervalMs: 10_000, onError: () => undefined } },
    });
    const clients = createClients({ endpoint: server.url });
    const stateDir = mkdtempSync(join(tmpdir(), 'freshet-s5-'));
    const loaded = loadPipeline(join(ROOT, 'examples', 's5-card-payments', 'freshet.yaml'));
    const pgUrl = `postgres://analyst@127.0.0.1:${server.pg!.port}/dev`;
    loaded.spec.views!.postgres = pgUrl;
    const pump = setInterval(() => clock.advance(100), 5);
    const c = new pg.Client({ connectionString: pgUrl });
    try {
      const log: string[] = [];
      try {
        await applyUp(loaded, clients, { waitTimeoutMs: 30_000, stateDir, log: (l) => log.push(l) });
      } finally {
        clearInterval(pump);
      }
      assert.deepEqual(log, [
        '+ stream s5-card-payments (create)\n    2 shards\n    retention 24 h',
        "+ external-schema kds (create)\n    FROM KINESIS IAM_ROLE 'arn:aws:iam::000000000000:role/redshift-streaming-role'",
        '+ materialized-view card_transactions (create)',
      ]);
      const generators = startPipelineGenerators(loaded, clients.kinesis, { clock });
      const engine = await server.pg!.engine();
      for (let t = 0; t < 120_000; t += 2000) {
        clock.advance(2000);
        await Promise.all(generators.map((g) => g.flush()));
        await realSleep(2);
      }
      for (const g of generators) await g.stop();
      // AUTO REFRESH catches up on the clock.
      for (let i = 0; i < 4; i++) {
        clock.advance(5000);
        await realSleep(20);
        await engine.whenIdle();
      }

      const input: ReadRecord[] = [];
      await readStream({ client: clients.kinesis, streamName: 's5-card-payments', follow: false, idlePollMs: 5, onRecord: (r) => input.push(r) });
      assert.ok(input.length >= 5500, `${input.length} payments`);

      await c.connect();
      const count = await c.query('SELECT count(*)::int AS n FROM card_transactions');
      assert.equal(count.rows[0].n, input.length);
      const top = await c.query(readFileSync(join(ROOT, 'examples', 's5-card-payments', 'top-terminals.sql'), 'utf8'));
      // The same, from the records as read back from the stream.
      const groups = new Map<string, { minute: string; terminal: number; cents: number; n: number }>();
      for (const r of input) {
        const p = JSON.parse(Buffer.from(r.data).toString()) as { TX_DATETIME: string; TERMINAL_ID: number; TX_AMOUNT: number };
        const minute = `${p.TX_DATETIME.slice(0, 16)}:00`;
        const key = `${minute}|${p.TERMINAL_ID}`;
        const g = groups.get(key) ?? { minute, terminal: p.TERMINAL_ID, cents: 0, n: 0 };
        g.cents += Math.round(p.TX_AMOUNT * 100);
        g.n++;
        groups.set(key, g);
      }
      const byMinute = new Map<string, Array<{ minute: string; terminal: number; cents: number; n: number }>>();
      for (const g of groups.values()) byMinute.set(g.minute, [...(byMinute.get(g.minute) ?? []), g]);
      const expected: string[] = [];
      for (const minute of [...byMinute.keys()].sort()) {
        const list = byMinute.get(minute)!.sort((a, b) => b.cents - a.cents || a.terminal - b.terminal);
        // rank() <= 5: ties at the fifth place are all in.
        const fifth = list[Math.min(4, list.length - 1)]!.cents;
        for (const g of list) if (g.cents >= fifth) expected.push(`${minute} ${g.terminal} ${g.cents} ${g.n}`);
      }
      const pad = (n: number) => String(n).padStart(2, '0');
      const fmt = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:00`;
      assert.deepEqual(
        top.rows.map((r) => `${fmt(r.minute)} ${r.terminal_id} ${Math.round(Number(r.amount) * 100)} ${r.payments}`),
        expected,
      );
      assert.ok(top.rows.length >= 10);

      assert.deepEqual(
        (await planUp(loaded, clients, { stateDir })).filter((x) => x.action !== 'unchanged'),
        [],
        'up twice changes nothing the second time',
      );
      const pump2 = setInterval(() => clock.advance(100), 5);
      try {
        const down = await applyDown(loaded, clients, { waitTimeoutMs: 30_000, stateDir });
        assert.deepEqual(
          down.map((x) => `${x.action} ${x.resource} ${x.name}`),
          ['delete materialized-view card_transactions', 'delete external-schema kds', 'delete stream s5-card-payments'],
        );
      } finally {
        clearInterval(pump2);
      }
      await assert.rejects(c.query('SELECT 1 FROM card_transactions'), (e) => (e as { code: string }).code === '42P01');
    } finally {
      await c.end().catch(() => undefined);
      clients.destroy();
      await server.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
