import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/index.ts';

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export async function tempDir(prefix = 'freshet-metrics-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** 2021-01-31T14:00:00Z, a whole hour: the clock most tests start at. */
export const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);

export function clockAt(ms = T0): ManualClock {
  return new ManualClock(ms);
}

/** A deterministic PRNG (mulberry32) so value tables are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
