/**
 * Where Freshet's time goes: CPU-profiles `freshet server --fsync always`
 * separately for the PutRecords phase and the GetRecords read-back (a second
 * server process on the same data dir), and prints a summary of each.
 *
 *   node --import tsx bench/kinesis/profile.ts [--size 1024] [--records 150000] [--out /tmp/freshet-prof]
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freshet, startPeer } from './peers.ts';
import { KinesisWire } from './wire.ts';
import { buildBodies, createStream, pageBody, readShard, setStreamName, STREAM_NAME_LENGTH } from './workload.ts';
import type { Page } from './workload.ts';
import { summariseProfile } from './profile-summary.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1024' },
    records: { type: 'string', default: '150000' },
    out: { type: 'string', default: join(tmpdir(), 'freshet-prof') },
  },
});
const size = Number(values.size);
const records = Number(values.records);
const out = resolve(values.out!);
const CONCURRENCY = 8;
const PER_REQUEST = 500;
rmSync(out, { recursive: true, force: true });
const dataDir = mkdtempSync(join(tmpdir(), 'freshet-prof-data-'));
const stream = 'profile-'.padEnd(STREAM_NAME_LENGTH, 'x');
const shards: string[] = [];

/** Waits until the server stops burning CPU after start-up (it keeps loading modules for a while after it listens). */
async function settle(peer: { cpuMs(): number }): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const before = peer.cpuMs();
    await new Promise((r) => setTimeout(r, 500));
    if (peer.cpuMs() - before < 25) return;
  }
}

try {
  const bodies = buildBodies(size, PER_REQUEST, Math.ceil(records / PER_REQUEST));
  {
    mkdirSync(join(out, 'write'), { recursive: true });
    const peer = await startPeer(freshet('always', ['--cpu-prof', '--cpu-prof-dir', join(out, 'write')], dataDir));
    const wire = new KinesisWire(peer.port, CONCURRENCY);
    shards.push(...(await createStream(wire, stream, 4)));
    setStreamName(bodies, stream);
    await settle(peer);
    let next = 0;
    const cpu0 = peer.cpuMs();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < bodies.bodies.length; i = next++) {
          const res = await wire.send('PutRecords', bodies.bodies[i]!);
          if (res.status !== 200) throw new Error(`PutRecords: HTTP ${res.status} ${res.body.toString('utf8', 0, 200)}`);
        }
      }),
    );
    const ms = performance.now() - t0;
    const n = bodies.bodies.length * PER_REQUEST;
    console.log(
      `write: ${n} × ${size} B records in ${ms.toFixed(0)} ms (${((n / ms) * 1000).toFixed(0)} rec/s), server ${(((peer.cpuMs() - cpu0) * 1000) / n).toFixed(2)} µs CPU/record`,
    );
    wire.close();
    await peer.stop();
  }
  {
    mkdirSync(join(out, 'read'), { recursive: true });
    const peer = await startPeer(freshet('always', ['--cpu-prof', '--cpu-prof-dir', join(out, 'read')], dataDir));
    const wire = new KinesisWire(peer.port, 4);
    await settle(peer);
    const pages = shards.map((): Page[] => []);
    const cpu0 = peer.cpuMs();
    const t0 = performance.now();
    await Promise.all(shards.map((id, s) => readShard(wire, stream, id, pages[s]!, Date.now() + 300_000)));
    const ms = performance.now() - t0;
    let n = 0;
    for (const list of pages) for (const page of list) n += (JSON.parse(pageBody(page).toString('utf8')) as { Records: unknown[] }).Records.length;
    console.log(
      `read-back: ${n} records in ${ms.toFixed(0)} ms (${((n / ms) * 1000).toFixed(0)} rec/s), server ${(((peer.cpuMs() - cpu0) * 1000) / n).toFixed(2)} µs CPU/record`,
    );
    wire.close();
    await peer.stop();
  }
  for (const phase of ['write', 'read']) {
    for (const f of readdirSync(join(out, phase)).filter((f) => f.endsWith('.cpuprofile'))) {
      const summary = summariseProfile(join(out, phase, f));
      // The tsx loader thread writes its own (near idle) profile; only the main thread's is worth printing.
      if (!summary.includes('src/kinesis')) continue;
      console.log(`\n== ${phase} phase: ${join(out, phase, f)}\n${summary}`);
    }
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
