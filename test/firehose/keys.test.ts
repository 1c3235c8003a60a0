import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatJava,
  parsePrefix,
  evaluatePrefix,
  objectKey,
  errorObjectKey,
  validatePrefixes,
  compress,
  decompress,
  crc32c,
} from '../../src/firehose/index.ts';

const T = Date.UTC(2021, 0, 31, 14, 5, 47, 190); // a Sunday

describe('Java DateTimeFormatter patterns (Locale.US)', () => {
  const cases: [string, string][] = [
    ['yyyy-MM-dd HH:mm:ss.SSS', '2021-01-31 14:05:47.190'],
    ['yy', '21'],
    ['y', '2021'],
    ['uuuu', '2021'],
    ['M', '1'],
    ['MM', '01'],
    ['MMM', 'Jan'],
    ['MMMM', 'January'],
    ['MMMMM', 'J'],
    ['d', '31'],
    ['D', '31'],
    ['DDD', '031'],
    ['E', 'Sun'],
    ['EEEE', 'Sunday'],
    ['e', '1'],
    ['c', '1'],
    ['a', 'PM'],
    ['h', '2'],
    ['hh', '02'],
    ['K', '2'],
    ['k', '14'],
    ['H', '14'],
    ['Q', '1'],
    ['QQ', '01'],
    ['QQQ', 'Q1'],
    ['QQQQ', '1st quarter'],
    ['w', '6'],
    ['W', '6'],
    ['F', '5'],
    ['YYYY', '2021'],
    ['A', '50747190'],
    ['n', '190000000'],
    ['SSSSSS', '190000'],
    ["'at' HH'h'", 'at 14h'],
    ["''yy''", "'21'"],
    ["'it''s' yyyy", "it's 2021"],
    ['XXX', 'Z'],
    ['X', 'Z'],
    ['xxx', '+00:00'],
    ['Z', '+0000'],
    ['ZZZZZ', 'Z'],
    ['O', 'GMT'],
    ['VV', 'UTC'],
    ['yyyy/MM/dd/HH/', '2021/01/31/14/'],
    ['[yyyy]', '2021'],
    ['G', 'AD'],
  ];
  for (const [pattern, expected] of cases) {
    it(`formats ${JSON.stringify(pattern)} as ${JSON.stringify(expected)}`, () => assert.equal(formatJava(pattern, T), expected));
  }

  it('uses the US week-based year at the turn of the year', () => {
    assert.equal(formatJava('YYYY-ww', Date.UTC(2020, 11, 31)), '2021-01');
    assert.equal(formatJava('YYYY-ww', Date.UTC(2020, 11, 26)), '2020-52');
  });

  it('formats in a time zone with its offset', () => {
    assert.equal(formatJava('yyyy-MM-dd HH:mm XXX', T, 'Asia/Tokyo'), '2021-01-31 23:05 +09:00');
    assert.equal(formatJava('HH:mm xx', T, 'America/St_Johns'), '10:35 -0330');
    assert.equal(formatJava('yyyy-MM-dd', Date.UTC(2021, 0, 31, 20), 'Asia/Tokyo'), '2021-02-01');
  });

  it('rejects what Java rejects', () => {
    for (const bad of ['bbb', 'yyyy{', "'open", 'HHH', 'ddd', 'a]']) assert.throws(() => formatJava(bad, T), bad);
  });
});

describe('prefixes and keys', () => {
  it('evaluates every timestamp expression at one instant, random-string as 11 alphanumerics', () => {
    const t = parsePrefix('a/!{timestamp:yyyy}/!{timestamp:MM}/!{firehose:random-string}/');
    const s = evaluatePrefix(t, { timestampMs: T, timeZone: 'UTC' });
    assert.match(s, /^a\/2021\/01\/[A-Za-z0-9]{11}\/$/);
  });

  it('floors to an interval for the timestampFloor extension', () => {
    const t = parsePrefix('intvl_date=!{timestampFloor:PT5M:yyyy-MM-dd}/intvl_hhmm=!{timestampFloor:PT5M:HHmm}/');
    assert.equal(evaluatePrefix(t, { timestampMs: Date.UTC(2021, 5, 2, 22, 39, 59), timeZone: 'UTC' }), 'intvl_date=2021-06-02/intvl_hhmm=2235/');
    assert.equal(
      evaluatePrefix(parsePrefix('!{timestampFloor:P1D:yyyy-MM-dd HH}'), { timestampMs: Date.UTC(2021, 5, 2, 22), timeZone: 'Asia/Tokyo' }),
      '2021-06-03 00',
    );
    assert.throws(() => parsePrefix('!{timestampFloor:5m:HH}'), /ISO-8601/);
  });

  it('builds object keys and default error keys as Firehose does', () => {
    const k = objectKey({ prefix: null, streamName: 's', version: 3, ext: '.gz', ctx: { timestampMs: T, timeZone: 'UTC' } });
    assert.match(k, /^2021\/01\/31\/14\/s-3-2021-01-31-14-05-47-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.gz$/);
    const e = errorObjectKey({
      prefix: parsePrefix('data/'),
      errorPrefix: null,
      streamName: 's',
      version: 1,
      ctx: { timestampMs: T, timeZone: 'UTC', errorType: 'processing-failed' },
    });
    assert.match(e, /^data\/processing-failed\/2021\/01\/31\/14\/s-1-2021-01-31-14-05-47-/);
    const e2 = errorObjectKey({
      prefix: null,
      errorPrefix: parsePrefix('err/!{firehose:error-output-type}/!{timestamp:yyyy}/'),
      streamName: 's',
      version: 1,
      ctx: { timestampMs: T, timeZone: 'UTC', errorType: 'format-conversion-failed' },
    });
    assert.match(e2, /^err\/format-conversion-failed\/2021\/s-1-/);
  });

  it('applies the prefix rules', () => {
    assert.doesNotThrow(() => validatePrefixes({ prefix: 'plain/', errorOutputPrefix: undefined, dynamicPartitioning: false }));
    assert.throws(() => validatePrefixes({ prefix: '!{timestamp:yyyy}/', errorOutputPrefix: undefined, dynamicPartitioning: false }), /ErrorOutputPrefix/);
    assert.throws(
      () => validatePrefixes({ prefix: 'x/', errorOutputPrefix: 'e/!{partitionKeyFromQuery:a}/', dynamicPartitioning: true }),
      /ErrorOutputPrefix cannot contain/,
    );
    assert.throws(() => validatePrefixes({ prefix: 'x/!{timestamp:yyyy}/', errorOutputPrefix: 'e/', dynamicPartitioning: true }), /at least one partitionKey/);
    assert.throws(
      () => validatePrefixes({ prefix: 'x/!{firehose:nope}/', errorOutputPrefix: 'e/', dynamicPartitioning: false }),
      /random-string and error-output-type/,
    );
  });
});

describe('compression codecs', () => {
  it('computes CRC-32C (the check value of "123456789" is 0xE3069283)', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  });

  it('round-trips every format, including empty and multi-chunk bodies', () => {
    const big = new Uint8Array(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    for (const f of ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] as const) {
      for (const body of [new Uint8Array(0), new TextEncoder().encode('hello\n'), big]) {
        assert.deepEqual(Buffer.from(decompress(f, compress(f, body))), Buffer.from(body), `${f} ${body.length}`);
      }
    }
    const framed = compress('Snappy', new TextEncoder().encode('x'));
    assert.deepEqual([...framed.subarray(0, 10)], [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59], 'snappy stream identifier');
  });
});
