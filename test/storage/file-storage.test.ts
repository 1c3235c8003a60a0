import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { constants as fsConstants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock, swallowedErrors } from '../../src/core/index.ts';
import { FileStorage, StorageError } from '../../src/storage/index.ts';
import type { FileStorageOptions, ShardLog } from '../../src/storage/index.ts';
import { FaultyFs, tempDir } from './helpers.ts';
import { rec, text } from './log-suite.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function openStorage(opts: Partial<FileStorageOptions> & { dataDir?: string } = {}): Promise<{ storage: FileStorage; dir: string; clock: ManualClock }> {
  let dir = opts.dataDir;
  if (!dir) {
    const t = await tempDir();
    dir = t.dir;
    cleanups.unshift(t.remove);
  }
  const clock = (opts.clock as ManualClock | undefined) ?? new ManualClock();
  const storage = new FileStorage({ fsync: { kind: 'always' }, ...opts, dataDir: dir, clock });
  await storage.open();
  cleanups.push(() => storage.close());
  return { storage, dir, clock };
}

async function readTexts(log: ShardLog, from = 0): Promise<string[]> {
  const out: string[] = [];
  let next = from;
  for (;;) {
    const r = await log.read(next, { maxRecords: 10_000, maxBytes: 1 << 24 });
    if (r.records.length === 0) return out;
    for (const x of r.records) out.push(text(x.data));
    next = r.nextOffset;
  }
}

function logDir(dir: string, id: string): string {
  return join(dir, 'logs', encodeURIComponent(id));
}

async function segmentFiles(dir: string, id: string): Promise<string[]> {
  return (await readdir(logDir(dir, id))).filter((f) => f.endsWith('.seg')).sort();
}

