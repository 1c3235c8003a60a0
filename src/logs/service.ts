/**
 * The CloudWatch Logs API (Logs_20140328, AWS JSON 1.1, X-Amz-Target Logs_20140328.<Action>) on the
 * server's port: one table listing every operation of the generated model (src/aws/models/logs.ts),
 * handled in src/logs/actions/. Operations not listed (metric and subscription filters, Insights
 * queries, destinations, export tasks, data protection) answer UnknownOperationException.
 */
import { actionTable, defineService, noActions } from '../aws/index.ts';
import type { AwsService, IamMapping } from '../aws/index.ts';
import { logsModel } from '../aws/models/logs.ts';
import type { LogsEngine } from './engine.ts';
import { logsErrors } from './errors.ts';
import type { LogsDeps } from './actions/common.ts';
import { filterLogEvents, getLogEvents, putLogEvents } from './actions/events.ts';
import { createLogGroup, deleteLogGroup, deleteRetentionPolicy, describeLogGroups, putRetentionPolicy } from './actions/groups.ts';
import { createLogStream, deleteLogStream, describeLogStreams } from './actions/streams.ts';
import { listTagsForResource, listTagsLogGroup, tagLogGroup, tagResource, untagLogGroup, untagResource } from './actions/tags.ts';

export const LOGS_ACTIONS = actionTable(logsModel, {
  ...noActions(logsModel),
  CreateLogGroup: createLogGroup,
  DeleteLogGroup: deleteLogGroup,
  DescribeLogGroups: describeLogGroups,
  CreateLogStream: createLogStream,
  DeleteLogStream: deleteLogStream,
  DescribeLogStreams: describeLogStreams,
  PutLogEvents: putLogEvents,
  GetLogEvents: getLogEvents,
  FilterLogEvents: filterLogEvents,
  PutRetentionPolicy: putRetentionPolicy,
  DeleteRetentionPolicy: deleteRetentionPolicy,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
  TagLogGroup: tagLogGroup,
  UntagLogGroup: untagLogGroup,
  ListTagsLogGroup: listTagsLogGroup,
});

/** `logs:<Action>` on the log group's ARN (`…:log-group:<name>`), or the stream's for actions on one stream. */
export function logsIam(engine: LogsEngine): IamMapping {
  return {
    prefix: 'logs',
    resource(_op, input) {
      if (typeof input.resourceArn === 'string') return input.resourceArn;
      const id = input.logGroupName ?? input.logGroupIdentifier;
      if (typeof id !== 'string') return '*';
      const group = id.startsWith('arn:') ? (engine.groupFromArn(id) ?? id) : id;
      return typeof input.logStreamName === 'string' ? engine.streamArn(group, input.logStreamName) : engine.groupArn(group);
    },
  };
}

export type LogsService = AwsService & { readonly logs: LogsEngine };

export function createLogsService(engine: LogsEngine): LogsService {
  const deps: LogsDeps = { engine };
  const service = defineService(
    {
      model: logsModel,
      actions: LOGS_ACTIONS,
      errors: logsErrors,
      validation: { validationCode: 'InvalidParameterException' },
      iam: logsIam(engine),
      close: () => engine.close(),
    },
    deps,
  );
  return { ...service, logs: engine };
}
