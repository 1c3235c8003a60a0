/**
 * Lambda-compatible functions: the engine that runs handlers in child
 * processes speaking the Lambda Runtime API (Node, Python, custom runtimes),
 * and event source mappings that feed them from Kinesis streams and queues.
 *
 *   const fns = await FunctionsEngine.open({ storage, clock, region, accountId, dataDir });
 *   await fns.createFunction('hello', { runtime: 'nodejs20.x', handler: 'index.handler', role }, { zip });
 *   const r = await fns.invoke('hello', Buffer.from('{"a":1}'), { logType: 'Tail' });
 */
export { FunctionsEngine, FUNCTION_META_PREFIX } from './engine.ts';
export { createLambdaService, LAMBDA_ACTIONS } from './service.ts';
export type { LambdaService } from './service.ts';
export { codeDownloadRoute, CODE_ROUTE } from './code-route.ts';
export { logsRoute, LOGS_ROUTE } from './logs-route.ts';
export { lambdaErrors } from './errors.ts';
export type { FunctionsEngineOptions, InvokeOptions, InvokeResult, InvocationType, ProvisionedConcurrencyState } from './engine.ts';
export { FunctionLogs, logStreamName } from './logs.ts';
export type { LogEvent } from './logs.ts';
export { CodeStore, zipModes, zipDirectory } from './code-store.ts';
export type { StoredCode } from './code-store.ts';
export {
  LIMITS as FUNCTION_LIMITS,
  NODE_RUNTIMES,
  PYTHON_RUNTIMES,
  CUSTOM_RUNTIMES,
  RUNTIMES,
  runtimeFamily,
  functionArn,
  parseFunctionRef,
} from './model.ts';
export type {
  AliasRecord,
  CodeSource,
  EventInvokeConfig,
  FunctionRecord,
  ProvisionedConcurrencyConfig,
  FunctionSettings,
  VersionRecord,
  RuntimeFamily,
} from './model.ts';
export { alarmActionInvoker, functionInvoker, InvocationFailure } from './invoker.ts';
export type { FunctionInvoker } from './invoker.ts';