describe('FileStorage recovery', () => {
  it('truncates a torn tail (partial frame plus garbage) and keeps every complete record', async () => {
    const { storage, dir } = await openStorage();
    const log = await storage.createLog('s/shard-0');
    await log.append([rec('a', 'one', 1), rec('b', 'two', 2), rec('c', 'three', 3)]).durable;
    await storage.close();
    const [seg] = await segmentFiles(dir, 's/shard-0');
    const path = join(logDir(dir, 's/shard-0'), seg!);
    const good = (await stat(path)).size;
    // A torn write: the start of a frame header claiming 500 bytes, then noise.
    const torn = Buffer.alloc(40, 0xab);
    torn.writeUInt32LE(500, 0);
    await appendFile(path, torn);

    const { storage: s2 } = await openStorage({ dataDir: dir });
    assert.equal(s2.recovery.length, 1);
    assert.equal(s2.recovery[0]!.truncatedBytes, 40);
    assert.match(s2.recovery[0]!.reason, /incomplete frame|corrupt/);
    assert.equal((await stat(path)).size, good, 'the file is cut back to the last whole frame');
    const l2 = s2.getLog('s/shard-0')!;
    assert.equal(l2.endOffset, 3);
    assert.deepEqual(await readTexts(l2), ['one', 'two', 'three']);
    const r = l2.append([rec('d', 'four', 4)]);
    assert.equal(r.firstOffset, 3, 'offsets continue after the last good record');
    await r.durable;
    await s2.close();
    const { storage: s3 } = await openStorage({ dataDir: dir });
    assert.deepEqual(s3.recovery, [], 'a clean reopen repairs nothing');
    assert.deepEqual(await readTexts(s3.getLog('s/shard-0')!), ['one', 'two', 'three', 'four']);
  });

  it('drops a last record whose CRC does not match', async () => {
    const { storage, dir } = await openStorage();
    const log = await storage.createLog('crc');
    await log.append([rec('a', 'first-record', 1)]).durable;
    await log.append([rec('b', 'second-record', 2)]).durable;
    await storage.close();
    const path = join(logDir(dir, 'crc'), (await segmentFiles(dir, 'crc'))[0]!);
    const bytes = await readFile(path);
    bytes[bytes.length - 3]! ^= 0x01; // one bit of the last record's data
    await writeFile(path, bytes);
    const { storage: s2 } = await openStorage({ dataDir: dir });
    assert.match(s2.recovery[0]!.reason, /corrupt frame/);
    const l2 = s2.getLog('crc')!;
    assert.equal(l2.endOffset, 1);
    assert.deepEqual(await readTexts(l2), ['first-record']);
  });

  it('writes .idx files for sealed segments and opens from them without scanning', async () => {
    const { storage, dir } = await openStorage({ segmentMaxBytes: 200 });
    const log = await storage.createLog('indexed');
    for (let i = 0; i < 12; i++) await log.append([rec('k', `record-${i}-${'x'.repeat(40)}`, 1000 + i)]).durable;
    await storage.close();
    const segs = await segmentFiles(dir, 'indexed');
    const idx = (await readdir(logDir(dir, 'indexed'))).filter((f) => f.endsWith('.idx')).sort();
    assert.deepEqual(
      idx,
      segs.slice(0, -1).map((f) => f.replace('.seg', '.idx')),
      'every sealed segment has an index, the active one none',
    );
    // Damage a sealed segment: the intact .idx is trusted at open (no scan), and the CRC check on read reports it.
    const first = join(logDir(dir, 'indexed'), segs[0]!);
    const bytes = await readFile(first);
    bytes[bytes.readUInt32LE(0) + 30]! ^= 0xff;
    await writeFile(first, bytes);
    const { storage: s2 } = await openStorage({ dataDir: dir, segmentMaxBytes: 200 });
    assert.deepEqual(s2.recovery, []);
    const l2 = s2.getLog('indexed')!;
    assert.equal(l2.startOffset, 0);
    assert.equal(l2.endOffset, 12);
    assert.equal(await l2.offsetForTimestamp(1005), 5, 'timestamps come from the loaded index');
    const corrupt = (e: unknown) => e instanceof StorageError && e.code === 'CORRUPT';
    await assert.rejects(readTexts(l2), corrupt);
    await assert.rejects(l2.read(1, { maxRecords: 1, maxBytes: 1 << 20 }), corrupt, 'a damaged record never counts as checked');
    const head = await l2.read(0, { maxRecords: 1, maxBytes: 1 << 20 });
    assert.equal(text(head.records[0]!.data), `record-0-${'x'.repeat(40)}`, 'the good record before it reads');
    assert.deepEqual((await l2.read(4, { maxRecords: 100, maxBytes: 1 << 20 })).records.length, 8, 'records past the damage still read');
  });

  it('scans a sealed segment without a usable .idx, keeps later segments when it is damaged, and skips the lost range', async () => {
    const { storage, dir } = await openStorage({ segmentMaxBytes: 200 });
    const log = await storage.createLog('damaged');
    for (let i = 0; i < 12; i++) await log.append([rec('k', `record-${i}-${'x'.repeat(40)}`, i)]).durable;
    const files = await segmentFiles(dir, 'damaged');
    assert.ok(files.length >= 4, `several segments (${files.length})`);
    await storage.close();
    // Damage the second record of the first segment, and its index file.
    const first = join(logDir(dir, 'damaged'), files[0]!);
    const bytes = await readFile(first);
    const len0 = bytes.readUInt32LE(0);
    bytes[len0 + 30]! ^= 0xff;
    await writeFile(first, bytes);
    await writeFile(first.replace('.seg', '.idx'), 'not an index');
    const { storage: s2 } = await openStorage({ dataDir: dir, segmentMaxBytes: 200 });
    assert.equal(s2.recovery.length, 1);
    assert.equal(s2.recovery[0]!.file, first);
    const l2 = s2.getLog('damaged')!;
    assert.equal(l2.endOffset, 12);
    const texts = await readTexts(l2);
    assert.equal(texts[0], `record-0-${'x'.repeat(40)}`);
    assert.equal(texts.at(-1), `record-11-${'x'.repeat(40)}`);
    assert.ok(texts.length < 12 && texts.length >= 12 - 3, `only the damaged segment's tail is lost (${texts.length} left)`);
  });

  it('discards a log whose creation or deletion was interrupted', async () => {
    const { storage, dir } = await openStorage();
    await storage.createLog('kept');
    await storage.close();
    // A createLog interrupted before its marker, and a delete interrupted after its rename.
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'logs', 'half-created'));
    await writeFile(join(dir, 'logs', 'half-created', '00000000000000000000.seg'), 'junk');
    await mkdir(join(dir, 'logs', '%deleted-1-1'));
    await mkdir(join(dir, 'logs', 'torn-marker'));
    await writeFile(join(dir, 'logs', 'torn-marker', 'LOG'), '{"form');
    const { storage: s2 } = await openStorage({ dataDir: dir });
    assert.deepEqual(s2.listLogs(), ['kept']);
    assert.deepEqual((await readdir(join(dir, 'logs'))).sort(), ['kept']);
  });

  it('refuses to open a log written in an unknown on-disk format', async () => {
    const { storage, dir } = await openStorage();
    await storage.createLog('future');
    await storage.close();
    await writeFile(join(logDir(dir, 'future'), 'LOG'), JSON.stringify({ format: 2, id: 'future' }));
    const s2 = new FileStorage({ dataDir: dir, fsync: { kind: 'always' } });
    await assert.rejects(s2.open(), (e: unknown) => e instanceof StorageError && e.code === 'CORRUPT' && /format 2/.test(e.message));
    // The failed open released its lock: a retry fails for the same reason, not LOCKED.
    await assert.rejects(
      new FileStorage({ dataDir: dir, fsync: { kind: 'always' } }).open(),
      (e: unknown) => e instanceof StorageError && e.code === 'CORRUPT',
    );
  });

  it('truncates a torn metadata journal tail and keeps earlier entries', async () => {
    const { storage, dir } = await openStorage();
    await storage.meta.put('a', { n: 1 });
    await storage.meta.put('b', { n: 2 });
    await storage.meta.delete('a');
    await storage.close();
    await appendFile(join(dir, 'meta', 'journal'), Buffer.from([0x30, 0, 0, 0, 1, 2, 3]));
    const { storage: s2 } = await openStorage({ dataDir: dir });
    assert.equal(s2.recovery[0]!.log, '(meta)');
    assert.equal(s2.meta.get('a'), undefined);
    assert.deepEqual(s2.meta.get('b'), { n: 2 });
  });

  it('compacts the metadata journal into a snapshot and reloads it', async () => {
    const { storage, dir } = await openStorage();
    const blob = 'v'.repeat(20_000);
    for (let i = 0; i < 120; i++) await storage.meta.put(`ckpt/${i % 10}`, { i, blob });
    const journal = (await stat(join(dir, 'meta', 'journal'))).size;
    assert.ok(existsSync(join(dir, 'meta', 'snapshot')), 'a snapshot was written');
    assert.ok(journal < 1024 * 1024 + 30_000, `journal stays bounded (${journal} bytes)`);
    await storage.close();
    const { storage: s2 } = await openStorage({ dataDir: dir });
    assert.deepEqual(s2.meta.keys('ckpt/').length, 10);
    assert.equal(s2.meta.get<{ i: number }>('ckpt/9')!.i, 119);
  });
});

