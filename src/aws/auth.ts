/**
 * The one place requests are authenticated (AWS Signature Version 4, src/aws/sigv4.ts). Modes:
 *  - `off`: nothing is checked, unsigned requests too; every caller is the account's root.
 *  - `any` (the default on loopback): a request needs a well-formed SigV4 Authorization header or
 *    presigned query, answered with AWS's errors when missing or incomplete (as captured by kinesalite's
 *    tests against AWS), but any key and signature are accepted; every caller is the account's root.
 *  - `enforce`: the access key must be known to the CredentialStore and the signature, its date (five
 *    minutes either way of the server's clock), its scope and any session token must be right, in AWS's
 *    words: UnrecognizedClientException, InvalidSignatureException, IncompleteSignatureException,
 *    MissingAuthenticationTokenException, ExpiredTokenException. The caller is the key's identity.
 * A request that fails costs little: the key is looked up and the date checked before anything is hashed.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../core/index.ts';
import type { ErrorSpec } from '../core/index.ts';
import type { AwsService } from './service.ts';
import {
  ALGORITHM,
  EMPTY_SHA256,
  SigningKeyCache,
  UNSIGNED_PAYLOAD,
  canonicalRequest,
  formatAmzDate,
  parseAmzDate,
  sha256Hex,
  signature,
  signaturesEqual,
  stringToSign,
} from './sigv4.ts';

export type AuthMode = 'off' | 'any' | 'enforce';
export const AUTH_MODES: readonly AuthMode[] = ['off', 'any', 'enforce'];

/** Who made a request: an account's root, an IAM user, or a role session from STS AssumeRole. */
export interface CallerIdentity {
  /** `arn:aws:iam::<account>:root`, `arn:aws:iam::<account>:user/<name>`, `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly arn: string;
  readonly accountId: string;
  /** GetCallerIdentity's UserId: the account id for root, `AIDA…` for users, `AROA…:<session>` for role sessions. */
  readonly userId: string;
  readonly kind: 'root' | 'user' | 'assumed-role' | 'anonymous';
  /** For role sessions: the role's ARN (`aws:PrincipalArn` is the role, not the session). */
  readonly roleArn?: string;
  /** The access key the request was signed with, when it was. */
  readonly accessKeyId?: string;
}

export interface ResolvedCredential {
  readonly secretAccessKey: string;
  /** Temporary credentials: the token that must come with the key (`X-Amz-Security-Token`). */
  readonly sessionToken?: string;
  /** Temporary credentials: when they stop working (epoch ms). */
  readonly expiresAtMs?: number;
  readonly identity: CallerIdentity;
}

/** Where `enforce` looks access keys up (src/iam's store). Inactive or unknown keys: undefined. */
export interface CredentialStore {
  lookup(accessKeyId: string): ResolvedCredential | undefined;
}

export interface AuthResult {
  /** Region from the credential scope (`Credential=AKID/20210131/us-east-1/kinesis/aws4_request`), if any. */
  region: string | undefined;
  accessKeyId: string | undefined;
  /** Service from the credential scope (`kinesis`, `sqs`, `monitoring`…), if any: tells apart query services sharing an Action. */
  service: string | undefined;
  /** The caller, once authenticated (undefined from credentialScope and the parse-only `authenticate`). */
  identity?: CallerIdentity;
}

const AUTH_PARAMS = ['Credential', 'Signature', 'SignedHeaders'] as const;
const QUERY_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'] as const;

export const INVALID_TOKEN_MESSAGE = 'The security token included in the request is invalid.';
export const EXPIRED_TOKEN_MESSAGE = 'The security token included in the request is expired';
export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const EXPIRED_TOKEN: ErrorSpec = { code: 'ExpiredTokenException', httpStatus: 400, retryable: false };
/** AWS's allowed clock skew between the signature's date and the server's clock. */
export const CLOCK_SKEW_MS = 5 * 60_000;

function scope(credential: string | undefined): AuthResult {
  if (!credential) return { region: undefined, accessKeyId: undefined, service: undefined };
  const parts = credential.split('/');
  return {
    accessKeyId: parts[0] || undefined,
    region: parts.length >= 5 && parts[2] ? parts[2] : undefined,
    service: parts.length >= 5 && parts[3] ? parts[3] : undefined,
  };
}

