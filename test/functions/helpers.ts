/** Shared set-up for function tests: an engine on MemoryStorage, zip packages built from file maps, polling. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { systemClock } from '../../src/core/index.ts';
import type { Clock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import type { LogStorage } from '../../src/storage/index.ts';
import { FunctionsEngine } from '../../src/functions/index.ts';
import type { FunctionsEngineOptions } from '../../src/functions/index.ts';

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

let counter = 0;
export function uniqueName(prefix = 'fn'): string {
  return `${prefix}-${process.pid}-${counter++}`;
}

/** A zip archive (as a real zip tool writes one) of the given files. */
export function zipOf(files: Record<string, string>): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) entries[name] = strToU8(text);
  return zipSync(entries);
}

/** A zip made by Info-ZIP's `zip` (Debian), keeping Unix permissions (a custom runtime's executable bootstrap). */
export function zipWithTool(files: Record<string, { text: string; mode?: number }>): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-zip-'));
  try {
    for (const [name, f] of Object.entries(files)) {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.text);
      if (f.mode !== undefined) chmodSync(p, f.mode);
    }
    execFileSync('zip', ['-q', '-r', 'package.zip', ...Object.keys(files)], { cwd: dir });
    return readFileSync(join(dir, 'package.zip'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function openEngine(
  opts: Partial<FunctionsEngineOptions> & { clock?: Clock; storage?: LogStorage } = {},
): Promise<{ fns: FunctionsEngine; storage: LogStorage }> {
  const storage = opts.storage ?? new MemoryStorage();
  if (!opts.storage) await storage.open();
  const fns = await FunctionsEngine.open({
    region: REGION,
    accountId: ACCOUNT,
    ...opts,
    storage,
    clock: opts.clock ?? systemClock,
  });
  return { fns, storage };
}

export function json(buf: Uint8Array): any {
  return JSON.parse(Buffer.from(buf).toString('utf8'));
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function tailText(logResult: string | undefined): string {
  return Buffer.from(logResult ?? '', 'base64').toString('utf8');
}
