/**
 * Who may use the Postgres endpoint: TLS required (`--pg-require-tls`: plaintext refused with 28000, psql
 * `sslmode=require` and node-postgres over TLS let in), and, under `--auth enforce`, users that are IAM
 * access keys (user = access key id, password = secret) whose IAM policies decide which views, tables and
 * schemas they may read or change (42501 otherwise), with the external schema's IAM role checked.
 * IAM users, keys, roles and policies are made with the AWS SDK's IAM client as an operator would.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { createStream, putAll, tempDir } from './helpers.ts';

const run = promisify(execFile);
const ACCOUNT = '000000000000';
const ARN = (what: string) => `arn:aws:views:us-east-1:${ACCOUNT}:${what}`;

function pgError(e: unknown): { code: string; message: string } {
  return e as { code: string; message: string };
}

async function psql(conninfo: string, sql: string, password?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run('/usr/bin/psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql, conninfo], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...(password !== undefined ? { PGPASSWORD: password } : {}) },
      timeout: 60_000,
    });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { stdout: x.stdout, stderr: x.stderr, code: x.code };
  }
}

describe('Postgres endpoint requiring TLS', () => {
  it('refuses a plaintext client with 28000 and serves psql sslmode=require and node-postgres over TLS', async () => {
    const tmp = await tempDir('views-require-tls');
    const server = await startServer({ port: 0, dataDir: tmp.dir, fsync: { kind: 'never' }, tls: true, pg: { port: 0, requireTls: true } });
    try {
      const port = server.pg!.port;
      const plain = new pg.Client({ host: '127.0.0.1', port, user: 'analyst', database: 'dev' });
      plain.on('error', () => undefined);
      await assert.rejects(plain.connect(), (e) => pgError(e).code === '28000' && /no encryption/.test(pgError(e).message));
      const refused = await psql(`host=127.0.0.1 port=${port} user=analyst dbname=dev sslmode=disable`, 'SELECT 1');
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /no pg_hba\.conf entry .* no encryption/);
      const ok = await psql(`host=127.0.0.1 port=${port} user=analyst dbname=dev sslmode=require`, 'SELECT 6 * 7');
      assert.equal(ok.stdout.trim(), '42', ok.stderr);
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'analyst', database: 'dev', ssl: { rejectUnauthorized: false } });
      await c.connect();
      assert.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      await c.end();
    } finally {
      await server.close();
      await tmp.remove();
    }
  });

  it('will not start requiring TLS without a certificate', async () => {
    await assert.rejects(startServer({ port: 0, storage: 'memory', pg: { port: 0, requireTls: true } }), /require TLS only when the server has a certificate/);
  });
});

describe('Postgres endpoint users and permissions from IAM (--auth enforce)', () => {
  let server: FreshetServer;
  const clock = new ManualClock(Date.now());
  let iam: IAMClient;
  let root: { accessKeyId: string; secretAccessKey: string };
  let admin: pg.Client;
  let analyst: { accessKeyId: string; secretAccessKey: string };
  const clients: pg.Client[] = [];
  const connect = async (user: string, password: string): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user, password, database: 'dev' });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', clock, createDelayMs: 0, auth: 'enforce', pg: { port: 0, views: { onError: () => undefined } } });
    root = server.rootCredentials;
    iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: root });
    // The stream turns ACTIVE on the (manual) clock.
    await server.kinesis.createStream('card-payments', { shardCount: 1 });
    clock.advance(1);
    await server.kinesis.whenActive('card-payments');
    await putAll(server, 'card-payments', [
      { partitionKey: 'a', data: Buffer.from('{"TERMINAL_ID": 1, "TX_AMOUNT": 10.5}') },
      { partitionKey: 'b', data: Buffer.from('{"TERMINAL_ID": 2, "TX_AMOUNT": 4.25}') },
    ]);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'redshift-streaming-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await iam.send(new CreateRoleCommand({ RoleName: 'no-kinesis-role', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'redshift-streaming-role',
        PolicyName: 'read-card-payments',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['kinesis:GetRecords', 'kinesis:DescribeStreamSummary'],
              Resource: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/card-payments`,
            },
          ],
        }),
      }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'analyst' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'analyst' }));
    analyst = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'analyst',
        PolicyName: 'read-card-views',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'views:Select', Resource: ARN('relation/public/card_*') },
            { Effect: 'Allow', Action: ['views:Modify', 'views:Select'], Resource: ARN('relation/public/scratch_*') },
            { Effect: 'Allow', Action: 'views:RefreshMaterializedView', Resource: ARN('relation/public/card_transactions') },
          ],
        }),
      }),
    );
    admin = await connect(root.accessKeyId, root.secretAccessKey);
  });
  after(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await server.close();
  });

  it('logs in with an access key id and its secret, and refuses a wrong secret or unknown key with 28P01', async () => {
    const c = await connect(analyst.accessKeyId, analyst.secretAccessKey);
    assert.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    await assert.rejects(
      connect(analyst.accessKeyId, `${analyst.secretAccessKey}x`),
      (e) => pgError(e).code === '28P01' && pgError(e).message === `password authentication failed for user "${analyst.accessKeyId}"`,
    );
    await assert.rejects(connect('AKIANOSUCHKEY0000000', 'whatever'), (e) => pgError(e).code === '28P01');
    const viaPsql = await psql(`host=127.0.0.1 port=${server.pg!.port} user=${analyst.accessKeyId} dbname=dev`, 'SELECT 5', analyst.secretAccessKey);
    assert.equal(viaPsql.stdout.trim(), '5', viaPsql.stderr);
    const badPsql = await psql(`host=127.0.0.1 port=${server.pg!.port} user=${analyst.accessKeyId} dbname=dev`, 'SELECT 5', 'nope');
    assert.match(badPsql.stderr, /password authentication failed/);
  });

  it("checks the external schema's IAM role: it must exist, and it must be allowed to read the stream", async () => {
    await assert.rejects(
      admin.query(`CREATE EXTERNAL SCHEMA ghost FROM KINESIS IAM_ROLE 'arn:aws:iam::${ACCOUNT}:role/no-such-role'`),
      (e) => pgError(e).code === '42501' && /does not exist/.test(pgError(e).message),
    );
    await admin.query(`CREATE EXTERNAL SCHEMA weak FROM KINESIS IAM_ROLE 'arn:aws:iam::${ACCOUNT}:role/no-kinesis-role'`);
    await assert.rejects(
      admin.query(`CREATE MATERIALIZED VIEW card_weak AS SELECT partition_key FROM weak."card-payments"`),
      (e) => pgError(e).code === '42501' && /Not authorized to read the stream "card-payments"/.test(pgError(e).message),
    );
    await admin.query(`CREATE EXTERNAL SCHEMA kds FROM KINESIS IAM_ROLE 'arn:aws:iam::${ACCOUNT}:role/redshift-streaming-role'`);
    await admin.query(`CREATE MATERIALIZED VIEW card_transactions AS
      SELECT approximate_arrival_timestamp, partition_key, JSON_PARSE(kinesis_data) AS payload
      FROM kds."card-payments" WHERE CAN_JSON_PARSE(kinesis_data)`);
    await admin.query('REFRESH MATERIALIZED VIEW card_transactions');
    await admin.query(`CREATE MATERIALIZED VIEW secret_totals AS SELECT partition_key, count(*) AS n FROM card_transactions GROUP BY 1`);
    await admin.query('REFRESH MATERIALIZED VIEW secret_totals');
    // An IAM user may not create schemas without views:CreateExternalSchema.
    const c = await connect(analyst.accessKeyId, analyst.secretAccessKey);
    await assert.rejects(
      c.query('CREATE EXTERNAL SCHEMA mine FROM KINESIS IAM_ROLE default'),
      (e) => pgError(e).code === '42501' && pgError(e).message === 'permission denied for schema mine',
    );
  });

  it('lets IAM policies decide which views and tables a user reads and changes (42501 otherwise)', async () => {
    const c = await connect(analyst.accessKeyId, analyst.secretAccessKey);
    const r = await c.query(`SELECT payload.TERMINAL_ID::int AS t, payload.TX_AMOUNT::decimal(10,2) AS amount FROM card_transactions ORDER BY 1`);
    assert.deepEqual(r.rows, [
      { t: 1, amount: '10.50' },
      { t: 2, amount: '4.25' },
    ]);
    await c.query('REFRESH MATERIALIZED VIEW card_transactions');
    const denied = (e: unknown) => pgError(e).code === '42501' && pgError(e).message === 'permission denied for relation secret_totals';
    await assert.rejects(c.query('SELECT * FROM secret_totals'), denied);
    await assert.rejects(c.query('SELECT * FROM card_transactions t JOIN public.secret_totals s USING (partition_key)'), denied);
    await assert.rejects(c.query('SELECT * FROM card_transactions WHERE partition_key IN (SELECT partition_key FROM "secret_totals")'), denied);
    await assert.rejects(c.query('TABLE secret_totals'), denied);
    await assert.rejects(c.query('SUMMARIZE secret_totals'), denied);
    await assert.rejects(c.query('DESCRIBE public.secret_totals'), denied);
    await assert.rejects(c.query('EXPLAIN SELECT * FROM secret_totals'), denied);
    // Extended protocol (a parameterized query) is checked the same way.
    await assert.rejects(c.query('SELECT * FROM secret_totals WHERE n > $1', [0]), denied);
    // A CTE of the same name as nothing real is not a relation; table functions that read by name need Select on *.
    assert.equal((await c.query('WITH x AS (SELECT 1 AS v) SELECT v FROM x')).rows[0].v, 1);
    await assert.rejects(c.query(`SELECT * FROM query_table('secret_totals')`), (e) => pgError(e).code === '42501');
    // Writes need views:Modify on the relation written.
    await c.query('CREATE TABLE scratch_t AS SELECT partition_key FROM card_transactions');
    await c.query(`INSERT INTO scratch_t VALUES ('z')`);
    assert.equal((await c.query('SELECT count(*)::int AS n FROM scratch_t')).rows[0].n, 3);
    await assert.rejects(c.query('CREATE TABLE other_t (a int)'), (e) => pgError(e).code === '42501' && /relation other_t/.test(pgError(e).message));
    await assert.rejects(c.query('DROP MATERIALIZED VIEW card_transactions'), (e) => pgError(e).code === '42501');
    await assert.rejects(c.query('REFRESH MATERIALIZED VIEW secret_totals'), (e) => pgError(e).code === '42501');
    // COPY … TO STDOUT reads, so it needs Select too (psql).
    const copy = await psql(
      `host=127.0.0.1 port=${server.pg!.port} user=${analyst.accessKeyId} dbname=dev`,
      'COPY (SELECT * FROM secret_totals) TO STDOUT',
      analyst.secretAccessKey,
    );
    assert.notEqual(copy.code, 0);
    assert.match(copy.stderr, /permission denied for relation secret_totals/);
    // Postgres's catalog stays readable: psql's \dm lists the views.
    const list = await psql(`host=127.0.0.1 port=${server.pg!.port} user=${analyst.accessKeyId} dbname=dev`, '\\dm', analyst.secretAccessKey);
    assert.match(list.stdout, /card_transactions/, list.stderr);
    // The account root is not subject to policies.
    assert.equal((await admin.query('SELECT sum(n)::int AS n FROM secret_totals')).rows[0].n, 2);
  });

  it('lets GRANT give IAM users and roles what their policies lack, and REVOKE take it back, shown by psql \\dp; an explicit Deny still wins', async () => {
    const analystDb = await connect(analyst.accessKeyId, analyst.secretAccessKey);
    const denied = (e: unknown) => pgError(e).code === '42501' && pgError(e).message === 'permission denied for relation secret_totals';
    await assert.rejects(analystDb.query('SELECT * FROM secret_totals'), (e) => {
      assert.match((e as { hint: string }).hint, /or GRANT SELECT ON secret_totals TO analyst\.$/);
      return denied(e);
    });
    // Grantees are IAM users, IAM roles (ROLE) or PUBLIC.
    await assert.rejects(
      admin.query('GRANT SELECT ON secret_totals TO nobody'),
      (e) => pgError(e).code === '42704' && pgError(e).message === 'user "nobody" does not exist',
    );
    await assert.rejects(
      admin.query('GRANT SELECT ON secret_totals TO ROLE nobody'),
      (e) => pgError(e).code === '42704' && pgError(e).message === 'role "nobody" does not exist',
    );
    await assert.rejects(admin.query('GRANT SELECT ON no_such_view TO analyst'), (e) => pgError(e).code === '42P01');
    await assert.rejects(admin.query('GRANT USAGE ON secret_totals TO analyst'), (e) => pgError(e).code === '0LP01');
    await assert.rejects(admin.query('GRANT SELECT ON secret_totals TO GROUP analysts'), (e) => pgError(e).code === '0A000');

    assert.equal((await admin.query('GRANT SELECT ON secret_totals TO analyst WITH GRANT OPTION')).command, 'GRANT');
    assert.equal((await analystDb.query('SELECT sum(n)::int AS n FROM secret_totals')).rows[0].n, 2);
    // The grant covers SELECT only, and psql \dp shows it as a Postgres ACL (r = SELECT, * = grant option).
    await assert.rejects(analystDb.query('DROP MATERIALIZED VIEW secret_totals'), (e) => pgError(e).code === '42501');
    const dp = await psql(`host=127.0.0.1 port=${server.pg!.port} user=${root.accessKeyId} dbname=dev`, '\\dp secret_totals', root.secretAccessKey);
    assert.equal(dp.stdout.trim(), `public|secret_totals|materialized view|analyst=r*/arn:aws:iam::${ACCOUNT}:root||`, dp.stderr);

    // A grant option lets its holder grant that privilege on (not others); views:Grant is needed otherwise.
    await iam.send(new CreateUserCommand({ UserName: 'auditor' }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }));
    const auditor = await connect(k.AccessKey!.AccessKeyId!, k.AccessKey!.SecretAccessKey!);
    await assert.rejects(auditor.query('SELECT count(*) FROM secret_totals'), denied);
    await assert.rejects(analystDb.query('GRANT SELECT, DELETE ON secret_totals TO auditor'), (e) => pgError(e).code === '42501');
    await assert.rejects(analystDb.query('GRANT SELECT ON card_transactions TO auditor'), (e) => pgError(e).code === '42501');
    await analystDb.query('GRANT SELECT ON secret_totals TO auditor');
    assert.equal((await auditor.query('SELECT count(*)::int AS n FROM secret_totals')).rows[0].n, 2);

    // A schema's CREATE lets a user create relations there; the creator owns what it creates (every privilege).
    await assert.rejects(auditor.query('CREATE TABLE audit_log (logged_at timestamp, what varchar)'), (e) => pgError(e).code === '42501');
    await admin.query('GRANT CREATE ON SCHEMA public TO auditor');
    await auditor.query('CREATE TABLE audit_log (logged_at timestamp, what varchar)');
    await auditor.query(`INSERT INTO audit_log VALUES (TIMESTAMP '2024-04-01 10:00:00', 'read secret_totals')`);
    assert.equal((await auditor.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n, 1);
    await assert.rejects(analystDb.query('SELECT * FROM audit_log'), (e) => pgError(e).code === '42501');

    // ROLE grants reach the role's STS sessions; PUBLIC reaches everyone.
    await admin.query(`GRANT SELECT ON audit_log TO ROLE "redshift-streaming-role"`);
    await admin.query('GRANT SELECT ON card_transactions TO PUBLIC');
    assert.equal((await auditor.query('SELECT count(*)::int AS n FROM card_transactions')).rows[0].n, 2);

    // An explicit Deny in a policy wins over any grant.
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'auditor',
        PolicyName: 'never-totals',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'views:Select', Resource: ARN('relation/public/secret_totals') }],
        }),
      }),
    );
    await assert.rejects(auditor.query('SELECT count(*) FROM secret_totals'), denied);

    // REVOKE takes a grant back (REVOKE GRANT OPTION FOR only the option); dropping a relation drops its grants.
    await admin.query('REVOKE GRANT OPTION FOR SELECT ON secret_totals FROM analyst');
    await assert.rejects(analystDb.query('GRANT SELECT ON secret_totals TO auditor'), (e) => pgError(e).code === '42501');
    assert.equal((await analystDb.query('SELECT count(*)::int AS n FROM secret_totals')).rows[0].n, 2);
    assert.equal((await admin.query('REVOKE SELECT ON secret_totals FROM analyst')).command, 'REVOKE');
    await assert.rejects(analystDb.query('SELECT * FROM secret_totals'), denied);
    await auditor.query('DROP TABLE audit_log');
    await admin.query('GRANT CREATE ON SCHEMA public TO analyst');
    await analystDb.query('CREATE TABLE audit_log (a int)');
    // A schema's CREATE makes new relations only: it neither replaces one nor makes its "creator" own one that exists.
    await assert.rejects(analystDb.query('CREATE OR REPLACE TABLE secret_totals (a int)'), (e) => pgError(e).code === '42501');
    await assert.rejects(analystDb.query('CREATE TABLE IF NOT EXISTS secret_totals (a int)'), (e) => pgError(e).code === '42501');
    await assert.rejects(analystDb.query('SELECT * FROM secret_totals'), denied);
    await assert.rejects(auditor.query('SELECT * FROM audit_log'), (e) => pgError(e).code === '42501');
    await admin.query('REVOKE ALL ON card_transactions FROM PUBLIC');
    await assert.rejects(auditor.query('SELECT count(*) FROM card_transactions'), (e) => pgError(e).code === '42501');
  });

  it("logs in with an STS session's keys until they expire, with the role's policies and grants", async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'dashboard-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'dashboard-role',
        PolicyName: 'read-secret-totals',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'views:Select', Resource: ARN('relation/public/secret_totals') }],
        }),
      }),
    );
    const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: root });
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/dashboard-role`, RoleSessionName: 'grafana', DurationSeconds: 900 }),
    );
    const key = assumed.Credentials!;
    assert.match(key.AccessKeyId!, /^ASIA/);
    const c = await connect(key.AccessKeyId!, key.SecretAccessKey!);
    assert.equal((await c.query('SELECT sum(n)::int AS n FROM secret_totals')).rows[0].n, 2);
    await assert.rejects(
      c.query('SELECT * FROM card_transactions'),
      (e) => pgError(e).code === '42501' && pgError(e).message === 'permission denied for relation card_transactions',
    );
    // A grant to the role reaches its sessions.
    await admin.query('GRANT SELECT ON card_transactions TO ROLE "dashboard-role"');
    assert.equal((await c.query('SELECT count(*)::int AS n FROM card_transactions')).rows[0].n, 2);
    clock.advance(901_000);
    await assert.rejects(connect(key.AccessKeyId!, key.SecretAccessKey!), (e) => pgError(e).code === '28P01');
  });

  it("switches off DuckDB's file access, so no client reads or writes the server's files", async () => {
    await assert.rejects(admin.query(`SELECT * FROM read_csv('/etc/hostname')`), (e) => /external access|disabled/i.test(pgError(e).message));
    // COPY to a server file is refused before DuckDB sees it.
    await assert.rejects(admin.query(`COPY (SELECT 1) TO '/tmp/freshet-views-should-not-exist.csv'`), (e) => /STDOUT only/.test(pgError(e).message));
    await assert.rejects(admin.query(`ATTACH '/tmp/freshet-views-should-not-exist.duckdb' AS other`), (e) =>
      /external access|disabled/i.test(pgError(e).message),
    );
  });
});

