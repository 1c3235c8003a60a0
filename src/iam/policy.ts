/**
 * IAM JSON policies: parsing (once, when a policy is stored) and evaluation as AWS documents it
 * (IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements reference"):
 *  - an explicit Deny in any applicable policy wins; then an Allow in an identity-based policy or in
 *    the resource's policy; otherwise the request is implicitly denied;
 *  - `Action`/`NotAction` match case-insensitively with `*` and `?`; `Resource`/`NotResource` match
 *    case-sensitively with the same wildcards;
 *  - a statement applies only when every condition operator's every key matches (AND); the values
 *    listed for one key match if any does (OR); a key missing from the request context fails the
 *    condition, except under `…IfExists` and `Null`.
 * Condition operators: String(Not)Equals(IgnoreCase), String(Not)Like, Arn(Not)Equals, Arn(Not)Like,
 * (Not)IpAddress, Numeric*, Date*, Bool, Null, with `IfExists` and the `ForAnyValue:`/`ForAllValues:`
 * set prefixes. Global keys come from the request (aws:SourceIp, aws:CurrentTime, aws:EpochTime,
 * aws:SecureTransport, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:username,
 * aws:userid, aws:RequestedRegion) and service keys from the action mapping.
 */
import { isIP } from 'node:net';

export type Effect = 'Allow' | 'Deny';

/** A value in the request context: one string or a list (multivalued keys). */
export type ContextValue = string | readonly string[];

export interface RequestContextKeys {
  /** Keys are lowercased (condition keys are case-insensitive). */
  readonly get: (key: string) => ContextValue | undefined;
}

interface CompiledCondition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
  readonly test: (actual: ContextValue | undefined) => boolean;
}

export interface CompiledStatement {
  readonly sid: string | undefined;
  readonly effect: Effect;
  /** true: the patterns are NotAction/NotResource. */
  readonly notAction: boolean;
  readonly actions: readonly RegExp[];
  readonly notResource: boolean;
  /** undefined: the statement has no Resource element (resource policies and trust policies). */
  readonly resources: readonly RegExp[] | undefined;
  /** Resource and trust policies: the principals the statement is about (`*` or ARNs/account ids). */
  readonly principals: readonly string[] | undefined;
  readonly notPrincipal: boolean;
  readonly conditions: readonly CompiledCondition[];
}

export interface CompiledPolicy {
  /** Where the policy came from, for explanations (`user alice inline policy p1`, a managed policy's ARN…). */
  readonly source: string;
  readonly statements: readonly CompiledStatement[];
}

/** A policy document AWS would refuse (MalformedPolicyDocument), with the reason in its words. */
export class PolicySyntaxError extends Error {}

function asList(v: unknown, what: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  throw new PolicySyntaxError(`Syntax errors in policy. ${what} must be a string or a non-empty array of strings.`);
}

/** `*` and `?` as in IAM; everything else literal. */
export function wildcardRegExp(pattern: string, ignoreCase: boolean): RegExp {
  let re = '^';
  for (const c of pattern) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`${re}$`, ignoreCase ? 'is' : 's');
}

/** ARN matching: each of the six colon-separated parts compared on its own, with wildcards (ArnLike). */
function arnMatches(pattern: string, arn: string, like: boolean): boolean {
  const p = pattern.split(':');
  const a = arn.split(':');
  if (p.length < 6 || a.length < 6) return like ? wildcardRegExp(pattern, false).test(arn) : pattern === arn;
  const pp = [...p.slice(0, 5), p.slice(5).join(':')];
  const aa = [...a.slice(0, 5), a.slice(5).join(':')];
  for (let i = 0; i < 6; i++) {
    if (like ? !wildcardRegExp(pp[i]!, false).test(aa[i]!) : pp[i] !== aa[i]) return false;
  }
  return true;
}

function ipMatches(cidr: string, ip: string): boolean {
  const clean = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const [net, bitsText] = cidr.split('/') as [string, string | undefined];
  const family = isIP(net);
  if (family === 0 || isIP(clean) !== family) return false;
  const toBits = (addr: string): bigint => {
    if (family === 4) return addr.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    const [head, tail] = addr.includes('::') ? (addr.split('::') as [string, string]) : [addr, undefined];
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
    return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
  };
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return false;
  const shift = BigInt(width - bits);
  return toBits(net) >> shift === toBits(clean) >> shift;
}

