/**
 * Firehose CreateDeliveryStream — API_CreateDeliveryStream: DeliveryStreamName, DeliveryStreamType, KinesisStreamSourceConfiguration,
 * one destination configuration, Tags, DeliveryStreamEncryptionConfigurationInput → { DeliveryStreamARN }.
 * The model's constraints are checked before this runs; here, the rules between members and what Freshet supports.
 */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import { invalidArgument } from '../errors.ts';
import { parseS3, parseHttp } from '../config.ts';
import type { DestinationConfig } from '../config.ts';
import { tagsFrom, encryptionInput, checkDestinationResources, DESTINATION_FIELDS } from './common.ts';
import type { FirehoseContext } from './common.ts';

export const createDeliveryStream = defineAction(firehoseModel, 'CreateDeliveryStream', async (input, ctx: FirehoseContext) => {
  const engine = ctx.deps;
  const name = input.DeliveryStreamName;
  const type = input.DeliveryStreamType ?? 'DirectPut';
  const src = input.KinesisStreamSourceConfiguration;
  const tags = tagsFrom(input.Tags);
  const encryption = encryptionInput(input.DeliveryStreamEncryptionConfigurationInput);

  if (type === 'MSKAsSource' || type === 'DatabaseAsSource') throw invalidArgument(`DeliveryStreamType ${type} is not supported by Freshet`);
  if (type === 'KinesisStreamAsSource' && !src)
    throw invalidArgument('KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource');
  if (type === 'DirectPut' && src) throw invalidArgument('KinesisStreamSourceConfiguration is only allowed when DeliveryStreamType is KinesisStreamAsSource');
  if (type === 'KinesisStreamAsSource' && encryption)
    throw invalidArgument('Server-side encryption is not supported for delivery streams that use a Kinesis data stream as source');
  const given = DESTINATION_FIELDS.filter((f) => input[f] !== undefined);
  if (given.length !== 1) throw invalidArgument('Exactly one destination configuration must be specified');
  const field = given[0]!;
  let destination: DestinationConfig;
  if (field === 'ExtendedS3DestinationConfiguration' && input.ExtendedS3DestinationConfiguration) {
    destination = { kind: 's3', extended: true, s3: parseS3(input.ExtendedS3DestinationConfiguration, 'extendedS3DestinationConfiguration', true) };
  } else if (field === 'S3DestinationConfiguration' && input.S3DestinationConfiguration) {
    destination = { kind: 's3', extended: false, s3: parseS3(input.S3DestinationConfiguration, 's3DestinationConfiguration', false) };
  } else if (field === 'HttpEndpointDestinationConfiguration' && input.HttpEndpointDestinationConfiguration) {
    destination = { kind: 'http', http: parseHttp(input.HttpEndpointDestinationConfiguration, 'httpEndpointDestinationConfiguration') };
  } else {
    throw invalidArgument(
      `${field.replace('Configuration', '')} is not supported by Freshet; use ExtendedS3DestinationConfiguration, S3DestinationConfiguration or HttpEndpointDestinationConfiguration`,
    );
  }
  checkDestinationResources(engine, destination);
  const arn = await engine.create({
    name,
    type,
    destination,
    tags,
    encryption,
    source: src ? { kinesisStreamArn: src.KinesisStreamARN, roleArn: src.RoleARN } : undefined,
  });
  return { DeliveryStreamARN: arn };
});
