#!/usr/bin/env node
/**
 * Completes package-lock.json for `npm ci` on machines whose npm registry does
 * not serve every platform build of a native package.
 *
 * Why: `npm install` silently leaves an optional dependency out of the lock
 * when the registry cannot serve it (here: @cbor-extract/* and duckdb's
 * non-linux-x64 bindings), but `npm ci` refuses a lock in which any optional
 * edge has no entry ("Missing: … from lock file"). This adds an entry with the
 * package's os/cpu/libc for each missing platform package; `npm ci` then skips
 * the ones for other platforms and tolerates an optional one it cannot fetch.
 *
 * Run after any `npm install` that rewrites the lock: node scripts/complete-lockfile.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;

/** Platform suffix of a package name → [os, cpu, libc?]; longest suffix wins. */
const PLATFORMS = {
  'darwin-arm64': [['darwin'], ['arm64']],
  'darwin-x64': [['darwin'], ['x64']],
  'linux-arm': [['linux'], ['arm']],
  'linux-arm64': [['linux'], ['arm64'], ['glibc']],
  'linux-arm64-musl': [['linux'], ['arm64'], ['musl']],
  'linux-x64': [['linux'], ['x64']],
  'linux-x64-musl': [['linux'], ['x64'], ['musl']],
  'win32-arm64': [['win32'], ['arm64']],
  'win32-x64': [['win32'], ['x64']],
};
const suffixes = Object.keys(PLATFORMS).sort((a, b) => b.length - a.length);

const added = [];
for (const entry of Object.values(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key]) continue;
    const suffix = suffixes.find((s) => dep.endsWith(`-${s}`));
    if (!suffix) continue;
    const [os, cpu, libc] = PLATFORMS[suffix];
    packages[key] = { version, cpu, optional: true, os, ...(libc ? { libc } : {}) };
    added.push(dep);
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  added.length ? `complete-lockfile: added ${added.length} optional platform entries: ${added.join(', ')}` : 'complete-lockfile: lock already complete',
);
