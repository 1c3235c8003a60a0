/**
 * Input schema fragments shared by the Kinesis actions, with AWS's constraints
 * (Kinesis_20131202 service model; member order = the order AWS reports
 * validation errors in, as captured by kinesalite).
 */
import { AwsError } from '../core/index.ts';
import type { Shape } from '../aws/index.ts';
import type { KinesisEngine } from './engine.ts';

export const STREAM_NAME = { type: 'string', pattern: '[a-zA-Z0-9_.-]+', minLength: 1, maxLength: 128 } as const satisfies Shape;
export const STREAM_ARN = { type: 'string', pattern: 'arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+', minLength: 1, maxLength: 2048 } as const satisfies Shape;
export const SHARD_ID = { type: 'string', pattern: '[a-zA-Z0-9_.-]+', minLength: 1, maxLength: 128 } as const satisfies Shape;
export const SEQUENCE_NUMBER = { type: 'string', pattern: '0|([1-9]\\d{0,128})' } as const satisfies Shape;
export const HASH_KEY = { type: 'string', pattern: '0|([1-9]\\d{0,38})' } as const satisfies Shape;
export const PARTITION_KEY = { type: 'string', notNull: true, minLength: 1, maxLength: 256 } as const satisfies Shape;
export const DATA = { type: 'blob', notNull: true, maxLength: 1048576 } as const satisfies Shape;
export const RESOURCE_ARN = {
  type: 'string',
  notNull: true,
  pattern: 'arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+',
  minLength: 1,
  maxLength: 2048,
} as const satisfies Shape;

export interface StreamRef {
  StreamName?: string;
  StreamARN?: string;
}

/** The stream name from StreamName and/or StreamARN (AWS accepts either). */
export function streamNameOf(input: StreamRef): string {
  const { StreamName: name, StreamARN: arn } = input;
  if (arn !== undefined) {
    const fromArn = arn.slice(arn.indexOf(':stream/') + 8);
    if (name !== undefined && name !== fromArn) {
      throw new AwsError('InvalidArgumentException', `StreamARN ${arn} and StreamName ${name} do not refer to the same stream.`);
    }
    return fromArn;
  }
  if (name === undefined) throw new AwsError('InvalidArgumentException', 'Either StreamName or StreamARN must be provided.');
  return name;
}

/** The stream a TagResource-family ARN names (only stream ARNs are supported). */
export function streamNameOfResource(arn: string, engine: KinesisEngine): string {
  const i = arn.indexOf(':stream/');
  const rest = i < 0 ? '' : arn.slice(i + 8);
  if (i < 0 || rest.includes('/')) {
    throw new AwsError('InvalidArgumentException', `Resource ${arn} is not a stream; Freshet supports tags on streams only.`);
  }
  engine.stream(rest);
  return rest;
}

/** Epoch seconds, as the JSON protocol carries timestamps. */
export function toEpochSeconds(ms: number): number {
  return ms / 1000;
}
