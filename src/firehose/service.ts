/**
 * The Firehose API (`X-Amz-Target: Firehose_20150804.<Action>`): one table listing every operation of the
 * generated model (src/aws/models/firehose.ts), each handled in src/firehose/actions/<action>.ts.
 * Requests are checked against the model (ValidationException, AWS's texts) before an action runs; the
 * actions add the semantic rules (InvalidArgumentException) and call the FirehoseEngine.
 * `FreshetGetDeliveryStreamMetrics` is a Freshet extension (read by the CLI).
 */
import { actionTable, defineService } from '../aws/index.ts';
import type { AwsService } from '../aws/index.ts';
import { firehoseModel } from '../aws/models/firehose.ts';
import { FirehoseEngine } from './engine.ts';
import type { FirehoseDeps } from './engine.ts';
import { firehoseErrors } from './errors.ts';
import { createDeliveryStream } from './actions/create-delivery-stream.ts';
import { deleteDeliveryStream } from './actions/delete-delivery-stream.ts';
import { describeDeliveryStream } from './actions/describe-delivery-stream.ts';
import { freshetGetDeliveryStreamMetrics } from './actions/freshet-get-delivery-stream-metrics.ts';
import { listDeliveryStreams } from './actions/list-delivery-streams.ts';
import { listTagsForDeliveryStream } from './actions/list-tags-for-delivery-stream.ts';
import { putRecord } from './actions/put-record.ts';
import { putRecordBatch } from './actions/put-record-batch.ts';
import { startDeliveryStreamEncryption } from './actions/start-delivery-stream-encryption.ts';
import { stopDeliveryStreamEncryption } from './actions/stop-delivery-stream-encryption.ts';
import { tagDeliveryStream } from './actions/tag-delivery-stream.ts';
import { untagDeliveryStream } from './actions/untag-delivery-stream.ts';
import { updateDestination } from './actions/update-destination.ts';

export { MAX_BATCH_RECORDS, MAX_BATCH_BYTES, MAX_RECORD_BYTES } from './actions/common.ts';

/** Every Firehose_20150804 operation. */
export const FIREHOSE_ACTIONS = actionTable(firehoseModel, {
  CreateDeliveryStream: createDeliveryStream,
  DeleteDeliveryStream: deleteDeliveryStream,
  DescribeDeliveryStream: describeDeliveryStream,
  ListDeliveryStreams: listDeliveryStreams,
  ListTagsForDeliveryStream: listTagsForDeliveryStream,
  PutRecord: putRecord,
  PutRecordBatch: putRecordBatch,
  StartDeliveryStreamEncryption: startDeliveryStreamEncryption,
  StopDeliveryStreamEncryption: stopDeliveryStreamEncryption,
  TagDeliveryStream: tagDeliveryStream,
  UntagDeliveryStream: untagDeliveryStream,
  UpdateDestination: updateDestination,
});

export type FirehoseService = AwsService & { readonly engine: FirehoseEngine };

/** The Firehose service for the Freshet server. */
export function createFirehoseService(deps: FirehoseDeps): FirehoseService {
  const engine = FirehoseEngine.open(deps);
  const service = defineService(
    {
      model: firehoseModel,
      actions: FIREHOSE_ACTIONS,
      errors: firehoseErrors,
      extensions: { FreshetGetDeliveryStreamMetrics: freshetGetDeliveryStreamMetrics(engine) },
      // AWS requires https:// endpoints; Freshet also takes http:// so local endpoints work (docs/compatibility.md).
      validation: { patternOverrides: { HttpEndpointUrl: /^https?:\/\/.+$/ } },
      // Above PutRecordBatch's 4 MiB of data (5.4 MiB as base64), so an over-size batch gets its
      // InvalidArgumentException text rather than a bare 413.
      maxRequestBytes: 8 * 1024 * 1024,
      close: () => engine.close(),
    },
    engine,
  );
  return { ...service, engine };
}
