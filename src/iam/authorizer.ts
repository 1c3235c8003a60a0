/**
 * The toolkit's Authorizer for `--auth enforce`: every call by an IAM user or a role session is checked
 * against the caller's identity-based policies, the resource's policy (Kinesis streams) and, for role
 * sessions, the session policy, with AWS's evaluation logic (policy.ts). A denied call gets
 * AccessDeniedException with AWS's text. The account's root is never checked (the router skips it).
 *
 * Action names and resource ARNs come from the service's IamMapping (AwsService.iam: Kinesis) or from
 * mappings.ts (every other service). A call on several resources (CloudWatch's DeleteAlarms) is allowed only
 * when each is; a call that hands a role to a service also needs `iam:PassRole` on it. Freshet's internal
 * consumers (delivery streams, SQL applications, event source mappings) are checked with their role's
 * policies through `forRole` (docs/security.md, "Internal consumers").
 */
import { AwsError } from '../aws/index.ts';
import type { AuthorizationRequest, Authorizer, AwsService, CallerIdentity, IamMapping, RoleAuthorizer } from '../aws/index.ts';
import type { Clock } from '../core/index.ts';
import { accessDeniedMessage, evaluate } from './policy.ts';
import { SERVICE_AUTHORIZATIONS, rolesPassedIn } from './mappings.ts';
import type { MappingScope, ServiceAuthorization } from './mappings.ts';
import type { CompiledPolicy, ContextValue, EvaluationRequest, Explanation } from './policy.ts';
import type { IamStore } from './store.ts';
import { roleSession } from './sts-service.ts';

/** A service with no mapping (none today): its signing name as the prefix, every call on `*`. */
function fallbackMapping(service: AwsService): ServiceAuthorization {
  return { prefix: service.signingName, resources: () => '*' };
}

/** A service's own IamMapping (Kinesis keeps its next to its action table) as a ServiceAuthorization. */
function fromIamMapping(m: IamMapping): ServiceAuthorization {
  return { prefix: m.prefix, resources: (op, input, s) => m.resource(op, input, s.region, s.accountId) };
}

function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

function userNameOf(userArn: string): string {
  return userArn.slice(userArn.lastIndexOf('/') + 1);
}

export interface CheckInput {
  identity: CallerIdentity;
  action: string;
  resource: string;
  sourceIp?: string | undefined;
  secure?: boolean;
  nowMs: number;
  region?: string;
  /** Extra condition keys (service keys), lowercased names. */
  extra?: ReadonlyMap<string, ContextValue>;
  /** Overrides the resource's stored policy (STS AssumeRole evaluates the role's trust policy). */
  resourcePolicy?: CompiledPolicy;
}

export class IamAuthorizer implements Authorizer {
  private readonly mappings = new WeakMap<AwsService, ServiceAuthorization>();

  constructor(readonly store: IamStore) {}

  private mappingOf(service: AwsService): ServiceAuthorization {
    let m = this.mappings.get(service);
    if (m === undefined) {
      m = service.iam !== undefined ? fromIamMapping(service.iam) : (SERVICE_AUTHORIZATIONS[service.signingName] ?? fallbackMapping(service));
      this.mappings.set(service, m);
    }
    return m;
  }

  private scope(region: string, identity: CallerIdentity): MappingScope {
    return {
      region,
      accountId: this.store.accountId,
      identity,
      pathOf: (kind, name) => (kind === 'user' ? this.store.users[name]?.path : this.store.roles[name]?.path) ?? '/',
    };
  }

  /** The IAM action and resource ARN(s) of a call, and the service's condition keys for it. */
  describe(
    service: AwsService,
    operation: string,
    input: Record<string, unknown>,
    region: string,
    identity: CallerIdentity,
  ): { action: string; resources: readonly string[]; keys: ReadonlyMap<string, ContextValue> | undefined; passedRoles: readonly string[] } {
    const m = this.mappingOf(service);
    const scope = this.scope(region, identity);
    const r = m.resources(operation, input, scope);
    return {
      action: m.renamed?.[operation] ?? `${m.prefix}:${operation}`,
      resources: typeof r === 'string' ? [r] : r,
      keys: m.keys?.(operation, input, scope),
      passedRoles: m.passesRoles?.(operation) === true ? [...rolesPassedIn(input)] : [],
    };
  }

  // hot path: once per request by a non-root caller under --auth enforce
  authorize(r: AuthorizationRequest): void {
    if (r.identity.kind === 'root' || r.identity.kind === 'anonymous') return;
    const d = this.describe(r.service, r.operation, r.input, r.region, r.identity);
    // STS answers GetCallerIdentity whatever the caller's policies say (STS API Reference).
    if (d.action === 'sts:GetCallerIdentity') return;
    for (let i = 0; i < d.resources.length; i++) {
      const resource = d.resources[i]!;
      let resourcePolicy: CompiledPolicy | undefined;
      if (d.action === 'sts:AssumeRole') {
        const role = this.store.roles[roleNameOf(resource)];
        if (role !== undefined) resourcePolicy = this.store.trustPolicyOf(role);
      }
      this.require(r, d.action, resource, d.keys, resourcePolicy);
    }
    for (const role of d.passedRoles) this.require(r, 'iam:PassRole', role, undefined, undefined);
  }