function dateOf(v: string): number {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  return Date.parse(v);
}

/** The test of one operator for one actual value against the statement's values (OR over them). */
function valueTest(base: string, values: readonly string[]): ((actual: string) => boolean) | undefined {
  switch (base) {
    case 'StringEquals':
      return (a) => values.includes(a);
    case 'StringNotEquals':
      return (a) => !values.includes(a);
    case 'StringEqualsIgnoreCase': {
      const lower = values.map((v) => v.toLowerCase());
      return (a) => lower.includes(a.toLowerCase());
    }
    case 'StringNotEqualsIgnoreCase': {
      const lower = values.map((v) => v.toLowerCase());
      return (a) => !lower.includes(a.toLowerCase());
    }
    case 'StringLike': {
      const res = values.map((v) => wildcardRegExp(v, false));
      return (a) => res.some((r) => r.test(a));
    }
    case 'StringNotLike': {
      const res = values.map((v) => wildcardRegExp(v, false));
      return (a) => !res.some((r) => r.test(a));
    }
    case 'ArnEquals':
      return (a) => values.some((v) => arnMatches(v, a, false));
    case 'ArnNotEquals':
      return (a) => !values.some((v) => arnMatches(v, a, false));
    case 'ArnLike':
      return (a) => values.some((v) => arnMatches(v, a, true));
    case 'ArnNotLike':
      return (a) => !values.some((v) => arnMatches(v, a, true));
    case 'IpAddress':
      return (a) => values.some((v) => ipMatches(v, a));
    case 'NotIpAddress':
      return (a) => !values.some((v) => ipMatches(v, a));
    case 'NumericEquals':
      return (a) => values.some((v) => Number(a) === Number(v));
    case 'NumericNotEquals':
      return (a) => !values.some((v) => Number(a) === Number(v));
    case 'NumericLessThan':
      return (a) => values.some((v) => Number(a) < Number(v));
    case 'NumericLessThanEquals':
      return (a) => values.some((v) => Number(a) <= Number(v));
    case 'NumericGreaterThan':
      return (a) => values.some((v) => Number(a) > Number(v));
    case 'NumericGreaterThanEquals':
      return (a) => values.some((v) => Number(a) >= Number(v));
    case 'DateEquals':
      return (a) => values.some((v) => dateOf(a) === dateOf(v));
    case 'DateNotEquals':
      return (a) => !values.some((v) => dateOf(a) === dateOf(v));
    case 'DateLessThan':
      return (a) => values.some((v) => dateOf(a) < dateOf(v));
    case 'DateLessThanEquals':
      return (a) => values.some((v) => dateOf(a) <= dateOf(v));
    case 'DateGreaterThan':
      return (a) => values.some((v) => dateOf(a) > dateOf(v));
    case 'DateGreaterThanEquals':
      return (a) => values.some((v) => dateOf(a) >= dateOf(v));
    case 'Bool':
      return (a) => values.some((v) => v.toLowerCase() === a.toLowerCase());
    default:
      return undefined;
  }
}

/** Operators whose sense is negative: with ForAnyValue/ForAllValues and IfExists they still need care. */
function compileCondition(operatorText: string, key: string, rawValues: unknown): CompiledCondition {
  const values = (Array.isArray(rawValues) ? rawValues : [rawValues]).map((v) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean' || typeof v === 'number') return String(v);
    throw new PolicySyntaxError(`Syntax errors in policy. Condition values of ${operatorText} must be strings, numbers or booleans.`);
  });
  let op = operatorText;
  let set: 'any' | 'all' | undefined;
  if (op.startsWith('ForAnyValue:')) {
    set = 'any';
    op = op.slice('ForAnyValue:'.length);
  } else if (op.startsWith('ForAllValues:')) {
    set = 'all';
    op = op.slice('ForAllValues:'.length);
  }
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  let test: (actual: ContextValue | undefined) => boolean;
  if (op === 'Null') {
    const want = values.map((v) => v.toLowerCase() === 'true');
    test = (actual) => want.some((w) => w === (actual === undefined));
  } else {
    const one = valueTest(op, values);
    if (one === undefined) throw new PolicySyntaxError(`Syntax errors in policy. Unknown condition operator ${operatorText}.`);
    test = (actual) => {
      if (actual === undefined) return ifExists || set === 'all';
      if (typeof actual === 'string') return one(actual);
      if (set === 'all') return actual.every(one);
      return actual.some(one);
    };
  }
  return { operator: operatorText, key: key.toLowerCase(), values, test };
}

