/**
 * IAM's names for the calls of every service Freshet serves besides Kinesis (whose mapping lives next to its
 * action table, src/kinesis/service.ts): the action (`<prefix>:<Action>`, renamed where the Service Authorization
 * Reference names it differently from the API operation, e.g. Lambda's Invoke is `lambda:InvokeFunction`) and
 * the ARN(s) of the resources it acts on, built from the request as the Reference's resource types spell them
 * (`*` for calls on no resource, such as the List… calls). Some calls add the service's condition keys
 * (`cloudwatch:namespace`, `lambda:FunctionArn`), and calls that hand a role to a service also need
 * `iam:PassRole` on that role.
 */
import type { CallerIdentity } from '../aws/index.ts';
import type { ContextValue } from './policy.ts';

export interface MappingScope {
  region: string;
  accountId: string;
  identity: CallerIdentity;
  /** The path of a stored user or role (`/` when unknown): IAM ARNs include it. */
  pathOf(kind: 'user' | 'role', name: string): string;
}

/** How one service's operations are named and scoped in IAM policies. */
export interface ServiceAuthorization {
  readonly prefix: string;
  /** The IAM action of an operation, where it is not the operation's own name. */
  readonly renamed?: Readonly<Record<string, string>>;
  /** The resources an operation acts on: each must be allowed. */
  resources(operation: string, input: Record<string, unknown>, scope: MappingScope): string | readonly string[];
  /** The service's own condition keys for a call (lowercased names). */
  keys?(operation: string, input: Record<string, unknown>, scope: MappingScope): ReadonlyMap<string, ContextValue> | undefined;
  /** Operations that pass a role to the service (the caller also needs `iam:PassRole` on it). */
  readonly passesRoles?: (operation: string) => boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function strings(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const x of v) if (typeof x === 'string' && x !== '') out.push(x);
  return out;
}

/** `…` or `/a/b/`: the path IAM puts between the resource type and the name. */
function iamPath(p: unknown): string {
  const s = str(p);
  return s === undefined ? '/' : s;
}

// --- Firehose: deliverystream/<name>

const FIREHOSE: ServiceAuthorization = {
  prefix: 'firehose',
  resources(_op, input, { region, accountId }) {
    const name = str(input.DeliveryStreamName);
    return name === undefined ? '*' : `arn:aws:firehose:${region}:${accountId}:deliverystream/${name}`;
  },
  passesRoles: (op) => op === 'CreateDeliveryStream' || op === 'UpdateDestination',
};

// --- Kinesis Data Analytics (API v1 and v2 share the prefix): application/<name>

const KINESIS_ANALYTICS: ServiceAuthorization = {
  prefix: 'kinesisanalytics',
  resources(op, input, { region, accountId }) {
    const arn = str(input.ResourceARN);
    if (arn !== undefined && op !== 'DiscoverInputSchema') return arn;
    const name = str(input.ApplicationName);
    return name === undefined ? '*' : `arn:aws:kinesisanalytics:${region}:${accountId}:application/${name}`;
  },
  passesRoles: (op) => op.startsWith('Create') || op.startsWith('Add') || op === 'UpdateApplication' || op === 'DiscoverInputSchema',
};

// --- Lambda: function:<name>[:<qualifier>], layer:<name>[:<version>], event-source-mapping:<uuid>, code-signing-config:<id>

const LAMBDA_RENAMED: Readonly<Record<string, string>> = {
  Invoke: 'lambda:InvokeFunction',
  InvokeWithResponseStream: 'lambda:InvokeFunction',
  GetLayerVersionByArn: 'lambda:GetLayerVersion',
};

/** The ARN of the function a FunctionName (a name, `name:qualifier`, a partial `account:function:name` or an ARN) and Qualifier name. */
export function lambdaFunctionArn(functionName: string, qualifier: string | undefined, region: string, accountId: string): string {
  let arn: string;
  if (functionName.startsWith('arn:')) arn = functionName;
  else {
    const parts = functionName.split(':');
    if (parts.length >= 3 && parts[1] === 'function') arn = `arn:aws:lambda:${region}:${functionName}`;
    else arn = `arn:aws:lambda:${region}:${accountId}:function:${functionName}`;
  }
  // arn:aws:lambda:<region>:<account>:function:<name> has 7 parts; an 8th is the qualifier.
  if (qualifier !== undefined && arn.split(':').length === 7) arn += `:${qualifier}`;
  return arn;
}