  private require(
    r: AuthorizationRequest,
    action: string,
    resource: string,
    extra: ReadonlyMap<string, ContextValue> | undefined,
    resourcePolicy: CompiledPolicy | undefined,
  ): void {
    const e = this.check({
      identity: r.identity,
      action,
      resource,
      sourceIp: r.sourceIp,
      secure: r.secure,
      nowMs: r.nowMs,
      region: r.region,
      ...(extra ? { extra } : {}),
      ...(resourcePolicy ? { resourcePolicy } : {}),
    });
    if (e.decision !== 'Allow') throw new AwsError('AccessDeniedException', accessDeniedMessage(r.identity.arn, action, resource, e));
  }

  /**
   * The RoleAuthorizer of Freshet's internal consumers: each check is a call by the session
   * `arn:aws:sts::<account>:assumed-role/<role>/<session>` evaluated with the role's policies and the
   * resource's policy. A role that does not exist has no policies, so everything it does is denied.
   */
  forRoles(clock: Clock): RoleAuthorizer {
    const accountId = this.store.accountId;
    return {
      denied: (roleArn, action, resource, sessionName) => {
        const roleName = roleNameOf(roleArn);
        const identity: CallerIdentity = {
          arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
          accountId,
          userId: `${this.store.roles[roleName]?.roleId ?? 'AROA'}:${sessionName}`,
          kind: 'assumed-role',
          roleArn,
        };
        const e = this.check({ identity, action, resource, nowMs: clock.now(), secure: true });
        return e.decision === 'Allow' ? undefined : accessDeniedMessage(identity.arn, action, resource, e);
      },
      assumableBy: (roleArn, servicePrincipal) => {
        const role = this.store.roles[roleNameOf(roleArn)];
        if (role === undefined || this.store.roleArn(role) !== roleArn) return false;
        const trust = this.store.trustPolicyOf(role);
        const context = { get: () => undefined };
        // Service principals are kept as `Service:<name>` (policy.ts); the trust policy is evaluated as a resource policy.
        const req: EvaluationRequest = {
          action: 'sts:AssumeRole',
          resource: roleArn,
          principalArn: `Service:${servicePrincipal}`,
          principalAccount: '',
          context,
        };
        return evaluate(req, [], trust).decision === 'Allow';
      },
      generation: () => this.store.generation,
      credentials: (roleArn, sessionName, durationSeconds) => {
        const s = roleSession(this.store, roleArn, sessionName, clock.now(), durationSeconds);
        return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken };
      },
    };
  }

  /** Evaluates one request and says which statement decided (also `freshet iam simulate`). */
  check(c: CheckInput): Explanation {
    const id = c.identity;
    if (id.kind === 'root') return { decision: 'Allow', source: 'the account root (not subject to policies)' };
    let identityPolicies: CompiledPolicy[] = [];
    let sessionPolicy: CompiledPolicy | undefined;
    if (id.kind === 'user') identityPolicies = this.store.policiesOf('user', userNameOf(id.arn));
    else if (id.kind === 'assumed-role' && id.roleArn !== undefined) {
      identityPolicies = this.store.policiesOf('role', roleNameOf(id.roleArn));
      if (id.accessKeyId !== undefined) sessionPolicy = this.store.session(id.accessKeyId)?.sessionPolicy;
    }
    const principalArn = id.kind === 'assumed-role' && id.roleArn !== undefined ? id.roleArn : id.arn;
    const keys = new Map<string, ContextValue>();
    keys.set('aws:principalarn', principalArn);
    keys.set('aws:principalaccount', id.accountId);
    keys.set('aws:principaltype', id.kind === 'user' ? 'User' : id.kind === 'assumed-role' ? 'AssumedRole' : 'Anonymous');
    keys.set('aws:userid', id.userId);
    if (id.kind === 'user') keys.set('aws:username', userNameOf(id.arn));
    keys.set('aws:currenttime', new Date(c.nowMs).toISOString());
    keys.set('aws:epochtime', String(Math.floor(c.nowMs / 1000)));
    keys.set('aws:securetransport', c.secure ? 'true' : 'false');
    if (c.sourceIp !== undefined) keys.set('aws:sourceip', c.sourceIp.startsWith('::ffff:') ? c.sourceIp.slice(7) : c.sourceIp);
    if (c.region !== undefined) keys.set('aws:requestedregion', c.region);
    if (c.extra) for (const [k, v] of c.extra) keys.set(k, v);
    const req: EvaluationRequest = {
      action: c.action,
      resource: c.resource,
      principalArn,
      principalAccount: id.accountId,
      context: { get: (k) => keys.get(k) },
    };
    return evaluate(req, identityPolicies, c.resourcePolicy ?? (c.resource === '*' ? undefined : this.store.compiledResourcePolicy(c.resource)), sessionPolicy);
  }
}
