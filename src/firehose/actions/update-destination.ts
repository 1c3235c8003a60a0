/** Firehose UpdateDestination — API_UpdateDestination: DeliveryStreamName, CurrentDeliveryStreamVersionId, DestinationId, one *DestinationUpdate → {} */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations, invalidArgument, validateStreamName } from '../validate.ts';
import { parseS3, parseHttp } from '../config.ts';
import type { DestinationConfig } from '../config.ts';
import { checkDestinationResources } from './common.ts';

export function updateDestination(engine: FirehoseEngine): ActionHandler {
  return async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const version =
      v.str(input.CurrentDeliveryStreamVersionId, 'currentDeliveryStreamVersionId', {
        required: true,
        min: 1,
        max: 50,
        pattern: /^[0-9]+$/,
        patternText: '[0-9]+',
      }) ?? '';
    const destinationId =
      v.str(input.DestinationId, 'destinationId', { required: true, min: 1, max: 100, pattern: /^[a-zA-Z0-9-]+$/, patternText: '[a-zA-Z0-9-]+' }) ?? '';
    v.throwIfAny();
    const updates = [
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
    ].filter((f) => input[f] !== undefined && input[f] !== null);
    if (updates.length !== 1) throw invalidArgument('Exactly one destination update must be specified');
    const field = updates[0]!;
    engine.meta(name); // ResourceNotFoundException first, as AWS does
    await engine.updateDestination(name, version, destinationId, (current) => {
      let next: DestinationConfig;
      if (field === 'ExtendedS3DestinationUpdate' || field === 'S3DestinationUpdate') {
        const raw = v.obj(input[field], field === 'ExtendedS3DestinationUpdate' ? 'extendedS3DestinationUpdate' : 's3DestinationUpdate')!;
        const path = field === 'ExtendedS3DestinationUpdate' ? 'extendedS3DestinationUpdate' : 's3DestinationUpdate';
        next =
          current.kind === 's3'
            ? { kind: 's3', extended: current.extended || field === 'ExtendedS3DestinationUpdate', s3: parseS3(v, raw, path, true, current.s3) }
            : { kind: 's3', extended: true, s3: parseS3(v, raw, path, true) };
      } else if (field === 'HttpEndpointDestinationUpdate') {
        const raw = v.obj(input[field], 'httpEndpointDestinationUpdate')!;
        next =
          current.kind === 'http'
            ? { kind: 'http', http: parseHttp(v, raw, 'httpEndpointDestinationUpdate', current.http) }
            : { kind: 'http', http: parseHttp(v, raw, 'httpEndpointDestinationUpdate') };
      } else {
        throw invalidArgument(`${field} is not supported by Freshet`);
      }
      checkDestinationResources(engine, next);
      return next;
    });
    return {};
  };
}
