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
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  CreateApplicationPresignedUrlCommand,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
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

  it("stops the open live view once the signed-in user's policy is deleted, not at its next sign-in, and says why", async () => {
    const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    try {
      await iam.send(new CreateUserCommand({ UserName: 'watcher' }));
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'watcher',
          PolicyName: 'watch',
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kinesis:ListStreams', Resource: '*' }] }),
        }),
      );
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'watcher' }))).AccessKey!;
      await page.locator('[data-testid=caller] button', { hasText: 'Sign out' }).click();
      await signInWith(key.AccessKeyId!, key.SecretAccessKey!);
      await page.locator('[data-testid=caller]', { hasText: 'user/watcher' }).waitFor({ timeout: 15_000 });
      await page.locator('[data-testid=overview-streams] tr[data-name="signin-stream"]').waitFor({ timeout: 15_000 });
      await page.locator('.live-dot.on').waitFor({ timeout: 10_000 });
      // The open event stream is authorised again at each tick: it ends, and its reconnection is refused with the reason.
      await iam.send(new DeleteUserPolicyCommand({ UserName: 'watcher', PolicyName: 'watch' }));
      const refused = page.locator('[data-testid=live-refused]');
      await refused.waitFor({ timeout: 10_000 });
      assert.match(
        (await refused.textContent()) ?? '',
        /AccessDeniedException: User: arn:aws:iam::000000000000:user\/watcher is not authorized to perform: kinesis:ListStreams/,
      );
      assert.equal(await page.locator('.live-dot.on').count(), 0);
    } finally {
      iam.destroy();
    }
  });

  it('opens a presigned application link signed in for that application only, until the link expires, without asking for keys', async () => {
    const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'flink-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'kinesisanalytics.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'flink-role',
        PolicyName: 'streams',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: '*' }] }),
      }),
    );
    iam.destroy();
    const flink = new KinesisAnalyticsV2Client({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    for (const name of ['linked-flink', 'other-flink']) {
      await flink.send(
        new CreateApplicationCommand({
          ApplicationName: name,
          RuntimeEnvironment: 'FLINK-1_18',
          ServiceExecutionRole: 'arn:aws:iam::000000000000:role/flink-role',
          ApplicationConfiguration: {
            ApplicationCodeConfiguration: {
              CodeContentType: 'PLAINTEXT',
              CodeContent: {
                TextContent: [
                  "CREATE TABLE src (n INT) WITH ('connector' = 'kinesis', 'stream' = 'signin-stream', 'format' = 'json');",
                  "CREATE TABLE dst (n INT) WITH ('connector' = 'kinesis', 'stream' = 'signin-stream', 'format' = 'json');",
                  'INSERT INTO dst SELECT n FROM src WHERE n < 0;',
                ].join('\n'),
              },
            },
          },
        }),
      );
    }
    // The dashboard link is for a running application (as on AWS).
    await flink.send(new StartApplicationCommand({ ApplicationName: 'linked-flink' }));
    const start = Date.now();
    while ((await flink.send(new DescribeApplicationCommand({ ApplicationName: 'linked-flink' }))).ApplicationDetail?.ApplicationStatus !== 'RUNNING') {
      assert.ok(Date.now() - start < 10_000, 'linked-flink RUNNING within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { AuthorizedUrl } = await flink.send(
      new CreateApplicationPresignedUrlCommand({ ApplicationName: 'linked-flink', UrlType: 'FLINK_DASHBOARD_URL', SessionExpirationDurationInSeconds: 1800 }),
    );
    const openedMs = Date.now();
    // A new context: nobody signed in in its tabs.
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const visitor = await context.newPage();
      visitor.on('pageerror', (e) => browserErrors.push(e.message));
      await visitor.goto(AuthorizedUrl!);
      await visitor.locator('[data-testid=flink-summary]', { hasText: /^RUNNING · version 1 · FLINK-1_18$/ }).waitFor({ timeout: 15_000 });
      assert.equal(await visitor.locator('[data-testid=sign-in]').count(), 0);
      await visitor.locator('[data-testid=caller]', { hasText: 'assumed-role/FreshetConsolePresignedUrl/presigned-linked-flink' }).waitFor({ timeout: 10_000 });
      assert.doesNotMatch(visitor.url(), /authToken/);
      await visitor.screenshot({ path: join(ARTIFACTS, 'presigned-signed-in.png') });
      // Reading only: a change is refused by IAM in AWS's words.
      const props = visitor.locator('[data-testid=flink-properties]');
      await props.locator('textarea[name=properties]').fill('app: k=v');
      await props.locator('button[type=submit]').click();
      await props
        .locator('.error', {
          hasText:
            'AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role/FreshetConsolePresignedUrl/presigned-linked-flink is not authorized to perform: kinesisanalytics:UpdateApplication',
        })
        .waitFor({ timeout: 10_000 });
      // The session's keys, read back with the SDK: this application only, expiring with the link.
      const stored = await visitor.evaluate<[string, string]>("[sessionStorage.getItem('freshet.credentials'), sessionStorage.getItem('freshet.expires')]");
      const keys = JSON.parse(stored[0]!) as { accessKeyId: string; secretAccessKey: string; sessionToken: string };
      const expires = (JSON.parse(stored[1]!) as { expiresAtMs: number }).expiresAtMs;
      assert.match(keys.accessKeyId, /^ASIA/);
      assert.ok(Math.abs(expires - (openedMs + 1800_000)) < 60_000, `the session ends with the link (${new Date(expires).toISOString()})`);
      const asVisitor = new KinesisAnalyticsV2Client({ endpoint: server.url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
      try {
        assert.equal(
          (await asVisitor.send(new DescribeApplicationCommand({ ApplicationName: 'linked-flink' }))).ApplicationDetail?.ApplicationName,
          'linked-flink',
        );
        await assert.rejects(asVisitor.send(new DescribeApplicationCommand({ ApplicationName: 'other-flink' })), { name: 'AccessDeniedException' });
      } finally {
        asVisitor.destroy();
      }
      // The same link with its token altered signs nobody in.
      const forged = AuthorizedUrl!.replace(
        /authToken=([^#.]+)\.([^#]+)/,
        (_m, p: string, mac: string) => `authToken=${p}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`,
      );
      const other = await browser.newContext();
      try {
        const res = await (await other.newPage()).goto(forged);
        assert.equal(res?.status(), 403);
      } finally {
        await other.close();
      }
    } finally {
      await context.close();
      await flink.send(new StopApplicationCommand({ ApplicationName: 'linked-flink', Force: true }));
      flink.destroy();
    }
  });

  it("signs a presigned link's session out when the link expires, by the page's clock, and not before", async () => {
    const flink = new KinesisAnalyticsV2Client({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    const status = async () => (await flink.send(new DescribeApplicationCommand({ ApplicationName: 'linked-flink' }))).ApplicationDetail?.ApplicationStatus;
    const settle = async (wanted: string) => {
      for (const start = Date.now(); (await status()) !== wanted; await new Promise((r) => setTimeout(r, 100)))
        assert.ok(Date.now() - start < 10_000, `linked-flink ${wanted} within 10 s`);
    };
    // The previous test force-stopped it: started again, as a dashboard link is for a running application.
    await settle('READY');
    await flink.send(new StartApplicationCommand({ ApplicationName: 'linked-flink' }));
    await settle('RUNNING');
    const { AuthorizedUrl } = await flink.send(
      new CreateApplicationPresignedUrlCommand({ ApplicationName: 'linked-flink', UrlType: 'FLINK_DASHBOARD_URL', SessionExpirationDurationInSeconds: 1800 }),
    );
    // The page's clock is Playwright's: it runs on from now and is moved forward by the test (the link lasts 30 minutes at least).
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      await context.clock.install();
      const visitor = await context.newPage();
      visitor.on('pageerror', (e) => browserErrors.push(e.message));
      await visitor.goto(AuthorizedUrl!);
      const caller = visitor.locator('[data-testid=caller]', { hasText: 'assumed-role/FreshetConsolePresignedUrl/presigned-linked-flink' });
      await caller.waitFor({ timeout: 15_000 });
      const stored = () =>
        visitor.evaluate<[string | null, string | null]>("[sessionStorage.getItem('freshet.credentials'), sessionStorage.getItem('freshet.expires')]");
      const expiresAtMs = (JSON.parse((await stored())[1]!) as { expiresAtMs: number }).expiresAtMs;
      const pageNow = async () => visitor.evaluate<number>('Date.now()');
      // Ten seconds before the link's end: still signed in.
      await visitor.clock.fastForward(expiresAtMs - (await pageNow()) - 10_000);
      assert.equal(await caller.count(), 1);
      assert.notEqual((await stored())[0], null);
      // Past its end: signed out (the keys gone from the tab), and the page asks for credentials.
      await visitor.clock.fastForward(11_000);
      await visitor.locator('[data-testid=sign-in]').waitFor({ timeout: 10_000 });
      assert.deepEqual(await stored(), [null, null]);
      assert.equal(await visitor.locator('[data-testid=caller]').count(), 0);
    } finally {
      await context.close();
      await flink.send(new StopApplicationCommand({ ApplicationName: 'linked-flink', Force: true }));
      flink.destroy();
    }
  });

  it('threw no page errors', () => {
    assert.deepEqual(browserErrors, []);
  });
});
