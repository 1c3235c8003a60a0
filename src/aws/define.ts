/**
 * One way to define a service on Freshet's AWS toolkit, for every service and protocol:
 *
 *   // src/<service>/actions/put-record.ts: the operation's generated input type + a handler
 *   export const putRecord = defineAction(kinesisModel, 'PutRecord', async (input, ctx: KinesisContext) => {
 *     // input: PutRecordInput, validated against the model (AWS's texts), blobs as Buffers
 *     return { ShardId, SequenceNumber };   // typed as PutRecordOutput
 *   });
 *
 *   // src/<service>/service.ts: one table listing every operation of the model
 *   export const KINESIS_ACTIONS = actionTable(kinesisModel, { PutRecord: putRecord, CreateChannel: undefined, ... });
 *   const service = defineService({ model: kinesisModel, actions: KINESIS_ACTIONS, errors: kinesisErrors }, engine);
 *
 * An operation mapped to undefined is answered with AWS's unknown-operation error. Validators are
 * compiled once, in defineService, from the generated shapes; semantic checks the model cannot express
 * stay in the handler, after the model's. The wire protocol (JSON, CBOR, query, REST) is the router's
 * business: handlers see the same canonical input whatever the client spoke.
 */
import type { ErrorSpec } from '../core/index.ts';
import type { ServiceModel } from './model.ts';
import type { ActionHandler, AwsService, IamMapping, PreEncodedJson, RawJsonHandler, RequestContext, StreamingResponse } from './service.ts';
import { validatorsFor } from './validate.ts';
import type { ValidationOptions } from './validate.ts';

/** What a handler receives besides its input: the request's context and the service's dependencies. */
export interface ActionContext<D = unknown> extends RequestContext {
  readonly deps: D;
}

type InputOf<T> = T extends { readonly input: infer I } ? I : never;
type OutputOf<T> = T extends { readonly output: infer O } ? O : never;
/** An operation's generated input type. */
export type OperationInput<Ops, K extends keyof Ops> = InputOf<Ops[K]>;
/** An operation's generated output type. */
export type OperationOutput<Ops, K extends keyof Ops> = OutputOf<Ops[K]>;

/** What a handler may return: its output shape (nothing for operations without output), or a response it encoded itself. */
export type ActionResult<O> = O | ([O] extends [undefined] ? undefined : never) | PreEncodedJson | StreamingResponse;

export type ActionFunction<I, O, D> = (input: I, ctx: ActionContext<D>) => ActionResult<O> | Promise<ActionResult<O>>;

export interface ActionDefinition<Ops, K extends keyof Ops & string, D> {
  readonly operation: K;
  readonly handler: ActionFunction<InputOf<Ops[K]>, OutputOf<Ops[K]>, D>;
}

/** An action: the model's operation `operation`, with `input` typed (and validated) from its input shape. */
export function defineAction<Ops, K extends keyof Ops & string, D = unknown>(
  _model: ServiceModel<Ops>,
  operation: K,
  // NoInfer: the model and the name decide the types, so the handler's literals are typed by them.
  handler: ActionFunction<InputOf<NoInfer<Ops>[NoInfer<K>]>, OutputOf<NoInfer<Ops>[NoInfer<K>]>, D>,
): ActionDefinition<Ops, K, D> {
  return { operation, handler };
}

/** Every operation of a model: its action, or undefined (not implemented: AWS's unknown-operation error). */
export type ActionTable<Ops, D> = { readonly [K in keyof Ops & string]: ActionDefinition<Ops, K, D> | undefined };

/**
 * Type-checks that `actions` lists every operation of `model` (and nothing else) and returns it.
 * (Whether the actions' dependencies match the service's is checked where defineService is called.)
 */
export function actionTable<Ops, T extends ActionTable<Ops, never>>(_model: ServiceModel<Ops>, actions: T & Record<Exclude<keyof T, keyof Ops>, never>): T {
  return actions;
}

