/**
 * The model-driven codecs as pure functions, on golden requests and responses shaped like the ones
 * botocore and the AWS SDKs send and read (the end-to-end proof with the real clients is protocols.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../../src/core/index.ts';
import { decodeQueryInput, encodeQueryError, encodeQueryOutput, parseForm } from '../../src/aws/codec/query.ts';
import { compileRoutes, decodeRestJsonInput, encodeRestJsonError, encodeRestJsonOutput, matchRoute } from '../../src/aws/codec/rest-json.ts';
import { decodeRpcV2, encodeRpcV2Output, parseRpcV2Path } from '../../src/aws/codec/rpcv2.ts';
import { sqsModel } from '../../src/aws/models/sqs.ts';
import { cloudWatchModel } from '../../src/aws/models/cloudwatch.ts';
import { lambdaModel } from '../../src/aws/models/lambda.ts';
import { stsModel } from '../../src/aws/models/sts.ts';

describe('awsQuery codec', () => {
  it('decodes flattened lists and maps (SQS), as botocore writes them', () => {
    const params = parseForm(
      'Action=SendMessage&Version=2012-11-05&QueueUrl=u&MessageBody=a%26b&DelaySeconds=4' +
        '&MessageAttribute.1.Name=bin&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=AP8%3D' +
        '&MessageAttribute.2.Name=s&MessageAttribute.2.Value.DataType=String&MessageAttribute.2.Value.StringValue=v',
    );
    assert.deepEqual(decodeQueryInput(sqsModel, sqsModel.operations.SendMessage, params), {
      QueueUrl: 'u',
      MessageBody: 'a&b',
      DelaySeconds: 4,
      MessageAttributes: { bin: { DataType: 'Binary', BinaryValue: 'AP8=' }, s: { DataType: 'String', StringValue: 'v' } },
    });
    const receive = parseForm('Action=ReceiveMessage&QueueUrl=u&AttributeName.1=All&MessageAttributeName.1=a&MessageAttributeName.2=b');
    assert.deepEqual(decodeQueryInput(sqsModel, sqsModel.operations.ReceiveMessage, receive), {
      QueueUrl: 'u',
      AttributeNames: ['All'],
      MessageAttributeNames: ['a', 'b'],
    });
  });

  it('decodes member lists of structures, timestamps and empty lists (CloudWatch, STS)', () => {
    const put = parseForm(
      'Action=PutMetricData&Namespace=App&MetricData.member.1.MetricName=m&MetricData.member.1.Value=1.5&MetricData.member.1.Timestamp=2024-01-01T00%3A00%3A00Z' +
        '&MetricData.member.1.Dimensions.member.1.Name=Host&MetricData.member.1.Dimensions.member.1.Value=a',
    );
    assert.deepEqual(decodeQueryInput(cloudWatchModel, cloudWatchModel.operations.PutMetricData, put), {
      Namespace: 'App',
      MetricData: [{ MetricName: 'm', Value: 1.5, Timestamp: Date.UTC(2024, 0, 1) / 1000, Dimensions: [{ Name: 'Host', Value: 'a' }] }],
    });
    const empty = parseForm('Action=AssumeRole&RoleArn=r&RoleSessionName=s&TransitiveTagKeys=');
    assert.deepEqual(decodeQueryInput(stsModel, stsModel.operations.AssumeRole, empty), { RoleArn: 'r', RoleSessionName: 's', TransitiveTagKeys: [] });
  });

  it('refuses a value that is not of its member’s type with InvalidParameterValue', () => {
    assert.throws(() => decodeQueryInput(sqsModel, sqsModel.operations.SendMessage, parseForm('QueueUrl=u&MessageBody=b&DelaySeconds=soon')), {
      code: 'InvalidParameterValue',
      message: 'Value (soon) for parameter DelaySeconds is invalid. Must be an integer.',
    });
  });

  it('encodes results with the wrapper, flattened lists, escaping and ISO timestamps, and errors as ErrorResponse', () => {
    const xml = encodeQueryOutput(
      sqsModel,
      'ReceiveMessage',
      sqsModel.operations.ReceiveMessage,
      { Messages: [{ MessageId: 'm', Body: '<&>', Attributes: { SentTimestamp: '1' } }] },
      'req-1',
    );
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult>' +
        '<Message><MessageId>m</MessageId><Body>&lt;&amp;&gt;</Body><Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute></Message>' +
        '</ReceiveMessageResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></ReceiveMessageResponse>',
    );
    const sts = encodeQueryOutput(
      stsModel,
      'AssumeRole',
      stsModel.operations.AssumeRole,
      { Credentials: { AccessKeyId: 'a', SecretAccessKey: 's', SessionToken: 't', Expiration: 0 } },
      'r',
    );
    assert.match(sts, /<Expiration>1970-01-01T00:00:00.000Z<\/Expiration>/);
    const err = encodeQueryError(
      sqsModel,
      new AwsError({ code: 'ResourceNotFoundException', httpStatus: 400, retryable: false }, 'gone'),
      { code: 'QueueDoesNotExist', httpStatus: 400, retryable: false, queryCode: 'AWS.SimpleQueueService.NonExistentQueue', senderFault: true },
      'r',
    );
    assert.equal(
      err,
      '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>gone</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    );
  });
});

describe('restJson1 codec', () => {
  const routes = compileRoutes(lambdaModel);

  it('routes by method and requestUri, labels decoded, fixed query keys and specificity honoured', () => {
    assert.deepEqual(matchRoute(routes, 'POST', '/2015-03-31/functions/my%3Afn/invocations', new URLSearchParams()), {
      operation: 'Invoke',
      labels: { FunctionName: 'my:fn' },
    });
    assert.equal(matchRoute(routes, 'GET', '/2015-03-31/functions/f', new URLSearchParams())?.operation, 'GetFunction');
    assert.equal(matchRoute(routes, 'GET', '/2015-03-31/functions/', new URLSearchParams())?.operation, 'ListFunctions');
    assert.equal(
      matchRoute(routes, 'GET', '/2019-09-30/functions/f/provisioned-concurrency', new URLSearchParams('List=ALL'))?.operation,
      'ListProvisionedConcurrencyConfigs',
    );
    assert.equal(
      matchRoute(routes, 'GET', '/2019-09-30/functions/f/provisioned-concurrency', new URLSearchParams())?.operation,
      'GetProvisionedConcurrencyConfig',
    );
    assert.equal(matchRoute(routes, 'PATCH', '/2015-03-31/functions/f', new URLSearchParams()), undefined);
  });

  it('binds labels, query strings, headers and the raw payload', () => {
    const input = decodeRestJsonInput(lambdaModel, lambdaModel.operations.Invoke, {
      labels: { FunctionName: 'f' },
      query: new URLSearchParams('Qualifier=3'),
      headers: { 'x-amz-invocation-type': 'Event', 'x-amz-log-type': 'Tail', 'x-amz-client-context': Buffer.from('{"a":1}').toString('base64') },
      body: Buffer.from('{"n":1}'),
    });
    assert.deepEqual(
      { ...input, Payload: (input.Payload as Buffer).toString() },
      {
        FunctionName: 'f',
        Qualifier: '3',
        InvocationType: 'Event',
        LogType: 'Tail',
        ClientContext: Buffer.from('{"a":1}').toString('base64'),
        Payload: '{"n":1}',
      },
    );
    const list = decodeRestJsonInput(lambdaModel, lambdaModel.operations.ListFunctions, {
      labels: {},
      query: new URLSearchParams('MaxItems=5'),
      headers: {},
      body: Buffer.alloc(0),
    });
    assert.deepEqual(list, { MaxItems: 5 });
  });

  it('writes the status code, headers and raw payload of an output, and errors as the shape names them', () => {
    const out = encodeRestJsonOutput(lambdaModel, lambdaModel.operations.Invoke, { StatusCode: 202, FunctionError: 'Unhandled', Payload: Buffer.from('{}') });
    assert.equal(out.status, 202);
    assert.deepEqual(out.headers, { 'X-Amz-Function-Error': 'Unhandled' });
    assert.equal(out.body.toString(), '{}');
    const err = encodeRestJsonError(
      lambdaModel,
      new AwsError({ code: 'ResourceNotFoundException', httpStatus: 404, retryable: false }, 'Function not found: f'),
    );
    assert.deepEqual(JSON.parse(err), { Type: 'User', Message: 'Function not found: f' });
  });
});

describe('Smithy RPC v2 CBOR codec', () => {
  it('parses the operation path and decodes byte strings and tag-1 timestamps', () => {
    assert.deepEqual(parseRpcV2Path('/service/GraniteServiceVersion20100801/operation/PutMetricData'), {
      service: 'GraniteServiceVersion20100801',
      operation: 'PutMetricData',
    });
    // { "Namespace": "A", "When": 1(1700000000.5) , "Blob": h'0102' }
    const body = Buffer.from('a3' + '694e616d657370616365' + '6141' + '645768656e' + 'c1fb41d954fc40200000' + '64426c6f62' + '420102', 'hex');
    assert.deepEqual(decodeRpcV2(body), { Namespace: 'A', When: 1700000000.5, Blob: Buffer.from([1, 2]) });
    assert.deepEqual(decodeRpcV2(Buffer.alloc(0)), {});
  });

  it('encodes an empty output as an empty map and timestamps as tag 1 + epoch seconds', () => {
    assert.deepEqual(encodeRpcV2Output(cloudWatchModel, undefined, undefined), Buffer.from('a0', 'hex'));
    const out = encodeRpcV2Output(cloudWatchModel, 'GetMetricDataOutput', { MetricDataResults: [{ Id: 'q', Timestamps: [1] }] });
    assert.ok(out.includes(Buffer.from('c101', 'hex')), out.toString('hex'));
  });
});
