/** Firehose FreshetGetDeliveryStreamMetrics — Freshet extension (not an AWS action): DeliveryStreamName → { DeliveryStreamName, Metrics, BucketPath } */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations, validateStreamName } from '../validate.ts';

export function freshetGetDeliveryStreamMetrics(engine: FirehoseEngine): ActionHandler {
  return (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.throwIfAny();
    const meta = engine.meta(name);
    const bucket = meta.destination.kind === 's3' ? meta.destination.s3.bucket : meta.destination.http.s3.bucket;
    return { DeliveryStreamName: name, Metrics: engine.metrics(name), BucketPath: engine.bucketPath(bucket) ?? null };
  };
}
