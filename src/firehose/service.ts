/**
 * The Firehose API (`X-Amz-Target: Firehose_20150804.<Action>`): one table of
 * every AWS action, each handled in src/firehose/actions/<action>.ts.
 * Reference: Amazon Data Firehose API Reference, "Actions". Handlers validate
 * at the edge (model constraints → ValidationException, semantic rules →
 * InvalidArgumentException) and call the FirehoseEngine.
 * `FreshetGetDeliveryStreamMetrics` is a Freshet extension (read by the CLI).
 */
import type { ActionHandler, AwsService } from '../aws/index.ts';
import { FirehoseEngine } from './engine.ts';
import type { FirehoseDeps } from './engine.ts';
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

export function createFirehoseActions(engine: FirehoseEngine): Record<string, ActionHandler | undefined> {
  return {
    CreateDeliveryStream: createDeliveryStream(engine),
    DeleteDeliveryStream: deleteDeliveryStream(engine),
    DescribeDeliveryStream: describeDeliveryStream(engine),
    FreshetGetDeliveryStreamMetrics: freshetGetDeliveryStreamMetrics(engine),
    ListDeliveryStreams: listDeliveryStreams(engine),
    ListTagsForDeliveryStream: listTagsForDeliveryStream(engine),
    PutRecord: putRecord(engine),
    PutRecordBatch: putRecordBatch(engine),
    StartDeliveryStreamEncryption: startDeliveryStreamEncryption(engine),
    StopDeliveryStreamEncryption: stopDeliveryStreamEncryption(engine),
    TagDeliveryStream: tagDeliveryStream(engine),
    UntagDeliveryStream: untagDeliveryStream(engine),
    UpdateDestination: updateDestination(engine),
  };
}

export type FirehoseService = AwsService & { readonly engine: FirehoseEngine };

/** The Firehose service for the Freshet server. */
export function createFirehoseService(deps: FirehoseDeps): FirehoseService {
  const engine = FirehoseEngine.open(deps);
  return {
    targetPrefix: 'Firehose_20150804',
    signingName: 'firehose',
    actions: createFirehoseActions(engine),
    // Above PutRecordBatch's 4 MiB of data (5.4 MiB as base64), so an over-size batch gets its
    // InvalidArgumentException text rather than a bare 413.
    maxRequestBytes: 8 * 1024 * 1024,
    engine,
    close: () => engine.close(),
  };
}
