#!/usr/bin/env node
/**
 * Builds the JavaScript Freshet ships: src/cli/main.ts bundled by esbuild into dist/ (ESM, Node 20), split into
 * chunks at every dynamic import() so a command loads only its own code. npm packages stay external (resolved
 * from node_modules at run time, as installed by npm), so native builds and CommonJS packages load as they do
 * under tsx.
 *
 *   node scripts/build.mjs              build (what `prepare` runs, so `npm ci` and `npm pack` build)
 *   node scripts/build.mjs --if-stale   build only if a source file changed since the last build (`npm start`,
 *                                       the test helpers that run the built CLI)
 *   node scripts/build.mjs --quiet      no summary line
 *
 * Files a module finds next to itself at run time, written `new URL('./name.mjs', import.meta.url)` (e.g. the
 * Firehose Lambda worker), are copied from src/ next to the chunks; a name that is missing or not unique in
 * src/ fails the build. dist/build-info.json lists the inputs, for --if-stale. Concurrent builds (test files
 * started in parallel) take turns through a lock directory, and every file is written to a temporary name and
 * renamed, so a process starting meanwhile sees either the old or the new file, never half of one.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const INFO = join(DIST, 'build-info.json');
const LOCK = join(ROOT, '.build-lock');
/** Besides the bundle's inputs, a change to these rebuilds too. */
const ALSO = ['package.json', 'tsconfig.json', 'scripts/build.mjs'];
/** A lock without a pid older than this was left by a build that died before writing it. */
const STALE_LOCK_MS = 10_000;

/** Why dist/ needs building, or undefined when it is up to date. */
export function staleReason() {
  if (!existsSync(INFO)) return 'no build yet';
  let info;
  try {
    info = JSON.parse(readFileSync(INFO, 'utf8'));
  } catch {
    return 'unreadable dist/build-info.json';
  }
  for (const rel of [...info.inputs, ...ALSO, ...info.outputs.map((o) => `dist/${o}`)]) {
    const path = join(ROOT, rel);
    if (!existsSync(path)) return `${rel} is missing`;
    if (!rel.startsWith('dist/') && statSync(path).mtimeMs > info.builtAtMs) return `${rel} changed`;
  }
  return undefined;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** True while the build that holds the lock is alive (its pid is in the lock directory). */
function lockHolderAlive() {
  try {
    process.kill(Number(readFileSync(join(LOCK, 'pid'), 'utf8')), 0);
    return true;
  } catch (e) {
    // EPERM: alive, another user's; no pid file yet: the holder is between mkdir and writing it.
    if (e.code === 'EPERM') return true;
    if (e.code === 'ENOENT') return Date.now() - statSync(LOCK).mtimeMs < STALE_LOCK_MS;
    return false;
  }
}

function withLock(fn) {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        // Left by a build that was killed: take it over.
        if (!lockHolderAlive()) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // removed by its owner meanwhile
      }
      sleep(50);
    }
  }
  return Promise.resolve()
    .then(fn)
    .finally(() => rmSync(LOCK, { recursive: true, force: true }));
}

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Writes through a temporary file and a rename: readers never see a partial file. */
function writeAtomic(path, contents) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

