/**
 * A JDBC client against the Postgres endpoint: Debian's pgJDBC (libpostgresql-jdbc-java) run by Java's
 * single-file source launcher (test/views/fixtures/JdbcClient.java) executes the seeds' DDL unchanged, then a
 * PreparedStatement seven times (pgJDBC switches to named server-side statements after five), DatabaseMetaData
 * and an error inside a transaction. scripts/test.sh installs the driver (and a Java runtime) when missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cardLoad, centsOf, createStream, putAll, seedDdl, startViews, uniqueName } from './helpers.ts';
import type { ViewsHarness } from './helpers.ts';

const run = promisify(execFile);

describe('JDBC (pgJDBC) against the Postgres endpoint', () => {
  let h: ViewsHarness;
  const stream = uniqueName('jdbc-payments');
  const load = cardLoad(800, 33);
  before(async () => {
    h = await startViews();
    await createStream(h.server, stream, 2);
    await putAll(
      h.server,
      stream,
      load.map((r) => ({ partitionKey: r.partitionKey, data: Buffer.from(JSON.stringify(r.value)) })),
    );
    await h.server.kinesis.putRecords(stream, [{ partitionKey: 'x', data: Buffer.from('not json') }]);
  });
  after(async () => {
    await h.close();
  });

  it('runs the seeds DDL, prepared statements past the prepare threshold, metadata and errors as on Postgres', async () => {
    const { stdout } = await run(
      'java',
      [
        '-cp',
        '/usr/share/java/postgresql.jar',
        join(import.meta.dirname, 'fixtures', 'JdbcClient.java'),
        String(h.pgPort),
        'jdbc_card_tx',
        ...seedDdl(stream, 'jdbc_card_tx'),
      ],
      { timeout: 120_000 },
    );
    const lines = stdout.trim().split('\n');
    const cents = centsOf(load);
    const total = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    assert.deepEqual(
      lines.filter((l) => l.startsWith('run ')),
      Array.from({ length: 7 }, (_, i) => `run ${i} n=${load.length} total=${total}`),
    );
    assert.deepEqual(
      lines.filter((l) => !l.startsWith('run ')),
      ['types varchar timestamp true', 'product PostgreSQL', 'table jdbc_card_tx MATERIALIZED VIEW', 'error 42883', 'aborted 25P02', 'after rollback 2'],
    );
  });
});
