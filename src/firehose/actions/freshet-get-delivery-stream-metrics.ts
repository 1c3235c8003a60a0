/**
 * FreshetGetDeliveryStreamMetrics (a Freshet extension outside AWS's model, read by `freshet delivery describe`):
 * DeliveryStreamName → { DeliveryStreamName, Metrics, BucketPath }. The request is checked against the model's
 * DeliveryStreamName shape (the one StopDeliveryStreamEncryption takes).
 */
import { validatorsFor } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import type { StopDeliveryStreamEncryptionInput } from '../../aws/models/firehose.ts';
import type { FirehoseEngine } from '../engine.ts';

export function freshetGetDeliveryStreamMetrics(engine: FirehoseEngine): ActionHandler {
  const validate = validatorsFor(firehoseModel)<StopDeliveryStreamEncryptionInput>('StopDeliveryStreamEncryptionInput');
  return (raw) => {
    const name = validate(raw).DeliveryStreamName;
    const meta = engine.meta(name);
    const bucket = meta.destination.kind === 's3' ? meta.destination.s3.bucket : meta.destination.http.s3.bucket;
    return { DeliveryStreamName: name, Metrics: engine.metrics(name), BucketPath: engine.bucketPath(bucket) ?? null };
  };
}
