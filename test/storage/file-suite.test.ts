import { ManualClock } from '../../src/core/index.ts';
import { FileStorage } from '../../src/storage/index.ts';
import type { LogStorage } from '../../src/storage/index.ts';
import { logStorageSuite } from './log-suite.ts';
import { tempDir } from './helpers.ts';

// Small segments and a dense index so the suite crosses segment boundaries and index entries.
logStorageSuite(
  'FileStorage (fsync always, 4 KiB segments, 2 open sealed files)',
  async () => {
    const { dir, remove } = await tempDir();
    const clock = new ManualClock();
    const make = () =>
      new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, clock, segmentMaxBytes: 4096, indexIntervalBytes: 512, maxOpenSealedFiles: 2 });
    let storage: LogStorage = make();
    await storage.open();
    return {
      get storage() {
        return storage;
      },
      clock,
      reopen: async () => {
        await storage.close();
        storage = make();
        await storage.open();
        return storage;
      },
      cleanup: async () => {
        await storage.close();
        await remove();
      },
    };
  },
  { durable: true },
);

logStorageSuite(
  'FileStorage (fsync never, 8 KiB segments, default index)',
  async () => {
    const { dir, remove } = await tempDir();
    const clock = new ManualClock();
    const storage = new FileStorage({ dataDir: dir, fsync: { kind: 'never' }, clock, segmentMaxBytes: 8192 });
    await storage.open();
    return {
      storage,
      clock,
      cleanup: async () => {
        await storage.close();
        await remove();
      },
    };
  },
  { durable: false },
);
