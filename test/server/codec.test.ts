/** The JSON codec and edge validator as pure functions, on request bodies captured from @aws-sdk/client-kinesis. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsError } from '../../src/core/index.ts';
import { codecFor, jsonCodec11, validatorsFor } from '../../src/aws/index.ts';
import type { ServiceModel } from '../../src/aws/index.ts';

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'sdk-requests.json'), 'utf8')) as Array<{
  headers: Record<string, string>;
  body: string;
}>;

describe('JSON codec', () => {
  it('is chosen by Content-Type, ignoring parameters and case', () => {
    assert.equal(codecFor('application/x-amz-json-1.1'), jsonCodec11);
    assert.equal(codecFor('Application/X-Amz-Json-1.1; charset=utf-8'), jsonCodec11);
    assert.equal(codecFor('application/x-amz-json-1.0')?.contentType, 'application/x-amz-json-1.0');
    assert.equal(codecFor('application/json'), undefined);
    assert.equal(codecFor(undefined), undefined);
  });

  it('decodes the SDK golden requests', () => {
    const [create, put, iter] = fixtures.map((f) => codecFor(f.headers['content-type'])!.decode(Buffer.from(f.body)));
    assert.deepEqual(create, { StreamName: 'orders', ShardCount: 2, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    assert.equal((put!.Records as Array<{ Data: string }>)[0]!.Data, Buffer.from('{"sales": 22.78}').toString('base64'));
    assert.equal(iter!.Timestamp, 1612101947.19);
  });

  it('decodes only whole bodies: every truncation is a SerializationException', () => {
    const body = Buffer.from(fixtures[1]!.body);
    for (let cut = 0; cut < body.length; cut++) {
      assert.throws(
        () => jsonCodec11.decode(body.subarray(0, cut)),
        (e: unknown) => e instanceof AwsError && e.code === 'SerializationException',
        `cut at ${cut}`,
      );
    }
  });

  it('encodes errors as AWS does, with Message for SerializationException', () => {
    assert.equal(
      jsonCodec11.encodeError(new AwsError({ code: 'ResourceNotFoundException', httpStatus: 400, retryable: false }, 'Stream x under account 1 not found.')),
      '{"__type":"ResourceNotFoundException","message":"Stream x under account 1 not found."}',
    );
    assert.equal(
      jsonCodec11.encodeError(new AwsError('SerializationException', 'bad', { messageField: 'Message' })),
      '{"__type":"SerializationException","Message":"bad"}',
    );
    assert.equal(jsonCodec11.encodeError(new AwsError('UnknownOperationException', '')), '{"__type":"UnknownOperationException"}');
  });
});

describe('edge validator', () => {
  // A model in botocore's terms (src/aws/model.ts); validators are compiled from its shapes.
  const model: ServiceModel = {
    metadata: { apiVersion: '2020-01-01', endpointPrefix: 'test', signingName: 'test', serviceId: 'Test', protocol: 'json', protocols: ['json'] },
    operations: {},
    shapes: {
      In: {
        type: 'structure',
        required: ['Name'],
        members: { Limit: { shape: 'Limit' }, Name: { shape: 'Name' }, Tags: { shape: 'Tags' }, Keys: { shape: 'Keys' }, Flag: { shape: 'Flag' } },
      },
      Limit: { type: 'integer', min: 1, max: 10 },
      Name: { type: 'string', pattern: '[a-z]+', min: 1, max: 3 },
      Tags: { type: 'map', key: { shape: 'Key' }, value: { shape: 'Value' }, max: 2 },
      Key: { type: 'string', min: 1, max: 2 },
      Value: { type: 'string', min: 0, max: 1 },
      Keys: { type: 'list', member: { shape: 'Key' } },
      Flag: { type: 'boolean' },
      Big: { type: 'structure', members: { N: { shape: 'N' } } },
      N: { type: 'integer' },
    },
  };
  const validators = validatorsFor(model);
  const validate = validators<Record<string, unknown>>('In');

  it('normalises numbers, drops nulls and unknown members', () => {
    assert.deepEqual(validate({ Limit: 2.9, Name: 'ab', Extra: 1, Flag: null }), { Limit: 2, Name: 'ab' });
    const big = validators<{ N?: number }>('Big');
    assert.equal(big({ N: 1e12 }).N, 2147483647);
  });

  it('reports up to ten errors in member order', () => {
    assert.throws(
      () => validate({ Limit: 0, Name: 'ABCD', Tags: { abc: 'xy', d: 'e', f: 'g' }, Keys: ['abc'] }),
      (e: unknown) => {
        assert.ok(e instanceof AwsError);
        assert.equal(e.code, 'ValidationException');
        assert.equal(
          e.message,
          "7 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
            "Value 'ABCD' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+; " +
            "Value 'ABCD' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3; " +
            "Value '{abc=xy, d=e, f=g}' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 2; " +
            "Value '{abc=xy, d=e, f=g}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 2, Member must have length greater than or equal to 1]; " +
            "Value '{abc=xy, d=e, f=g}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 1, Member must have length greater than or equal to 0]; " +
            "Value '[abc]' at 'keys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2, Member must have length greater than or equal to 1]",
        );
        return true;
      },
    );
  });

  it('words type errors as Coral does', () => {
    assert.throws(() => validate({ Name: 'a', Flag: 'yes' }), { code: 'SerializationException', message: "'YES' can not be converted to an Boolean" });
    assert.throws(() => validate({ Name: 'a', Flag: 1 }), {
      message: 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Boolean',
    });
    assert.throws(() => validate({ Name: 'a', Tags: [] }), { message: 'Start of list found where not expected' });
    assert.throws(() => validate({ Name: 'a', Keys: {} }), { message: 'Start of structure or map found where not expected.' });
  });
});
