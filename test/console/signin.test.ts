/**
 * Signing in to the console in Debian's chromium (playwright-core) when the server enforces credentials:
 * a server started with `auth: 'enforce'` in this process, keys made with the IAM API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { createConsole } from '../../src/console/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { ROOT as REPO } from '../cli/run-cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = { accessKeyId: 'AKIAFRESHETSIGNIN001', secretAccessKey: 'signin-root-secret-0000000000000000000000' };
const ARTIFACTS = join(REPO, 'test-artifacts', 'console');

describe('console sign-in under --auth enforce, in chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-signin-'));
  const webConsole = createConsole();
  let server: FreshetServer;
  let browser: Browser;
  let page: Page;
  let viewer: { accessKeyId: string; secretAccessKey: string };
  const browserErrors: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)`);
    // The page's assets (dist/console), built when a source changed.
    execFileSync(process.execPath, [join(REPO, 'scripts', 'build.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
    server = await startServer({
      port: 0,
      dataDir,
      fsync: { kind: 'never' },
      auth: 'enforce',
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
      httpRoutes: webConsole.routes,
    });
    webConsole.attach({ kinesis: server.kinesis, services: server.services, dataDir, region: 'us-east-1', auth: server.auth, iam: server.iam });
    const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'signin-stream', ShardCount: 1 }));
    kinesis.destroy();
    const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    await iam.send(new CreateUserCommand({ UserName: 'no-policies' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'no-policies' }))).AccessKey!;
    viewer = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    iam.destroy();
    browser = await chromium.launch({
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
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => browserErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    webConsole.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const signInWith = async (accessKeyId: string, secretAccessKey: string) => {
    const form = page.locator('[data-testid=sign-in]');
    await form.waitFor({ timeout: 15_000 });
    await form.locator('input[name=accessKeyId]').fill(accessKeyId);
    await form.locator('input[name=secretAccessKey]').fill(secretAccessKey);
    await form.locator('button[type=submit]').click();
  };

  it('asks for credentials first and says why a wrong secret is refused', async () => {
    await page.goto(`${server.url}/console/`);
    await signInWith(ROOT.accessKeyId, 'not-the-secret');
    await page.locator('[data-testid=sign-in-error]', { hasText: 'SignatureDoesNotMatch' }).waitFor({ timeout: 10_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'sign-in.png') });
    await signInWith('AKIANOSUCHKEY0000000', 'x');
    await page.locator('[data-testid=sign-in-error]', { hasText: 'InvalidClientTokenId' }).waitFor({ timeout: 10_000 });
  });

  it('signs in with the root keys and shows the live overview, signed', async () => {
    await signInWith(ROOT.accessKeyId, ROOT.secretAccessKey);
    await page.locator('[data-testid=caller]', { hasText: 'arn:aws:iam::000000000000:root' }).waitFor({ timeout: 15_000 });
    await page.locator('[data-testid=overview-streams] tr[data-name="signin-stream"]').waitFor({ timeout: 15_000 });
    await page.locator('.live-dot.on').waitFor({ timeout: 10_000 });
  });

  it('signs out, and a user without policies is shown why the live view is refused', async () => {
    await page.locator('[data-testid=caller] button', { hasText: 'Sign out' }).click();
    await signInWith(viewer.accessKeyId, viewer.secretAccessKey);
    await page.locator('[data-testid=caller]', { hasText: 'user/no-policies' }).waitFor({ timeout: 15_000 });
    const refused = page.locator('[data-testid=live-refused]');
    await refused.waitFor({ timeout: 15_000 });
    assert.match(
      (await refused.textContent()) ?? '',
      /AccessDeniedException: User: arn:aws:iam::000000000000:user\/no-policies is not authorized to perform: kinesis:ListStreams/,
    );
    assert.equal(await page.locator('[data-testid=overview-streams] tr[data-name="signin-stream"]').count(), 0);
  });

  it('threw no page errors', () => {
    assert.deepEqual(browserErrors, []);
  });
});
