import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { logStorageSuite } from './log-suite.ts';

logStorageSuite(
  'MemoryStorage',
  async () => {
    const storage = new MemoryStorage();
    await storage.open();
    return { storage, clock: new ManualClock(), cleanup: () => storage.close() };
  },
  { durable: false },
);
