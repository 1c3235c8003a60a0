import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { parse as parseYaml } from 'yaml';
import { applyUp, createClients, loadPipeline, type FreshetClients } from '../../src/pipeline/index.ts';
import { startTestServer, type TestServer } from './server-harness.ts';
import { ROOT, runCli } from './run-cli.ts';
import { runCliInProcess } from './run-cli-in-process.ts';

let empty: TestServer;
let server: TestServer;
let clients: FreshetClients;
before(async () => {
  [empty, server] = await Promise.all([startTestServer(), startTestServer()]);
  clients = createClients({ endpoint: server.url });
  const loaded = loadPipeline(join(ROOT, 'examples', 's1-revenue-per-store', 'freshet.yaml'));
  await applyUp(loaded, clients, { stateDir: join(ROOT, '.freshet-test-output') });
});
after(async () => {
  clients.destroy();
  await Promise.all([empty.close(), server.close()]);
  execFileSync('rm', ['-rf', join(ROOT, '.freshet-test-output')]);
});

const LISTINGS = [
  ['streams', 'list'],
  ['streams', 'describe', 's1-sales-events'],
  ['delivery', 'list'],
  ['delivery', 'describe', 's1-revenue-per-minute'],
  ['apps', 'list'],
  ['apps', 'describe', 's1-revenue-per-store'],
  ['apps', 'logs', 's1-revenue-per-store'],
  ['status'],
];

describe('--output on every listing and describe command', () => {
  it('prints JSON that parses with --output json, and YAML with --output yaml', async () => {
    for (const args of LISTINGS) {
      const json = await runCliInProcess([...args, '--output', 'json', '--endpoint', server.url]);
      assert.equal(json.code, 0, `${args.join(' ')}: ${json.stderr}`);
      assert.doesNotThrow(() => JSON.parse(json.stdout), args.join(' '));
    }
    for (const args of [LISTINGS[1]!]) {
      const json = await runCliInProcess([...args, '--output', 'json', '--endpoint', server.url]);
      const yaml = await runCliInProcess([...args, '-o', 'yaml', '--endpoint', server.url]);
      assert.equal(yaml.code, 0, `${args.join(' ')}: ${yaml.stderr}`);
      assert.deepEqual(parseYaml(yaml.stdout), JSON.parse(json.stdout), args.join(' '));
    }
  });

  it('defaults to JSON when piped and prints aligned tables with --output table', async () => {
    const piped = await runCli(['streams', 'list', '--endpoint', server.url]);
    assert.deepEqual(JSON.parse(piped.stdout), [
      { StreamName: 's1-sales-events', StreamStatus: 'ACTIVE', StreamMode: 'PROVISIONED', OpenShardCount: 1, RetentionPeriodHours: 24 },
    ]);
    const table = await runCliInProcess(['streams', 'list', '-o', 'table', '--endpoint', server.url]);
    assert.equal(table.stdout, 'NAME             STATUS  MODE         SHARDS  RETENTION\ns1-sales-events  ACTIVE  PROVISIONED       1       24 h\n');
    const apps = await runCli(['apps', 'list', '-o', 'table', '--endpoint', server.url]);
    assert.match(
      apps.stdout,
      /^NAME {18}STATUS {3}ARN\ns1-revenue-per-store {2}(RUNNING|STARTING) {1,2}arn:aws:kinesisanalytics:us-east-1:000000000000:application\/s1-revenue-per-store\n$/,
    );
  });

  it('says what to do next when a list is empty', async () => {
    const cases: Array<[string[], string]> = [
      [['streams', 'list'], 'no streams yet — create one with `freshet streams create <name>` or `freshet up -f <pipeline file>`\n'],
      [
        ['delivery', 'list'],
        'no delivery streams yet — create one with `freshet delivery create <name> --bucket <bucket>` or `freshet up -f <pipeline file>`\n',
      ],
      [['apps', 'list'], 'no SQL applications yet — create one with `freshet up -f <pipeline file>` (see examples/)\n'],
    ];
    for (const [args, text] of cases) {
      const res = await runCliInProcess([...args, '-o', 'table', '--endpoint', empty.url]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, text);
    }
    const json = await runCliInProcess(['delivery', 'list', '--endpoint', empty.url]);
    assert.equal(json.stdout, '[]\n');
  });

  it('shows only the destination’s own delivery metrics', async () => {
    const res = await runCliInProcess(['delivery', 'describe', 's1-revenue-per-minute', '-o', 'json', '--endpoint', server.url]);
    const metrics = Object.keys((JSON.parse(res.stdout) as { Metrics: Record<string, number> }).Metrics);
    assert.ok(metrics.includes('DeliveryToS3.Records'));
    assert.deepEqual(
      metrics.filter((k) => k.startsWith('DeliveryToHttpEndpoint.') || k.startsWith('ExecuteProcessing.') || k.startsWith('PartitionCount')),
      [],
    );
  });

  it('shows one screen of status with every section', async () => {
    const res = await runCliInProcess(['status', '-o', 'table', '--endpoint', server.url]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      new RegExp(`^Freshet at ${server.url}\\n\\nStreams\\nNAME +STATUS +SHARDS +RECORDS +RATE/S\\ns1-sales-events +ACTIVE +1 +0 +0\\.0\\n`),
    );
    assert.match(res.stdout, /\nApplications\nNAME +KIND +STATUS +READ +ROWS OUT +LAG +ERRORS +CHECKPOINT\ns1-revenue-per-store +sql +\w+ +0 +0 +0 ms +0 /);
    assert.match(res.stdout, /\nDelivery streams\nNAME +TO +IN +DELIVERED +BUFFERED +FRESHNESS +RETRIES\ns1-revenue-per-minute +s3 +0 +0 +0 +0 s +0\n/);
    assert.match(res.stdout, /\nGenerators\n {2}none running — `freshet up -f <pipeline file>` or `freshet generate <kind> --stream <name>`\n$/);
  });

  it('stops and starts an application', async () => {
    const stop = await runCliInProcess(['apps', 'stop', 's1-revenue-per-store', '--endpoint', server.url]);
    assert.equal(stop.stdout, 'stopping s1-revenue-per-store\n', stop.stderr);
    // As on AWS, only a READY application starts: wait until the stop has finished.
    for (let status = ''; status !== 'READY'; await new Promise((r) => setTimeout(r, 20))) {
      status = (await clients.analytics.send(new DescribeApplicationCommand({ ApplicationName: 's1-revenue-per-store' }))).ApplicationDetail!
        .ApplicationStatus!;
    }
    const start = await runCliInProcess(['apps', 'start', 's1-revenue-per-store', '--from', 'last_stopped_point', '--endpoint', server.url]);
    assert.equal(start.stdout, 'starting s1-revenue-per-store from LAST_STOPPED_POINT\n', start.stderr);
  });
});

