/**
 * Helpers the Kinesis actions share to read their (model-validated) input: which stream a request
 * names, and epoch seconds for the wire.
 */
import { kinesisErrors } from './errors.ts';
import type { KinesisEngine } from './engine.ts';

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
      throw kinesisErrors.format('InvalidArgumentException', 'arnNameMismatch', { arn, stream: name });
    }
    return fromArn;
  }
  if (name === undefined) throw kinesisErrors.format('InvalidArgumentException', 'noStream', {});
  return name;
}

/** The stream a TagResource-family ARN names (only stream ARNs are supported). */
export function streamNameOfResource(arn: string, engine: KinesisEngine): string {
  const i = arn.indexOf(':stream/');
  const rest = i < 0 ? '' : arn.slice(i + 8);
  if (i < 0 || rest.includes('/')) {
    throw kinesisErrors.format('InvalidArgumentException', 'notAStream', { arn });
  }
  engine.requireStream(rest);
  return rest;
}

/** Epoch seconds, as the JSON protocol carries timestamps. */
export function toEpochSeconds(ms: number): number {
  return ms / 1000;
}