const LAMBDA: ServiceAuthorization = {
  prefix: 'lambda',
  renamed: LAMBDA_RENAMED,
  resources(op, input, { region, accountId }) {
    const fn = str(input.FunctionName);
    if (fn !== undefined && op !== 'CreateEventSourceMapping' && op !== 'ListEventSourceMappings' && op !== 'UpdateEventSourceMapping') {
      return lambdaFunctionArn(fn, str(input.Qualifier), region, accountId);
    }
    const uuid = str(input.UUID);
    if (uuid !== undefined) return `arn:aws:lambda:${region}:${accountId}:event-source-mapping:${uuid}`;
    const resource = str(input.Resource) ?? str(input.CodeSigningConfigArn) ?? str(input.Arn);
    if (resource !== undefined) return resource;
    const layer = str(input.LayerName);
    if (layer !== undefined) {
      const base = layer.startsWith('arn:') ? layer : `arn:aws:lambda:${region}:${accountId}:layer:${layer}`;
      const version = input.VersionNumber;
      return typeof version === 'number' || typeof version === 'string' ? `${base}:${version}` : base;
    }
    return '*';
  },
  keys(op, input, { region, accountId }) {
    if (!op.includes('EventSourceMapping')) return undefined;
    const fn = str(input.FunctionName);
    return fn === undefined ? undefined : new Map([['lambda:functionarn', lambdaFunctionArn(fn, undefined, region, accountId)]]);
  },
  passesRoles: (op) => op === 'CreateFunction' || op === 'UpdateFunctionConfiguration',
};

// --- SQS: arn:aws:sqs:<region>:<account>:<queue name>; the batch calls are authorised as their single forms

const SQS_RENAMED: Readonly<Record<string, string>> = {
  SendMessageBatch: 'sqs:SendMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
};

const SQS: ServiceAuthorization = {
  prefix: 'sqs',
  renamed: SQS_RENAMED,
  resources(_op, input, { region, accountId }) {
    const url = str(input.QueueUrl);
    if (url !== undefined) {
      // https://host/<account>/<name>
      const parts = url.split('/');
      const name = parts[parts.length - 1] ?? '';
      const owner = parts[parts.length - 2] ?? '';
      return `arn:aws:sqs:${region}:${/^\d{12}$/.test(owner) ? owner : accountId}:${name}`;
    }
    const name = str(input.QueueName);
    if (name !== undefined) return `arn:aws:sqs:${region}:${str(input.QueueOwnerAWSAccountId) ?? accountId}:${name}`;
    return str(input.SourceArn) ?? '*';
  },
};

// --- CloudWatch: alarm:<name>, dashboard/<name> (no region), insight-rule/<name>, metric-stream/<name>

const CLOUDWATCH: ServiceAuthorization = {
  prefix: 'cloudwatch',
  resources(op, input, { region, accountId }) {
    const arn = str(input.ResourceARN);
    if (arn !== undefined) return arn;
    const alarm = (n: string): string => `arn:aws:cloudwatch:${region}:${accountId}:alarm:${n}`;
    if (op === 'PutMetricAlarm' || op === 'PutCompositeAlarm' || op === 'SetAlarmState' || op === 'DescribeAlarmHistory') {
      const n = str(input.AlarmName);
      return n === undefined ? '*' : alarm(n);
    }
    const alarms = strings(input.AlarmNames);
    if (alarms.length > 0) return alarms.map(alarm);
    const dashboard = (n: string): string => `arn:aws:cloudwatch::${accountId}:dashboard/${n}`;
    const d = str(input.DashboardName);
    if (d !== undefined) return dashboard(d);
    const ds = strings(input.DashboardNames);
    if (ds.length > 0) return ds.map(dashboard);
    const rule = (n: string): string => `arn:aws:cloudwatch:${region}:${accountId}:insight-rule/${n}`;
    const r = str(input.RuleName);
    if (r !== undefined) return rule(r);
    const rs = strings(input.RuleNames);
    if (rs.length > 0) return rs.map(rule);
    const stream = (n: string): string => `arn:aws:cloudwatch:${region}:${accountId}:metric-stream/${n}`;
    if (op.includes('MetricStream')) {
      const s = str(input.Name);
      if (s !== undefined) return stream(s);
      const ss = strings(input.Names);
      if (ss.length > 0) return ss.map(stream);
    }
    return '*';
  },
  keys(op, input) {
    const ns = str(input.Namespace);
    return op === 'PutMetricData' && ns !== undefined ? new Map([['cloudwatch:namespace', ns]]) : undefined;
  },
  passesRoles: (op) => op === 'PutMetricStream',
};

// --- Lookout for Metrics: AnomalyDetector:<name>, MetricSet:<name>, Alert:<name> (the ARNs Freshet's detectors return)

