/**
 * Shared set-up of the console's browser tests: Debian's chromium through playwright-core with the flags a
 * headless, sandbox-less test machine needs, screenshots into test-artifacts/console/ (and docs/images/ with
 * FRESHET_UPDATE_SCREENSHOTS=1), and polling for what the page or the server reach asynchronously.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Locator, Page } from 'playwright-core';
import { ROOT } from '../cli/run-cli.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');

/** Chromium, headless, without sandbox or GPU (what CI containers allow). */
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

/**
 * A page whose browser-side errors are collected: uncaught exceptions, and console errors other than Chromium's
 * "Failed to load resource" lines for the HTTP 4xx answers a test provokes on purpose (`refusedStatuses`).
 */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[]; refusals: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  const refusals: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) refusals.push(m.text());
    else errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors, refusals };
}

/** A screenshot into test-artifacts/console/<name>.png; with FRESHET_UPDATE_SCREENSHOTS=1 also docs/images/console-<name>.png. */
export async function shot(page: Page, name: string, forDocs = false): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  if (forDocs && process.env.FRESHET_UPDATE_SCREENSHOTS === '1') copyFileSync(path, join(ROOT, 'docs', 'images', `console-${name}.png`));
}

/** Polls `probe` until it returns true, failing with `what` after `timeoutMs`. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until the first element of `locator` has text matching `re` and returns that text; after `timeoutMs` it returns
 * the last text seen (or '') so the caller's assertion reports what was there. A refusal shown earlier stays on the page
 * until the next one replaces it, so reading it right after a click can see the previous one.
 */
export async function textMatching(locator: Locator, re: RegExp, timeoutMs = 10_000): Promise<string> {
  const start = Date.now();
  let last = '';
  for (;;) {
    last =
      (await locator
        .first()
        .textContent({ timeout: timeoutMs })
        .catch(() => null)) ?? last;
    if (re.test(last) || Date.now() - start > timeoutMs) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the input's value matches `re` (a form filled from a fetch fills a moment after it opens) and returns it. */
export async function valueMatching(locator: Locator, re: RegExp, timeoutMs = 10_000): Promise<string> {
  const start = Date.now();
  let last = '';
  for (;;) {
    last = await locator.inputValue({ timeout: timeoutMs });
    if (re.test(last) || Date.now() - start > timeoutMs) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
}
