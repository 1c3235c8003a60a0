/**
 * The toolkit's Authorizer for `--auth enforce`: every call by an IAM user or a role session is checked
 * against the caller's identity-based policies, the resource's policy (Kinesis streams) and, for role
 * sessions, the session policy, with AWS's evaluation logic (policy.ts). A denied call gets
 * AccessDeniedException with AWS's text. The account's root is never checked (the router skips it).
 *
 * Action names and resource ARNs come from each service's IamMapping (AwsService.iam, next to its action
 * table); a service without one is mapped here: IAM's prefix for its signing name, and the ARN from the
 * first `…ARN`/`…Arn` member of the input or the resource-naming members AWS's ARN formats use.
 */
import { AwsError } from '../aws/index.ts';
import type { AuthorizationRequest, Authorizer, AwsService, CallerIdentity, IamMapping } from '../aws/index.ts';
import { accessDeniedMessage, evaluate } from './policy.ts';
import type { CompiledPolicy, ContextValue, EvaluationRequest, Explanation } from './policy.ts';
import type { IamStore } from './store.ts';

/** IAM's action prefix where it differs from the signing name. */
const PREFIX_BY_SIGNING_NAME: Readonly<Record<string, string>> = { monitoring: 'cloudwatch' };

/** Input members that name a resource, and the ARN each builds (`{r}` region, `{a}` account, `{v}` the value). */
const NAME_MEMBERS: ReadonlyArray<readonly [string, string, string]> = [
  ['kinesis', 'StreamName', 'arn:aws:kinesis:{r}:{a}:stream/{v}'],
  ['firehose', 'DeliveryStreamName', 'arn:aws:firehose:{r}:{a}:deliverystream/{v}'],
  ['kinesisanalytics', 'ApplicationName', 'arn:aws:kinesisanalytics:{r}:{a}:application/{v}'],
  ['iam', 'UserName', 'arn:aws:iam::{a}:user/{v}'],
  ['iam', 'RoleName', 'arn:aws:iam::{a}:role/{v}'],
  ['lambda', 'FunctionName', 'arn:aws:lambda:{r}:{a}:function:{v}'],
  ['sqs', 'QueueUrl', 'arn:aws:sqs:{r}:{a}:{v}'],
];

/** The generic mapping: see the file comment. */
export function defaultIamMapping(service: AwsService): IamMapping {
  const prefix = PREFIX_BY_SIGNING_NAME[service.signingName] ?? service.signingName;
  const names = NAME_MEMBERS.filter((n) => n[0] === prefix);
  return {
    prefix,
    resource(_op, input, region, accountId) {
      for (const k in input) {
        const v = input[k];
        if (typeof v === 'string' && (k.endsWith('ARN') || k.endsWith('Arn')) && v.startsWith('arn:')) return v;
      }
      for (const [, member, template] of names) {
        const raw = input[member];
        if (typeof raw !== 'string' || raw === '') continue;
        const v = member === 'QueueUrl' ? raw.slice(raw.lastIndexOf('/') + 1) : raw;
        return template.replace('{r}', region).replace('{a}', accountId).replace('{v}', v);
      }
      return '*';
    },
  };
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
  private readonly mappings = new WeakMap<AwsService, IamMapping>();

  constructor(readonly store: IamStore) {}

  private mappingOf(service: AwsService): IamMapping {
    let m = this.mappings.get(service);
    if (m === undefined) {
      m = service.iam ?? defaultIamMapping(service);
      this.mappings.set(service, m);
    }
    return m;
  }

  /** The IAM action and resource ARN of a call. */
  describe(service: AwsService, operation: string, input: Record<string, unknown>, region: string): { action: string; resource: string } {
    const m = this.mappingOf(service);
    return { action: `${m.prefix}:${operation}`, resource: m.resource(operation, input, region, this.store.accountId) };
  }

  // hot path: once per request by a non-root caller under --auth enforce
  authorize(r: AuthorizationRequest): void {
    if (r.identity.kind === 'root' || r.identity.kind === 'anonymous') return;
    const { action, resource } = this.describe(r.service, r.operation, r.input, r.region);
    // STS answers GetCallerIdentity whatever the caller's policies say (STS API Reference).
    if (action === 'sts:GetCallerIdentity') return;
    let resourcePolicy: CompiledPolicy | undefined;
    if (action === 'sts:AssumeRole') {
      const role = this.store.roles[roleNameOf(resource)];
      if (role !== undefined) resourcePolicy = this.store.trustPolicyOf(role);
    }
    const e = this.check({
      identity: r.identity,
      action,
      resource,
      sourceIp: r.sourceIp,
      secure: r.secure,
      nowMs: r.nowMs,
      region: r.region,
      ...(resourcePolicy ? { resourcePolicy } : {}),
    });
    if (e.decision !== 'Allow') throw new AwsError('AccessDeniedException', accessDeniedMessage(r.identity.arn, action, resource, e));
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
