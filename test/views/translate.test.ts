/**
 * The Redshift/Postgres → DuckDB translator and the command parser, case by case: input SQL, the DuckDB
 * SQL it becomes (or the command it is).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lex, splitStatements } from '../../src/views/sql/lexer.ts';
import { classify } from '../../src/views/sql/commands.ts';
import { translateTokens } from '../../src/views/sql/translate.ts';

const ctx = {
  jsonColumns: (r: string) => (r === 'card_tx' || r === 'public.card_tx' ? new Set(['payload']) : undefined),
  setting: (n: string) => (n === 'standard_conforming_strings' ? 'on' : undefined),
};

function tr(sql: string): string {
  return translateTokens(lex(sql), ctx).replace(/\s+/g, ' ').trim();
}

describe('Translator', () => {
  const cases: Array<[string, string]> = [
    // SUPER navigation, exact then case-insensitive lookup; unquoted names fold to lower case
    ['SELECT payload.TERMINAL_ID FROM card_tx', `select __super_attr(payload, '$."terminal_id"', 'terminal_id') AS "terminal_id" from card_tx`],
    [
      'SELECT t.payload."TX_AMOUNT"::decimal(18,2) AS a FROM card_tx t',
      `select __super_attr(t.payload, '$."TX_AMOUNT"', 'TX_AMOUNT')::decimal(18,2) as a from card_tx t`,
    ],
    [
      'SELECT payload.items[0].sku FROM card_tx',
      `select __super_attr(json_extract(__super_attr(payload, '$."items"', 'items'), '$[0]'), '$."sku"', 'sku') AS "sku" from card_tx`,
    ],
    // strings: compared with a literal or cast to a string type, the scalar text
    [
      "SELECT 1 AS x FROM card_tx WHERE payload.status = 'OK'",
      `select 1 as x from card_tx where __super_text(__super_attr(payload, '$."status"', 'status')) = 'OK'`,
    ],
    ['SELECT payload.name::varchar AS n FROM card_tx', `select __super_text(__super_attr(payload, '$."name"', 'name'))::varchar as n from card_tx`],
    ['SELECT sum(payload.amount) AS s FROM card_tx', `select sum(__super_number(__super_attr(payload, '$."amount"', 'amount'))) as s from card_tx`],
    // a relation's own columns are not navigation
    ['SELECT t.partition_key FROM card_tx t', 'select t.partition_key from card_tx t'],
    // Redshift functions
    [
      "SELECT JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'a', 'B') AS v FROM s",
      `select __jept(from_varbyte(kinesis_data, 'utf-8'), '$."a"."B"') as v from s`,
    ],
    ["SELECT json_extract_path_text(j, 'a', true) AS v FROM s", `select __jept_nii(j, '$."a"') as v from s`],
    ['SELECT x::super AS a, y::varbyte(100) AS b FROM s', 'select x::JSON as a, y::BLOB as b from s'],
    ['CREATE TABLE t (a VARCHAR(MAX), b SUPER) DISTSTYLE AUTO SORTKEY(a)', 'create table t (a VARCHAR, b JSON)'],
    // Postgres result names
    [
      'SELECT count(*), 1.5::decimal(18,2), now(), 1 + 2, CASE WHEN true THEN 1 END FROM s',
      'select count(*) AS "count", 1.5::decimal(18,2) AS "numeric", now() AS "now", 1 + 2 AS "?column?", case when true then 1 end AS "case" from s',
    ],
    // what psql sends
    [
      "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default AND pg_catalog.pg_table_is_visible(c.oid)",
      "select c.oid from freshet_views.pg_class c where c.relname ~ '(?s).*(?:^(t)$).*' and __pg_table_is_visible(c.oid)",
    ],
    ["SELECT 'card_tx'::regclass::oid AS o", `select __regclass('card_tx')::BIGINT as o`],
    ["SELECT pg_catalog.current_setting('standard_conforming_strings') AS s", `select 'on' as s`],
    [
      'SELECT c.reloftype::pg_catalog.regtype::pg_catalog.text AS t FROM pg_catalog.pg_class c',
      'select c.reloftype::VARCHAR::text as t from freshet_views.pg_class c',
    ],
  ];
  for (const [input, expected] of cases) {
    it(`translates ${input.slice(0, 70)}`, () => {
      assert.equal(tr(input), expected);
    });
  }
});

describe('Command parser', () => {
  const one = (sql: string) => classify(splitStatements(lex(sql))[0]!);

  it('reads CREATE EXTERNAL SCHEMA … FROM KINESIS with its IAM role', () => {
    assert.deepEqual(one(`CREATE EXTERNAL SCHEMA kds FROM KINESIS IAM_ROLE 'arn:aws:iam::0:role/r'`), {
      kind: 'createExternalSchema',
      name: 'kds',
      ifNotExists: false,
      iamRole: 'arn:aws:iam::0:role/r',
      source: 'KINESIS',
    });
    assert.throws(() => one('CREATE EXTERNAL SCHEMA k FROM MSK IAM_ROLE default'), /FROM MSK are not supported/);
  });

  it('reads CREATE MATERIALIZED VIEW options in any order and keeps the query', () => {
    const c = one('CREATE MATERIALIZED VIEW mv BACKUP NO DISTKEY(a) SORTKEY(a, b) AUTO REFRESH YES AS SELECT a FROM kds."s-1"');
    assert.equal(c?.kind, 'createMaterializedView');
    if (c?.kind !== 'createMaterializedView') return;
    assert.deepEqual(c.name, { name: 'mv' });
    assert.equal(c.backup, false);
    assert.equal(c.autoRefresh, true);
    assert.equal(
      c.query
        .map((t) => t.text)
        .join('')
        .trim(),
      'SELECT a FROM kds."s-1"',
    );
  });

  it('reads session commands and leaves other SQL to DuckDB', () => {
    assert.deepEqual(one('SET extra_float_digits = 3'), { kind: 'set', name: 'extra_float_digits', value: '3', local: false });
    assert.deepEqual(one("SET TIME ZONE 'UTC'"), { kind: 'set', name: 'timezone', value: 'UTC', local: false });
    assert.deepEqual(one('SHOW TRANSACTION ISOLATION LEVEL'), { kind: 'show', name: 'transaction_isolation' });
    assert.deepEqual(one('BEGIN ISOLATION LEVEL READ COMMITTED'), { kind: 'begin' });
    assert.deepEqual(one('DROP MATERIALIZED VIEW IF EXISTS s.mv CASCADE'), {
      kind: 'dropMaterializedView',
      name: { schema: 's', name: 'mv' },
      ifExists: true,
      cascade: true,
    });
    assert.equal(one('SELECT 1'), undefined);
    assert.equal(one('CREATE TABLE t (a int)'), undefined);
  });

  it('splits scripts at semicolons outside strings, identifiers and comments', () => {
    const parts = splitStatements(lex(`SELECT ';' AS a; -- x; y\nSELECT "b;c" FROM t /* ; */; ;SELECT $$;$$`));
    assert.equal(parts.length, 3);
  });
});
