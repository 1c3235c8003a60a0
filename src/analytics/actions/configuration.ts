/**
 * Versioned configuration changes: UpdateApplication, AddApplicationInput,
 * AddApplicationOutput, DeleteApplicationOutput, AddApplicationReferenceDataSource,
 * DeleteApplicationReferenceDataSource, AddApplicationCloudWatchLoggingOption,
 * DeleteApplicationCloudWatchLoggingOption, Add/DeleteApplicationInputProcessingConfiguration
 * (https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_UpdateApplication.html and siblings).
 * Each reads `ApplicationName` + `CurrentApplicationVersionId` and answers `{}`;
 * each bumps ApplicationVersionId by one through ApplicationRegistry.mutate.
 */
import type { AwsError } from '../../core/index.ts';
import type { ApplicationConfig, Endpoint } from '../model.ts';
import { inputFromWire, loggingFromWire, outputFromWire, referenceFromWire, schemaFromWire, schemaToWire } from '../wire/codec.ts';
import { checkInputs, checkOutputs, checkReferences } from './applications.ts';
import type { AnalyticsContext, Wire } from './context.ts';
import { analyticsErrors } from '../errors.ts';

function mutate(ctx: AnalyticsContext, req: Wire, change: (app: ApplicationConfig) => void): Promise<Wire> {
  return ctx.registry.mutate(req.ApplicationName as string, req.CurrentApplicationVersionId as number, change).then(() => ({}));
}

function missing(what: string, id: string, app: string): AwsError {
  return analyticsErrors.create('ResourceNotFoundException', `${what} with id ${id} is not found in application ${app}`);
}

function updateEndpoint(current: Endpoint, w: Wire | undefined, kind: Endpoint['kind']): Endpoint {
  if (!w) return current;
  return {
    kind,
    resourceArn: (w.ResourceARNUpdate as string | undefined) ?? current.resourceArn,
    roleArn: (w.RoleARNUpdate as string | undefined) ?? current.roleArn,
  };
}

export function updateApplication(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const update = req.ApplicationUpdate as Wire;
  return mutate(ctx, req, (app) => {
    if (typeof update.ApplicationCodeUpdate === 'string') app.code = update.ApplicationCodeUpdate;
    for (const u of (update.InputUpdates as Wire[] | undefined) ?? []) {
      const input = app.inputs.find((i) => i.id === u.InputId);
      if (!input) throw missing('Input', u.InputId as string, app.name);
      if (typeof u.NamePrefixUpdate === 'string') input.namePrefix = u.NamePrefixUpdate;
      input.source = updateEndpoint(input.source, u.KinesisStreamsInputUpdate as Wire | undefined, 'kinesis');
      input.source = updateEndpoint(input.source, u.KinesisFirehoseInputUpdate as Wire | undefined, 'firehose');
      const schemaUpdate = u.InputSchemaUpdate as Wire | undefined;
      if (schemaUpdate) {
        const w = schemaToWire(input.schema);
        if (schemaUpdate.RecordFormatUpdate) w.RecordFormat = schemaUpdate.RecordFormatUpdate;
        if (schemaUpdate.RecordEncodingUpdate) w.RecordEncoding = schemaUpdate.RecordEncodingUpdate;
        if (schemaUpdate.RecordColumnUpdates) w.RecordColumns = schemaUpdate.RecordColumnUpdates;
        input.schema = schemaFromWire(w, 'InputSchemaUpdate');
      }
      const count = (u.InputParallelismUpdate as Wire | undefined)?.CountUpdate;
      if (typeof count === 'number') input.parallelism = count;
      const processorUpdate = (u.InputProcessingConfigurationUpdate as Wire | undefined)?.InputLambdaProcessorUpdate as Wire | undefined;
      if (processorUpdate) {
        input.processor = {
          resourceArn: (processorUpdate.ResourceARNUpdate as string | undefined) ?? input.processor?.resourceArn ?? '',
          roleArn: (processorUpdate.RoleARNUpdate as string | undefined) ?? input.processor?.roleArn ?? '',
        };
      }
    }
    for (const u of (update.OutputUpdates as Wire[] | undefined) ?? []) {
      const output = app.outputs.find((o) => o.id === u.OutputId);
      if (!output) throw missing('Output', u.OutputId as string, app.name);
      if (typeof u.NameUpdate === 'string') output.name = u.NameUpdate;
      output.destination = updateEndpoint(output.destination, u.KinesisStreamsOutputUpdate as Wire | undefined, 'kinesis');
      output.destination = updateEndpoint(output.destination, u.KinesisFirehoseOutputUpdate as Wire | undefined, 'firehose');
      output.destination = updateEndpoint(output.destination, u.LambdaOutputUpdate as Wire | undefined, 'lambda');
      const format = (u.DestinationSchemaUpdate as Wire | undefined)?.RecordFormatType;
      if (format === 'JSON' || format === 'CSV') output.format = format;
    }
    for (const u of (update.ReferenceDataSourceUpdates as Wire[] | undefined) ?? []) {
      const ref = app.references.find((r) => r.id === u.ReferenceId);
      if (!ref) throw missing('Reference data source', u.ReferenceId as string, app.name);
      if (typeof u.TableNameUpdate === 'string') ref.tableName = u.TableNameUpdate;
      const s3 = u.S3ReferenceDataSourceUpdate as Wire | undefined;
      if (s3) {
        if (typeof s3.BucketARNUpdate === 'string') ref.bucketArn = s3.BucketARNUpdate;
        if (typeof s3.FileKeyUpdate === 'string') ref.fileKey = s3.FileKeyUpdate;
        if (typeof s3.ReferenceRoleARNUpdate === 'string') ref.roleArn = s3.ReferenceRoleARNUpdate;
      }
      if (u.ReferenceSchemaUpdate) ref.schema = schemaFromWire(u.ReferenceSchemaUpdate as Wire, 'ReferenceSchemaUpdate');
    }
    for (const u of (update.CloudWatchLoggingOptionUpdates as Wire[] | undefined) ?? []) {
      const opt = app.logging.find((l) => l.id === u.CloudWatchLoggingOptionId);
      if (!opt) throw missing('CloudWatch logging option', u.CloudWatchLoggingOptionId as string, app.name);
      if (typeof u.LogStreamARNUpdate === 'string') opt.logStreamArn = u.LogStreamARNUpdate;
      if (typeof u.RoleARNUpdate === 'string') opt.roleArn = u.RoleARNUpdate;
    }
    checkInputs(app.inputs);
    checkOutputs(app.outputs);
    checkReferences(app.references);
  });
}