const LOOKOUT_METRICS: ServiceAuthorization = {
  prefix: 'lookoutmetrics',
  resources(op, input, { region, accountId }) {
    const base = `arn:aws:lookoutmetrics:${region}:${accountId}`;
    if (op === 'CreateAnomalyDetector') {
      const n = str(input.AnomalyDetectorName);
      return n === undefined ? '*' : `${base}:AnomalyDetector:${n}`;
    }
    if (op === 'CreateMetricSet') {
      const n = str(input.MetricSetName);
      return n === undefined ? '*' : `${base}:MetricSet:${n}`;
    }
    if (op === 'CreateAlert') {
      const n = str(input.AlertName);
      return n === undefined ? '*' : `${base}:Alert:${n}`;
    }
    return str(input.MetricSetArn) ?? str(input.AlertArn) ?? str(input.AnomalyDetectorArn) ?? str(input.ResourceArn) ?? '*';
  },
  passesRoles: (op) => op === 'CreateMetricSet' || op === 'UpdateMetricSet' || op === 'CreateAlert' || op === 'UpdateAlert',
};

// --- IAM: user/<path><name>, role/<path><name>, group/<path><name>, policy/<path><name>

const IAM: ServiceAuthorization = {
  prefix: 'iam',
  resources(op, input, { accountId, identity, pathOf }) {
    const base = `arn:aws:iam::${accountId}`;
    const policyArn = str(input.PolicyArn);
    const user = str(input.UserName);
    if (user !== undefined) return `${base}:user${op === 'CreateUser' ? iamPath(input.Path) : pathOf('user', user)}${user}`;
    const role = str(input.RoleName);
    if (role !== undefined) return `${base}:role${op === 'CreateRole' ? iamPath(input.Path) : pathOf('role', role)}${role}`;
    const group = str(input.GroupName);
    if (group !== undefined) return `${base}:group${iamPath(input.Path)}${group}`;
    if (policyArn !== undefined) return policyArn;
    const policy = str(input.PolicyName);
    if (op === 'CreatePolicy' && policy !== undefined) return `${base}:policy${iamPath(input.Path)}${policy}`;
    // Listing calls are scoped to the path prefix they list (`arn:aws:iam::…:user/` for every user).
    if (op === 'ListUsers') return `${base}:user${iamPath(input.PathPrefix)}`;
    if (op === 'ListRoles') return `${base}:role${iamPath(input.PathPrefix)}`;
    if (op === 'ListGroups') return `${base}:group${iamPath(input.PathPrefix)}`;
    if (op === 'ListPolicies') return '*';
    // Key and self-service calls without UserName act on the caller's own user.
    if (identity.kind === 'user' && (op.includes('AccessKey') || op === 'GetUser' || op.includes('SigningCertificate') || op.includes('SSHPublicKey'))) {
      return identity.arn;
    }
    return str(input.OpenIDConnectProviderArn) ?? str(input.SAMLProviderArn) ?? '*';
  },
};

// --- STS: the role assumed, or the federated user; GetSessionToken and GetCallerIdentity act on no resource

const STS: ServiceAuthorization = {
  prefix: 'sts',
  resources(op, input, { accountId }) {
    const role = str(input.RoleArn);
    if (role !== undefined) return role;
    const name = str(input.Name);
    if (op === 'GetFederationToken' && name !== undefined) return `arn:aws:sts::${accountId}:federated-user/${name}`;
    return '*';
  },
};

/** The mappings by SigV4 signing name (AwsService.signingName). */
export const SERVICE_AUTHORIZATIONS: Readonly<Record<string, ServiceAuthorization>> = {
  firehose: FIREHOSE,
  kinesisanalytics: KINESIS_ANALYTICS,
  lambda: LAMBDA,
  sqs: SQS,
  monitoring: CLOUDWATCH,
  lookoutmetrics: LOOKOUT_METRICS,
  iam: IAM,
  sts: STS,
};

// With the update forms KDA's UpdateApplication takes (v2 ServiceExecutionRoleUpdate, v1 RoleARNUpdate and the S3
// reference data source's ReferenceRoleARN / ReferenceRoleARNUpdate).
const ROLE_MEMBERS = new Set([
  'RoleARN',
  'RoleArn',
  'Role',
  'ServiceExecutionRole',
  'ExecutionRoleArn',
  'RoleArnForExecution',
  'ServiceExecutionRoleUpdate',
  'RoleARNUpdate',
  'ReferenceRoleARN',
  'ReferenceRoleARNUpdate',
]);
const ROLE_ARN = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\//;

/** The role ARNs a request hands to the service, anywhere in its input (Firehose and KDA nest them in configurations). */
export function rolesPassedIn(input: unknown, into: Set<string> = new Set(), depth = 0): Set<string> {
  // Inputs are validated later; a hostile one cannot make this walk deeper than AWS's shapes go.
  if (depth > 12 || input === null || typeof input !== 'object') return into;
  if (Array.isArray(input)) {
    for (const x of input) rolesPassedIn(x, into, depth + 1);
    return into;
  }
  for (const k in input as Record<string, unknown>) {
    const v = (input as Record<string, unknown>)[k];
    if (typeof v === 'string') {
      if (ROLE_MEMBERS.has(k) && ROLE_ARN.test(v)) into.add(v);
    } else if (v !== null && typeof v === 'object') rolesPassedIn(v, into, depth + 1);
  }
  return into;
}
