/**
 * Clients Freshet does not control, run as users run them: Debian's psql (postgresql-client) and
 * python3-psycopg2, each running the seeds' streaming-ingestion DDL unchanged over a known card-payments
 * load, then psql's catalog commands (\d, \dm, \d view) and COPY … TO STDOUT; psycopg2's parameter binding,
 * copy_expert and its error classes (SQLSTATE per error, 25P02 in a failed transaction until ROLLBACK).
 * scripts/test.sh installs both packages when missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cardLoad, centsOf, createStream, putAll, seedDdl, startViews, uniqueName } from './helpers.ts';
import type { ViewsHarness } from './helpers.ts';

const run = promisify(execFile);

async function psql(port: number, args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const child = execFile('/usr/bin/psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'analyst', '-X', '-v', 'ON_ERROR_STOP=1', ...args, 'dev'], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'prefer' },
    timeout: 60_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  if (input !== undefined) child.stdin!.end(input);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { stdout, stderr, code };
}

describe('psql and psycopg2 against the Postgres endpoint', () => {
  let h: ViewsHarness;
  const stream = uniqueName('card-payments');
  const load = cardLoad(1500, 21);
  before(async () => {
    h = await startViews();
    await createStream(h.server, stream, 2);
    await putAll(
      h.server,
      stream,
      load.map((r) => ({ partitionKey: r.partitionKey, data: Buffer.from(JSON.stringify(r.value)) })),
    );
    await h.server.kinesis.putRecords(stream, [{ partitionKey: 'x', data: Buffer.from([0xff, 0xfe, 0x00]) }]);
  });
  after(async () => {
    await h.close();
  });

  it('psql runs the seeds DDL from a script, and the view holds every JSON record', async () => {
    const script = `${seedDdl(stream, 'psql_card_tx').join(';\n')};\nREFRESH MATERIALIZED VIEW psql_card_tx;\nSELECT count(*) AS n, sum(payload."TX_AMOUNT"::decimal(18,2)) AS total FROM psql_card_tx;\n`;
    const r = await psql(h.pgPort, ['-A', '-t', '-F', '|'], script);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), ['CREATE SCHEMA', 'CREATE MATERIALIZED VIEW', 'REFRESH MATERIALIZED VIEW']);
    const [n, total] = lines[3]!.split('|');
    assert.equal(Number(n), 1500);
    assert.equal(Math.round(Number(total) * 100), centsOf(load));
  });

  it("psql's \\d, \\dm and \\d <view> describe materialized views with Postgres type names", async () => {
    const list = await psql(h.pgPort, ['-c', '\\d']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /public\s+\|\s+psql_card_tx\s+\|\s+materialized view/);
    assert.doesNotMatch(list.stdout, /positions/, "Freshet's own catalog tables are not listed");
    const mv = await psql(h.pgPort, ['-c', '\\dm']);
    assert.match(mv.stdout, /psql_card_tx/);
    const desc = await psql(h.pgPort, ['-c', '\\d psql_card_tx']);
    assert.equal(desc.code, 0, desc.stderr);
    assert.match(desc.stdout, /Materialized view "public\.psql_card_tx"/);
    assert.match(desc.stdout, /approximate_arrival_timestamp\s+\|\s+timestamp without time zone/);
    assert.match(desc.stdout, /payload\s+\|\s+json/);
    assert.match(desc.stdout, /sequence_number\s+\|\s+character varying/);
  });

  it('psql exports with COPY … TO STDOUT (CSV with a header)', async () => {
    const r = await psql(h.pgPort, [
      '-c',
      `COPY (SELECT payload."TERMINAL_ID"::int AS terminal, count(*) AS n FROM psql_card_tx GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3) TO STDOUT WITH (FORMAT csv, HEADER)`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'terminal,n');
    const counts = new Map<number, number>();
    for (const x of load) counts.set(x.value.TERMINAL_ID, (counts.get(x.value.TERMINAL_ID) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3);
    assert.deepEqual(
      lines.slice(1),
      top.map(([t, n]) => `${t},${n}`),
    );
  });

  it('psql shows Postgres error codes (unknown function: 42883)', async () => {
    const r = await psql(h.pgPort, ['-v', 'VERBOSITY=verbose', '-c', 'SELECT no_such_function(1)']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ERROR:\s+42883: function no_such_function does not exist/);
  });

  it('psycopg2 runs the seeds DDL unchanged and reads the top terminals by amount per minute', async () => {
    const script = `
import json, sys, psycopg2
conn = psycopg2.connect(host='127.0.0.1', port=int(sys.argv[1]), user='analyst', dbname='dev')
cur = conn.cursor()
for stmt in json.loads(sys.argv[2]):
    cur.execute(stmt)
cur.execute("REFRESH MATERIALIZED VIEW py_card_tx")
conn.commit()
cur.execute("""SELECT date_trunc('minute', payload."TX_DATETIME"::timestamp) AS minute,
                      payload."TERMINAL_ID"::int AS terminal_id,
                      sum(payload."TX_AMOUNT"::decimal(18,2)) AS amount
               FROM py_card_tx GROUP BY 1, 2 ORDER BY amount DESC, 2 LIMIT 1""")
minute, terminal, amount = cur.fetchone()
cur.execute("SELECT count(*) FROM py_card_tx WHERE partition_key = %s", ('x',))
junk = cur.fetchone()[0]
cur.execute("SELECT count(*), sum(payload.\\"TX_AMOUNT\\"::decimal(18,2)) FROM py_card_tx")
n, total = cur.fetchone()
print(json.dumps({"minute": minute.isoformat(), "terminal": terminal, "amount": str(amount), "junk": junk, "n": n, "total": str(total),
                  "types": [d[1] for d in cur.description]}))
conn.close()
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, String(h.pgPort), JSON.stringify(seedDdl(stream, 'py_card_tx'))], { timeout: 60_000 });
    const out = JSON.parse(stdout) as { minute: string; terminal: number; amount: string; junk: number; n: number; total: string; types: number[] };
    assert.equal(out.n, 1500);
    assert.equal(out.junk, 0, 'the record that is not JSON (not even UTF-8) was skipped by CAN_JSON_PARSE');
    assert.equal(Math.round(Number(out.total) * 100), centsOf(load));
    // The same query, computed here.
    const groups = new Map<string, number>();
    for (const x of load) {
      const key = `${x.value.TX_DATETIME.slice(0, 16)}|${x.value.TERMINAL_ID}`;
      groups.set(key, (groups.get(key) ?? 0) + Math.round(x.value.TX_AMOUNT * 100));
    }
    const [bestKey, bestCents] = [...groups.entries()].sort((a, b) => b[1] - a[1] || Number(a[0].split('|')[1]) - Number(b[0].split('|')[1]))[0]!;
    assert.equal(out.minute, `${bestKey.split('|')[0]!.replace(' ', 'T')}:00`);
    assert.equal(out.terminal, Number(bestKey.split('|')[1]));
    assert.equal(Math.round(Number(out.amount) * 100), bestCents);
    assert.deepEqual(out.types, [20, 1700], 'count(*) is int8 and the sum numeric');
  });

  it('psycopg2 binds parameters of every common type, exports with copy_expert and reports errors with their SQLSTATE classes', async () => {
    const script = `
import datetime, decimal, io, json, sys, psycopg2, psycopg2.errors
conn = psycopg2.connect(host='127.0.0.1', port=int(sys.argv[1]), user='analyst', dbname='dev')
cur = conn.cursor()
out = {}
# Parameters, interpolated by psycopg2 as it does against Postgres: text with a quote, int, float, decimal, NULL, dates, tuples for IN.
cur.execute("SELECT %s::varchar, %s::int, %s::double, %s::decimal(10,2), %s IS NULL, %s::date, %s::timestamp",
            ("it's", 42, 2.5, decimal.Decimal('19.99'), None, datetime.date(2024, 4, 1), datetime.datetime(2024, 4, 1, 10, 30, 5)))
row = cur.fetchone()
out['params'] = [row[0], row[1], row[2], str(row[3]), row[4], row[5].isoformat(), row[6].isoformat()]
cur.execute("SELECT count(*) FROM py_card_tx WHERE payload.\\"TERMINAL_ID\\"::int IN %s", (tuple(json.loads(sys.argv[2])),))
out['in'] = cur.fetchone()[0]
cur.execute("SELECT count(*) FROM py_card_tx WHERE payload.\\"TX_AMOUNT\\"::decimal(18,2) > %(min)s", {'min': decimal.Decimal('50')})
out['named'] = cur.fetchone()[0]
buf = io.StringIO()
cur.copy_expert("COPY (SELECT partition_key FROM py_card_tx ORDER BY sequence_number LIMIT 2) TO STDOUT WITH (FORMAT csv)", buf)
out['copy'] = buf.getvalue().splitlines()
conn.commit()
errors = []
for sql in ["SELECT no_such_function(1)", "SELECT * FROM no_such_view", "SELEC 1", "SELECT nope FROM py_card_tx"]:
    try:
        cur.execute(sql)
    except psycopg2.Error as e:
        errors.append([type(e).__name__, e.pgcode])
        conn.rollback()
out['errors'] = errors
# After an error inside a transaction, Postgres refuses everything until ROLLBACK: so does Freshet.
cur.execute("SELECT 1")
try:
    cur.execute("SELECT * FROM no_such_view")
except psycopg2.Error:
    pass
try:
    cur.execute("SELECT 1")
except psycopg2.Error as e:
    out['aborted'] = [type(e).__name__, e.pgcode]
conn.rollback()
cur.execute("SELECT 2")
out['after_rollback'] = cur.fetchone()[0]
conn.close()
print(json.dumps(out))
`;
    const terminals = [...new Set(load.map((x) => x.value.TERMINAL_ID))].slice(0, 3);
    const { stdout } = await run('/usr/bin/python3', ['-c', script, String(h.pgPort), JSON.stringify(terminals)], { timeout: 60_000 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(out.params, ["it's", 42, 2.5, '19.99', true, '2024-04-01', '2024-04-01T10:30:05']);
    assert.equal(out.in, load.filter((x) => terminals.includes(x.value.TERMINAL_ID)).length);
    assert.equal(out.named, load.filter((x) => x.value.TX_AMOUNT > 50).length);
    assert.equal((out.copy as string[]).length, 2);
    assert.deepEqual(out.errors, [
      ['UndefinedFunction', '42883'],
      ['UndefinedTable', '42P01'],
      ['SyntaxError', '42601'],
      ['UndefinedColumn', '42703'],
    ]);
    assert.deepEqual(out.aborted, ['InFailedSqlTransaction', '25P02']);
    assert.equal(out.after_rollback, 2);
  });
});
