/**
 * Embedded log throughput: appends/s and MB/s with 4 logs and several
 * concurrent appenders, fsync always vs never, 100 B and 1 KiB records, in
 * PutRecords-sized batches (500) and single-record appends (PutRecord); then
 * read-back records/s. Writes its section of docs/benchmarks.md.
 *
 * Also times open() (recovery) of a data dir with and without .idx files.
 *
 *   node --import tsx bench/storage/append.ts [--runs 3] [--seconds 2] [--recovery-mib 256] [--no-write]
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage } from '../../src/storage/index.ts';
import type { AppendRecord, FsyncMode, ShardLog } from '../../src/storage/index.ts';
import type { FileLike, FsLayer } from '../../src/storage/file/fs-layer.ts';
import { nodeFs } from '../../src/storage/file/fs-layer.ts';
import { crc32, crc32Implementation } from '../../src/storage/file/crc32.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const args = process.argv.slice(2);
const argNum = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RUNS = argNum('runs', 3);
const SECONDS = argNum('seconds', 2);
const LOGS = 4;

/** Counts fsyncs so the report can show how many appends shared one. */
class CountingFs implements FsLayer {
  syncs = 0;
  writes = 0;
  async open(path: string, flags: string | number): Promise<FileLike> {
    const f = await nodeFs.open(path, flags);
    return {
      writev: (b, p) => {
        this.writes++;
        return f.writev(b, p);
      },
      read: (b, o, l, p) => f.read(b, o, l, p),
      datasync: () => {
        this.syncs++;
        return f.datasync();
      },
      truncate: (l) => f.truncate(l),
      stat: () => f.stat(),
      close: () => f.close(),
    };
  }
}

interface Case {
  name: string;
  recordBytes: number;
  batch: number;
  appendersPerLog: number;
  fsync: FsyncMode;
}

interface RunResult {
  appendsPerSec: number;
  mbPerSec: number;
  recordsPerSync: number;
  readPerSec: number;
  readMbPerSec: number;
  readNoCrcPerSec: number;
  records: number;
}

function makeBatch(recordBytes: number, n: number): AppendRecord[] {
  const out: AppendRecord[] = [];
  for (let i = 0; i < n; i++) {
    const data = Buffer.alloc(recordBytes);
    for (let j = 0; j < recordBytes; j++) data[j] = (i * 31 + j) & 0xff;
    out.push({ key: `partition-key-${i % 97}`, data, timestampMs: Date.now() });
  }
  return out;
}

