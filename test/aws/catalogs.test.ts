/**
 * Every service's error catalog names only errors its AWS model declares (or AWS's common front-end
 * errors), gives them a status, and is listed in docs/compatibility.md under the service's section.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AwsError, COMMON_ERRORS, fillTemplate, modelErrors } from '../../src/aws/index.ts';
import type { ErrorCatalog, ErrorEntry, ServiceModel } from '../../src/aws/index.ts';
import { kinesisModel } from '../../src/aws/models/kinesis.ts';
import { firehoseModel } from '../../src/aws/models/firehose.ts';
import { kinesisAnalyticsModel } from '../../src/aws/models/kinesisanalytics.ts';
import { cloudWatchModel } from '../../src/aws/models/cloudwatch.ts';
import { kinesisErrors } from '../../src/kinesis/errors.ts';
import { firehoseErrors } from '../../src/firehose/errors.ts';
import { analyticsErrors } from '../../src/analytics/errors.ts';
import { cloudWatchErrors } from '../../src/cloudwatch/index.ts';
import { kinesisAnalyticsV2Model } from '../../src/aws/models/kinesisanalyticsv2.ts';
import { analyticsV2Errors } from '../../src/analytics/v2/errors.ts';
import { lookoutMetricsModel } from '../../src/aws/models/lookoutmetrics.ts';
import { lookoutMetricsErrors } from '../../src/detectors/errors.ts';

import { lambdaModel } from '../../src/aws/models/lambda.ts';
import { sqsModel } from '../../src/aws/models/sqs.ts';
import { lambdaErrors } from '../../src/functions/errors.ts';
import { sqsErrors } from '../../src/queues/errors.ts';
import { iamModel } from '../../src/aws/models/iam.ts';
import { stsModel } from '../../src/aws/models/sts.ts';
import { iamErrors, stsErrors } from '../../src/iam/errors.ts';
import { logsModel } from '../../src/aws/models/logs.ts';
import { logsErrors } from '../../src/logs/errors.ts';

const CATALOGS: Array<[string, ServiceModel, ErrorCatalog<Readonly<Record<string, ErrorEntry>>>]> = [
  ['kinesis', kinesisModel, kinesisErrors],
  ['firehose', firehoseModel, firehoseErrors],
  ['kinesisanalytics', kinesisAnalyticsModel, analyticsErrors],
  ['cloudwatch', cloudWatchModel, cloudWatchErrors],
  ['kinesisanalyticsv2', kinesisAnalyticsV2Model, analyticsV2Errors],
  ['lookoutmetrics', lookoutMetricsModel, lookoutMetricsErrors],
  ['lambda', lambdaModel, lambdaErrors],
  ['sqs', sqsModel, sqsErrors],
  ['iam', iamModel, iamErrors],
  ['sts', stsModel, stsErrors],
  ['logs', logsModel, logsErrors],
];

const compatibility = readFileSync(new URL('../../docs/compatibility.md', import.meta.url), 'utf8');
function section(name: string): string {
  const start = compatibility.indexOf(`<!-- section:${name} -->`);
  const end = compatibility.indexOf(`<!-- /section:${name} -->`);
  assert.ok(start >= 0 && end > start, `docs/compatibility.md has a ${name} section`);
  return compatibility.slice(start, end);
}

describe('error catalogs', () => {
  for (const [name, model, catalog] of CATALOGS) {
    it(`${name}: every code is one the model declares or a common AWS error, with a status`, () => {
      const declared = modelErrors(model);
      for (const [code, entry] of Object.entries(catalog.entries)) {
        assert.ok(declared.has(code) || COMMON_ERRORS.has(code), `${name}: ${code} is neither in the model nor a common error`);
        assert.ok(entry.httpStatus >= 400 && entry.httpStatus < 600, `${name}: ${code} status`);
        const err = catalog.create(code, 'm');
        assert.ok(err instanceof AwsError);
        assert.deepEqual([err.code, err.httpStatus, err.retryable], [code, entry.httpStatus, entry.retryable]);
      }
    });

    it(`${name}: docs/compatibility.md lists every code of the catalog`, () => {
      const text = section(name);
      for (const code of Object.keys(catalog.entries)) assert.ok(text.includes(`\`${code}\``), `docs/compatibility.md (${name}) does not list ${code}`);
    });
  }

  it('fills message templates', () => {
    assert.equal(
      kinesisErrors.format('ResourceNotFoundException', 'stream', { stream: 's', account: '000000000000' }).message,
      'Stream s under account 000000000000 not found.',
    );
    assert.equal(fillTemplate('{a} and {b}, {a}', { a: 1, b: 'x' }), '1 and x, 1');
  });
});
