/**
 * The functions engine as other services call it in-process: Firehose's
 * Lambda processor and SQL applications' InputLambdaProcessor / LambdaOutput
 * name a function by ARN (or name), and Freshet runs it here — Node, Python
 * or a custom runtime — exactly as an Invoke with RequestResponse would.
 */
import { isAwsError } from '../core/index.ts';
import type { FunctionsEngine } from './engine.ts';

export interface FunctionInvoker {
  /** Whether `ref` (a name, a partial or full ARN, with an optional qualifier) names a function of this server. */
  has(ref: string): boolean;
  /**
   * Invokes synchronously with a JSON event. Resolves with the parsed response, or rejects with an
   * InvocationFailure: the function failed ('Unhandled': its errorType/errorMessage), timed out,
   * was throttled, or answered with something other than JSON.
   */
  invoke(ref: string, event: unknown): Promise<unknown>;
}

export class InvocationFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'function-error' | 'timeout' | 'throttled' | 'invalid-response' | 'not-found' | 'invoke-error',
    readonly errorType?: string,
  ) {
    super(message);
    this.name = 'InvocationFailure';
  }
}

export function functionInvoker(engine: FunctionsEngine): FunctionInvoker {
  return {
    has(ref) {
      try {
        return engine.has(engine.resolveName(ref).name);
      } catch {
        return false;
      }
    },
    async invoke(ref, event) {
      let result: Awaited<ReturnType<FunctionsEngine['invoke']>>;
      try {
        result = await engine.invoke(ref, Buffer.from(JSON.stringify(event)), { trustedPayload: true });
      } catch (e) {
        if (!isAwsError(e)) throw e;
        const kind = e.code === 'TooManyRequestsException' ? 'throttled' : e.code === 'ResourceNotFoundException' ? 'not-found' : 'invoke-error';
        throw new InvocationFailure(`${e.code}: ${e.message}`, kind, e.code);
      }
      const text = result.payload.toString('utf8');
      if (result.functionError !== undefined) {
        let errorType = 'Unhandled';
        let errorMessage = text;
        try {
          const body = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
          if (typeof body.errorType === 'string') errorType = body.errorType;
          if (typeof body.errorMessage === 'string') errorMessage = body.errorMessage;
        } catch {
          // a runtime's raw error text
        }
        const timedOut = /Task timed out after/.test(errorMessage);
        throw new InvocationFailure(`${errorType}: ${errorMessage}`, timedOut ? 'timeout' : 'function-error', errorType);
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new InvocationFailure(`The function response is not valid JSON: ${text.slice(0, 200)}`, 'invalid-response');
      }
    },
  };
}

/**
 * The hook CloudWatch alarm actions on `arn:aws:lambda:…:function:<name>[:<qualifier>]` call: an
 * asynchronous (Event) invocation with the alarm's event, acknowledged once queued durably; Lambda's
 * own retries and destinations apply from there. Rejects when the function (or the qualifier) does not
 * exist, so the alarm's history records a failed action, as CloudWatch does.
 */
export function alarmActionInvoker(engine: FunctionsEngine): (functionArn: string, event: unknown) => Promise<void> {
  return async (functionArn, event) => {
    try {
      await engine.invoke(functionArn, Buffer.from(JSON.stringify(event)), { invocationType: 'Event', trustedPayload: true });
    } catch (e) {
      if (isAwsError(e)) throw new InvocationFailure(`${e.code}: ${e.message}`, e.code === 'ResourceNotFoundException' ? 'not-found' : 'invoke-error', e.code);
      throw e;
    }
  };
}
