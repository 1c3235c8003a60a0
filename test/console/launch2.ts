/**
 * Launch helpers for the console's browser tests (Debian's chromium through playwright-core): the same
 * launch flags and screenshot rule as test/console/browser.test.ts and detectors-views.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from '../cli/run-cli.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');

let assetsBuilt = process.env.FRESHET_TEST_DIST_BUILT === '1';

/**
 * Builds the console's assets when a source changed (scripts/build.mjs --if-stale), once per process: scripts/test.sh
 * builds dist/ before the tests (FRESHET_TEST_DIST_BUILT=1), and a file that shares its process with another
 * (test/helpers/test-groups.mjs) need not check again (a Node process and esbuild's check, about 0.3 s of CPU).
 */
export function buildConsoleAssets(): void {
  if (assetsBuilt) return;
  assetsBuilt = true;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
}

/** Headless chromium with the flags the console tests use; fails with the fix when chromium is missing. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page whose console errors and uncaught exceptions are collected into `errors`. */
export async function newPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

/**
 * Saves a screenshot as a test artifact; with `docs` (the ones docs/console.md shows), FRESHET_UPDATE_SCREENSHOTS=1
 * also refreshes docs/images/console-<name>.png.
 */
export async function shot(page: Page, name: string, opts: { docs?: boolean } = {}): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  if (opts.docs === true && process.env.FRESHET_UPDATE_SCREENSHOTS === '1') copyFileSync(path, join(ROOT, 'docs', 'images', `console-${name}.png`));
}

/** Chromium's console line for a request the server refused with `status`. */
export function refusedLine(status: number, text: string): string {
  return `Failed to load resource: the server responded with a status of ${status} (${text})`;
}
