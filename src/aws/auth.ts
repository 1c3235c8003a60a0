/**
 * The one place requests are authenticated. Today any credentials are accepted
 * (local development), but a request without a well-formed SigV4 Authorization
 * header or presigned query gets the errors AWS returns for it, in AWS's words
 * (as captured by kinesalite's tests against AWS). Signature verification
 * (a later issue) slots in at the end of `authenticate`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../core/index.ts';

export interface AuthResult {
  /** Region from the credential scope (`Credential=AKID/20210131/us-east-1/kinesis/aws4_request`), if any. */
  region: string | undefined;
  accessKeyId: string | undefined;
  /** Service from the credential scope (`kinesis`, `sqs`, `monitoring`…), if any: tells apart query services sharing an Action. */
  service: string | undefined;
}

const AUTH_PARAMS = ['Credential', 'Signature', 'SignedHeaders'] as const;
const QUERY_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'] as const;

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

/** Throws the AwsError AWS answers for a missing or incomplete signature. */
export function authenticate(headers: IncomingHttpHeaders, url: string | undefined): AuthResult {
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
  if (header) {
    const params = new Map<string, string>();
    const tokens = header.split(/,| /).slice(1);
    for (const t of tokens) {
      if (!t) continue;
      const eq = t.indexOf('=');
      if (eq > 0) params.set(t.slice(0, eq).trim(), t.slice(eq + 1));
    }
    for (const p of AUTH_PARAMS) if (!params.get(p)) msg += `Authorization header requires '${p}' parameter. `;
    if (!headers['x-amz-date'] && !headers.date) msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    if (msg) throw new AwsError('IncompleteSignatureException', `${msg}Authorization=${header}`);
    return scope(params.get('Credential'));
  }
  for (const p of QUERY_PARAMS) if (!query!.get(p)) msg += `AWS query-string parameters must include '${p}'. `;
  if (msg) throw new AwsError('IncompleteSignatureException', `${msg}Re-examine the query-string parameters.`);
  return scope(query!.get('X-Amz-Credential') ?? undefined);
}
