/**
 * Invoke (Lambda API reference, Invoke): the raw payload in and out;
 * StatusCode 200 / 202 (Event) / 204 (DryRun); X-Amz-Function-Error,
 * X-Amz-Log-Result (LogType Tail) and X-Amz-Executed-Version headers.
 */
import { defineAction } from '../../aws/index.ts';
import { lambdaModel } from '../../aws/models/lambda.ts';
import type { LambdaContext } from './common.ts';

export const invoke = defineAction(lambdaModel, 'Invoke', async (input, ctx: LambdaContext) => {
  const r = await ctx.deps.functions.invoke(input.FunctionName, input.Payload ?? new Uint8Array(0), {
    ...(input.InvocationType !== undefined ? { invocationType: input.InvocationType } : {}),
    ...(input.LogType !== undefined ? { logType: input.LogType } : {}),
    ...(input.Qualifier !== undefined ? { qualifier: input.Qualifier } : {}),
    ...(input.ClientContext !== undefined ? { clientContext: input.ClientContext } : {}),
  });
  return {
    StatusCode: r.statusCode,
    ...(r.functionError ? { FunctionError: r.functionError } : {}),
    ...(r.logResult !== undefined ? { LogResult: r.logResult } : {}),
    ...(r.statusCode === 200 ? { Payload: r.payload, ExecutedVersion: r.executedVersion } : {}),
  };
});
