/**
 * DiscoverInputSchema (https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_DiscoverInputSchema.html).
 * Reads `ResourceARN` + `InputStartingPositionConfiguration` (a Freshet stream or
 * delivery stream) or `S3Configuration{BucketARN, FileKey}` (an object in the
 * embedded store, one sample record per line); writes `{InputSchema,
 * ParsedInputRecords, ProcessedInputRecords, RawInputRecords}`: RawInputRecords
 * the sampled records as text, ProcessedInputRecords the same records (what a
 * Lambda preprocessor would have changed; Freshet has none), ParsedInputRecords
 * one list of column values per row. A sample no schema fits is
 * UnableToDetectSchemaException carrying RawInputRecords and ProcessedInputRecords.
 */

import type { StartingPosition } from '../model.ts';
import { DISCOVERY_SAMPLE_SIZE, inferSchema } from '../discover.ts';
import { schemaToWire } from '../wire/codec.ts';
import type { AnalyticsContext, Wire } from './context.ts';
import { analyticsErrors } from '../errors.ts';

const decoder = new TextDecoder();

export async function discoverInputSchema(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const s3 = req.S3Configuration as Wire | undefined;
  const arn = req.ResourceARN as string | undefined;
  if (req.InputProcessingConfiguration) {
    throw analyticsErrors.create('InvalidArgumentException', 'InputProcessingConfiguration (Lambda preprocessing) is not supported by Freshet');
  }
  let raw: string[];
  if (s3) {
    if (arn !== undefined) throw analyticsErrors.create('InvalidArgumentException', 'Specify either ResourceARN or S3Configuration, not both');
    const bytes = await ctx.discovery.readObject(s3.BucketARN as string, s3.FileKey as string);
    raw = decoder
      .decode(bytes)
      .split(/\r?\n/)
      .filter((l) => l.length > 0)
      .slice(0, DISCOVERY_SAMPLE_SIZE);
  } else {
    if (arn === undefined) throw analyticsErrors.create('InvalidArgumentException', 'Either ResourceARN or S3Configuration must be specified');
    if (req.RoleARN === undefined) throw analyticsErrors.create('InvalidArgumentException', 'RoleARN is required with ResourceARN');
    const position = ((req.InputStartingPositionConfiguration as Wire | undefined)?.InputStartingPosition as StartingPosition | undefined) ?? 'NOW';
    const records = await ctx.discovery.sampleStream(arn, position, DISCOVERY_SAMPLE_SIZE);
    raw = records.map((r) => decoder.decode(r));
  }
  const { schema, parsed } = inferSchema(raw);
  return { InputSchema: schemaToWire(schema), ParsedInputRecords: parsed, ProcessedInputRecords: raw, RawInputRecords: raw };
}
