/**
 * Hostile SQL programs (issue 18: "deep expressions, huge literals, pathological LIKE/REGEX patterns with
 * bounded time and memory"): programs nested deeper than the compiler's recursion can go fail as a SqlError
 * that says what to change (CodeValidationException through the Kinesis Analytics API) instead of a stack
 * overflow, LIKE matches in at most text × pattern steps where the backtracking RegExp it replaced was
 * exponential in the number of `%`, and user regular expressions fall back to V8's linear-time engine; those it
 * cannot run (back-references, lookaround, repetition counts above 16) are refused: a literal pattern with the
 * program, a pattern from data as the row's error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CreateApplicationCommand, KinesisAnalyticsClient, ListApplicationsCommand } from '@aws-sdk/client-kinesis-analytics';
import { FlinkApplication, SqlApplication, SqlError, StateLimitError } from '../../src/sql/index.ts';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DescribeApplicationCommand, StartApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import {
  CreateApplicationCommand as CreateFlinkApplicationCommand,
  DescribeApplicationCommand as DescribeFlinkApplicationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationsCommand as ListFlinkApplicationsCommand,
  StartApplicationCommand as StartFlinkApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { ManualClock } from '../../src/core/index.ts';
import { F, RowError, likeMatcher } from '../../src/sql/runtime/functions.ts';
import { FLINK_FUNCTIONS } from '../../src/sql/runtime/flink-functions.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';

const INPUT = { inputs: [{ name: 'SOURCE_SQL_STREAM_001', columns: [{ name: 'v', type: { name: 'VARCHAR', length: 64 } }] }] } as never;
const pump = (expr: string, from = '"SOURCE_SQL_STREAM_001"') =>
  `CREATE OR REPLACE STREAM "D" ("x" VARCHAR(64));\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "D" SELECT STREAM ${expr} FROM ${from};`;

/** KDA SQL programs past any sane depth, each within the API's 102,400-character limit on ApplicationCode. */
const DEEP: ReadonlyArray<readonly [string, string]> = [
  ['20,000 nested parentheses', pump(`${'('.repeat(20_000)}"v"${')'.repeat(20_000)}`)],
  ['an expression of 30,000 additions', pump(Array<string>(30_000).fill('1').join('+'))],
  ['5,000 nested CASEs', pump(`${'CASE WHEN TRUE THEN '.repeat(4_000)}'a'${' END'.repeat(4_000)}`)],
  ['5,000 NOTs', pump(`CASE WHEN ${'NOT '.repeat(5_000)}TRUE THEN 'a' END`)],
  ['2,000 nested subqueries', pump('"v"', `${'(SELECT STREAM "v" FROM '.repeat(2_000)}"SOURCE_SQL_STREAM_001"${')'.repeat(2_000)}`)],
];

const TOO_DEEP = /nests expressions, CASEs or subqueries too deeply to compile: split them/;