describe('Postgres endpoint under --auth enforce with a data dir', () => {
  it('refreshes and resumes after a restart with DuckDB file access switched off', async () => {
    const tmp = await tempDir('views-enforce-restart');
    const env = { FRESHET_ROOT_ACCESS_KEY_ID: 'AKIAFRESHETROOTTEST1', FRESHET_ROOT_SECRET_ACCESS_KEY: 'root-secret-for-the-restart-test' };
    const start = () =>
      startServer({ port: 0, dataDir: tmp.dir, fsync: { kind: 'never' }, auth: 'enforce', env, pg: { port: 0, views: { onError: () => undefined } } });
    const login = async (s: FreshetServer) => {
      const c = new pg.Client({
        host: '127.0.0.1',
        port: s.pg!.port,
        user: env.FRESHET_ROOT_ACCESS_KEY_ID,
        password: env.FRESHET_ROOT_SECRET_ACCESS_KEY,
        database: 'dev',
      });
      await c.connect();
      return c;
    };
    let server = await start();
    try {
      await createStream(server, 'payments', 2);
      await putAll(server, 'payments', [{ partitionKey: 'a', data: Buffer.from('{"x": 1}') }]);
      let c = await login(server);
      await c.query(`CREATE EXTERNAL SCHEMA kds FROM KINESIS IAM_ROLE default`);
      await c.query(`CREATE MATERIALIZED VIEW p AS SELECT JSON_PARSE(kinesis_data) AS payload FROM kds."payments"`);
      await c.query('REFRESH MATERIALIZED VIEW p');
      await c.end();
      await server.close();
      server = await start();
      await putAll(server, 'payments', [{ partitionKey: 'b', data: Buffer.from('{"x": 2}') }]);
      c = await login(server);
      await c.query('REFRESH MATERIALIZED VIEW p');
      assert.deepEqual((await c.query('SELECT sum(payload.x)::int AS s, count(*)::int AS n FROM p')).rows, [{ s: 3, n: 2 }]);
      await c.end();
    } finally {
      await server.close();
      await tmp.remove();
    }
  });
});
