import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import { createClients, readStream, type FreshetClients } from '../../src/pipeline/index.ts';
import { startServer } from '../../src/server/index.ts';
import { startTestServer, type TestServer } from './server-harness.ts';
import { ROOT, runCli, spawnCli, waitForOutput } from './run-cli.ts';
import { runCliInProcess } from './run-cli-in-process.ts';

const S1 = join(ROOT, 'examples', 's1-revenue-per-store');

let server: TestServer;
let clients: FreshetClients;
before(async () => {
  server = await startTestServer();
  clients = createClients({ endpoint: server.url });
});
after(async () => {
  clients.destroy();
  await server.close();
});

async function nothingCreated(): Promise<void> {
  assert.deepEqual((await clients.kinesis.send(new ListStreamsCommand({}))).StreamNames, []);
  assert.deepEqual((await clients.firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames, []);
}

/** S1's example pipeline copied to a temporary folder, with `edit` applied to its yaml or its SQL. */
function s1Copy(edit: { yaml?: (s: string) => string; sql?: (s: string) => string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-up-'));
  writeFileSync(join(dir, 'freshet.yaml'), (edit.yaml ?? ((s) => s))(readFileSync(join(S1, 'freshet.yaml'), 'utf8')));
  writeFileSync(join(dir, 'revenue.sql'), (edit.sql ?? ((s) => s))(readFileSync(join(S1, 'revenue.sql'), 'utf8')));
  return dir;
}

describe('freshet validate / up: checked before anything changes', () => {
  it('rejects a typo in an AWS setting with its line, path and suggestion, and creates nothing', async () => {
    const dir = s1Copy({ yaml: (s) => s.replace('IntervalInSeconds: 60', 'IntervalInSecond: 60') });
    const file = join(dir, 'freshet.yaml');
    const line =
      readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('IntervalInSecond:')) + 1;
    const expected = `${file}:${line}:9: deliveryStreams[0].ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSecond: unknown member of BufferingHints; did you mean IntervalInSeconds?`;
    for (const command of ['validate', 'up']) {
      const res = await runCliInProcess([command, '-f', file, ...(command === 'up' ? ['--endpoint', server.url] : [])]);
      assert.equal(res.code, 1, command);
      assert.equal(res.stdout, '');
      assert.equal(res.stderr, `freshet: ${file}: 1 problem\n  ${expected}\n`);
    }
    await nothingCreated();
  });

  it('rejects SQL that does not compile against the declared input as revenue.sql:line:col, and creates nothing', async () => {
    const dir = s1Copy({ sql: (s) => s.replace('SUM("sales")', 'SUM("salez")') });
    const sqlLines = readFileSync(join(dir, 'revenue.sql'), 'utf8').split('\n');
    const line = sqlLines.findIndex((l) => l.includes('"salez"')) + 1;
    const col = sqlLines[line - 1]!.indexOf('"salez"') + 1;
    const file = join(dir, 'freshet.yaml');
    const res = await runCliInProcess(['up', '-f', file, '--endpoint', server.url]);
    assert.equal(res.code, 1);
    assert.equal(res.stdout, '');
    assert.match(
      res.stderr,
      new RegExp(
        `^freshet: ${file}: 1 problem\\n  ${join(dir, 'revenue.sql')}:${line}:${col}: .*"salez".* \\(application 's1-revenue-per-store', codeFile of ${file}:\\d+\\)\\n$`,
      ),
    );
    await nothingCreated();
  });

  it('names what it changed and the `freshet down` that undoes it when a request fails part-way', async () => {
    // Valid as a file (a dashboard body is a JSON string to the model); CloudWatch refuses the body when `up` sends it.
    const dir = mkdtempSync(join(tmpdir(), 'freshet-up-'));
    const file = join(dir, 'freshet.yaml');
    writeFileSync(
      file,
      'name: part-way\nstreams:\n  - name: part-way-in\n    shards: 1\ndashboards:\n  - DashboardName: part-way-board\n    DashboardBody:\n      widgets:\n        - { type: metric, properties: {} }\n',
    );
    const up = await runCliInProcess(['up', '-f', file, '--endpoint', server.url]);
    assert.equal(up.code, 1);
    assert.equal(up.stdout, '+ stream part-way-in (create)\n    1 shard\n    retention 24 h\n');
    const [first, ...rest] = up.stderr.trimEnd().split('\n');
    assert.equal(
      first,
      'freshet: up stopped at dashboard part-way-board: DashboardInvalidInputError: The dashboard body is invalid, there are 2 validation errors:',
    );
    assert.deepEqual(rest.slice(-2), [
      '  changed before it: stream part-way-in (create)',
      `  undo with: freshet down -f ${file} --endpoint ${server.url} (deletes only what this pipeline created)`,
    ]);
    assert.deepEqual((await clients.kinesis.send(new ListStreamsCommand({}))).StreamNames, ['part-way-in']);
    // The undo line, run as printed.
    const undo = rest
      .at(-1)!
      .replace(/^ {2}undo with: freshet /, '')
      .replace(/ \(deletes only .*$/, '');
    const down = await runCliInProcess(undo.split(' '));
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout, '- stream part-way-in (delete)\npipeline part-way: 1 deleted, 0 kept\n');
    await nothingCreated();
  });
});

describe('freshet up next to the running demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-updemo-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts no second generator, however often it runs; after a demo restart trade ids continue', async () => {
    const demo = spawnCli(['demo', '--port', '0', '--data-dir', dataDir, '--examples', 's1,s2']);
    let url: string;
    try {
      const out = await waitForOutput(demo, (s) => s.includes('Ctrl-C to stop'));
      url = /Freshet is listening on (http:\/\/\S+)/.exec(out)![1]!;
      assert.match(out, new RegExp(`Try: npx freshet tail s1-sales-events --endpoint ${url}`));
      for (let i = 0; i < 2; i++) {
        const up = await runCli(['up', '-f', join(S1, 'freshet.yaml'), '--endpoint', url, '--state-dir', join(dataDir, 'up-state')]);
        assert.equal(up.code, 0, up.stderr);
        assert.match(up.stdout, /= stream s1-sales-events \(no changes\)/);
        assert.match(
          up.stdout,
          /generator sales → s1-sales-events is already running \(process \d+@\S+: the demo or another `freshet up`\); not starting a second one\n$/,
        );
      }
    } finally {
      demo.kill('SIGINT');
      await new Promise((r) => demo.once('close', r));
    }
    // The demo again on the same data: S2's generator continues its trade ids.
    const again = spawnCli(['demo', '--port', '0', '--data-dir', dataDir, '--examples', 's2']);
    try {
      await waitForOutput(again, (s) => s.includes('Delivered files appear'));
    } finally {
      again.kill('SIGINT');
      await new Promise((r) => again.once('close', r));
    }
    const s = await startServer({ port: 0, dataDir, pg: false });
    const c = createClients({ endpoint: s.url });
    try {
      const ids: number[] = [];
      await readStream({
        client: c.kinesis,
        streamName: 's2-trades',
        from: { kind: 'trim-horizon' },
        follow: false,
        idlePollMs: 5,
        onRecord: (r) => ids.push((JSON.parse(Buffer.from(r.data).toString()) as { id: number }).id),
      });
      assert.ok(ids.length >= 200, `${ids.length} trades`);
      assert.equal(new Set(ids).size, ids.length, 'no trade id repeats across the restart');
    } finally {
      c.destroy();
      await s.close();
    }
  });
});