/**
 * Every operation of `model` mapped to undefined: the start of a table for a service that implements a
 * few operations so far (`actionTable(model, { ...noActions(model), SendMessage: sendMessage })`).
 */
export function noActions<Ops>(model: ServiceModel<Ops>): { readonly [K in keyof Ops & string]: undefined } {
  const out: Record<string, undefined> = {};
  for (const name of Object.keys(model.operations)) out[name] = undefined;
  return out as { readonly [K in keyof Ops & string]: undefined };
}

export interface ServiceDefinition<Ops, D> {
  readonly model: ServiceModel<Ops>;
  readonly actions: ActionTable<Ops, D>;
  /** The service's error catalog (src/<service>/errors.ts): statuses and query codes of the errors it throws. */
  readonly errors?: { spec(code: string): ErrorSpec | undefined };
  /** Freshet's own operations outside AWS's model (e.g. FreshetGetDeliveryStreamMetrics): they validate their input themselves. */
  readonly extensions?: Readonly<Record<string, ActionHandler>>;
  readonly validation?: ValidationOptions;
  /** Fast paths over raw AWS JSON bodies (see RawJsonHandler). */
  readonly rawJsonActions?: Readonly<Record<string, RawJsonHandler | undefined>>;
  /** Largest request body, in bytes. */
  readonly maxRequestBytes?: number;
  /** Operations AWS lets callers invoke unsigned (see AwsService.unsignedActions). */
  readonly unsignedActions?: readonly (keyof Ops & string)[];
  /** IAM action prefix and resource ARNs (see AwsService.iam). */
  readonly iam?: IamMapping;
  close?(): Promise<void>;
}

/**
 * The AwsService the router mounts: each listed action wrapped with its compiled validator and
 * given `deps`. Throws at start-up if the table misses an operation of the model or names one it does not have.
 */
export function defineService<Ops, D>(def: ServiceDefinition<Ops, D>, deps: D): AwsService {
  const model = def.model as ServiceModel;
  const validator = validatorsFor(model, def.validation);
  const actions: Record<string, ActionHandler | undefined> = {};
  const table = def.actions as Readonly<Record<string, ActionDefinition<Ops, keyof Ops & string, D> | undefined>>;
  for (const name of Object.keys(model.operations)) {
    if (!Object.hasOwn(table, name)) throw new Error(`${model.metadata.serviceId}: the action table does not list ${name}`);
  }
  for (const [name, action] of Object.entries(table)) {
    const op = model.operations[name];
    if (!op) throw new Error(`${model.metadata.serviceId}: the action table lists ${name}, which the model does not have`);
    if (action === undefined) {
      actions[name] = undefined;
      continue;
    }
    const validate = op.input ? validator<Record<string, unknown>>(op.input) : (input: Record<string, unknown>) => input;
    const handler = action.handler as (input: unknown, ctx: ActionContext<D>) => unknown;
    actions[name] = (input, ctx) =>
      handler(validate(input), {
        requestId: ctx.requestId,
        region: ctx.region,
        accountId: ctx.accountId,
        clock: ctx.clock,
        protocol: ctx.protocol,
        ...(ctx.identity !== undefined ? { identity: ctx.identity } : {}),
        deps,
      });
  }
  for (const [name, handler] of Object.entries(def.extensions ?? {})) actions[name] = handler;
  return {
    targetPrefix: model.metadata.targetPrefix ?? '',
    signingName: model.metadata.signingName,
    actions,
    model,
    ...(def.errors ? { errors: def.errors } : {}),
    ...(def.rawJsonActions ? { rawJsonActions: def.rawJsonActions } : {}),
    ...(def.maxRequestBytes !== undefined ? { maxRequestBytes: def.maxRequestBytes } : {}),
    ...(def.close ? { close: def.close } : {}),
    ...(def.unsignedActions?.length ? { unsignedActions: new Set<string>(def.unsignedActions) } : {}),
    ...(def.iam ? { iam: def.iam } : {}),
  };
}
