import type { FsyncMode } from './types.ts';

/** Parses `--fsync always|interval:<ms>|never` into a FsyncMode; throws a clear Error on anything else. */
export function parseFsyncMode(text: string): FsyncMode {
  const t = text.trim();
  if (t === 'always') return { kind: 'always' };
  if (t === 'never') return { kind: 'never' };
  const m = /^interval:(\d+)$/.exec(t);
  if (m) {
    const intervalMs = Number(m[1]);
    if (intervalMs >= 1 && intervalMs <= 3_600_000) return { kind: 'interval', intervalMs };
  }
  throw new Error(`invalid fsync mode '${text}': expected 'always', 'never' or 'interval:<ms>' with 1 <= ms <= 3600000`);
}