function compileStatement(s: unknown, i: number): CompiledStatement {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new PolicySyntaxError('Syntax errors in policy.');
  const st = s as Record<string, unknown>;
  const effect = st.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') throw new PolicySyntaxError(`Syntax errors in policy. Statement ${i + 1} needs an Effect of Allow or Deny.`);
  if ((st.Action === undefined) === (st.NotAction === undefined)) {
    throw new PolicySyntaxError(`Syntax errors in policy. Statement ${i + 1} needs exactly one of Action and NotAction.`);
  }
  if (st.Resource !== undefined && st.NotResource !== undefined) {
    throw new PolicySyntaxError(`Syntax errors in policy. Statement ${i + 1} has both Resource and NotResource.`);
  }
  const notAction = st.NotAction !== undefined;
  const actions = asList(notAction ? st.NotAction : st.Action, 'Action').map((a) => wildcardRegExp(a, true));
  const notResource = st.NotResource !== undefined;
  const resourceList = notResource ? st.NotResource : st.Resource;
  const resources = resourceList === undefined ? undefined : asList(resourceList, 'Resource').map((r) => wildcardRegExp(r, false));
  let principals: string[] | undefined;
  const notPrincipal = st.NotPrincipal !== undefined;
  const p = notPrincipal ? st.NotPrincipal : st.Principal;
  if (p !== undefined) {
    if (p === '*') principals = ['*'];
    else if (typeof p === 'object' && p !== null) {
      principals = [];
      for (const [kind, v] of Object.entries(p as Record<string, unknown>)) {
        for (const x of asList(v, `Principal ${kind}`)) principals.push(kind === 'AWS' ? x : `${kind}:${x}`);
      }
    } else throw new PolicySyntaxError('Syntax errors in policy. Principal must be "*" or an object.');
  }
  const conditions: CompiledCondition[] = [];
  if (st.Condition !== undefined) {
    if (typeof st.Condition !== 'object' || st.Condition === null) throw new PolicySyntaxError('Syntax errors in policy. Condition must be an object.');
    for (const [operator, block] of Object.entries(st.Condition as Record<string, unknown>)) {
      if (typeof block !== 'object' || block === null) throw new PolicySyntaxError(`Syntax errors in policy. Condition ${operator} must be an object.`);
      for (const [key, v] of Object.entries(block as Record<string, unknown>)) conditions.push(compileCondition(operator, key, v));
    }
  }
  return {
    sid: typeof st.Sid === 'string' ? st.Sid : undefined,
    effect,
    notAction,
    actions,
    notResource,
    resources,
    principals,
    notPrincipal,
    conditions,
  };
}

/** Parses and compiles a policy document; throws PolicySyntaxError for what IAM refuses. */
export function compilePolicy(document: string, source: string, opts: { requireResource?: boolean } = {}): CompiledPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(document);
  } catch {
    throw new PolicySyntaxError('Syntax errors in policy.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new PolicySyntaxError('Syntax errors in policy.');
  const version = (doc as Record<string, unknown>).Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw new PolicySyntaxError('The policy failed legacy parsing');
  }
  const raw = (doc as Record<string, unknown>).Statement;
  if (raw === undefined) throw new PolicySyntaxError('Syntax errors in policy.');
  const list = Array.isArray(raw) ? raw : [raw];
  const statements = list.map(compileStatement);
  if (opts.requireResource) {
    for (const s of statements) {
      if (s.resources === undefined) throw new PolicySyntaxError('Policy statement must contain resources.');
    }
  }
  return { source, statements };
}

/** One request as policies see it. */
export interface EvaluationRequest {
  /** `kinesis:PutRecord` */
  readonly action: string;
  /** The resource's ARN, or `*`. */
  readonly resource: string;
  /** The caller's ARN (matched against resource policies' Principal) and account. */
  readonly principalArn: string;
  readonly principalAccount: string;
  readonly context: RequestContextKeys;
  /**
   * A Principal naming the account (`arn:aws:iam::<account>:root` or its id) matches every caller of that
   * account: true for a role's trust policy (the account delegates to its identity policies); otherwise it
   * matches only the root, and others need an identity-based Allow as well.
   */
  readonly accountPrincipalMatchesAll?: boolean;
}

