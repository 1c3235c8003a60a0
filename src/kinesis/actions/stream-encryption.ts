/**
 * StartStreamEncryption / StopStreamEncryption
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_StartStreamEncryption.html, …/API_StopStreamEncryption.html)
 * Reads { StreamName | StreamARN, EncryptionType: KMS, KeyId }; answers an empty body. The stream is UPDATING for the
 * engine's updateDelayMs, then DescribeStream / DescribeStreamSummary report EncryptionType and KeyId.
 * Freshet keeps the state only: it stores records as written (there is no KMS here).
 */

import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import { kinesisErrors } from '../errors.ts';
import type { KinesisEngine } from '../engine.ts';
import { streamNameOf } from '../shapes.ts';
import type { KinesisContext } from './context.ts';

async function setEncryption(
  engine: KinesisEngine,
  input: { EncryptionType: string; KeyId: string; StreamName?: string; StreamARN?: string },
  start: boolean,
): Promise<undefined> {
  if (input.EncryptionType !== 'KMS') {
    throw kinesisErrors.format('InvalidArgumentException', 'encryptionType', { type: input.EncryptionType });
  }
  await engine.setEncryption(streamNameOf(input), start ? 'KMS' : 'NONE', input.KeyId);
  return undefined;
}

export const startStreamEncryption = defineAction(kinesisModel, 'StartStreamEncryption', (input, ctx: KinesisContext) => setEncryption(ctx.deps, input, true));

export const stopStreamEncryption = defineAction(kinesisModel, 'StopStreamEncryption', (input, ctx: KinesisContext) => setEncryption(ctx.deps, input, false));
