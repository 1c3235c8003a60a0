import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FileStorage } from '../../src/storage/index.ts';
import { tempDir } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

interface Ack {
  log: number;
  firstOffset: number;
  count: number;
  tag: string;
}

/** Runs the writer until it has acknowledged `minAcks` batches, then SIGKILLs it. */
async function runAndKill(dataDir: string, runId: string, minAcks: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, runId], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acks: Ack[] = [];
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 60_000); // a safety net only: the kill normally comes after minAcks acknowledgements (a loaded machine starts the writer slowly)
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^ack (\d+) (\d+) (\d+) (\S+)$/.exec(line);
        if (m) acks.push({ log: Number(m[1]), firstOffset: Number(m[2]), count: Number(m[3]), tag: m[4]! });
      }
      if (acks.length >= minAcks) {
        clearTimeout(timer);
        child.kill('SIGKILL'); // mid-load: appenders are still writing
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited early: ${code ?? signal}`));
    });
  });
  await exited;
  return acks;
}

describe('FileStorage crash safety', () => {
  it('after SIGKILL mid-load, every acknowledged record is readable, in order, once (5 runs)', async (t) => {
    const { dir, remove } = await tempDir('freshet-crash-');
    try {
      const allAcks: Ack[] = [];
      for (let run = 0; run < 5; run++) {
        const acks = await runAndKill(dir, `r${run}`, 300 + run * 250);
        assert.ok(acks.length >= 300, `run ${run}: writer acknowledged ${acks.length} batches before the kill`);
        allAcks.push(...acks);

        const storage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, segmentMaxBytes: 64 * 1024 });
        await storage.open();
        try {
          t.diagnostic(`run ${run}: ${acks.length} acks, recovery: ${JSON.stringify(storage.recovery.map((n) => n.truncatedBytes))}`);
          for (let l = 0; l < 3; l++) {
            const log = storage.getLog(`crash/shard-${l}`)!;
            assert.ok(log, `log ${l} exists`);
            // Read everything: dense offsets from 0, each (tag, i) exactly once.
            const byOffset: string[] = [];
            const seen = new Set<string>();
            let next = 0;
            for (;;) {
              const r = await log.read(next, { maxRecords: 5000, maxBytes: 8 << 20 });
              if (r.records.length === 0) break;
              for (const rec of r.records) {
                assert.equal(rec.offset, byOffset.length, 'no gaps, in order');
                const id = Buffer.from(rec.data).toString().split(':').slice(0, 2).join(':');
                assert.ok(!seen.has(id), `record ${id} appears once`);
                seen.add(id);
                byOffset.push(id);
              }
              next = r.nextOffset;
            }
            assert.equal(byOffset.length, log.endOffset);
            for (const a of allAcks) {
              if (a.log !== l) continue;
              for (let i = 0; i < a.count; i++) {
                assert.equal(byOffset[a.firstOffset + i], `${a.tag}:${i}`, `acknowledged record ${a.tag}:${i} at offset ${a.firstOffset + i}`);
              }
            }
          }
        } finally {
          await storage.close();
        }
      }
    } finally {
      await remove();
    }
  });
});