/** The credential scope of a request's Authorization header or presigned query, without checking anything. */
export function credentialScope(headers: IncomingHttpHeaders, url: string | undefined): AuthResult {
  const header = headers.authorization;
  if (typeof header === 'string') {
    const m = /Credential=([^,\s]+)/.exec(header);
    return scope(m?.[1]);
  }
  const q = url ? url.indexOf('?') : -1;
  return scope(q >= 0 ? (new URLSearchParams(url!.slice(q + 1)).get('X-Amz-Credential') ?? undefined) : undefined);
}

/** A request's signature parameters, from its Authorization header or presigned query. */
interface SignatureParams {
  presigned: boolean;
  algorithm: string;
  credential: string;
  signedHeaders: string;
  signature: string;
  amzDate: string | undefined;
  /** Presigned: X-Amz-Expires in seconds. */
  expiresSeconds: number | undefined;
  securityToken: string | undefined;
}

/** Parses the signature and throws the AwsError AWS answers for a missing or incomplete one. */
function parseSignature(headers: IncomingHttpHeaders, url: string | undefined): SignatureParams {
  const header = headers.authorization;
  const q = url ? url.indexOf('?') : -1;
  const query = q >= 0 ? new URLSearchParams(url!.slice(q + 1)) : undefined;
  const byQuery = query?.has('X-Amz-Algorithm') ?? false;

  if (header && byQuery) {
    throw new AwsError('InvalidSignatureException', "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if (!header && !byQuery) {
    throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }

  let msg = '';
  const token = headers['x-amz-security-token'];
  if (header) {
    const params = new Map<string, string>();
    const tokens = header.split(/,| /);
    for (let i = 1; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (!t) continue;
      const eq = t.indexOf('=');
      if (eq > 0) params.set(t.slice(0, eq).trim(), t.slice(eq + 1));
    }
    for (const p of AUTH_PARAMS) if (!params.get(p)) msg += `Authorization header requires '${p}' parameter. `;
    const amzDate = headers['x-amz-date'];
    const date = headers.date;
    if (!amzDate && !date) msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    if (msg) throw new AwsError('IncompleteSignatureException', `${msg}Authorization=${header}`);
    let isoDate = typeof amzDate === 'string' ? amzDate : undefined;
    if (isoDate === undefined && typeof date === 'string') {
      const ms = Date.parse(date);
      isoDate = Number.isNaN(ms) ? date : formatAmzDate(ms);
    }
    return {
      presigned: false,
      algorithm: tokens[0] ?? '',
      credential: params.get('Credential')!,
      signedHeaders: params.get('SignedHeaders')!,
      signature: params.get('Signature')!,
      amzDate: isoDate,
      expiresSeconds: undefined,
      securityToken: typeof token === 'string' ? token : undefined,
    };
  }
  for (const p of QUERY_PARAMS) if (!query!.get(p)) msg += `AWS query-string parameters must include '${p}'. `;
  if (msg) throw new AwsError('IncompleteSignatureException', `${msg}Re-examine the query-string parameters.`);
  const expires = query!.get('X-Amz-Expires');
  return {
    presigned: true,
    algorithm: query!.get('X-Amz-Algorithm')!,
    credential: query!.get('X-Amz-Credential')!,
    signedHeaders: query!.get('X-Amz-SignedHeaders')!,
    signature: query!.get('X-Amz-Signature')!,
    amzDate: query!.get('X-Amz-Date')!,
    expiresSeconds: expires === null ? undefined : Number(expires),
    securityToken: query!.get('X-Amz-Security-Token') ?? (typeof token === 'string' ? token : undefined),
  };
}

/** Throws the AwsError AWS answers for a missing or incomplete signature; accepts any well-formed one (`any` mode). */
export function authenticate(headers: IncomingHttpHeaders, url: string | undefined): AuthResult {
  return scope(parseSignature(headers, url).credential);
}

/** What the router knows of a request when it authenticates it. */
export interface SignedRequestParts {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
  /** The signing name of the service the request was routed to (`kinesis`), when known. */
  signingName: string | undefined;
  /** The operation allows unsigned calls (STS AssumeRoleWithWebIdentity): no signature means an anonymous caller. */
  allowUnsigned: boolean;
  nowMs: number;
}

export interface AuthenticatorOptions {
  mode: AuthMode;
  accountId: string;
  /** Required for `enforce`. */
  credentials?: CredentialStore;
}

function rootOf(accountId: string, accessKeyId?: string): CallerIdentity {
  return { arn: `arn:aws:iam::${accountId}:root`, accountId, userId: accountId, kind: 'root', ...(accessKeyId ? { accessKeyId } : {}) };
}

/** What an Authorizer decides on: who calls which operation of which service, with what input, from where. */
export interface AuthorizationRequest {
  readonly identity: CallerIdentity;
  readonly service: AwsService;
  readonly operation: string;
  /** The decoded input (not yet validated: only read for resource names and condition keys). */
  readonly input: Record<string, unknown>;
  readonly region: string;
  readonly sourceIp: string | undefined;
  /** The request came over TLS (`aws:SecureTransport`). */
  readonly secure: boolean;
  readonly nowMs: number;
}

/** Decides whether an authenticated caller may call an operation (src/iam's policy engine); throws AccessDeniedException. */
export interface Authorizer {
  authorize(request: AuthorizationRequest): void;
}

/**
 * How Freshet's internal consumers (delivery streams, SQL applications, event source mappings) are authorised
 * under `--auth enforce`: as a session of the role named in their configuration, with that role's policies
 * (and the resource's policy), like any caller. Present only under enforce.
 */
export interface RoleAuthorizer {
  /** Undefined when `roleArn`'s policies allow `action` on `resource`; otherwise AWS's AccessDenied text for the role's session. */
  denied(roleArn: string, action: string, resource: string, sessionName: string): string | undefined;
  /** Whether the role exists and its trust policy lets `servicePrincipal` (`lambda.amazonaws.com`) assume it. */
  assumableBy(roleArn: string, servicePrincipal: string): boolean;
  /**
   * Changes whenever a role, policy or resource policy may have changed: a running consumer compares it at each
   * read or write and re-checks its role when it moved (as AWS evaluates every call of a service's role session).
   */
  generation(): number;
  /** Temporary credentials of a session of `roleArn` (what Lambda hands a function for its execution role). */
  credentials(roleArn: string, sessionName: string, durationSeconds: number): { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

/** Authenticates requests in one of the three modes (see the file comment). */
export class Authenticator {
  readonly mode: AuthMode;
  private readonly keys = new SigningKeyCache();
  private readonly root: CallerIdentity;
  private readonly anonymous: CallerIdentity;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.mode = opts.mode;
    if (opts.mode === 'enforce' && !opts.credentials) throw new Error('auth mode enforce needs a credential store');
    this.root = rootOf(opts.accountId);
    this.anonymous = { arn: '*', accountId: opts.accountId, userId: 'anonymous', kind: 'anonymous' };
  }

  // hot path: once per request
  authenticate(r: SignedRequestParts): AuthResult {
    if (this.mode === 'off') {
      const s = credentialScope(r.headers, r.url);
      s.identity = this.root;
      return s;
    }
    if (r.allowUnsigned && r.headers.authorization === undefined && !r.url.includes('X-Amz-Algorithm=')) {
      return { region: undefined, accessKeyId: undefined, service: undefined, identity: this.anonymous };
    }
    const sig = parseSignature(r.headers, r.url);
    const result = scope(sig.credential);
    if (this.mode === 'any') {
      result.identity = this.root;
      return result;
    }
    result.identity = this.verify(r, sig);
    return result;
  }

  private verify(r: SignedRequestParts, sig: SignatureParams): CallerIdentity {
    const parts = sig.credential.split('/');
    const accessKeyId = parts[0] ?? '';
    const cred = this.opts.credentials!.lookup(accessKeyId);
    if (cred === undefined) throw new AwsError('UnrecognizedClientException', INVALID_TOKEN_MESSAGE);
    if (cred.sessionToken !== undefined) {
      if (sig.securityToken !== cred.sessionToken) throw new AwsError('UnrecognizedClientException', INVALID_TOKEN_MESSAGE);
      if (cred.expiresAtMs !== undefined && r.nowMs >= cred.expiresAtMs) throw new AwsError(EXPIRED_TOKEN, EXPIRED_TOKEN_MESSAGE);
    } else if (sig.securityToken !== undefined && sig.securityToken !== '') {
      throw new AwsError('UnrecognizedClientException', INVALID_TOKEN_MESSAGE);
    }
    if (sig.algorithm !== ALGORITHM) {
      throw new AwsError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${sig.algorithm}'`);
    }
    if (parts.length !== 5) {
      throw new AwsError(
        'IncompleteSignatureException',
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${sig.credential}'`,
      );
    }
    const [, scopeDate, region, service, terminator] = parts as [string, string, string, string, string];
    const signedMs = sig.amzDate === undefined ? undefined : parseAmzDate(sig.amzDate);
    if (signedMs === undefined) {
      throw new AwsError(
        'IncompleteSignatureException',
        `Date must be in ISO-8601 'basic format'. Got '${sig.amzDate ?? ''}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
    const amzDate = sig.amzDate!;
    if (terminator !== 'aws4_request') {
      throw new AwsError('InvalidSignatureException', `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`);
    }
    if (scopeDate !== amzDate.slice(0, 8)) {
      throw new AwsError(
        'InvalidSignatureException',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
      );
    }
    if (r.signingName !== undefined && service !== r.signingName) {
      throw new AwsError('InvalidSignatureException', `Credential should be scoped to correct service: '${r.signingName}'. `);
    }
    if (region === '') throw new AwsError('InvalidSignatureException', "Credential should be scoped to a valid region, not ''. ");
    const now = r.nowMs;
    if (sig.presigned) {
      const expires = sig.expiresSeconds;
      if (expires !== undefined && (!Number.isInteger(expires) || expires < 1 || expires > 604800)) {
        throw new AwsError('IncompleteSignatureException', 'X-Amz-Expires must be between 1 and 604800 seconds.');
      }
      if (expires !== undefined && now > signedMs + expires * 1000) {
        throw new AwsError(
          'InvalidSignatureException',
          `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - expires * 1000)} (${formatAmzDate(now)} - ${expires} sec.)`,
        );
      }
    }
    if (!sig.presigned || sig.expiresSeconds === undefined) {
      if (signedMs < now - CLOCK_SKEW_MS) {
        throw new AwsError(
          'InvalidSignatureException',
          `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - CLOCK_SKEW_MS)} (${formatAmzDate(now)} - 5 min.)`,
        );
      }
    }
    if (signedMs > now + CLOCK_SKEW_MS) {
      throw new AwsError(
        'InvalidSignatureException',
        `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + CLOCK_SKEW_MS)} (${formatAmzDate(now)} + 5 min.)`,
      );
    }

    let payloadHash: string;
    const declared = r.headers['x-amz-content-sha256'];
    if (declared === UNSIGNED_PAYLOAD) payloadHash = UNSIGNED_PAYLOAD;
    else {
      payloadHash = r.body.length === 0 ? EMPTY_SHA256 : sha256Hex(r.body);
      if (typeof declared === 'string' && declared !== payloadHash) {
        throw new AwsError('InvalidSignatureException', "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
    }
    const q = r.url.indexOf('?');
    const canonical = canonicalRequest({
      method: r.method,
      path: q < 0 ? r.url : r.url.slice(0, q),
      query: q < 0 ? '' : r.url.slice(q + 1),
      headers: r.headers,
      signedHeaders: sig.signedHeaders,
      payloadHash,
      presigned: sig.presigned,
    });
    const credentialScopeText = `${scopeDate}/${region}/${service}/aws4_request`;
    const toSign = stringToSign(amzDate, credentialScopeText, canonical);
    const key = this.keys.key(accessKeyId, cred.secretAccessKey, scopeDate, region, service);
    if (!signaturesEqual(signature(key, toSign), sig.signature)) {
      throw new AwsError(
        'InvalidSignatureException',
        `${SIGNATURE_MISMATCH_MESSAGE}\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${toSign}'\n`,
      );
    }
    return cred.identity.accessKeyId === accessKeyId ? cred.identity : { ...cred.identity, accessKeyId };
  }
}