describe('hostile SQL programs', () => {
  for (const [what, code] of DEEP) {
    it(`refuses ${what} with a SqlError naming the fix, not a stack overflow`, () => {
      assert.ok(code.length <= 102_400, `${code.length} characters`);
      assert.throws(
        () => SqlApplication.compile(code, INPUT),
        (e: unknown) => e instanceof SqlError && TOO_DEEP.test(e.message),
      );
    });
  }

  it('refuses a Flink SQL script nested too deeply the same way', () => {
    const code = `CREATE TABLE t (v INT) WITH ('connector' = 'datagen');\nSELECT ${'('.repeat(20_000)}v${')'.repeat(20_000)} FROM t;`;
    assert.throws(
      () => FlinkApplication.compile(code),
      (e: unknown) => e instanceof SqlError && TOO_DEEP.test(e.message),
    );
  });

  it('still compiles ordinary depth (100 nested parentheses, 1,000 additions) and a 100 kB string literal', () => {
    for (const code of [pump(`${'('.repeat(100)}"v"${')'.repeat(100)}`), pump(Array<string>(1_000).fill('1').join('+')), pump(`'${'a'.repeat(100_000)}'`)]) {
      SqlApplication.compile(code, INPUT).close();
    }
  });

  it('LIKE matches exactly as the anchored RegExp it replaces (% any run, _ one unit, escapes)', () => {
    const reference = (pattern: string, escape: string | null, text: string): boolean => {
      let src = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i]!;
        if (escape !== null && c === escape && i + 1 < pattern.length) src += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        else src += c === '%' ? '[\\s\\S]*' : c === '_' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      return new RegExp(`^${src}$`).test(text);
    };
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '%', '_', '!', '.'), maxLength: 8 }),
        fc.string({ unit: fc.constantFrom('a', 'b', '%', '_', '!', '.', '\n'), maxLength: 12 }),
        fc.constantFrom(null, '!'),
        (pattern, text, escape) => likeMatcher(pattern, escape).test(text) === reference(pattern, escape, text),
      ),
      { numRuns: 3000, seed: 18 },
    );
  });

  it('LIKE with many % against a long non-matching text answers in bounded time (the RegExp took seconds on 200 characters)', () => {
    const text = 'a'.repeat(20_000);
    const started = performance.now();
    assert.equal(likeMatcher(`${'%a'.repeat(12)}%b`, null).test(text), false);
    assert.equal(likeMatcher(`${'%a'.repeat(12)}%`, null).test(text), true);
    // Generous: the two matches take a few ms; the RegExp needed more than three seconds with three `%a`s on 200 characters.
    assert.ok(performance.now() - started < 2_000, `${performance.now() - started} ms`);
  });

  it('SIMILAR TO and REGEX_REPLACE with catastrophic patterns answer in bounded time (V8’s linear-time fallback)', () => {
    const started = performance.now();
    // 2^40 backtracking steps each without the fallback: these would not return.
    assert.equal(F.similar('a'.repeat(40), '(a|a)*b', null), false);
    assert.equal(F.regexReplace(`${'a'.repeat(40)}!`, '^(a+)+b', 'x', null, null), `${'a'.repeat(40)}!`);
    assert.equal(F.regexReplace('aaa-bbb', '(a+)-(b+)', '$2-$1', null, null), 'bbb-aaa', 'ordinary patterns and groups unchanged');
    assert.ok(performance.now() - started < 5_000, `${performance.now() - started} ms`);
  });

  const NOT_LINEAR = /cannot be matched in linear time \(it uses a back-reference, a lookaround or a repetition count above 16\).*rewrite it without/;

  it('refuses literal patterns the linear engine cannot run with the program: back-references, lookaround, big counts', () => {
    for (const code of [
      pump(`REGEX_REPLACE("v", '^(a|a)*\\1$', 'x')`),
      pump(`REGEX_REPLACE("v", '(?<w>a+)\\k<w>', 'x')`),
      pump(`REGEX_REPLACE("v", '(?=(a+)+b)a', 'x')`),
      pump(`REGEX_REPLACE("v", '(?<!x)a', 'x')`),
      pump(`CASE WHEN "v" SIMILAR TO '(a|a){0,40}b' THEN 'y' END`),
      pump('"r"."C1"', `(SELECT STREAM REGEX_LOG_PARSE("v", '(\\w+) \\1') AS "r" FROM "SOURCE_SQL_STREAM_001")`),
    ]) {
      assert.throws(
        () => SqlApplication.compile(code, INPUT),
        (e: unknown) => e instanceof SqlError && NOT_LINEAR.test(e.message),
        code,
      );
    }
    assert.throws(
      () => FlinkApplication.compile(`CREATE TABLE t (v STRING) WITH ('connector' = 'datagen');\nSELECT REGEXP_EXTRACT(v, '(a+)\\1', 1) FROM t;`),
      (e: unknown) => e instanceof SqlError && NOT_LINEAR.test(e.message),
    );
    // Ordinary patterns, named groups and counts up to 16 still compile.
    SqlApplication.compile(pump(`REGEX_REPLACE("v", '(?<k>[a-z]{2,16})-(\\d+)', '$2')`), INPUT).close();
  });

  it('refuses a non-linear pattern that comes from data as that row’s error, in bounded time', () => {
    const started = performance.now();
    const evil = 'a'.repeat(40);
    for (const call of [
      () => F.regexReplace(evil, '^(a|a)*\\1$', 'x', null, null),
      () => F.regexReplace(evil, '^(?=(a|a)*b)', 'x', null, null),
      () => F.similar(evil, '(a|a){0,40}b', null),
      () => FLINK_FUNCTIONS.regexp(evil, '^(a|a)*\\1b'),
      () => FLINK_FUNCTIONS.regexpReplace(evil, '(a|a)*(?!a)b', 'x'),
    ]) {
      assert.throws(call, (e: unknown) => e instanceof RowError && e.errorName === 'InvalidRegex' && NOT_LINEAR.test(e.message));
    }
    // Without the check `^(a|a)*\1$` on 40 `a`s backtracks 2^40 times: it would not return.
    assert.ok(performance.now() - started < 2_000, `${performance.now() - started} ms`);
    assert.equal(FLINK_FUNCTIONS.regexp('aa-bb', '^[a-z]{2}-[a-z]{1,16}$'), true);
  });

  const WINDOWED = (groupBy: string) =>
    `CREATE OR REPLACE STREAM "D" ("x" VARCHAR(64), "n" BIGINT);\nCREATE OR REPLACE PUMP "COUNTS" AS INSERT INTO "D" SELECT STREAM "v", COUNT(*) FROM "SOURCE_SQL_STREAM_001" GROUP BY ${groupBy}, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '1' HOUR);`;
  const SLIDING = `CREATE OR REPLACE STREAM "D" ("x" VARCHAR(64), "n" BIGINT);\nCREATE OR REPLACE PUMP "LAST_HOUR" AS INSERT INTO "D" SELECT STREAM "v", COUNT(*) OVER (PARTITION BY "v" RANGE INTERVAL '1' HOUR PRECEDING) FROM "SOURCE_SQL_STREAM_001";`;
  const OVER_LIMIT =
    /^The application keeps (\d+) rows and groups of window, join and DISTINCT state, more than its limit of 1000 \(pump "(COUNTS|LAST_HOUR)" keeps \d+\): bound the GROUP BY, PARTITION BY or join keys, or shorten the windows$/;

  it('stops an application whose window state grows past its cap with StateLimitError naming the pump', () => {
    for (const code of [WINDOWED('"v"'), SLIDING]) {
      const app = SqlApplication.compile(code, { ...(INPUT as object), maxStateRows: 1000 } as never);
      try {
        const t0 = Date.UTC(2026, 0, 5, 10, 0, 0);
        app.push(
          'SOURCE_SQL_STREAM_001',
          Array.from({ length: 600 }, (_, i) => [`k${i}`]),
          t0,
        );
        assert.equal(app.stateRows(), 600);
        // Every key new, within the hour: 1,200 groups (rows) once the second batch is in.
        assert.throws(
          () =>
            app.push(
              'SOURCE_SQL_STREAM_001',
              Array.from({ length: 600 }, (_, i) => [`k${600 + i}`]),
              t0 + 1000,
            ),
          (e: unknown) => e instanceof StateLimitError && e.errorName === 'StateLimitExceeded' && OVER_LIMIT.test(e.message),
          code,
        );
      } finally {
        app.close();
      }
    }
  });

  it('keeps running an application whose state stays under its cap (bounded keys, windows that close)', () => {
    const app = SqlApplication.compile(WINDOWED('"v"'), { ...(INPUT as object), maxStateRows: 1000 } as never);
    try {
      const t0 = Date.UTC(2026, 0, 5, 10, 0, 0);
      // 20 hours of 900 keys each: each hour's groups go once its window closes.
      for (let h = 0; h < 20; h++)
        app.push(
          'SOURCE_SQL_STREAM_001',
          Array.from({ length: 900 }, (_, i) => [`k${i}`]),
          t0 + h * 3_600_000,
        );
      assert.ok(app.stateRows() <= 900, `${app.stateRows()} rows`);
    } finally {
      app.close();
    }
  });

  it('fails a running KDA application past its state cap: READY, with the reason in /status, and the server keeps serving', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startServer({ storage: 'memory', clock, analytics: { startDelayMs: 0, maxStateRows: 1000 } });
    const cfg = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIAX', secretAccessKey: 's' }, maxAttempts: 1 };
    const kinesis = new KinesisClient(cfg);
    const kda = new KinesisAnalyticsClient(cfg);
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'keys', ShardCount: 1 }));
      clock.advance(1000);
      await kda.send(
        new CreateApplicationCommand({
          ApplicationName: 'runaway',
          ApplicationCode: WINDOWED('"v"'),
          Inputs: [
            {
              NamePrefix: 'SOURCE_SQL_STREAM',
              KinesisStreamsInput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/keys', RoleARN: 'arn:aws:iam::000000000000:role/kda' },
              InputSchema: {
                RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
                RecordColumns: [{ Name: 'v', SqlType: 'VARCHAR(64)', Mapping: '$.v' }],
              },
            },
          ],
        }),
      );
      await kda.send(
        new StartApplicationCommand({
          ApplicationName: 'runaway',
          InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }],
        }),
      );
      for (let b = 0; b < 3; b++) {
        const Records = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: 'p', Data: Buffer.from(JSON.stringify({ v: `k${b * 500 + i}` })) }));
        await kinesis.send(new PutRecordsCommand({ StreamName: 'keys', Records }));
      }
      const status = async () => (await kda.send(new DescribeApplicationCommand({ ApplicationName: 'runaway' }))).ApplicationDetail!.ApplicationStatus;
      let s = await status();
      for (let i = 0; i < 300 && s !== 'READY'; i++) {
        clock.advance(1000);
        await new Promise((r) => setTimeout(r, 10));
        s = await status();
      }
      assert.equal(s, 'READY');
      const app = ((await (await fetch(`${server.url}/status`)).json()) as { applications: Array<{ name: string; lastError?: string }> }).applications.find(
        (a) => a.name === 'runaway',
      );
      assert.match(app?.lastError ?? '', OVER_LIMIT);
      assert.deepEqual((await kda.send(new ListApplicationsCommand({}))).ApplicationSummaries?.length, 1);
    } finally {
      kinesis.destroy();
      kda.destroy();
      await server.close();
    }
  });

  const FLINK_TABLES = `CREATE TABLE s (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'keys', 'format' = 'json', 'scan.stream.initpos' = 'TRIM_HORIZON');
CREATE TABLE t (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'other', 'format' = 'json');
CREATE TABLE o (v STRING, n BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE j (a STRING, b STRING) WITH ('connector' = 'blackhole');`;
  const FLINK_GROUPS = `${FLINK_TABLES}\nINSERT INTO o SELECT v, COUNT(*) FROM s GROUP BY v;`;
  const FLINK_JOIN = `${FLINK_TABLES}\nINSERT INTO j SELECT s.v, t.v FROM s JOIN t ON s.v = t.v;`;
  const FLINK_OVER_LIMIT =
    /^The job keeps (\d+) rows and groups of aggregation, window, join, ranking and pattern state, more than its limit of 1000 \(the INSERT INTO (o|j) keeps \d+\): bound the GROUP BY, PARTITION BY or join keys, set table\.exec\.state\.ttl, or shorten the windows$/;

  it('stops a Flink SQL job whose group or join state grows past its cap with StateLimitError naming the INSERT', () => {
    const t0 = Date.UTC(2026, 0, 5, 10, 0, 0);
    const keys = (from: number) => Array.from({ length: 600 }, (_, i) => [`k${from + i}`]);
    for (const [code, second] of [
      [FLINK_GROUPS, 's'],
      [FLINK_JOIN, 't'],
    ] as const) {
      const app = FlinkApplication.compile(code, { maxStateRows: 1000 });
      try {
        app.push('s', keys(0), t0);
        assert.equal(app.stateRows(), 600);
        // 600 more groups (GROUP BY), or 600 rows of the other side that match none (the join keeps both sides).
        assert.throws(
          () => app.push(second, keys(600), t0 + 1000),
          (e: unknown) => e instanceof StateLimitError && FLINK_OVER_LIMIT.test(e.message),
          code,
        );
      } finally {
        app.close();
      }
    }
  });

  it('keeps a Flink SQL job running while its state stays under its cap (900 keys, many rows each)', () => {
    const app = FlinkApplication.compile(FLINK_GROUPS, { maxStateRows: 1000 });
    try {
      const t0 = Date.UTC(2026, 0, 5, 10, 0, 0);
      for (let b = 0; b < 30; b++)
        app.push(
          's',
          Array.from({ length: 900 }, (_, i) => [`k${i}`]),
          t0 + b * 2000,
        );
      assert.equal(app.stateRows(), 900);
    } finally {
      app.close();
    }
  });

  it('fails a running Flink application past its state cap: READY, with the reason in /status, and the server keeps serving', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startServer({ storage: 'memory', clock, analytics: { startDelayMs: 0, maxStateRows: 1000 } });
    const cfg = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIAX', secretAccessKey: 's' }, maxAttempts: 1 };
    const kinesis = new KinesisClient(cfg);
    const flink = new KinesisAnalyticsV2Client(cfg);
    try {
      for (const name of ['keys', 'other']) await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(1000);
      await flink.send(
        new CreateFlinkApplicationCommand({
          ApplicationName: 'runaway-flink',
          RuntimeEnvironment: 'FLINK-1_15',
          ServiceExecutionRole: 'arn:aws:iam::000000000000:role/kda',
          ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: FLINK_GROUPS } } },
        }),
      );
      await flink.send(new StartFlinkApplicationCommand({ ApplicationName: 'runaway-flink', RunConfiguration: {} }));
      const status = async () =>
        (await flink.send(new DescribeFlinkApplicationCommand({ ApplicationName: 'runaway-flink' }))).ApplicationDetail!.ApplicationStatus;
      let s = await status();
      for (let i = 0; i < 100 && s !== 'RUNNING'; i++) {
        clock.advance(1000);
        await new Promise((r) => setTimeout(r, 10));
        s = await status();
      }
      assert.equal(s, 'RUNNING');
      for (let b = 0; b < 3; b++) {
        const Records = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: 'p', Data: Buffer.from(JSON.stringify({ v: `k${b * 500 + i}` })) }));
        await kinesis.send(new PutRecordsCommand({ StreamName: 'keys', Records }));
        clock.advance(1000);
      }
      for (let i = 0; i < 300 && s !== 'READY'; i++) {
        clock.advance(1000);
        await new Promise((r) => setTimeout(r, 10));
        s = await status();
      }
      assert.equal(s, 'READY');
      const app = ((await (await fetch(`${server.url}/status`)).json()) as { applications: Array<{ name: string; lastError?: string }> }).applications.find(
        (a) => a.name === 'runaway-flink',
      );
      assert.match(app?.lastError ?? '', FLINK_OVER_LIMIT);
      assert.equal((await flink.send(new ListFlinkApplicationsCommand({}))).ApplicationSummaries?.length, 1);
    } finally {
      kinesis.destroy();
      flink.destroy();
      await server.close();
    }
  });

  describe('through the Kinesis Analytics API', () => {
    let server: FreshetServer;
    let kda: KinesisAnalyticsClient;
    const input = {
      NamePrefix: 'SOURCE_SQL_STREAM',
      KinesisStreamsInput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/in', RoleARN: 'arn:aws:iam::000000000000:role/kda' },
      InputSchema: {
        RecordFormat: { RecordFormatType: 'JSON' as const, MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
        RecordColumns: [{ Name: 'v', SqlType: 'VARCHAR(64)', Mapping: '$.v' }],
      },
    };
    before(async () => {
      server = await startServer({ storage: 'memory' });
      kda = new KinesisAnalyticsClient({
        endpoint: server.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIAX', secretAccessKey: 's' },
        maxAttempts: 1,
      });
    });
    after(async () => {
      kda.destroy();
      await server.close();
    });

    it('answers CreateApplication with a too-deep program with CodeValidationException and keeps serving', async () => {
      for (const [, code] of DEEP) {
        await assert.rejects(kda.send(new CreateApplicationCommand({ ApplicationName: 'deep', ApplicationCode: code, Inputs: [input] })), (e: Error) => {
          assert.equal(e.name, 'CodeValidationException');
          assert.match(e.message, TOO_DEEP);
          return true;
        });
      }
      assert.deepEqual((await kda.send(new ListApplicationsCommand({}))).ApplicationSummaries, []);
    });

    it('answers CreateApplication with a back-reference pattern with CodeValidationException naming the fix', async () => {
      await assert.rejects(
        kda.send(new CreateApplicationCommand({ ApplicationName: 'backref', ApplicationCode: pump(`REGEX_REPLACE("v", '(a+)\\1', 'x')`), Inputs: [input] })),
        (e: Error) => {
          assert.equal(e.name, 'CodeValidationException');
          assert.match(e.message, NOT_LINEAR);
          return true;
        },
      );
    });
  });
});
