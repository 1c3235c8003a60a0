/**
 * PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutResourcePolicy.html and siblings).
 * Reads { ResourceARN, Policy? } for a stream ARN; GetResourcePolicy writes { Policy } (`{}` when the
 * stream has none). The documents are kept by the server's identity store (src/iam), which the policy
 * engine reads them from under `--auth enforce`; the store also checks their syntax.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import { kinesisErrors } from '../errors.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOfResource } from '../shapes.ts';

/** Where resource policies live (the server passes the identity store's). */
export interface ResourcePolicyStore {
  get(arn: string): string | undefined;
  set(arn: string, document: string | undefined): Promise<void>;
  /** Why a document is not a valid policy (AWS's words), or undefined. */
  problem(document: string): string | undefined;
}

/** Resource policies held in memory, for a Kinesis service built without the identity store. */
export function memoryResourcePolicies(): ResourcePolicyStore {
  const docs = new Map<string, string>();
  return {
    get: (arn) => docs.get(arn),
    set: async (arn, d) => {
      if (d === undefined) docs.delete(arn);
      else docs.set(arn, d);
    },
    problem: (d) => {
      try {
        JSON.parse(d);
        return undefined;
      } catch {
        return 'Policy is not valid JSON.';
      }
    },
  };
}

/** The stream ARN as stored: the stream must exist (ResourceNotFoundException otherwise). */
function streamArn(arn: string, ctx: KinesisContext): string {
  ctx.deps.describe(streamNameOfResource(arn, ctx.deps));
  return arn;
}

export function resourcePolicyActions(store: ResourcePolicyStore) {
  return {
    PutResourcePolicy: defineAction(kinesisModel, 'PutResourcePolicy', async (input, ctx: KinesisContext): Promise<undefined> => {
      const arn = streamArn(input.ResourceARN, ctx);
      const problem = store.problem(input.Policy);
      if (problem !== undefined) throw kinesisErrors.create('InvalidArgumentException', problem);
      await store.set(arn, input.Policy);
      return undefined;
    }),
    GetResourcePolicy: defineAction(kinesisModel, 'GetResourcePolicy', (input, ctx: KinesisContext) => ({
      Policy: store.get(streamArn(input.ResourceARN, ctx)) ?? '{}',
    })),
    DeleteResourcePolicy: defineAction(kinesisModel, 'DeleteResourcePolicy', async (input, ctx: KinesisContext): Promise<undefined> => {
      await store.set(streamArn(input.ResourceARN, ctx), undefined);
      return undefined;
    }),
  };
}
