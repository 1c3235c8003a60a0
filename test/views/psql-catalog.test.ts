/**
 * psql's meta-commands beyond \d (which clients.test.ts covers): \l, \l+, \df, \dfS, \df+, \du, \dx, \dn, \do, \doS, \dp and \dn+,
 * answered from the catalog queries Debian's psql sends, and current_database() naming the database the
 * client connected to.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startViews } from './helpers.ts';
import type { ViewsHarness } from './helpers.ts';

const run = promisify(execFile);

describe('psql meta-commands answered from the catalog', () => {
  let h: ViewsHarness;
  /** Runs psql -c with unaligned, tuples-only output; rows as arrays of fields. */
  const psql = async (command: string, db = 'dev'): Promise<string[][]> => {
    const { stdout } = await run(
      '/usr/bin/psql',
      ['-h', '127.0.0.1', '-p', String(h.pgPort), '-U', 'analyst', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', command, db],
      {
        env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'prefer' },
        timeout: 60_000,
      },
    );
    return stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('|'));
  };
  before(async () => {
    h = await startViews();
    const c = await h.client();
    await c.query('CREATE MACRO add_tax(amount, rate) AS amount * (1 + rate)');
  });
  after(async () => {
    await h.close();
  });

  it('lists the database connected to with \\l and \\l+, and current_database() names it', async () => {
    const l = await psql('\\l', 'analytics');
    assert.deepEqual(l, [['analytics', 'freshet', 'UTF8', 'C.UTF-8', 'C.UTF-8', '', 'libc', '']]);
    const plus = await psql('\\l+');
    assert.equal(plus.length, 1);
    assert.equal(plus[0]![0], 'dev');
    assert.match(plus[0]![8]!, /^\d+ (bytes|kB|MB|GB)$/);
    assert.equal(plus[0]![9], 'pg_default');
    assert.deepEqual(await psql('SELECT current_database()', 'analytics'), [['analytics']]);
  });

  it("lists users' functions with \\df, and Redshift's and the built-ins under pg_catalog with \\dfS", async () => {
    assert.deepEqual(await psql('\\df'), [['public', 'add_tax', '', 'amount, rate', 'func']]);
    const redshift = await psql('\\dfS json_parse');
    assert.deepEqual(redshift, [
      ['pg_catalog', 'json_parse', '', 'x blob', 'func'],
      ['pg_catalog', 'json_parse', '', 'x varchar', 'func'],
    ]);
    const sum = await psql('\\dfS sum');
    assert.ok(sum.length > 1 && sum.every((r) => r[0] === 'pg_catalog' && r[1] === 'sum' && r[4] === 'agg'));
    const plus = await psql('\\df+ add_tax');
    assert.equal(plus[0]![10], 'sql');
    assert.match(plus[0]![11]!, /amount \* \(1 \+ rate\)/);
    // Freshet's own helpers stay hidden.
    assert.deepEqual(await psql('\\dfS __*'), []);
  });

  it('answers \\du, \\dx and \\dn (schemas starting pg_ hidden, as psql asks with !~)', async () => {
    const du = await psql('\\du');
    assert.equal(du[0]![0], 'freshet');
    const dx = (await psql('\\dx')).map((r) => r[0]);
    assert.ok(dx.includes('json'), dx.join());
    const dn = (await psql('\\dn')).map((r) => r[0]);
    assert.ok(dn.includes('public') && !dn.includes('pg_catalog'), dn.join());
  });

  it("lists no user operators with \\do (as Postgres without any), and DuckDB's built-in ones under pg_catalog with \\doS", async () => {
    assert.deepEqual(await psql('\\do'), []);
    const like = await psql('\\doS ~~');
    assert.deepEqual(like, [['pg_catalog', '~~', 'character varying', 'character varying', 'boolean', '']]);
    const plus = await psql('\\doS+ +');
    assert.ok(
      plus.some((r) => r.slice(0, 6).join('|') === 'pg_catalog|+|integer|integer|integer|+'),
      plus.map((r) => r.join('|')).join('\n'),
    );
    assert.ok(
      plus.some((r) => r[2] === '' && r[3] === 'bigint'),
      'prefix + (no left argument) is listed',
    );
  });

  it("shows GRANT and REVOKE as Postgres ACLs in \\dp and \\dn+ (Redshift's letters, * for a grant option, empty grantee for PUBLIC)", async () => {
    const c = await h.client();
    await c.query('CREATE TABLE acl_t (a int)');
    await c.query('CREATE VIEW acl_v AS SELECT a FROM acl_t');
    assert.deepEqual(await psql('\\dp acl_*'), [
      ['public', 'acl_t', 'table', '', '', ''],
      ['public', 'acl_v', 'view', '', '', ''],
    ]);
    await c.query('GRANT SELECT, INSERT ON acl_t TO bob');
    await c.query('GRANT ALL PRIVILEGES ON TABLE acl_v TO bob WITH GRANT OPTION');
    await c.query('GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC');
    await c.query('GRANT USAGE, CREATE ON SCHEMA public TO ROLE etl');
    await c.query('REVOKE INSERT ON acl_t FROM bob');
    await c.query('REVOKE GRANT OPTION FOR DELETE ON acl_v FROM bob');
    // psql prints one ACL entry per line: unaligned output puts them on lines of their own.
    const { stdout } = await run('/usr/bin/psql', ['-h', '127.0.0.1', '-p', String(h.pgPort), '-U', 'analyst', '-X', '-A', '-t', '-c', '\\dp acl_*', 'dev'], {
      timeout: 60_000,
    });
    assert.equal(stdout, 'public|acl_t|table|=r/analyst\nbob=r/analyst||\npublic|acl_v|view|=r/analyst\nbob=a*r*w*dx*D*P*A*/analyst||\n');
    const dn = (await psql('\\dn+ public'))[0]!;
    assert.equal(dn[2], 'role etl=UC/analyst');
    // A dropped relation's grants go with it.
    await c.query('DROP VIEW acl_v');
    await c.query('CREATE VIEW acl_v AS SELECT 1 AS x');
    assert.deepEqual(await psql('\\dp acl_v'), [['public', 'acl_v', 'view', '', '', '']]);
  });
});
