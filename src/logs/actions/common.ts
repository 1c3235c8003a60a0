/**
 * What the Logs_20140328 actions share: their context (the logs engine) and how a request names a log
 * group (logGroupName, or logGroupIdentifier as a name or an ARN; not both).
 */
import type { ActionContext } from '../../aws/index.ts';
import type { LogsEngine } from '../engine.ts';
import { logsErrors } from '../errors.ts';

export interface LogsDeps {
  engine: LogsEngine;
}

export type LogsContext = ActionContext<LogsDeps>;

export function groupOf(engine: LogsEngine, input: { logGroupName?: string | undefined; logGroupIdentifier?: string | undefined }): string {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw logsErrors.format('InvalidParameterException', 'groupAndIdentifier', {});
  }
  const id = input.logGroupName ?? input.logGroupIdentifier;
  if (id === undefined) throw logsErrors.format('InvalidParameterException', 'noGroup', {});
  if (id.startsWith('arn:')) {
    const name = engine.groupFromArn(id);
    if (name === undefined) throw logsErrors.format('ResourceNotFoundException', 'group', {});
    return name;
  }
  return id;
}

/** Opaque pagination tokens: a position, base64-encoded so clients do not parse them. */
export function encodeToken(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

export function decodeToken(token: string): string {
  const s = Buffer.from(token, 'base64url').toString('utf8');
  if (s === '' || encodeToken(s) !== token) throw logsErrors.format('InvalidParameterException', 'nextToken', {});
  return s;
}
