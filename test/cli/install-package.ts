/**
 * Packs this checkout (`npm pack`) and installs the tarball into a new, empty project with npm, offline from
 * npm's local cache — as a user's `npm install freshet` would, minus the network. Used by
 * test/cli/package.test.ts and bench/startup/run.ts.
 *
 * Offline: npm's cache holds the tarballs `npm ci` fetched for this checkout, but not the registry's package
 * listings a plain `npm install <tgz>` resolves versions with. So the project gets a lock file made from this
 * repo's: the tarball as `freshet`, and every package this repo's lock does not mark as a development one, at
 * the versions tested here. `npm ci --offline` then installs exactly those; no development dependency
 * (TypeScript, tsx, esbuild, …) is there.
 *
 * With `reuse`, the dependencies installed by `npm ci` are kept (hard links, without freshet itself) in
 * <tmpdir>/freshet-package-test/<hash of the lock entries installed> (outside the checkout: CI runs on a clean
 * clone; in the temporary directory: hard links need the same file system), and a later call with the same
 * entries starts from a copy (hard links) of them and runs `npm install --offline`, which installs the new
 * tarball into that tree: about 2 s of CPU instead of 30 s for extracting ~26,000 files of the AWS SDK and the
 * rest again. A changed lock file (a dependency added, removed or moved) gets a new hash, so a new `npm ci`,
 * and the trees kept for other hashes are removed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface LockEntry {
  version?: string;
  dev?: boolean;
  [key: string]: unknown;
}

export interface InstalledPackage {
  /** The project the package is installed in (`<dir>/app`): run `npx freshet` here. */
  app: string;
  /** `<app>/node_modules/.bin/freshet` */
  bin: string;
  /** Paths inside the tarball. */
  files: string[];
}

/**
 * Packs dist/ as it is (build it first) and installs the tarball under `dir`; `reuse` starts from the
 * dependencies an earlier call with the same lock entries installed (see above).
 */
export async function installPackage(dir: string, opts: { reuse?: boolean } = {}): Promise<InstalledPackage> {
  const app = join(dir, 'app');
  await mkdir(app, { recursive: true });
  // --ignore-scripts: `prepare` would rebuild dist/, which the caller has just brought up to date.
  const { stdout } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const tarball = join(dir, info!.filename);

  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const self = lock.packages['']!;
  const manifest = { name: 'freshet-package-test', version: '1.0.0', private: true, dependencies: { freshet: `file:${tarball}` } };
  const packages: Record<string, LockEntry> = {
    '': manifest,
    'node_modules/freshet': {
      version: self.version,
      resolved: `file:${tarball}`,
      dependencies: self.dependencies,
      bin: self.bin,
      engines: self.engines,
      license: self.license,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  await writeFile(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  await writeFile(
    join(app, 'package-lock.json'),
    JSON.stringify({ name: manifest.name, version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  const key = createHash('sha256')
    .update(JSON.stringify(Object.entries(packages).filter(([path]) => path.startsWith('node_modules/') && path !== 'node_modules/freshet')))
    .digest('hex')
    .slice(0, 16);
  const keptRoot = join(tmpdir(), 'freshet-package-test');
  const kept = join(keptRoot, key);
  if (opts.reuse === true && existsSync(join(kept, 'node_modules'))) {
    // npm install against the lock: the kept tree satisfies every entry but freshet's, which it extracts.
    await run('cp', ['-al', join(kept, 'node_modules'), join(app, 'node_modules')]);
    await run(NPM, ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 << 20 });
  } else {
    await run(NPM, ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 << 20 });
    if (opts.reuse === true) {
      // Without freshet, and without npm's record of the tree (it lists freshet), so npm reads the tree itself.
      const tmp = `${kept}.${process.pid}`;
      await mkdir(tmp, { recursive: true });
      await run('cp', ['-al', join(app, 'node_modules'), join(tmp, 'node_modules')]);
      for (const p of ['freshet', join('.bin', 'freshet'), '.package-lock.json']) await rm(join(tmp, 'node_modules', p), { recursive: true, force: true });
      await rename(tmp, kept).catch(() => rm(tmp, { recursive: true, force: true })); // another run kept it first
      for (const old of await readdir(keptRoot)) if (old.length === key.length && old !== key) await rm(join(keptRoot, old), { recursive: true, force: true });
    }
  }
  return { app, bin: join(app, 'node_modules', '.bin', 'freshet'), files: info!.files.map((f) => f.path) };
}