async function runCase(c: Case): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'freshet-bench-'));
  const fs = new CountingFs();
  const storage = new FileStorage({ dataDir: dir, fsync: c.fsync, fs });
  await storage.open();
  try {
    const logs: ShardLog[] = [];
    for (let l = 0; l < LOGS; l++) logs.push(await storage.createLog(`bench/shard-${l}`));
    const batch = makeBatch(c.recordBytes, c.batch);
    let records = 0;
    const deadline = performance.now() + SECONDS * 1000;
    const appender = async (log: ShardLog): Promise<void> => {
      while (performance.now() < deadline) {
        await log.append(batch).durable;
        records += batch.length;
      }
    };
    const t0 = performance.now();
    const work: Array<Promise<void>> = [];
    for (const log of logs) for (let a = 0; a < c.appendersPerLog; a++) work.push(appender(log));
    await Promise.all(work);
    const writeSec = (performance.now() - t0) / 1000;

    await storage.close();

    // Read everything back as GetRecords would (10,000 records / 10 MiB per
    // call), once checking every record's CRC (the default) and once not.
    const readBack = async (verifyReads: boolean): Promise<number> => {
      const s = new FileStorage({ dataDir: dir, fsync: c.fsync, verifyReads });
      await s.open();
      try {
        const r0 = performance.now();
        let read = 0;
        for (let l = 0; l < LOGS; l++) {
          const log = s.getLog(`bench/shard-${l}`)!;
          let next = 0;
          for (;;) {
            const r = await log.read(next, { maxRecords: 10_000, maxBytes: 10 * 1024 * 1024 });
            if (r.records.length === 0) break;
            read += r.records.length;
            next = r.nextOffset;
          }
        }
        if (read !== records) throw new Error(`read back ${read} of ${records} records`);
        return read / ((performance.now() - r0) / 1000);
      } finally {
        await s.close();
      }
    };
    // First pass of each warms the JIT (and the page cache); the second is measured.
    await readBack(true);
    await readBack(false);
    const readPerSec = await readBack(true);
    const readNoCrcPerSec = await readBack(false);
    return {
      appendsPerSec: records / writeSec,
      mbPerSec: (records * c.recordBytes) / writeSec / 1e6,
      // fsync always writes through O_DSYNC by default: every writev is a sync.
      recordsPerSync: c.fsync.kind === 'always' ? records / (fs.syncs + fs.writes) : NaN,
      readPerSec,
      readMbPerSec: (readPerSec * c.recordBytes) / 1e6,
      readNoCrcPerSec,
      records,
    };
  } finally {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const always: FsyncMode = { kind: 'always' };
const never: FsyncMode = { kind: 'never' };
const cases: Case[] = [
  { name: '1 KiB × 500/batch, fsync always', recordBytes: 1024, batch: 500, appendersPerLog: 2, fsync: always },
  { name: '1 KiB × 500/batch, fsync never', recordBytes: 1024, batch: 500, appendersPerLog: 2, fsync: never },
  { name: '100 B × 500/batch, fsync always', recordBytes: 100, batch: 500, appendersPerLog: 2, fsync: always },
  { name: '100 B × 500/batch, fsync never', recordBytes: 100, batch: 500, appendersPerLog: 2, fsync: never },
  { name: '1 KiB × 1/append, 16 appenders/log, fsync always', recordBytes: 1024, batch: 1, appendersPerLog: 16, fsync: always },
  { name: '100 B × 1/append, 16 appenders/log, fsync always', recordBytes: 100, batch: 1, appendersPerLog: 16, fsync: always },
];

const loadBefore = loadavg()[0]!;
const rows: string[] = [];
for (const c of cases) {
  const results: RunResult[] = [];
  for (let r = 0; r < RUNS; r++) results.push(await runCase(c));
  const m = (f: (x: RunResult) => number): number => median(results.map(f));
  const row = `| ${c.name} | ${Math.round(m((x) => x.appendsPerSec)).toLocaleString('en-US')} | ${m((x) => x.mbPerSec).toFixed(1)} | ${Number.isNaN(m((x) => x.recordsPerSync)) ? '–' : Math.round(m((x) => x.recordsPerSync)).toLocaleString('en-US')} | ${Math.round(m((x) => x.readPerSec)).toLocaleString('en-US')} | ${m((x) => x.readMbPerSec).toFixed(1)} | ${Math.round(m((x) => x.readNoCrcPerSec)).toLocaleString('en-US')} |`;
  console.log(row);
  rows.push(row);
}

// CPU cost of append alone: framing, CRC, index, group bookkeeping — with a
// file layer whose writes and fsyncs complete at once (no syscalls).
class NoWriteFs implements FsLayer {
  async open(path: string, flags: string | number): Promise<FileLike> {
    const f = await nodeFs.open(path, flags);
    return {
      writev: async (b) => ({ bytesWritten: b.reduce((n, x) => n + x.length, 0) }),
      read: (b, o, l, p) => f.read(b, o, l, p),
      datasync: async () => {},
      truncate: (l) => f.truncate(l),
      stat: () => f.stat(),
      close: () => f.close(),
    };
  }
}
async function appendCpuMicros(recordBytes: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'freshet-bench-cpu-'));
  const s = new FileStorage({ dataDir: dir, fsync: always, fs: new NoWriteFs() });
  await s.open();
  try {
    const log = await s.createLog('cpu');
    const batch = makeBatch(recordBytes, 500);
    let n = 0;
    const t = performance.now();
    while (performance.now() - t < 1000) {
      for (let k = 0; k < 10; k++) log.append(batch);
      n += 5000;
      await s.flush();
    }
    return ((performance.now() - t) * 1000) / n;
  } finally {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
}
const cpu: Record<number, number[]> = { 100: [], 1024: [] };
for (let r = 0; r < RUNS; r++) for (const b of [100, 1024]) cpu[b]!.push(await appendCpuMicros(b));
function crcMicrosPerKiB(): number {
  const big = Buffer.alloc(1 << 20, 7);
  let n = 0;
  let x = 0;
  const t = performance.now();
  while (performance.now() - t < 300) {
    for (let p = 0; p + 1050 <= big.length; p += 1050) {
      x ^= crc32(big, p + 8, p + 1050);
      n++;
    }
  }
  if (x === 0.5) console.log(x); // keep the loop observable
  return ((performance.now() - t) * 1000) / n;
}
const crcUs = median([crcMicrosPerKiB(), crcMicrosPerKiB(), crcMicrosPerKiB()]);
const cpuLine = `Append CPU alone (framing, CRC, index and commit bookkeeping; writes and fsyncs made free by a no-op file layer), one core: **${median(cpu[100]!).toFixed(2)} µs per 100 B record**, **${median(cpu[1024]!).toFixed(2)} µs per 1 KiB record**, of which the frame CRC (${crc32Implementation} CRC-32) is ${crcUs.toFixed(2)} µs.`;
console.log(cpuLine);