export function addApplicationInput(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  return mutate(ctx, req, (app) => {
    app.inputs.push(inputFromWire(req.Input as Wire, `1.${app.nextId.input++}`));
    checkInputs(app.inputs);
  });
}

export function addApplicationOutput(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  return mutate(ctx, req, (app) => {
    app.outputs.push(outputFromWire(req.Output as Wire, `1.${app.nextId.output++}`));
    checkOutputs(app.outputs);
  });
}

export function deleteApplicationOutput(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const id = req.OutputId as string;
  return mutate(ctx, req, (app) => {
    const i = app.outputs.findIndex((o) => o.id === id);
    if (i < 0) throw missing('Output', id, app.name);
    app.outputs.splice(i, 1);
  });
}

export function addApplicationReferenceDataSource(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  return mutate(ctx, req, (app) => {
    app.references.push(referenceFromWire(req.ReferenceDataSource as Wire, `1.${app.nextId.reference++}`));
    checkReferences(app.references);
  });
}

export function deleteApplicationReferenceDataSource(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const id = req.ReferenceId as string;
  return mutate(ctx, req, (app) => {
    const i = app.references.findIndex((r) => r.id === id);
    if (i < 0) throw missing('Reference data source', id, app.name);
    app.references.splice(i, 1);
  });
}

export function addApplicationCloudWatchLoggingOption(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  return mutate(ctx, req, (app) => {
    app.logging.push(loggingFromWire(req.CloudWatchLoggingOption as Wire, `1.${app.nextId.logging++}`));
  });
}

export function deleteApplicationCloudWatchLoggingOption(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const id = req.CloudWatchLoggingOptionId as string;
  return mutate(ctx, req, (app) => {
    const i = app.logging.findIndex((l) => l.id === id);
    if (i < 0) throw missing('CloudWatch logging option', id, app.name);
    app.logging.splice(i, 1);
  });
}

/**
 * AddApplicationInputProcessingConfiguration: gives an input (by InputId) its InputLambdaProcessor.
 * An unknown input is ResourceNotFoundException; an input that already has one is
 * InvalidArgumentException (replace it with UpdateApplication's InputProcessingConfigurationUpdate, or
 * delete it first). A new application version either way, like every configuration change.
 */
export function addApplicationInputProcessingConfiguration(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const id = req.InputId as string;
  const lambda = (req.InputProcessingConfiguration as Wire).InputLambdaProcessor as Wire;
  return mutate(ctx, req, (app) => {
    const input = app.inputs.find((i) => i.id === id);
    if (!input) throw missing('Input', id, app.name);
    if (input.processor) {
      throw analyticsErrors.create(
        'InvalidArgumentException',
        `Input with id ${id} in application ${app.name} already has an InputProcessingConfiguration; update it with UpdateApplication or delete it first`,
      );
    }
    input.processor = { resourceArn: lambda.ResourceARN as string, roleArn: lambda.RoleARN as string };
    checkInputs(app.inputs);
  });
}

/** DeleteApplicationInputProcessingConfiguration: removes an input's InputLambdaProcessor (ResourceNotFoundException when it has none). */
export function deleteApplicationInputProcessingConfiguration(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const id = req.InputId as string;
  return mutate(ctx, req, (app) => {
    const input = app.inputs.find((i) => i.id === id);
    if (!input) throw missing('Input', id, app.name);
    if (!input.processor)
      throw analyticsErrors.create('ResourceNotFoundException', `Input with id ${id} in application ${app.name} has no InputProcessingConfiguration`);
    delete input.processor;
  });
}
