/**
 * The AWSLambda API (2015-03-31, restJson1 on the server's port): one table
 * listing every operation of the generated model (src/aws/models/lambda.ts);
 * the implemented ones are handled in src/functions/actions/, the rest answer
 * AWS's unknown-operation error. Requests are checked against the model
 * before an action runs; the actions call the FunctionsEngine.
 */
import { actionTable, defineService, noActions } from '../aws/index.ts';
import type { AwsService } from '../aws/index.ts';
import { lambdaModel } from '../aws/models/lambda.ts';
import type { FunctionsEngine } from './engine.ts';
import { lambdaErrors } from './errors.ts';
import type { LambdaDeps } from './actions/common.ts';
import {
  createEventSourceMapping,
  deleteEventSourceMapping,
  getEventSourceMapping,
  listEventSourceMappings,
  updateEventSourceMapping,
} from './actions/event-source-mappings.ts';
import {
  createFunction,
  deleteFunction,
  getFunction,
  getFunctionConfiguration,
  listFunctions,
  updateFunctionCode,
  updateFunctionConfiguration,
} from './actions/functions.ts';
import { invoke } from './actions/invoke.ts';
import {
  deleteFunctionConcurrency,
  deleteFunctionEventInvokeConfig,
  deleteProvisionedConcurrencyConfig,
  getAccountSettings,
  getFunctionConcurrency,
  getFunctionEventInvokeConfig,
  getProvisionedConcurrencyConfig,
  listFunctionEventInvokeConfigs,
  listProvisionedConcurrencyConfigs,
  listTags,
  putFunctionConcurrency,
  putFunctionEventInvokeConfig,
  putProvisionedConcurrencyConfig,
  tagResource,
  untagResource,
  updateFunctionEventInvokeConfig,
} from './actions/settings.ts';
import { createAlias, deleteAlias, getAlias, listAliases, listVersionsByFunction, publishVersion, updateAlias } from './actions/versions.ts';

/** Every AWSLambda operation; those mapped to undefined (layers, URLs, code signing, permissions…) are not implemented. */
export const LAMBDA_ACTIONS = actionTable(lambdaModel, {
  ...noActions(lambdaModel),
  CreateFunction: createFunction,
  GetFunction: getFunction,
  GetFunctionConfiguration: getFunctionConfiguration,
  ListFunctions: listFunctions,
  UpdateFunctionCode: updateFunctionCode,
  UpdateFunctionConfiguration: updateFunctionConfiguration,
  DeleteFunction: deleteFunction,
  Invoke: invoke,
  PublishVersion: publishVersion,
  ListVersionsByFunction: listVersionsByFunction,
  CreateAlias: createAlias,
  GetAlias: getAlias,
  ListAliases: listAliases,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTags: listTags,
  PutFunctionConcurrency: putFunctionConcurrency,
  GetFunctionConcurrency: getFunctionConcurrency,
  DeleteFunctionConcurrency: deleteFunctionConcurrency,
  GetAccountSettings: getAccountSettings,
  PutFunctionEventInvokeConfig: putFunctionEventInvokeConfig,
  UpdateFunctionEventInvokeConfig: updateFunctionEventInvokeConfig,
  GetFunctionEventInvokeConfig: getFunctionEventInvokeConfig,
  ListFunctionEventInvokeConfigs: listFunctionEventInvokeConfigs,
  DeleteFunctionEventInvokeConfig: deleteFunctionEventInvokeConfig,
  PutProvisionedConcurrencyConfig: putProvisionedConcurrencyConfig,
  GetProvisionedConcurrencyConfig: getProvisionedConcurrencyConfig,
  ListProvisionedConcurrencyConfigs: listProvisionedConcurrencyConfigs,
  DeleteProvisionedConcurrencyConfig: deleteProvisionedConcurrencyConfig,
  CreateEventSourceMapping: createEventSourceMapping,
  GetEventSourceMapping: getEventSourceMapping,
  ListEventSourceMappings: listEventSourceMappings,
  UpdateEventSourceMapping: updateEventSourceMapping,
  DeleteEventSourceMapping: deleteEventSourceMapping,
});

export type LambdaService = AwsService & { readonly functions: FunctionsEngine };

/** The AWSLambda service around a functions engine (closed with the service). */
export function createLambdaService(deps: LambdaDeps): LambdaService {
  const service = defineService(
    {
      model: lambdaModel,
      actions: LAMBDA_ACTIONS,
      errors: lambdaErrors,
      // CreateFunction carries a zip of up to 50 MB as base64 in JSON (about 70 MB).
      maxRequestBytes: 70 * 1024 * 1024,
      close: () => deps.functions.close(),
    },
    deps,
  );
  return { ...service, functions: deps.functions };
}
