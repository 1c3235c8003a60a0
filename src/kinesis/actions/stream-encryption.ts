/**
 * StartStreamEncryption / StopStreamEncryption
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_StartStreamEncryption.html, …/API_StopStreamEncryption.html)
 * Reads { StreamName | StreamARN, EncryptionType: KMS, KeyId }; answers an empty body. The stream is UPDATING for the
 * engine's updateDelayMs, then DescribeStream / DescribeStreamSummary report EncryptionType and KeyId.
 * Freshet keeps the state only: it stores records as written (there is no KMS here).
 */
import { AwsError } from '../../core/index.ts';
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

interface Input {
  EncryptionType: 'NONE' | 'KMS';
  KeyId: string;
  StreamName?: string;
  StreamARN?: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    EncryptionType: { type: 'string', notNull: true, enum: ['NONE', 'KMS'] },
    KeyId: { type: 'string', notNull: true, minLength: 1, maxLength: 2048 },
    StreamName: STREAM_NAME,
    StreamARN: STREAM_ARN,
  },
});

function handler(engine: KinesisEngine, start: boolean): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    if (input.EncryptionType !== 'KMS') {
      throw new AwsError('InvalidArgumentException', `Encryption type ${input.EncryptionType} is not supported. Only KMS is supported.`);
    }
    await engine.setEncryption(streamNameOf(input), start ? 'KMS' : 'NONE', input.KeyId);
    return undefined;
  };
}

export function startStreamEncryption(engine: KinesisEngine): ActionHandler {
  return handler(engine, true);
}

export function stopStreamEncryption(engine: KinesisEngine): ActionHandler {
  return handler(engine, false);
}