// Recovery: open() time of a data dir holding RECOVERY_MIB, with and without .idx files.
const RECOVERY_MIB = argNum('recovery-mib', 256);
async function recoveryTimes(): Promise<{ withIdxMs: number; scanMs: number; segments: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'freshet-bench-recovery-'));
  try {
    const opts = { dataDir: dir, fsync: never, segmentMaxBytes: 16 * 1024 * 1024 };
    let s = new FileStorage(opts);
    await s.open();
    const batch = makeBatch(1024, 500);
    const batchBytes = 500 * 1024;
    for (let l = 0; l < LOGS; l++) {
      const log = await s.createLog(`bench/shard-${l}`);
      for (let b = 0; b < (RECOVERY_MIB * 1024 * 1024) / LOGS / batchBytes; b++) log.append(batch);
    }
    await s.flush();
    await s.close();
    const files = (await readdir(join(dir, 'logs'), { recursive: true })) as string[];
    const segments = files.filter((f) => f.endsWith('.seg')).length;
    let t = performance.now();
    s = new FileStorage(opts);
    await s.open();
    const withIdxMs = performance.now() - t;
    await s.close();
    for (const f of files) if (f.endsWith('.idx')) await rm(join(dir, 'logs', f));
    t = performance.now();
    s = new FileStorage(opts);
    await s.open();
    const scanMs = performance.now() - t;
    await s.close();
    return { withIdxMs, scanMs, segments };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const rec: Array<{ withIdxMs: number; scanMs: number; segments: number }> = [];
for (let r = 0; r < RUNS; r++) rec.push(await recoveryTimes());
const recoveryLine = `Recovery: \`open()\` of a data dir holding ${RECOVERY_MIB} MiB of 1 KiB records in ${LOGS} logs (${rec[0]!.segments} segments of 16 MiB, page cache warm): **${median(rec.map((x) => x.withIdxMs)).toFixed(0)} ms** with the sealed segments' \`.idx\` files (only active segments scanned), **${median(rec.map((x) => x.scanMs)).toFixed(0)} ms** with the \`.idx\` files deleted (every segment scanned, every CRC checked).`;
console.log(recoveryLine);

const md = `
Command: \`node --import tsx bench/storage/append.ts --runs ${RUNS} --seconds ${SECONDS} --recovery-mib ${RECOVERY_MIB}\`

Machine: ${machineLine()}; data dir on the OS temp dir (${tmpdir()}). 1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (the machine is shared; other work on it lowers these figures).

FileStorage directly (no HTTP), ${LOGS} logs, each case run ${RUNS}× for ${SECONDS} s of appends; medians. "Appenders" await each append's \`durable\` before the next, so with \`fsync always\` every acknowledged record was fdatasync'ed first. "Records per fsync" shows group commit at work: with \`fsync always\` segment files are opened with O_DSYNC, so each commit's writev per file is one sync (counted per file). Read-back reopens the storage (as after a restart) and reads all logs sequentially with 10,000-record / 10 MiB reads: first with the default \`verifyReads\` (the CRC of every record in sealed segments is checked on this first read; the active segment was checked by the recovery scan), then with \`verifyReads: false\` — each measured after a warm-up pass on its own fresh open. Reads of data the same process wrote skip the check, so a running server's consumers get the second figure.

| Case | appends/s | MB/s | records per fsync | read-back records/s | read-back MB/s | read-back records/s, CRC check off |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

${cpuLine}

${recoveryLine}
`;
if (args.includes('--no-write')) console.log(md);
else {
  writeSection('storage', 'Storage: embedded log (append and read-back)', md);
  console.log('wrote the storage section of docs/benchmarks.md');
}
