/**
 * Redshift's functions beyond the seeds' (LISTAGG, DATEADD, DATEDIFF, DECODE) through node-postgres, with the
 * results Redshift's documentation gives for them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startViews } from './helpers.ts';
import type { ViewsHarness } from './helpers.ts';

describe('Redshift functions on the Postgres endpoint', () => {
  let h: ViewsHarness;
  let c: pg.Client;
  before(async () => {
    h = await startViews();
    c = await h.client();
    await c.query(`CREATE TABLE sales (seller varchar(20), city varchar(20), qty int, sold timestamp)`);
    await c.query(`INSERT INTO sales VALUES
      ('ann', 'Oslo', 3, '2008-01-31 10:00:00'), ('bob', 'Oslo', 1, '2008-02-01 09:30:00'),
      ('cid', 'Rome', 2, '2008-02-29 23:59:59'), ('ann', 'Rome', NULL, '2008-03-01 00:00:00')`);
  });
  after(async () => {
    await h.close();
  });

  it('aggregates LISTAGG with a delimiter in WITHIN GROUP order, per group and with DISTINCT', async () => {
    const all = await c.query(`SELECT LISTAGG(seller, ', ') WITHIN GROUP (ORDER BY seller DESC) AS sellers FROM sales`);
    assert.deepEqual(all.rows, [{ sellers: 'cid, bob, ann, ann' }]);
    const perCity = await c.query(`SELECT city, LISTAGG(seller, '|') WITHIN GROUP (ORDER BY sold) AS s FROM sales GROUP BY city ORDER BY city`);
    assert.deepEqual(perCity.rows, [
      { city: 'Oslo', s: 'ann|bob' },
      { city: 'Rome', s: 'cid|ann' },
    ]);
    const distinct = await c.query(`SELECT listagg(DISTINCT seller, ',') WITHIN GROUP (ORDER BY seller) AS s FROM sales`);
    assert.deepEqual(distinct.rows, [{ s: 'ann,bob,cid' }]);
    // No delimiter: values run together, as on Redshift.
    const bare = await c.query(`SELECT LISTAGG(city) WITHIN GROUP (ORDER BY city) AS s FROM sales WHERE qty IS NOT NULL`);
    assert.deepEqual(bare.rows, [{ s: 'OsloOsloRome' }]);
  });

  it('adds date parts with DATEADD (month ends clamp, abbreviations, quoted parts) and counts boundaries with DATEDIFF', async () => {
    const r = await c.query(`SELECT DATEADD(month, 1, '2008-01-31'::date) AS a, DATEADD(mins, 90, sold) AS b,
        dateadd('day', -1, sold) AS d, DATEADD(qtr, 1, sold) AS q, DATEADD(week, 2, sold) AS w
      FROM sales WHERE seller = 'bob'`);
    const row = r.rows[0] as Record<string, Date>;
    const iso = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    assert.equal(iso(row.a!), '2008-02-29T00:00:00');
    assert.equal(iso(row.b!), '2008-02-01T11:00:00');
    assert.equal(iso(row.d!), '2008-01-31T09:30:00');
    assert.equal(iso(row.q!), '2008-05-01T09:30:00');
    assert.equal(iso(row.w!), '2008-02-15T09:30:00');
    const diff = await c.query(`SELECT DATEDIFF(day, '2008-02-29 23:59:59'::timestamp, '2008-03-01 00:00:00'::timestamp)::int AS days,
        DATEDIFF(year, '2007-12-31'::date, '2008-01-01'::date)::int AS years, datediff(h, '2008-01-01 10:59', '2008-01-01 11:00')::int AS hours`);
    assert.deepEqual(diff.rows, [{ days: 1, years: 1, hours: 1 }]);
    await assert.rejects(c.query(`SELECT DATEADD(fortnight, 1, sold) FROM sales`), (e) => (e as { code: string }).code === '22023');
  });

  it('maps values with DECODE, a NULL search matching a NULL value, the default otherwise', async () => {
    const r = await c.query(`SELECT seller, DECODE(city, 'Oslo', 'Norway', 'Rome', 'Italy') AS country,
        DECODE(qty, NULL, 'none', 1, 'one', 'many') AS q FROM sales ORDER BY seller, sold`);
    assert.deepEqual(
      r.rows.map((x) => [x.seller, x.country, x.q]),
      [
        ['ann', 'Norway', 'many'],
        ['ann', 'Italy', 'none'],
        ['bob', 'Norway', 'one'],
        ['cid', 'Italy', 'many'],
      ],
    );
    const noDefault = await c.query(`SELECT DECODE(seller, 'zed', 1) AS x FROM sales LIMIT 1`);
    assert.deepEqual(noDefault.rows, [{ x: null }]);
  });
});