function statementMatches(s: CompiledStatement, r: EvaluationRequest, checkPrincipal: boolean): boolean {
  let actionHit = false;
  for (const re of s.actions) {
    if (re.test(r.action)) {
      actionHit = true;
      break;
    }
  }
  if (actionHit === s.notAction) return false;
  if (s.resources !== undefined) {
    let hit = false;
    for (const re of s.resources) {
      if (re.test(r.resource)) {
        hit = true;
        break;
      }
    }
    if (hit === s.notResource) return false;
  }
  if (checkPrincipal) {
    if (s.principals === undefined) return false;
    const rootArn = `arn:aws:iam::${r.principalAccount}:root`;
    const accountMatches = r.accountPrincipalMatchesAll === true || r.principalArn === rootArn;
    const hit = s.principals.some(
      (p) =>
        p === '*' ||
        p === r.principalArn ||
        ((p === r.principalAccount || p === rootArn) && accountMatches) ||
        (p.includes('*') && wildcardRegExp(p, false).test(r.principalArn)),
    );
    if (hit === s.notPrincipal) return false;
  }
  for (const c of s.conditions) if (!c.test(r.context.get(c.key))) return false;
  return true;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface Explanation {
  readonly decision: Decision;
  /** The statement that decided (the Deny, or the first Allow), with its policy's source. */
  readonly source?: string;
  readonly sid?: string;
  /** Where the decisive statement was: identity- or resource-based, or a session policy. */
  readonly kind?: 'identity' | 'resource' | 'session';
}

/**
 * AWS's evaluation within one account: explicit Deny anywhere wins; otherwise an Allow from an
 * identity-based policy or the resource policy allows. A session policy (AssumeRole's `Policy`) caps
 * what identity-based policies allow: both must allow.
 */
// hot path: once per authorised request
export function evaluate(
  r: EvaluationRequest,
  identityPolicies: readonly CompiledPolicy[],
  resourcePolicy?: CompiledPolicy,
  sessionPolicy?: CompiledPolicy,
): Explanation {
  let identityAllow: CompiledPolicy | undefined;
  let identitySid: string | undefined;
  for (const p of identityPolicies) {
    for (const s of p.statements) {
      if (!statementMatches(s, r, false)) continue;
      if (s.effect === 'Deny') return { decision: 'ExplicitDeny', source: p.source, ...(s.sid ? { sid: s.sid } : {}), kind: 'identity' };
      if (identityAllow === undefined) {
        identityAllow = p;
        identitySid = s.sid;
      }
    }
  }
  let resourceAllow: string | undefined;
  let resourceAllowed = false;
  if (resourcePolicy !== undefined) {
    for (const s of resourcePolicy.statements) {
      if (!statementMatches(s, r, true)) continue;
      if (s.effect === 'Deny') return { decision: 'ExplicitDeny', source: resourcePolicy.source, ...(s.sid ? { sid: s.sid } : {}), kind: 'resource' };
      if (!resourceAllowed) {
        resourceAllowed = true;
        resourceAllow = s.sid;
      }
    }
  }
  if (sessionPolicy !== undefined && identityAllow !== undefined) {
    let sessionAllows = false;
    for (const s of sessionPolicy.statements) {
      if (!statementMatches(s, r, false)) continue;
      if (s.effect === 'Deny') return { decision: 'ExplicitDeny', source: sessionPolicy.source, ...(s.sid ? { sid: s.sid } : {}), kind: 'session' };
      sessionAllows = true;
    }
    if (!sessionAllows) identityAllow = undefined;
  }
  if (identityAllow !== undefined) return { decision: 'Allow', source: identityAllow.source, ...(identitySid ? { sid: identitySid } : {}), kind: 'identity' };
  if (resourceAllowed) return { decision: 'Allow', source: resourcePolicy!.source, ...(resourceAllow ? { sid: resourceAllow } : {}), kind: 'resource' };
  return { decision: 'ImplicitDeny' };
}

/** AWS's AccessDenied message for a decision (IAM User Guide, "Troubleshoot access denied error messages"). */
export function accessDeniedMessage(principalArn: string, action: string, resource: string, e: Explanation): string {
  const base = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource}`;
  if (e.decision === 'ExplicitDeny') {
    const where = e.kind === 'resource' ? 'a resource-based policy' : e.kind === 'session' ? 'a session policy' : 'an identity-based policy';
    return `${base} with an explicit deny in ${where}`;
  }
  return `${base} because no identity-based policy allows the ${action} action`;
}