describe('FileStorage lock', () => {
  it('refuses a second open of the same dir in this process with LOCKED', async () => {
    const { dir } = await openStorage();
    const second = new FileStorage({ dataDir: dir, fsync: { kind: 'always' } });
    await assert.rejects(
      second.open(),
      (e: unknown) => e instanceof StorageError && e.code === 'LOCKED' && e.message.includes(dir) && e.message.includes(String(process.pid)),
    );
  });

  it('refuses a dir held by another live process, naming the dir and its pid', async () => {
    const { dir, remove } = await tempDir();
    cleanups.unshift(remove);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
      import('${new URL('../../src/storage/index.ts', import.meta.url).href}').then(async ({ FileStorage }) => {
        const s = new FileStorage({ dataDir: ${JSON.stringify(dir)}, fsync: { kind: 'always' } });
        await s.open();
        process.stdout.write('open\\n');
        setInterval(() => {}, 1000);
      });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(async () => {
      child.kill('SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('open')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const s = new FileStorage({ dataDir: dir, fsync: { kind: 'always' } });
    await assert.rejects(s.open(), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.code, 'LOCKED');
      assert.ok(e.message.includes(dir), e.message);
      assert.ok(e.message.includes(`pid ${child.pid}`), e.message);
      return true;
    });
    // After the holder is killed (no cleanup ran), its stale lock is taken over.
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const { storage } = await openStorage({ dataDir: dir });
    assert.deepEqual(storage.listLogs(), []);
  });

  it('treats a fresh, still empty lock file as held, and an old one as stale', async () => {
    const { dir, remove } = await tempDir();
    cleanups.unshift(remove);
    const lock = join(dir, 'LOCK');
    await writeFile(lock, '');
    await assert.rejects(new FileStorage({ dataDir: dir, fsync: { kind: 'always' } }).open(), (e: unknown) => e instanceof StorageError && e.code === 'LOCKED');
    const { utimes } = await import('node:fs/promises');
    await utimes(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const { storage } = await openStorage({ dataDir: dir });
    assert.deepEqual(storage.listLogs(), []);
  });

  it('takes over a lock file left by a dead process, and releases its own on close', async () => {
    const { dir, remove } = await tempDir();
    cleanups.unshift(remove);
    await writeFile(join(dir, 'LOCK'), `${JSON.stringify({ pid: 2 ** 22 + 12345 })}\n`);
    const s = new FileStorage({ dataDir: dir, fsync: { kind: 'always' } });
    await s.open();
    assert.equal(JSON.parse(await readFile(join(dir, 'LOCK'), 'utf8')).pid, process.pid);
    await s.close();
    assert.equal(existsSync(join(dir, 'LOCK')), false);
  });
});

describe('FileStorage fsync modes', () => {
  it('always (fdatasync): durable resolves only after an fsync, and concurrent appends across logs share fsyncs', async () => {
    const fs = new FaultyFs();
    const { storage } = await openStorage({ fs, syncMethod: 'fdatasync' });
    const logs = await Promise.all([0, 1, 2, 3].map((i) => storage.createLog(`g/shard-${i}`)));
    let visibleAtSync = -1;
    fs.onDatasync = () => {
      visibleAtSync = Math.max(visibleAtSync, logs[0]!.endOffset);
    };
    const before = fs.datasyncs;
    const durables: Array<Promise<void>> = [];
    for (let i = 0; i < 100; i++) {
      durables.push(logs[i % 4]!.append([rec('k', `r${i}`, i)]).durable);
    }
    assert.equal(logs[0]!.endOffset, 0, 'nothing is visible before it is durable');
    await Promise.all(durables);
    const syncs = fs.datasyncs - before;
    assert.ok(syncs >= 4 && syncs <= 8, `100 appends over 4 logs took ${syncs} fsyncs`);
    assert.equal(visibleAtSync, 0, 'records became visible only after their fsync');
    for (const log of logs) assert.equal(log.endOffset, 25);
  });

  it('always (fdatasync): writes a 500-record batch with one writev and one fsync', async () => {
    const fs = new FaultyFs();
    const { storage } = await openStorage({ fs, syncMethod: 'fdatasync' });
    const log = await storage.createLog('one-write');
    const batch = [];
    for (let i = 0; i < 500; i++) batch.push({ key: `pk-${i}`, data: Buffer.alloc(1024, i & 0xff), timestampMs: 1 });
    const [w, s] = [fs.writevs, fs.datasyncs];
    await log.append(batch).durable;
    assert.equal(fs.writevs - w, 1);
    assert.equal(fs.datasyncs - s, 1);
    assert.equal(log.endOffset, 500);
  });

  it('always (default, O_DSYNC): segment files are opened with O_DSYNC, a 500-record batch is one writev and needs no fdatasync', async () => {
    const fs = new FaultyFs();
    const { storage } = await openStorage({ fs });
    const log = await storage.createLog('dsync');
    assert.ok(fs.openFlags.length > 0 && fs.openFlags.every((f) => typeof f === 'number' && (f & fsConstants.O_DSYNC) !== 0), `flags ${fs.openFlags}`);
    const batch = [];
    for (let i = 0; i < 500; i++) batch.push({ key: `pk-${i}`, data: Buffer.alloc(1024, i & 0xff), timestampMs: 1 });
    const [w, s] = [fs.writevs, fs.datasyncs];
    const r = log.append(batch);
    assert.equal(log.endOffset, 0, 'not visible before the write returned');
    await r.durable;
    assert.equal(fs.writevs - w, 1);
    assert.equal(fs.datasyncs - s, 0);
    assert.equal(log.endOffset, 500);
  });

  it('always (default, O_DSYNC): EIO on the write rejects the batch, keeps it invisible, and the log goes on', async () => {
    const fs = new FaultyFs();
    const { storage, dir } = await openStorage({ fs, segmentMaxBytes: 400 });
    const log = await storage.createLog('dsync-eio');
    await log.append([rec('k', 'kept', 1)]).durable;
    fs.failWrites = 'EIO';
    const bad = log.append([rec('k', 'lost'.repeat(100), 2)]);
    await assert.rejects(bad.durable, (e: unknown) => e instanceof StorageError && e.code === 'EIO');
    assert.equal(log.endOffset, 1);
    fs.failWrites = null;
    const ok = log.append([rec('k', 'after', 3)]);
    assert.equal(ok.firstOffset, 1);
    await ok.durable;
    await storage.close();
    const { storage: s2 } = await openStorage({ dataDir: dir, segmentMaxBytes: 400 });
    assert.deepEqual(s2.recovery, []);
    assert.deepEqual(await readTexts(s2.getLog('dsync-eio')!), ['kept', 'after']);
  });

  it('never: durable resolves without any fsync', async () => {
    const fs = new FaultyFs();
    const { storage } = await openStorage({ fs, fsync: { kind: 'never' } });
    const log = await storage.createLog('n');
    for (let i = 0; i < 20; i++) await log.append([rec('k', `r${i}`, i)]).durable;
    assert.equal(fs.datasyncs, 0);
    assert.equal(log.endOffset, 20);
  });

  it('interval: durable resolves at write, and the clock-driven timer fsyncs what was written', async () => {
    const fs = new FaultyFs();
    const { storage, clock } = await openStorage({ fs, fsync: { kind: 'interval', intervalMs: 200 } });
    const log = await storage.createLog('iv');
    await log.append([rec('k', 'a', 1)]).durable;
    await log.append([rec('k', 'b', 2)]).durable;
    assert.equal(fs.datasyncs, 0);
    assert.equal(log.endOffset, 2);
    clock.advance(199);
    assert.equal(fs.datasyncs, 0);
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    assert.equal(fs.datasyncs, 1, 'one fsync for the one written segment');
    clock.advance(200);
    await new Promise((r) => setImmediate(r));
    assert.equal(fs.datasyncs, 1, 'nothing new written, nothing to sync');
  });
});

describe('FileStorage interval-mode background fsync failure', () => {
  it('reports a failed background fsync as a warning and counts it under storage (the records were already acknowledged)', async () => {
    const fs = new FaultyFs();
    const warnings: string[] = [];
    const { storage, clock } = await openStorage({ fs, fsync: { kind: 'interval', intervalMs: 100 }, onWarning: (m) => warnings.push(m) });
    const log = await storage.createLog('bg');
    await log.append([rec('k', 'a', 1)]).durable;
    fs.failSyncs = 'EIO';
    const before = swallowedErrors().storage ?? 0;
    clock.advance(100);
    await new Promise((r) => setImmediate(r));
    assert.match(warnings.join('\n'), /background fsync of .* failed/);
    assert.equal(swallowedErrors().storage, before + 1, 'the failed fsync is counted in errors.swallowed');
    fs.failSyncs = null;
    await log.append([rec('k', 'b', 2)]).durable;
    assert.equal(log.endOffset, 2, 'the log keeps working');
  });
});

describe('FileStorage retention', () => {
  it('rolls segments by size and by age, and trimBefore deletes whole expired segment files', async () => {
    const { storage, dir, clock } = await openStorage({ segmentMaxBytes: 1024, segmentMaxAgeMs: 60_000 });
    const log = await storage.createLog('ret');
    const t0 = clock.now();
    for (let i = 0; i < 30; i++) await log.append([rec('k', `old-${i}-${'o'.repeat(100)}`, t0)]).durable;
    const bySize = (await segmentFiles(dir, 'ret')).length;
    assert.ok(bySize >= 3, `rolled by size into ${bySize} segments`);
    clock.advance(30_000);
    await log.append([rec('k', 'mid', clock.now())]).durable;
    assert.equal((await segmentFiles(dir, 'ret')).length, bySize, 'young segment: no roll by age yet');
    clock.advance(31_000);
    const t1 = clock.now();
    await log.append([rec('k', 'new', t1)]).durable;
    assert.equal((await segmentFiles(dir, 'ret')).length, bySize + 1, 'the 61 s old active segment rolled');

    assert.equal(await log.trimBefore(t0), 0, 'nothing is older than t0');
    const start = await log.trimBefore(t1);
    assert.equal(start, 31, 'every segment with only older records is gone');
    assert.deepEqual(await segmentFiles(dir, 'ret'), ['00000000000000000031.seg']);
    assert.deepEqual(await readTexts(log), ['new']);
    // A quiet log whose active segment has fully expired: a fresh empty segment replaces it.
    assert.equal(await log.trimBefore(t1 + 1), 32);
    assert.equal(log.endOffset, 32);
    assert.deepEqual(await segmentFiles(dir, 'ret'), ['00000000000000000032.seg']);
    assert.deepEqual(await readTexts(log), []);
    await storage.close();
    const { storage: s2, clock: c2 } = await openStorage({ dataDir: dir });
    const l2 = s2.getLog('ret')!;
    assert.equal(l2.startOffset, 32, 'offsets carry on after reopen');
    assert.equal(l2.endOffset, 32);
    const next = l2.append([rec('k', 'later', c2.now())]);
    assert.equal(next.firstOffset, 32);
    await next.durable;
  });

  it("trimBefore goes on when a trimmed segment's index cannot be removed, and logs and counts the failure", async () => {
    const { storage, dir, clock } = await openStorage({ segmentMaxBytes: 200 });
    const log = await storage.createLog('stuck-idx');
    const t0 = clock.now();
    for (let i = 0; i < 12; i++) await log.append([rec('k', `record-${i}-${'x'.repeat(40)}`, t0)]).durable;
    const ldir = logDir(dir, 'stuck-idx');
    const first = (await segmentFiles(dir, 'stuck-idx'))[0]!;
    const idx = join(ldir, first.replace('.seg', '.idx'));
    for (let i = 0; i < 500 && !existsSync(idx); i++) await new Promise((r) => setTimeout(r, 2));
    assert.ok(existsSync(idx), 'the sealed segment got its index');
    // A non-empty directory in the index's place: unlink fails with EISDIR (also for root, unlike a permission).
    await rm(idx);
    await mkdir(idx);
    await writeFile(join(idx, 'keep'), 'x');
    const before = swallowedErrors().storage ?? 0;
    clock.advance(1_000);
    await log.append([rec('k', 'new', clock.now())]).durable;
    const start = await log.trimBefore(clock.now());
    assert.deepEqual(await segmentFiles(dir, 'stuck-idx'), [`${String(start).padStart(20, '0')}.seg`], 'every sealed segment was trimmed all the same');
    assert.ok(start > 0);
    assert.equal(existsSync(join(ldir, first)), false, 'the segment file is gone');
    assert.equal((await readTexts(log, start)).at(-1), 'new');
    assert.equal(swallowedErrors().storage, before + 1, 'the failed removal is counted under storage');
  });

  it('deleteLog removes the log directory and its files', async () => {
    const { storage, dir } = await openStorage();
    const log = await storage.createLog('gone/shard-1');
    await log.append([rec('k', 'x', 1)]).durable;
    assert.ok(existsSync(logDir(dir, 'gone/shard-1')));
    await storage.deleteLog('gone/shard-1');
    assert.equal(existsSync(logDir(dir, 'gone/shard-1')), false);
    assert.throws(
      () => log.append([rec('k', 'y', 2)]),
      (e: unknown) => e instanceof StorageError && e.code === 'NOT_FOUND',
    );
  });
});

describe('FileStorage I/O failures', () => {
  it('EIO on fsync (fdatasync method): the batch rejects, none of it becomes visible, the log stays usable', async () => {
    const fs = new FaultyFs();
    const { storage, dir } = await openStorage({ fs, syncMethod: 'fdatasync' });
    const log = await storage.createLog('eio');
    await log.append([rec('k', 'kept-1', 1), rec('k', 'kept-2', 2)]).durable;
    fs.failSyncs = 'EIO';
    const bad = log.append([rec('k', 'lost-1', 3), rec('k', 'lost-2', 4)]);
    const bad2 = log.append([rec('k', 'lost-3', 5)]);
    await assert.rejects(bad.durable, (e: unknown) => e instanceof StorageError && e.code === 'EIO');
    await assert.rejects(bad2.durable, (e: unknown) => e instanceof StorageError && e.code === 'EIO');
    assert.equal(log.endOffset, 2);
    fs.failSyncs = null;
    const ok = log.append([rec('k', 'after', 6)]);
    assert.equal(ok.firstOffset, 2, 'the failed offsets are reused: they were never visible');
    await ok.durable;
    assert.deepEqual(await readTexts(log), ['kept-1', 'kept-2', 'after']);
    await storage.close();
    const { storage: s2 } = await openStorage({ dataDir: dir });
    assert.deepEqual(s2.recovery, []);
    assert.deepEqual(await readTexts(s2.getLog('eio')!), ['kept-1', 'kept-2', 'after']);
  });

  it('a failed write (injected ENOSPC after a partial write) is truncated back, also across a segment roll', async () => {
    const fs = new FaultyFs();
    const { storage, dir } = await openStorage({ fs, segmentMaxBytes: 300 });
    const log = await storage.createLog('partial');
    for (let i = 0; i < 4; i++) await log.append([rec('k', `ok-${i}-${'p'.repeat(60)}`, i)]).durable;
    const filesBefore = await segmentFiles(dir, 'partial');
    fs.failWrites = 'ENOSPC';
    const bad = log.append([rec('k', 'x'.repeat(400), 9)]); // forces a roll into a new segment
    await assert.rejects(bad.durable, (e: unknown) => e instanceof StorageError && e.code === 'ENOSPC');
    fs.failWrites = null;
    const ok = log.append([rec('k', 'fine', 10)]);
    assert.equal(ok.firstOffset, 4);
    await ok.durable;
    const texts = await readTexts(log);
    assert.equal(texts.length, 5);
    assert.equal(texts[4], 'fine');
    await storage.close();
    const { storage: s2 } = await openStorage({ dataDir: dir });
    assert.deepEqual(s2.recovery, [], 'nothing torn was left on disk');
    assert.deepEqual(await readTexts(s2.getLog('partial')!), texts);
    assert.ok((await segmentFiles(dir, 'partial')).length >= filesBefore.length);
  });
});

describe('FileStorage recovery after a crash during a segment roll', () => {
  it('drops an empty newer segment created before the previous one was complete', async () => {
    const { storage, dir, clock } = await openStorage({ segmentMaxBytes: 4096 });
    const log = await storage.createLog('roll');
    const t = clock.now();
    await log.append([rec('k', 'a', t), rec('k', 'b', t), rec('k', 'c', t)]).durable;
    await storage.close();
    // As if a roll at offset 5 had created its file but the batch for 3..4 never reached the disk.
    await writeFile(join(logDir(dir, 'roll'), '00000000000000000005.seg'), '');
    const { storage: s2 } = await openStorage({ dataDir: dir, segmentMaxBytes: 4096 });
    assert.match(s2.recovery[0]!.reason, /empty segment/);
    const l2 = s2.getLog('roll')!;
    assert.equal(l2.endOffset, 3, 'the log continues where its data ends');
    const d = l2.append([rec('k', 'd', t)]);
    assert.equal(d.firstOffset, 3);
    await d.durable;
    assert.deepEqual(await segmentFiles(dir, 'roll'), ['00000000000000000000.seg']);
  });
});

describe('FileStorage open files', () => {
  it('keeps at most maxOpenSealedFiles sealed segment files and indexes in memory, reloading them to read', async () => {
    const { storage, dir } = await openStorage({ segmentMaxBytes: 300, maxOpenSealedFiles: 3 });
    const log = await storage.createLog('many');
    for (let i = 0; i < 40; i++) await log.append([rec('k', `r${i}-${'m'.repeat(100)}`, 1)]).durable;
    await storage.flush();
    assert.ok((await segmentFiles(dir, 'many')).length >= 15);
    assert.ok(storage.openSealedFiles <= 3, `${storage.openSealedFiles} sealed files open`);
    const texts = await readTexts(log);
    assert.equal(texts.length, 40);
    assert.ok(storage.openSealedFiles <= 3, `${storage.openSealedFiles} sealed files open after reading all`);
    assert.equal(await log.offsetForTimestamp(1), 0);
    await storage.close();
    const { storage: s2 } = await openStorage({ dataDir: dir, segmentMaxBytes: 300, maxOpenSealedFiles: 3 });
    assert.equal(s2.openSealedFiles, 0, 'opening reads .idx files only: no sealed segment file stays open');
    const l2 = s2.getLog('many')!;
    assert.deepEqual(await readTexts(l2), texts);
    // Evicted segments reload their index from .idx — or rebuild it by a scan when it is gone.
    for (const f of await readdir(logDir(dir, 'many'))) if (f.endsWith('.idx')) await rm(join(logDir(dir, 'many'), f));
    assert.deepEqual(await readTexts(l2), texts);
    for (const from of [0, 7, 21, 39]) {
      const r = await l2.read(from, { maxRecords: 1, maxBytes: 1 << 20 });
      assert.equal(text(r.records[0]!.data), texts[from]);
    }
  });
});

describe('FileStorage lifecycle', () => {
  it('a throwing onAppend listener does not stop commits of other logs', async () => {
    const warnings: string[] = [];
    const { storage } = await openStorage({ onWarning: (m) => warnings.push(m) });
    const a = await storage.createLog('a');
    const b = await storage.createLog('b');
    a.onAppend(() => {
      throw new Error('listener bug');
    });
    const ra = a.append([rec('k', 'x', 1)]);
    const rb = b.append([rec('k', 'y', 1)]);
    await Promise.all([ra.durable, rb.durable]);
    assert.equal(a.endOffset, 1);
    assert.equal(b.endOffset, 1);
    assert.match(warnings.join('\n'), /onAppend listener of log a threw/);
  });

  it('deleteLog completes while other logs keep appending, and its queued batches reject with NOT_FOUND', async () => {
    const { storage } = await openStorage();
    const busy = await storage.createLog('busy');
    const doomed = await storage.createLog('doomed');
    let stop = false;
    const load = (async () => {
      while (!stop) await busy.append([rec('k', 'z', 1)]).durable;
    })();
    await doomed.append([rec('k', 'first', 1)]).durable;
    const queued = doomed.append([rec('k', 'queued', 2)]);
    await storage.deleteLog('doomed');
    await assert.rejects(queued.durable, (e: unknown) => e instanceof StorageError && e.code === 'NOT_FOUND');
    await assert.rejects(doomed.read(0, { maxRecords: 1, maxBytes: 100 }), (e: unknown) => e instanceof StorageError && e.code === 'NOT_FOUND');
    stop = true;
    await load;
    assert.ok(busy.endOffset > 0);
  });

  it('close writes what was already appended, then refuses appends with CLOSED', async () => {
    const { storage, dir } = await openStorage();
    const log = await storage.createLog('c');
    const r = log.append([rec('k', 'queued-at-close', 1)]);
    await storage.close();
    await r.durable;
    assert.throws(
      () => log.append([rec('k', 'late', 2)]),
      (e: unknown) => e instanceof StorageError && e.code === 'CLOSED',
    );
    const { storage: s2 } = await openStorage({ dataDir: dir });
    assert.deepEqual(await readTexts(s2.getLog('c')!), ['queued-at-close']);
  });

  it('rejects a metadata value that cannot be stored, leaving the old value', async () => {
    const { storage } = await openStorage();
    await storage.meta.put('k', { ok: true });
    await assert.rejects(storage.meta.put('k', { f: () => 1 }));
    assert.deepEqual(storage.meta.get('k'), { ok: true });
  });

  it('refuses invalid log ids', async () => {
    const { storage } = await openStorage();
    for (const bad of ['', '..', 'a/../b', 'a//b', 'sp ace', 'a/']) {
      await assert.rejects(storage.createLog(bad), (e: unknown) => e instanceof StorageError && e.code === 'INVALID', bad);
    }
  });
});

describe('FileStorage concurrent readers and writers', () => {
  it('a tailing reader sees every record once, in order, while appenders roll small segments', async () => {
    const { storage } = await openStorage({ segmentMaxBytes: 1024, maxOpenSealedFiles: 2, indexIntervalBytes: 256 });
    const log = await storage.createLog('tail');
    const TOTAL = 2000;
    let appended = 0;
    const appender = async (id: number): Promise<void> => {
      while (appended < TOTAL) {
        const n = 1 + (appended % 7);
        const batch = [];
        for (let i = 0; i < n; i++) batch.push(rec(`a${id}`, `${id}:${appended}:${i}`, 1));
        appended += n;
        await log.append(batch).durable;
      }
    };
    const seen: string[] = [];
    const reader = async (): Promise<void> => {
      let next = 0;
      while (next < TOTAL) {
        const r = await log.read(next, { maxRecords: 37, maxBytes: 1 << 20 });
        for (const x of r.records) {
          assert.equal(x.offset, next, 'dense and in order');
          assert.ok(x.offset < log.endOffset, 'only durable records are returned');
          seen.push(text(x.data));
          next++;
        }
        if (r.records.length === 0) {
          await new Promise<void>((resolve) => {
            const off = log.onAppend(() => {
              off();
              resolve();
            });
            if (log.endOffset > next) {
              off();
              resolve();
            } // it landed before we subscribed
          });
        }
      }
    };
    await Promise.all([appender(1), appender(2), appender(3), reader()]);
    assert.ok(seen.length >= TOTAL);
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    const again = await readTexts(log);
    assert.deepEqual(again.slice(0, seen.length), seen, 'a later full read agrees with what the tailing reader saw');
  });
});