describe('freshet completion', () => {
  it('prints a bash script that completes commands, sub-commands and options', async () => {
    const script = await runCli(['completion', 'bash']);
    assert.equal(script.code, 0, script.stderr);
    const file = join(mkdtempSync(join(tmpdir(), 'freshet-completion-')), 'freshet.bash');
    writeFileSync(file, script.stdout);
    const complete = (words: string) =>
      execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _freshet; echo "\${COMPREPLY[*]}"`])
        .toString()
        .trim();
    assert.equal(complete('freshet str'), 'streams');
    assert.equal(complete('freshet streams li'), 'list');
    assert.equal(complete('freshet apps st'), 'start stop');
    assert.equal(complete('freshet streams list --ou'), '--output');
    const bad = await runCliInProcess(['completion', 'fish']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "freshet: expected bash or zsh, got 'fish'\n");
  });

  it('completes commands, sub-commands, options and file arguments in an interactive zsh', async () => {
    if (!existsSync('/usr/bin/zsh')) assert.fail('zsh missing: apt-get install zsh (npm test needs it for this test)');
    const script = await runCliInProcess(['completion', 'zsh']);
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout, /^#compdef freshet\n/);
    const dir = mkdtempSync(join(tmpdir(), 'freshet-zsh-'));
    writeFileSync(join(dir, 'freshet.zsh'), script.stdout);
    writeFileSync(join(dir, 'revenue.sql'), '');
    // A real zsh on a pseudo-terminal (zsh/zpty). Each line is typed once zsh's prompt is up (typed earlier, it
    // would be read as plain input, without completion), with a TAB; then Ctrl-A puts a print in front of what
    // completion made of it, and the driver prints that (BUF:, quoted so the echo of the typed line lacks it).
    writeFileSync(
      join(dir, 'drive.zsh'),
      [
        'zmodload zsh/zpty',
        "zpty z 'zsh -f -i'",
        'out=""',
        'until_out() {',
        '  local chunk t',
        '  for ((t = 0; t < 200; t++)); do',
        '    [[ $out == $~1 ]] && return 0',
        '    zpty -r -t z chunk && out+=$chunk || sleep 0.1',
        '  done',
        '  print -u2 -r -- "timed out waiting for $1 in: $out"',
        '  return 1',
        '}',
        `zpty -w z "PS1='> '; autoload -U compinit; compinit -u -D; bindkey -e; source ${join(dir, 'freshet.zsh')}; print -r -- 'RE''ADY'"`,
        "until_out '*READY*> *' || exit 1",
        // Completion can take a while on a loaded machine: Ctrl-A is typed only once zsh has been quiet for 0.3 s.
        'settle() {',
        '  local chunk quiet=0 t',
        '  for ((t = 0; t < 300 && quiet < 3; t++)); do',
        '    if zpty -r -t z chunk; then out+=$chunk; quiet=0; else (( quiet += 1 )); sleep 0.1; fi',
        '  done',
        '}',
        'for line in "$@"; do',
        '  out=""',
        '  zpty -w -n z "$line"$\'\\t\'',
        '  settle',
        "  zpty -w z $'\\x01print -r -- \\'BU\\'\\'F:\\''",
        "  until_out '*BUF:*> *' || exit 1",
        '  print -r -- "${${out#*BUF:}%%$\'\\r\'*}"',
        'done',
        'zpty -d z',
      ].join('\n'),
    );
    const typed = ['freshet str', 'freshet streams li', 'freshet streams list --ou', 'freshet apps describe --end', 'freshet sql check rev'];
    const lines = execFileSync('/usr/bin/zsh', ['-f', join(dir, 'drive.zsh'), ...typed], { cwd: dir, env: { ...process.env, HOME: dir }, timeout: 120_000 })
      .toString()
      .trimEnd()
      .split('\n');
    assert.deepEqual(lines, [
      'freshet streams',
      'freshet streams list',
      'freshet streams list --output',
      'freshet apps describe --endpoint',
      'freshet sql check revenue.sql',
    ]);
  });

  it('shows defaults in help as they are typed', async () => {
    const server = await runCliInProcess(['server', '--help']);
    assert.match(server.stdout, /\(default: always\)/);
    assert.doesNotMatch(server.stdout, /\{"kind"/);
    const demo = await runCliInProcess(['demo', '--help']);
    assert.match(demo.stdout, /\(default: s1,s2\)/);
  });
});
