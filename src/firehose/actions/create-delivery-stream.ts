/** Firehose CreateDeliveryStream — API_CreateDeliveryStream: DeliveryStreamName, DeliveryStreamType, KinesisStreamSourceConfiguration, one destination configuration, Tags, DeliveryStreamEncryptionConfigurationInput → { DeliveryStreamARN } */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations, invalidArgument, validateStreamName, KINESIS_ARN_PATTERN, KINESIS_ARN_TEXT, ROLE_ARN_PATTERN, ROLE_ARN_TEXT } from '../validate.ts';
import { parseS3, parseHttp } from '../config.ts';
import type { DestinationConfig } from '../config.ts';
import { parseTags, encryptionInput, checkDestinationResources, DESTINATION_FIELDS } from './common.ts';

export function createDeliveryStream(engine: FirehoseEngine): ActionHandler {
  return async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const type =
      v.str(input.DeliveryStreamType, 'deliveryStreamType', { enumValues: ['DirectPut', 'KinesisStreamAsSource', 'MSKAsSource', 'DatabaseAsSource'] }) ??
      'DirectPut';
    const src = v.obj(input.KinesisStreamSourceConfiguration, 'kinesisStreamSourceConfiguration');
    const kinesisArn = src
      ? v.str(src.KinesisStreamARN, 'kinesisStreamSourceConfiguration.kinesisStreamARN', {
          required: true,
          min: 1,
          max: 512,
          pattern: KINESIS_ARN_PATTERN,
          patternText: KINESIS_ARN_TEXT,
        })
      : undefined;
    const roleArn = src
      ? v.str(src.RoleARN, 'kinesisStreamSourceConfiguration.roleARN', {
          required: true,
          min: 1,
          max: 512,
          pattern: ROLE_ARN_PATTERN,
          patternText: ROLE_ARN_TEXT,
        })
      : undefined;
    const tags = input.Tags === undefined ? [] : parseTags(v, input.Tags, 'tags', false);
    v.throwIfAny();
    const encryption = encryptionInput(v, input.DeliveryStreamEncryptionConfigurationInput, 'deliveryStreamEncryptionConfigurationInput');

    if (type === 'MSKAsSource' || type === 'DatabaseAsSource') throw invalidArgument(`DeliveryStreamType ${type} is not supported by Freshet`);
    if (type === 'KinesisStreamAsSource' && !src)
      throw invalidArgument('KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource');
    if (type === 'DirectPut' && src) throw invalidArgument('KinesisStreamSourceConfiguration is only allowed when DeliveryStreamType is KinesisStreamAsSource');
    if (type === 'KinesisStreamAsSource' && encryption)
      throw invalidArgument('Server-side encryption is not supported for delivery streams that use a Kinesis data stream as source');
    const given = DESTINATION_FIELDS.filter((f) => input[f] !== undefined && input[f] !== null);
    if (given.length !== 1) throw invalidArgument('Exactly one destination configuration must be specified');
    const field = given[0]!;
    let destination: DestinationConfig;
    if (field === 'ExtendedS3DestinationConfiguration' || field === 'S3DestinationConfiguration') {
      const extended = field === 'ExtendedS3DestinationConfiguration';
      const raw = v.obj(input[field], extended ? 'extendedS3DestinationConfiguration' : 's3DestinationConfiguration')!;
      destination = { kind: 's3', extended, s3: parseS3(v, raw, extended ? 'extendedS3DestinationConfiguration' : 's3DestinationConfiguration', extended) };
    } else if (field === 'HttpEndpointDestinationConfiguration') {
      destination = { kind: 'http', http: parseHttp(v, v.obj(input[field], 'httpEndpointDestinationConfiguration')!, 'httpEndpointDestinationConfiguration') };
    } else {
      throw invalidArgument(
        `${field.replace('Configuration', '')} is not supported by Freshet; use ExtendedS3DestinationConfiguration, S3DestinationConfiguration or HttpEndpointDestinationConfiguration`,
      );
    }
    checkDestinationResources(engine, destination);
    const arn = await engine.create({
      name,
      type: type as 'DirectPut' | 'KinesisStreamAsSource',
      destination,
      tags,
      encryption,
      source: src ? { kinesisStreamArn: kinesisArn!, roleArn: roleArn! } : undefined,
    });
    return { DeliveryStreamARN: arn };
  };
}
