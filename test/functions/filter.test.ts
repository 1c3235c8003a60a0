/**
 * Event filtering: the comparison operators of Lambda's filter-rule table and
 * its documented examples (Kinesis `data`, SQS `body`, metadata properties,
 * multi-level fields), the JSON / plain-string rules for the data key, and
 * invalid patterns refused when a mapping is created.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileCriteria, passes } from '../../src/functions/esm/filter.ts';

function kinesisMatch(pattern: unknown, record: { partitionKey?: string; data: unknown }): boolean {
  const filters = compileCriteria([{ pattern: JSON.stringify(pattern) }], 'data');
  const raw = typeof record.data === 'string' ? record.data : JSON.stringify(record.data);
  return passes(filters, { partitionKey: record.partitionKey ?? '1', sequenceNumber: '4959' }, 'data', raw);
}

describe('filter rule syntax (the comparison operators AWS documents)', () => {
  const cases: Array<[string, unknown, unknown, boolean]> = [
    ['null', { data: { UserID: [null] } }, { UserID: null }, true],
    ['null does not match a value', { data: { UserID: [null] } }, { UserID: 'u1' }, false],
    ['empty', { data: { LastName: [''] } }, { LastName: '' }, true],
    ['equals', { data: { Name: ['Alice'] } }, { Name: 'Alice' }, true],
    ['equals is case-sensitive', { data: { Name: ['Alice'] } }, { Name: 'alice' }, false],
    ['and', { data: { Location: ['New York'], Day: ['Monday'] } }, { Location: 'New York', Day: 'Monday' }, true],
    ['and needs every field', { data: { Location: ['New York'], Day: ['Monday'] } }, { Location: 'New York', Day: 'Tuesday' }, false],
    ['or', { data: { PaymentType: ['Credit', 'Debit'] } }, { PaymentType: 'Debit' }, true],
    ['not (anything-but)', { data: { Weather: [{ 'anything-but': ['Raining'] }] } }, { Weather: 'Sunny' }, true],
    ['not excludes the value', { data: { Weather: [{ 'anything-but': ['Raining'] }] } }, { Weather: 'Raining' }, false],
    ['numeric equals', { data: { Price: [{ numeric: ['=', 100] }] } }, { Price: 100 }, true],
    ['numeric range', { data: { Price: [{ numeric: ['>', 10, '<=', 20] }] } }, { Price: 20 }, true],
    ['numeric range excludes', { data: { Price: [{ numeric: ['>', 10, '<=', 20] }] } }, { Price: 10 }, false],
    ['numeric needs a number', { data: { Price: [{ numeric: ['>', 10] }] } }, { Price: '11' }, false],
    ['exists', { data: { ProductName: [{ exists: true }] } }, { ProductName: 'x' }, true],
    ['exists fails when absent', { data: { ProductName: [{ exists: true }] } }, { Other: 1 }, false],
    ['does not exist', { data: { ProductName: [{ exists: false }] } }, { Other: 1 }, true],
    ['begins with', { data: { Region: [{ prefix: 'us-' }] } }, { Region: 'us-east-1' }, true],
    ['begins with fails', { data: { Region: [{ prefix: 'us-' }] } }, { Region: 'eu-west-1' }, false],
    ['ends with', { data: { FileName: [{ suffix: '.png' }] } }, { FileName: 'a.png' }, true],
    ['equals-ignore-case', { data: { Name: [{ 'equals-ignore-case': 'alice' }] } }, { Name: 'ALICE' }, true],
    ['anything-but prefix', { data: { Region: [{ 'anything-but': { prefix: 'us-' } }] } }, { Region: 'eu-west-1' }, true],
    ['wildcard', { data: { FilePath: [{ wildcard: 'dir/*.png' }] } }, { FilePath: 'dir/a/b.png' }, true],
    ['cidr', { data: { SourceIp: [{ cidr: '10.0.0.0/24' }] } }, { SourceIp: '10.0.0.255' }, true],
    ['cidr excludes', { data: { SourceIp: [{ cidr: '10.0.0.0/24' }] } }, { SourceIp: '10.0.1.1' }, false],
    ['array value matches any element', { data: { Tags: ['b'] } }, { Tags: ['a', 'b'] }, true],
    ['$or', { data: { $or: [{ c: ['x'] }, { d: [{ numeric: ['>', 5] }] }] } }, { d: 6 }, true],
  ];
  for (const [title, pattern, data, expected] of cases) {
    it(`${title}: ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(kinesisMatch(pattern, { data }), expected);
    });
  }
});

describe('documented filtering examples', () => {
  it('filters a Kinesis record on partitionKey (metadata) and Location (data)', () => {
    const pattern = { partitionKey: ['1'], data: { Location: ['Los Angeles'] } };
    assert.equal(kinesisMatch(pattern, { partitionKey: '1', data: { Location: 'Los Angeles' } }), true);
    assert.equal(kinesisMatch(pattern, { partitionKey: '2', data: { Location: 'Los Angeles' } }), false);
    assert.equal(kinesisMatch(pattern, { partitionKey: '1', data: { Location: 'Seattle' } }), false);
  });

  it('filters on a temperature range: greater than 50, at most 60', () => {
    const pattern = { data: { Temperature: [{ numeric: ['>', 50, '<=', 60] }] } };
    assert.equal(kinesisMatch(pattern, { data: { Temperature: 55 } }), true);
    assert.equal(kinesisMatch(pattern, { data: { Temperature: 61 } }), false);
  });

  it('filters on a field nested several levels deep', () => {
    const pattern = { data: { Keys: { Id: { N: ['101'] } } } };
    assert.equal(kinesisMatch(pattern, { data: { Keys: { Id: { N: '101' } } } }), true);
    assert.equal(kinesisMatch(pattern, { data: { Keys: { Id: { N: '102' } } } }), false);
  });

  it('matches the console example { "a": [1, 2] } on SQS message bodies', () => {
    const filters = compileCriteria([{ pattern: '{ "body": { "a" : [ 1, 2 ] } }' }], 'body');
    assert.equal(passes(filters, {}, 'body', '{"a": 2}'), true);
    assert.equal(passes(filters, {}, 'body', '{"a": 3}'), false);
  });

  it('drops non-JSON Kinesis data under a JSON data pattern, but filters it on metadata alone', () => {
    assert.equal(kinesisMatch({ data: { a: ['x'] } }, { data: 'plain text' }), false);
    assert.equal(kinesisMatch({ partitionKey: ['1'] }, { partitionKey: '1', data: 'plain text' }), true);
  });

  it('applies SQS plain-string body patterns to plain bodies only', () => {
    const plain = compileCriteria([{ pattern: '{ "body": [ { "prefix": "order-" } ] }' }], 'body');
    assert.equal(passes(plain, {}, 'body', 'order-17'), true);
    assert.equal(passes(plain, {}, 'body', '{"order": 17}'), false);
  });

  it('ORs up to five filters and refuses a sixth or an invalid pattern', () => {
    const filters = compileCriteria([{ pattern: '{"data":{"k":["a"]}}' }, { pattern: '{"data":{"k":["b"]}}' }], 'data');
    assert.equal(passes(filters, {}, 'data', '{"k":"b"}'), true);
    assert.equal(passes(filters, {}, 'data', '{"k":"c"}'), false);
    assert.throws(
      () =>
        compileCriteria(
          Array.from({ length: 6 }, () => ({ pattern: '{}' })),
          'data',
        ),
      /maximum number of filters/,
    );
    assert.throws(
      () => compileCriteria([{ pattern: '{"data": {"k": "not-an-array"}}' }], 'data'),
      (e: any) => e.code === 'InvalidParameterValueException',
    );
    assert.throws(
      () => compileCriteria([{ pattern: 'not json' }], 'data'),
      (e: any) => e.code === 'InvalidParameterValueException',
    );
    assert.throws(() => compileCriteria([{ pattern: '{"data": {"k": [{"numeric": ["~", 1]}]}}' }], 'data'), /numeric range operator/);
  });
});
