import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, DescribeStreamSummaryCommand, ListStreamsCommand, ListTagsForStreamCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient, readStream, waitForStreamActive } from '../../src/pipeline/index.ts';
import { startTestServer, type TestServer } from '../cli/server-harness.ts';
import { runCli } from '../cli/run-cli.ts';
import { runCliInProcess } from '../cli/run-cli-in-process.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

function pipelineYaml(p: string, retention: number, team: string): string {
  return `name: ${p}
streams:
  - name: ${p}-sales
    shards: 2
    tags:
      team: ${team}
  - name: ${p}-archive
    retentionHours: ${retention}
  - name: ${p}-shared
generators:
  - kind: sales
    stream: ${p}-sales
    rate: 2000/s
    count: 300
    seed: 4
`;
}

describe('freshet up / diff / down (streams and generators)', () => {
  it('creates idempotently, updates in place, and deletes only what it created', async () => {
    const p = `pl${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), 'freshet-pipeline-'));
    const file = join(dir, 'freshet.yaml');
    writeFileSync(file, pipelineYaml(p, 48, 'sales'));
    const env = { FRESHET_ENDPOINT: server.url };
    const client = kinesisClient({ endpoint: server.url });
    try {
      // A stream that exists before `up` and is named in the file: used, never deleted.
      await client.send(new CreateStreamCommand({ StreamName: `${p}-shared`, ShardCount: 1 }));
      await waitForStreamActive(client, `${p}-shared`);

      const before = await runCliInProcess(['diff', '-f', file, '--exit-code'], env);
      assert.equal(before.code, 2, before.stderr);
      assert.match(before.stdout, new RegExp(`\\+ stream ${p}-sales \\(create\\)\\n    2 shards`));
      assert.match(before.stdout, new RegExp(`= stream ${p}-shared \\(no changes\\)`));
      assert.match(before.stdout, /2 to create, 0 to update, 0 to replace, 1 unchanged/);

      // `up` and `down` run the built binary, as users do; the other commands run in this process (run-cli-in-process.ts).
      const up = await runCli(['up', '-f', file], env);
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(
        (JSON.parse(readFileSync(join(dir, '.freshet', `${p}.json`), 'utf8')) as { endpoints: Record<string, { created: string[] }> }).endpoints[server.url]!
          .created,
        [`stream/${p}-sales`, `stream/${p}-archive`],
      );
      assert.match(up.stdout, new RegExp(`pipeline ${p} is up at ${server.url}`));
      const records: string[] = [];
      await readStream({ client, streamName: `${p}-sales`, follow: false, idlePollMs: 10, onRecord: (r) => records.push(Buffer.from(r.data).toString()) });
      assert.equal(records.length, 300, 'the generator wrote its 300 records');
      assert.ok(records.every((r) => /^store_[1-5]$/.test((JSON.parse(r) as { store_id: string }).store_id)));
      const tags = await client.send(new ListTagsForStreamCommand({ StreamName: `${p}-sales` }));
      const tagMap: Record<string, string> = Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      // The generator keeps its run-state (owner, heartbeat, seed, next record) in a tag of its stream.
      const runState = Object.entries(tagMap).filter(([k]) => k.startsWith(`freshet:generator:${p}:`));
      assert.equal(runState.length, 1, JSON.stringify(tagMap));
      assert.match(runState[0]![1], /seed=\d+ next=300/);
      assert.deepEqual(Object.fromEntries(Object.entries(tagMap).filter(([k]) => !k.startsWith('freshet:generator:'))), {
        team: 'sales',
        'freshet:pipeline': p,
      });
      const archive = await client.send(new DescribeStreamSummaryCommand({ StreamName: `${p}-archive` }));
      assert.equal(archive.StreamDescriptionSummary?.RetentionPeriodHours, 48);

      const again = await runCliInProcess(['diff', '-f', file, '--exit-code'], env);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /0 to create, 0 to update, 0 to replace, 3 unchanged/);

      writeFileSync(file, pipelineYaml(p, 72, 'finance'));
      const changed = await runCliInProcess(['diff', '-f', file], env);
      assert.match(changed.stdout, new RegExp(`~ stream ${p}-sales \\(update\\)\\n    tags team=finance`));
      assert.match(changed.stdout, new RegExp(`~ stream ${p}-archive \\(update\\)\\n    retention 48 h → 72 h`));
      const up2 = await runCliInProcess(['up', '-f', file, '--no-generators'], env);
      assert.equal(up2.code, 0, up2.stderr);
      const archive2 = await client.send(new DescribeStreamSummaryCommand({ StreamName: `${p}-archive` }));
      assert.equal(archive2.StreamDescriptionSummary?.RetentionPeriodHours, 72);

      const plannedDown = await runCliInProcess(['diff', '--down', '-f', file], env);
      assert.match(plannedDown.stdout, /2 to delete, 1 kept/);

      const down = await runCli(['down', '-f', file], env);
      assert.equal(down.code, 0, down.stderr);
      assert.match(down.stdout, new RegExp(`· stream ${p}-shared \\(keep\\)\\n    not created by pipeline ${p}`));
      assert.match(down.stdout, /2 deleted, 1 kept/);
      const names = (await client.send(new ListStreamsCommand({}))).StreamNames ?? [];
      assert.ok(names.includes(`${p}-shared`));
      assert.ok(!names.includes(`${p}-sales`) && !names.includes(`${p}-archive`));

      assert.ok(!existsSync(join(dir, '.freshet', `${p}.json`)), 'nothing left to remember');
      // A second `down` finds nothing of its own left.
      const down2 = await runCliInProcess(['down', '-f', file], env);
      assert.match(down2.stdout, /0 deleted, 1 kept/);
    } finally {
      client.destroy();
    }
  });

  it('prints line-numbered validation errors and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-pipeline-'));
    const file = join(dir, 'freshet.yaml');
    writeFileSync(file, 'name: bad\nstreams:\n  - name: a\n    shards: 0\n');
    const res = await runCliInProcess(['up', '-f', file], { FRESHET_ENDPOINT: server.url });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /freshet\.yaml:4:13: streams\[0\]\.shards: must be >= 1/);
  });
});
