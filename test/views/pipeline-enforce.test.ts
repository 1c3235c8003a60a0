/**
 * `views:` in a pipeline file under `--auth enforce`: the Postgres endpoint's users are IAM access keys, and a
 * `views.postgres` URL without a password logs in with the credentials the pipeline's AWS SDK clients sign
 * with (here AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of an IAM user), so `up` and `down` need no keys in the
 * file. Keys the endpoint refuses fail `up` with a message naming the access key and the fix.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { applyDown, applyUp, createClients, parsePipeline } from '../../src/pipeline/index.ts';
import { putAll, uniqueName } from './helpers.ts';

const ACCOUNT = '000000000000';

function pipelineYaml(stream: string, view: string, pgPort: number): string {
  return `name: ${view}
streams:
  - name: ${stream}
    shards: 1
views:
  postgres: postgres://127.0.0.1:${pgPort}/dev
  externalSchemas:
    - name: kds_${view}
      iamRole: arn:aws:iam::${ACCOUNT}:role/pipeline-streaming-role
  materializedViews:
    - name: ${view}
      sql: >-
        CREATE MATERIALIZED VIEW ${view} AS
        SELECT partition_key, JSON_PARSE(kinesis_data) AS payload
        FROM kds_${view}."${stream}" WHERE CAN_JSON_PARSE(kinesis_data)
`;
}

describe('pipeline views: under --auth enforce', () => {
  let server: FreshetServer;
  let iam: IAMClient;
  let operator: { accessKeyId: string; secretAccessKey: string };
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  const stateDir = mkdtempSync(join(tmpdir(), 'freshet-views-enforce-'));
  const useKeys = (k: { accessKeyId: string; secretAccessKey: string }) => {
    process.env.AWS_ACCESS_KEY_ID = k.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = k.secretAccessKey;
  };

  before(async () => {
    server = await startServer({
      port: 0,
      storage: 'memory',
      createDelayMs: 0,
      deleteDelayMs: 0,
      auth: 'enforce',
      pg: { port: 0, views: { onError: () => undefined } },
    });
    iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: server.rootCredentials });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'pipeline-streaming-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'pipeline-streaming-role',
        PolicyName: 'read-streams',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kinesis:GetRecords', Resource: '*' }] }),
      }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'pipeline-operator' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'pipeline-operator' }));
    operator = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'pipeline-operator',
        PolicyName: 'operate-pipelines',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['kinesis:*', 'views:*'], Resource: '*' },
            { Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ACCOUNT}:role/pipeline-streaming-role` },
          ],
        }),
      }),
    );
  });
  after(async () => {
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    iam.destroy();
    await server.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('up and down log in to the Postgres endpoint with the keys the pipeline signs its AWS calls with', async () => {
    const stream = uniqueName('enforced-payments');
    const view = 'enforced_tx';
    const loaded = parsePipeline(pipelineYaml(stream, view, server.pg!.port), join(stateDir, 'freshet.yaml'));
    useKeys(operator);
    const clients = createClients({ endpoint: server.url });
    const c = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user: operator.accessKeyId, password: operator.secretAccessKey, database: 'dev' });
    c.on('error', () => undefined);
    try {
      const log: string[] = [];
      await applyUp(loaded, clients, { waitTimeoutMs: 30_000, stateDir, log: (l) => log.push(l) });
      assert.deepEqual(
        log.map((l) => l.split('\n')[0]),
        [`+ stream ${stream} (create)`, `+ external-schema kds_${view} (create)`, `+ materialized-view ${view} (create)`],
      );
      await putAll(server, stream, [
        { partitionKey: 'a', data: Buffer.from('{"TX_AMOUNT": 12.5}') },
        { partitionKey: 'b', data: Buffer.from('not json') },
        { partitionKey: 'c', data: Buffer.from('{"TX_AMOUNT": 7.25}') },
      ]);
      await c.connect();
      await c.query(`REFRESH MATERIALIZED VIEW ${view}`);
      const r = await c.query(`SELECT count(*)::int AS n, sum(payload."TX_AMOUNT"::decimal(10,2))::varchar AS total FROM ${view}`);
      assert.deepEqual(r.rows, [{ n: 2, total: '19.75' }]);
      const down = await applyDown(loaded, clients, { waitTimeoutMs: 30_000, stateDir });
      assert.deepEqual(
        down.map((x) => `${x.action} ${x.resource} ${x.name}`),
        [`delete materialized-view ${view}`, `delete external-schema kds_${view}`, `delete stream ${stream}`],
      );
      await assert.rejects(c.query(`SELECT 1 FROM ${view}`), (e) => (e as { code: string }).code === '42P01');
    } finally {
      await c.end().catch(() => undefined);
      clients.destroy();
    }
  });

  it('fails up with the access key and the fix when the endpoint refuses the keys, and creates no view', async () => {
    const view = 'refused_tx';
    // Only views: in this file, so the refused keys meet the Postgres endpoint first.
    const yaml = pipelineYaml('refused-payments', view, server.pg!.port).replace(/streams:\n.*\n.*\n/, '');
    const loaded = parsePipeline(yaml, join(stateDir, 'refused.yaml'));
    useKeys({ accessKeyId: operator.accessKeyId, secretAccessKey: 'not-the-secret' });
    const clients = createClients({ endpoint: server.url });
    try {
      await assert.rejects(applyUp(loaded, clients, { waitTimeoutMs: 30_000, stateDir }), (e: Error) => {
        assert.match(e.message, new RegExp(`refused the pipeline's AWS credentials \\(access key ${operator.accessKeyId}\\)`));
        assert.match(e.message, /set AWS_PROFILE or AWS_ACCESS_KEY_ID/);
        assert.doesNotMatch(e.message, /not-the-secret/);
        return true;
      });
    } finally {
      clients.destroy();
    }
    const c = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user: operator.accessKeyId, password: operator.secretAccessKey, database: 'dev' });
    await c.connect();
    try {
      const r = await c.query('SELECT count(*)::int AS n FROM freshet_views.external_schemas WHERE name = $1', [`kds_${view}`]);
      assert.equal(r.rows[0].n, 0);
    } finally {
      await c.end();
    }
  });
});
