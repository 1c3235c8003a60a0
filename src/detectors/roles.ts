/**
 * Under `--auth enforce` a detector acts with the roles its configuration names, as Lookout for Metrics does:
 * its metric set's S3 source is read with `S3SourceConfig.RoleArn` (`s3:ListBucket` on the bucket, `s3:GetObject`
 * on every object read) and an alert's action runs with its action's `RoleArn` (`sns:Publish` on the topic,
 * `lambda:InvokeFunction` on the function). Each role must be assumable by `lookoutmetrics.amazonaws.com`.
 * The checks answer AWS's AccessDenied text for the role's session (`assumed-role/<role>/<detector name>`);
 * without an authorizer (auth `any` or `off`) every role may do everything.
 */
import type { RoleAuthorizer } from '../aws/index.ts';
import type { Action } from '../aws/models/lookoutmetrics.ts';
import type { ReadGuard } from './source.ts';
import { LOOKOUTMETRICS_PRINCIPAL } from './stream-source.ts';

function unassumable(roleArn: string): string {
  return `Lookout for Metrics is unable to assume role ${roleArn}.`;
}

/**
 * The guard of an S3 source's reads with the metric set's role, or undefined when auth is not enforced. It
 * throws with AWS's text: the role cannot be assumed, or may not list the bucket or get an object.
 */
export function s3ReadGuard(roles: RoleAuthorizer | undefined, roleArn: string | undefined, sessionName: string): ReadGuard | undefined {
  if (roles === undefined) return undefined;
  return (bucket, key) => {
    if (roleArn === undefined) throw new Error(`The metric set has no RoleArn to read s3://${bucket} with.`);
    if (!roles.assumableBy(roleArn, LOOKOUTMETRICS_PRINCIPAL)) throw new Error(unassumable(roleArn));
    const denied =
      key === undefined
        ? roles.denied(roleArn, 's3:ListBucket', `arn:aws:s3:::${bucket}`, sessionName)
        : roles.denied(roleArn, 's3:GetObject', `arn:aws:s3:::${bucket}/${key}`, sessionName);
    if (denied !== undefined) throw new Error(denied);
  };
}

/**
 * Why an alert's action may not run with its role now (AWS's text), or undefined when it may (or auth is
 * not enforced).
 */
export function alertRoleProblem(roles: RoleAuthorizer | undefined, action: Action, sessionName: string): string | undefined {
  if (roles === undefined) return undefined;
  const sns = action.SNSConfiguration;
  const lambda = action.LambdaConfiguration;
  const roleArn = sns?.RoleArn ?? lambda?.RoleArn;
  if (roleArn === undefined) return 'The alert action has no RoleArn.';
  if (!roles.assumableBy(roleArn, LOOKOUTMETRICS_PRINCIPAL)) return unassumable(roleArn);
  if (sns) return roles.denied(roleArn, 'sns:Publish', sns.SnsTopicArn, sessionName);
  if (lambda) return roles.denied(roleArn, 'lambda:InvokeFunction', lambda.LambdaArn, sessionName);
  return undefined;
}