export async function build() {
  const started = Date.now();
  let esbuild;
  try {
    ({ build: esbuild } = await import('esbuild'));
  } catch {
    throw new Error('esbuild is missing: it is a development dependency, so install with them (npm ci, not npm ci --omit=dev)');
  }
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const outputs = new Map();
  for (const file of result.outputFiles) outputs.set(relative(DIST, file.path), file.contents);
  const consoleInputs = await buildConsole(esbuild, outputs);

  // Run-time files: `new URL('./x.mjs', import.meta.url)` or `new URL('./dir/x.mjs', …)` / `new URL('./dir', …)` in a
  // chunk names a file or directory that must sit at that path beside it; it is copied from the one place in src/
  // whose path ends so.
  const sources = [...files(join(ROOT, 'src'))].filter((p) => !p.endsWith('.ts') && !p.endsWith('.tsx'));
  const assets = [];
  const addAsset = (name, from) => {
    if (!outputs.has(name)) assets.push(relative(ROOT, from));
    outputs.set(name, readFileSync(from));
  };
  for (const [name, contents] of [...outputs]) {
    if (!name.endsWith('.js')) continue;
    const text = Buffer.from(contents).toString('utf8');
    for (const m of text.matchAll(/new URL\(\s*["']\.\/([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
      const wanted = m[1];
      const asFile = sources.filter((p) => p.endsWith(`/${wanted}`));
      if (asFile.length === 1) {
        addAsset(wanted, asFile[0]);
        continue;
      }
      const dirs = new Set(sources.filter((p) => dirname(p).endsWith(`/${wanted}`)).map((p) => dirname(p)));
      if (asFile.length === 0 && dirs.size === 1) {
        const dir = [...dirs][0];
        for (const p of sources.filter((q) => q.startsWith(`${dir}/`))) addAsset(`${wanted}/${relative(dir, p)}`, p);
        continue;
      }
      throw new Error(
        `${name} loads ./${wanted} at run time, and src/ holds ${asFile.length || dirs.size} files or directories of that name (need exactly one)`,
      );
    }
  }

  mkdirSync(join(DIST, 'console'), { recursive: true });
  // Chunks first, the entry last: a process starting now finds every chunk the entry it reads imports.
  const names = [...outputs.keys()].sort((a, b) => (a === 'cli.js') - (b === 'cli.js'));
  for (const name of names) {
    mkdirSync(dirname(join(DIST, name)), { recursive: true });
    writeAtomic(join(DIST, name), outputs.get(name));
  }
  const inputs = [...new Set([...Object.keys(result.metafile.inputs), ...assets, ...consoleInputs])].sort();
  writeAtomic(INFO, `${JSON.stringify({ builtAtMs: started, inputs, outputs: [...outputs.keys()].sort() }, null, 1)}\n`);
  // Chunks of earlier builds that nothing imports any more.
  const topLevel = new Set([...outputs.keys()].map((o) => o.split('/')[0]));
  for (const name of readdirSync(DIST)) {
    if (!topLevel.has(name) && name !== 'build-info.json' && name !== 'console') rmSync(join(DIST, name), { recursive: true, force: true });
  }
  for (const name of readdirSync(join(DIST, 'console'))) {
    if (!outputs.has(`console/${name}`)) rmSync(join(DIST, 'console', name), { recursive: true, force: true });
  }
  const bytes = [...outputs.values()].reduce((n, c) => n + c.length, 0);
  return { files: outputs.size, bytes, ms: Date.now() - started };
}

/**
 * The web console's browser code (src/console/app/, docs/console.md): one minified ES module and its CSS in
 * dist/console/, which the server serves under /console/assets/. Everything it uses is bundled: no CDN.
 * Returns its input files (for --if-stale).
 */
async function buildConsole(esbuild, outputs) {
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: { app: 'src/console/app/main.tsx' },
    outdir: 'dist/console',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  for (const file of result.outputFiles) outputs.set(relative(DIST, file.path), file.contents);
  return Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = new Set(process.argv.slice(2));
  const unknown = [...args].filter((a) => !['--if-stale', '--quiet'].includes(a));
  if (unknown.length) {
    console.error(`build: unknown option ${unknown[0]} (use --if-stale or --quiet)`);
    process.exit(2);
  }
  try {
    await withLock(async () => {
      // Checked inside the lock: a build that finished while this one waited leaves nothing to do.
      const reason = args.has('--if-stale') ? staleReason() : 'requested';
      if (reason === undefined) return;
      const r = await build();
      if (!args.has('--quiet')) console.log(`build: dist/ (${r.files} files, ${(r.bytes / 1024).toFixed(0)} KiB) in ${r.ms} ms (${reason})`);
    });
  } catch (e) {
    console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
