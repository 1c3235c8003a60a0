/**
 * The STS subset Freshet serves (STS API Reference, 2011-06-15, awsQuery): GetCallerIdentity,
 * GetSessionToken and AssumeRole (the role's trust policy, an optional session policy, a duration).
 * Temporary credentials are `ASIA…` keys with a session token, kept in memory until they expire or the
 * server stops. AssumeRoleWithWebIdentity is declared callable unsigned, as on AWS, though Freshet does
 * not implement it yet (it answers AWS's unknown-action error).
 */
import { randomBytes } from 'node:crypto';
import { AwsError, actionTable, defineAction, defineService, noActions } from '../aws/index.ts';
import type { ActionContext, AwsService, CallerIdentity } from '../aws/index.ts';
import { stsModel } from '../aws/models/sts.ts';
import { stsErrors } from './errors.ts';
import { PolicySyntaxError, accessDeniedMessage, compilePolicy, evaluate } from './policy.ts';
import type { CompiledPolicy } from './policy.ts';
import { awsId, newSecret } from './store.ts';
import type { IamStore, Session } from './store.ts';

type Ctx = ActionContext<IamStore>;

function callerOf(ctx: Ctx): CallerIdentity {
  return ctx.identity ?? ctx.deps.rootIdentity();
}

function newSession(store: IamStore, identity: CallerIdentity, nowMs: number, durationSeconds: number, sessionPolicy?: CompiledPolicy): Session {
  store.pruneSessions(nowMs);
  const accessKeyId = awsId('ASIA');
  const session: Session = {
    accessKeyId,
    secretAccessKey: newSecret(),
    sessionToken: randomBytes(96).toString('base64'),
    expiresAtMs: nowMs + durationSeconds * 1000,
    identity: { ...identity, accessKeyId },
    ...(sessionPolicy ? { sessionPolicy } : {}),
  };
  store.addSession(session);
  return session;
}

/** A session of a role for Freshet's own use (a function's execution role): the role's identity, no trust check. */
export function roleSession(store: IamStore, roleArn: string, sessionName: string, nowMs: number, durationSeconds: number): Session {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const identity: CallerIdentity = {
    arn: `arn:aws:sts::${store.accountId}:assumed-role/${roleName}/${sessionName}`,
    accountId: store.accountId,
    userId: `${store.roles[roleName]?.roleId ?? 'AROA'}:${sessionName}`,
    kind: 'assumed-role',
    roleArn,
  };
  return newSession(store, identity, nowMs, durationSeconds);
}

function credentialsOf(s: Session): { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: number } {
  return { AccessKeyId: s.accessKeyId, SecretAccessKey: s.secretAccessKey, SessionToken: s.sessionToken, Expiration: s.expiresAtMs / 1000 };
}

export const getCallerIdentity = defineAction(stsModel, 'GetCallerIdentity', (_input, ctx: Ctx) => {
  const id = callerOf(ctx);
  return { UserId: id.userId, Account: id.accountId, Arn: id.arn };
});

export const getSessionToken = defineAction(stsModel, 'GetSessionToken', (input, ctx: Ctx) => {
  const id = callerOf(ctx);
  if (id.kind === 'assumed-role') throw new AwsError('AccessDeniedException', 'Cannot call GetSessionToken with session credentials');
  const max = id.kind === 'root' ? 3600 : 129600;
  const duration = input.DurationSeconds ?? (id.kind === 'root' ? 3600 : 43200);
  if (duration > max) {
    throw stsErrors.create(
      'ValidationError',
      `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return { Credentials: credentialsOf(newSession(ctx.deps, id, ctx.clock.now(), duration)) };
});

export const assumeRole = defineAction(stsModel, 'AssumeRole', (input, ctx: Ctx) => {
  const store = ctx.deps;
  const caller = callerOf(ctx);
  const arn = input.RoleArn;
  const role = store.roles[arn.slice(arn.lastIndexOf('/') + 1)];
  const denied = (): AwsError =>
    new AwsError('AccessDeniedException', `${accessDeniedMessage(caller.arn, 'sts:AssumeRole', arn, { decision: 'ImplicitDeny' }).split(' because')[0]}`);
  if (role === undefined || store.roleArn(role) !== arn) throw denied();
  // The trust policy must allow the caller; naming the account lets the account's identity policies decide (checked by the authorizer).
  const trust = evaluate(
    {
      action: 'sts:AssumeRole',
      resource: arn,
      principalArn: caller.kind === 'assumed-role' && caller.roleArn ? caller.roleArn : caller.arn,
      principalAccount: caller.accountId,
      context: { get: () => undefined },
      accountPrincipalMatchesAll: true,
    },
    [],
    store.trustPolicyOf(role),
  );
  if (trust.decision !== 'Allow') throw denied();
  const duration = input.DurationSeconds ?? 3600;
  if (duration > role.maxSessionDurationSeconds) {
    throw stsErrors.create('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  let sessionPolicy: CompiledPolicy | undefined;
  if (input.Policy !== undefined) {
    try {
      sessionPolicy = compilePolicy(input.Policy, `session policy of ${input.RoleSessionName}`);
    } catch (e) {
      if (e instanceof PolicySyntaxError) throw stsErrors.create('MalformedPolicyDocumentException', e.message);
      throw e;
    }
  }
  const sessionArn = `arn:aws:sts::${store.accountId}:assumed-role/${role.roleName}/${input.RoleSessionName}`;
  const identity: CallerIdentity = {
    arn: sessionArn,
    accountId: store.accountId,
    userId: `${role.roleId}:${input.RoleSessionName}`,
    kind: 'assumed-role',
    roleArn: store.roleArn(role),
  };
  const s = newSession(store, identity, ctx.clock.now(), duration, sessionPolicy);
  return { Credentials: credentialsOf(s), AssumedRoleUser: { AssumedRoleId: identity.userId, Arn: sessionArn }, PackedPolicySize: input.Policy ? 6 : 0 };
});

export const STS_ACTIONS = actionTable(stsModel, {
  ...noActions(stsModel),
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
  GetSessionToken: getSessionToken,
});

export function createStsService(store: IamStore): AwsService {
  return defineService(
    {
      model: stsModel,
      actions: STS_ACTIONS,
      errors: stsErrors,
      validation: { validationCode: 'ValidationError' },
      unsignedActions: ['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML'],
    },
    store,
  );
}

/**
 * Role sessions for Freshet's own consumers (SQL apps, delivery streams, functions): the identity a
 * `RoleARN` in their configuration stands for, checked like any caller. Undefined when the role does
 * not exist or does not trust the service (`<service>.amazonaws.com`) — the consumer then fails visibly.
 */
export function serviceRoleIdentity(store: IamStore, roleArn: string, servicePrincipal: string): CallerIdentity | undefined {
  const role = store.roles[roleArn.slice(roleArn.lastIndexOf('/') + 1)];
  if (role === undefined || store.roleArn(role) !== roleArn) return undefined;
  const trust = evaluate(
    {
      action: 'sts:AssumeRole',
      resource: roleArn,
      principalArn: `Service:${servicePrincipal}`,
      principalAccount: store.accountId,
      context: { get: () => undefined },
    },
    [],
    store.trustPolicyOf(role),
  );
  if (trust.decision !== 'Allow') return undefined;
  return {
    arn: `arn:aws:sts::${store.accountId}:assumed-role/${role.roleName}/${servicePrincipal}`,
    accountId: store.accountId,
    userId: `${role.roleId}:${servicePrincipal}`,
    kind: 'assumed-role',
    roleArn,
  };
}
