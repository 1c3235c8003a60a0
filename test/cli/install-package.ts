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
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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

/** Packs dist/ as it is (build it first) and installs the tarball under `dir`. */
export async function installPackage(dir: string): Promise<InstalledPackage> {
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
  await run(NPM, ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 << 20 });
  return { app, bin: join(app, 'node_modules', '.bin', 'freshet'), files: info!.files.map((f) => f.path) };
}
