/**
 * Firehose UpdateDestination — API_UpdateDestination: DeliveryStreamName, CurrentDeliveryStreamVersionId, DestinationId,
 * exactly one *DestinationUpdate → {}. An update of the destination's kind must carry what creating one requires.
 */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import { invalidArgument } from '../errors.ts';
import { parseS3, parseHttp } from '../config.ts';
import type { DestinationConfig } from '../config.ts';
import { checkDestinationResources } from './common.ts';
import type { FirehoseContext } from './common.ts';

const UPDATE_FIELDS = [
  'S3DestinationUpdate',
  'ExtendedS3DestinationUpdate',
  'HttpEndpointDestinationUpdate',
  'RedshiftDestinationUpdate',
  'ElasticsearchDestinationUpdate',
  'AmazonopensearchserviceDestinationUpdate',
  'SplunkDestinationUpdate',
  'AmazonOpenSearchServerlessDestinationUpdate',
  'SnowflakeDestinationUpdate',
  'IcebergDestinationUpdate',
] as const;

export const updateDestination = defineAction(firehoseModel, 'UpdateDestination', async (input, ctx: FirehoseContext) => {
  const engine = ctx.deps;
  const name = input.DeliveryStreamName;
  const updates = UPDATE_FIELDS.filter((f) => input[f] !== undefined);
  if (updates.length !== 1) throw invalidArgument('Exactly one destination update must be specified');
  const field = updates[0]!;
  engine.meta(name); // ResourceNotFoundException first, as AWS does
  await engine.updateDestination(name, input.CurrentDeliveryStreamVersionId, input.DestinationId, (current) => {
    let next: DestinationConfig;
    const s3 =
      field === 'ExtendedS3DestinationUpdate' ? input.ExtendedS3DestinationUpdate : field === 'S3DestinationUpdate' ? input.S3DestinationUpdate : undefined;
    if (s3) {
      const path = field === 'ExtendedS3DestinationUpdate' ? 'extendedS3DestinationUpdate' : 's3DestinationUpdate';
      next =
        current.kind === 's3'
          ? { kind: 's3', extended: current.extended || field === 'ExtendedS3DestinationUpdate', s3: parseS3(s3, path, true, current.s3) }
          : { kind: 's3', extended: true, s3: parseS3(s3, path, true) };
    } else if (field === 'HttpEndpointDestinationUpdate' && input.HttpEndpointDestinationUpdate) {
      const http = input.HttpEndpointDestinationUpdate;
      next =
        current.kind === 'http'
          ? { kind: 'http', http: parseHttp(http, 'httpEndpointDestinationUpdate', current.http) }
          : { kind: 'http', http: parseHttp(http, 'httpEndpointDestinationUpdate') };
    } else {
      throw invalidArgument(`${field} is not supported by Freshet`);
    }
    checkDestinationResources(engine, next);
    return next;
  });
  return {};
});
