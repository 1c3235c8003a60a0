/**
 * Under `--auth enforce`, a valid CreateApplicationPresignedUrl link signs its visitor in for that application's page
 * only, until the link expires — as AWS's presigned URL opens one application's Flink dashboard for the session it
 * names, without the visitor's own keys.
 *
 * The visitor gets temporary credentials (an `ASIA…` key with a session token, in the identity store's sessions like
 * STS's) of a role the console keeps for this, `FreshetConsolePresignedUrl` under the path `/service-role/`: its
 * inline policy allows only reading Flink applications (describe, versions, snapshots), no principal may assume it
 * (its trust policy names a service principal only the console stands for), and each session's policy narrows it to
 * the one application the link names. Whatever else the page tries is refused by IAM in AWS's words.
 */
import { awsId, compilePolicy, newSecret } from '../iam/index.ts';
import type { IamStore, Session, StoredRole } from '../iam/index.ts';
import { randomBytes } from 'node:crypto';

export const PRESIGNED_ROLE_NAME = 'FreshetConsolePresignedUrl';
const ROLE_PATH = '/service-role/';
const CONSOLE_PRINCIPAL = 'console.freshet.internal';

/** What a presigned link's visitor may do: read the application's page (AWS's Flink dashboard is a view of the job). */
export const PRESIGNED_ACTIONS = [
  'kinesisanalytics:DescribeApplication',
  'kinesisanalytics:DescribeApplicationVersion',
  'kinesisanalytics:ListApplicationVersions',
  'kinesisanalytics:ListApplicationSnapshots',
  'kinesisanalytics:DescribeApplicationSnapshot',
] as const;

function policy(resource: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: PRESIGNED_ACTIONS, Resource: resource }] });
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: CONSOLE_PRINCIPAL }, Action: 'sts:AssumeRole' }],
});

/** The role, put back as the console defines it when it is missing or was changed (so a widened copy is not used). */
async function presignedRole(store: IamStore, nowMs: number): Promise<StoredRole> {
  const inline = { ReadFlinkApplications: policy(`arn:aws:kinesisanalytics:*:${store.accountId}:application/*`) };
  const existing = store.roles[PRESIGNED_ROLE_NAME];
  if (
    existing &&
    existing.path === ROLE_PATH &&
    existing.assumeRolePolicyDocument === TRUST &&
    existing.attachedPolicies.length === 0 &&
    JSON.stringify(existing.inlinePolicies) === JSON.stringify(inline)
  )
    return existing;
  const role: StoredRole = {
    roleName: PRESIGNED_ROLE_NAME,
    roleId: existing?.roleId ?? awsId('AROA'),
    path: ROLE_PATH,
    createdMs: existing?.createdMs ?? nowMs,
    assumeRolePolicyDocument: TRUST,
    description: "The Freshet console's sessions for CreateApplicationPresignedUrl links: read one Flink application's page",
    maxSessionDurationSeconds: 12 * 3600,
    inlinePolicies: inline,
    attachedPolicies: [],
  };
  await store.putRole(role);
  return role;
}

export interface PresignedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds: the link's own expiry. */
  expiresAtMs: number;
  /** The session's ARN (`arn:aws:sts::<account>:assumed-role/FreshetConsolePresignedUrl/<application>`). */
  arn: string;
  application: string;
}

/** A session for the visitor of a presigned link to `application` (its token checked by the caller: not expired), valid until the link expires. */
export async function presignedSession(
  store: IamStore,
  region: string,
  application: string,
  expiresAtMs: number,
  nowMs: number,
): Promise<PresignedCredentials> {
  const role = await presignedRole(store, nowMs);
  store.pruneSessions(nowMs);
  const accessKeyId = awsId('ASIA');
  // A role session name allows [\w+=,.@-]{2,64}; an application name is [a-zA-Z0-9_.-]{1,128}.
  const sessionName = `presigned-${application}`.slice(0, 64);
  const arn = `arn:aws:sts::${store.accountId}:assumed-role/${role.roleName}/${sessionName}`;
  const session: Session = {
    accessKeyId,
    secretAccessKey: newSecret(),
    sessionToken: randomBytes(96).toString('base64'),
    expiresAtMs,
    identity: {
      arn,
      accountId: store.accountId,
      userId: `${role.roleId}:${sessionName}`,
      kind: 'assumed-role',
      roleArn: store.roleArn(role),
      accessKeyId,
    },
    sessionPolicy: compilePolicy(
      policy(`arn:aws:kinesisanalytics:${region}:${store.accountId}:application/${application}`),
      `session policy of the presigned link to ${application}`,
    ),
  };
  store.addSession(session);
  return { accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken, expiresAtMs, arn, application };
}
