/**
 * The Postgres endpoint's users and permissions from Freshet's IAM (`--auth enforce`): a client logs in
 * with an access key id as its user name and the secret access key as its password (the account root's,
 * an IAM user's, or an STS session's until it expires), and every statement is authorized with the IAM
 * policies of that identity (actions and resources: src/views/access.ts). An external schema's IAM role
 * must exist and be passable by its creator (`iam:PassRole`), and a view reads a stream only if that role
 * (or, with `IAM_ROLE 'SESSION'`, the creator) is allowed `kinesis:GetRecords` on it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CallerIdentity } from '../aws/index.ts';
import type { Clock } from '../core/index.ts';
import type { IamAuthorizer, IamStore } from '../iam/index.ts';
import type { PgAccessContext, PgAccessControl, PgPrincipal } from './access.ts';

interface IamPrincipal extends PgPrincipal {
  readonly identity: CallerIdentity;
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function iamAccess(opts: { store: IamStore; authorizer: IamAuthorizer; clock: Clock; region: string }): PgAccessControl {
  const { store, authorizer, clock, region } = opts;
  const account = store.accountId;
  const roleIdentity = (roleArn: string): CallerIdentity => {
    const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    return {
      arn: `arn:aws:sts::${account}:assumed-role/${name}/freshet-views`,
      accountId: account,
      userId: `${store.roles[name]?.roleId ?? 'AROA'}:freshet-views`,
      kind: 'assumed-role',
      roleArn,
    };
  };
  const allows = (identity: CallerIdentity, action: string, resource: string, ctx?: PgAccessContext): boolean =>
    authorizer.check({
      identity,
      action,
      resource,
      sourceIp: ctx?.remoteAddress,
      secure: ctx?.secure ?? false,
      nowMs: clock.now(),
      region,
    }).decision === 'Allow';
  const decision = (identity: CallerIdentity, action: string, resource: string, ctx: PgAccessContext) =>
    authorizer.check({ identity, action, resource, sourceIp: ctx.remoteAddress, secure: ctx.secure, nowMs: clock.now(), region }).decision;
  const isRoleArn = (r: string) => /^arn:aws:iam::\d{12}:role\/.+/.test(r);
  const lastSegment = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  return {
    arnPrefix: `arn:aws:views:${region}:${account}:`,
    login(user, password) {
      const cred = store.lookup(user);
      if (cred === undefined || !sameSecret(cred.secretAccessKey, password)) return undefined;
      if (cred.expiresAtMs !== undefined && clock.now() >= cred.expiresAtMs) return undefined;
      const p: IamPrincipal = { arn: cred.identity.arn, identity: cred.identity };
      return p;
    },
    allowed(principal, action, resource, ctx) {
      return allows((principal as IamPrincipal).identity, action, resource, ctx);
    },
    explicitlyDenied(principal, action, resource, ctx) {
      return decision((principal as IamPrincipal).identity, action, resource, ctx) === 'ExplicitDeny';
    },
    granteeKeys(principal) {
      const id = (principal as IamPrincipal).identity;
      if (id.kind === 'user') return { user: lastSegment(id.arn) };
      if (id.kind === 'assumed-role' && id.roleArn !== undefined) return { role: lastSegment(id.roleArn) };
      return {};
    },
    granteeProblem(grantee) {
      if (grantee.kind === 'user' && store.users[grantee.name] === undefined) return `user "${grantee.name}" does not exist`;
      if (grantee.kind === 'role' && store.roles[grantee.name] === undefined) return `role "${grantee.name}" does not exist`;
      return undefined;
    },
    roleProblem(principal, iamRole, ctx) {
      if (iamRole === undefined || iamRole === 'default' || iamRole.toUpperCase() === 'SESSION') return undefined;
      if (!isRoleArn(iamRole)) return `IAM_ROLE '${iamRole}' is not a role ARN: give arn:aws:iam::${account}:role/<name>, default or 'SESSION'`;
      const name = iamRole.slice(iamRole.lastIndexOf('/') + 1);
      if (!iamRole.startsWith(`arn:aws:iam::${account}:`) || store.roles[name] === undefined) {
        return `IAM role ${iamRole} does not exist in account ${account}: create it (aws iam create-role) or use IAM_ROLE default`;
      }
      const identity = (principal as IamPrincipal).identity;
      if (!allows(identity, 'iam:PassRole', iamRole, ctx)) return `${identity.arn} is not authorized to perform iam:PassRole on resource ${iamRole}`;
      return undefined;
    },
    streamProblem(principal, iamRole, stream) {
      if (iamRole === undefined || iamRole === null || iamRole === 'default') return undefined;
      const streamArn = `arn:aws:kinesis:${region}:${account}:stream/${stream}`;
      const identity = iamRole.toUpperCase() === 'SESSION' ? (principal as IamPrincipal).identity : isRoleArn(iamRole) ? roleIdentity(iamRole) : undefined;
      if (identity === undefined || allows(identity, 'kinesis:GetRecords', streamArn)) return undefined;
      const who = identity.roleArn ?? identity.arn;
      return `Not authorized to read the stream "${stream}": ${who} is not allowed kinesis:GetRecords on ${streamArn}`;
    },
  };
}