/**
 * The awsQuery words for the authentication errors (IAM and STS answer `SignatureDoesNotMatch`,
 * `InvalidClientTokenId`… with status 403 where the JSON services say `InvalidSignatureException`, 400).
 */
const QUERY_AUTH_ERRORS: Readonly<Record<string, { code: string; status: number }>> = {
  InvalidSignatureException: { code: 'SignatureDoesNotMatch', status: 403 },
  UnrecognizedClientException: { code: 'InvalidClientTokenId', status: 403 },
  IncompleteSignatureException: { code: 'IncompleteSignature', status: 400 },
  MissingAuthenticationTokenException: { code: 'MissingAuthenticationToken', status: 403 },
  ExpiredTokenException: { code: 'ExpiredToken', status: 403 },
  AccessDeniedException: { code: 'AccessDenied', status: 403 },
};

/** An authentication or authorisation error in awsQuery's words; other errors unchanged. */
export function queryAuthError(err: AwsError): AwsError {
  const q = QUERY_AUTH_ERRORS[err.code];
  if (q === undefined) return err;
  const message = err.code === 'MissingAuthenticationTokenException' ? 'Request is missing Authentication Token' : err.message;
  return new AwsError({ code: q.code, httpStatus: q.status, retryable: false, senderFault: true }, message);
}
