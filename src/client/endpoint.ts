/**
 * Where Freshet is (`--endpoint`, $FRESHET_ENDPOINT, the default), whether an error means nothing answered
 * there, and one actionable line for a failed call.
 */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4567';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE']);

/** True when the error means nothing answered at the endpoint (the SDK wraps the socket error). */
export function isConnectionError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const err = cur as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof err.code === 'string' && CONNECTION_CODES.has(err.code)) return true;
    if (Array.isArray(err.errors) && err.errors.some(isConnectionError)) return true;
    cur = err.cause;
  }
  return false;
}

export function resolveEndpoint(endpoint?: string): string {
  return endpoint ?? process.env.FRESHET_ENDPOINT ?? DEFAULT_ENDPOINT;
}

/**
 * One line a user can act on. Connection failures name the fix; AWS errors
 * keep their code and message.
 */
export function describeError(e: unknown, endpoint: string): string {
  if (isConnectionError(e)) return `cannot reach Freshet at ${endpoint} — start it with \`npx freshet server\` (or pass --endpoint / set FRESHET_ENDPOINT)`;
  if (e && typeof e === 'object' && '$metadata' in e && 'name' in e) {
    const err = e as { name: string; message?: string };
    return `${err.name}: ${err.message ?? ''}`.trim();
  }
  return e instanceof Error ? e.message : String(e);
}
