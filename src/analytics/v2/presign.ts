/**
 * CreateApplicationPresignedUrl's URLs (API reference: CreateApplicationPresignedUrl; the URL opens an
 * application's extension — the Flink dashboard or the Studio notebook's Zeppelin UI — for
 * SessionExpirationDurationInSeconds, 12 hours when not given). Freshet's extension page is the console's
 * application page; the URL carries a token naming the application, the URL type and the expiry, signed
 * with a key of this server process (URLs do not outlive a restart), which verifyPresignedToken checks.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type PresignedUrlType = 'FLINK_DASHBOARD_URL' | 'ZEPPELIN_UI_URL';

/** AWS's default session when SessionExpirationDurationInSeconds is absent: twelve hours. */
export const DEFAULT_SESSION_SECONDS = 12 * 3600;

const KEY = randomBytes(32);

function sign(payload: string): string {
  return createHmac('sha256', KEY).update(payload).digest('base64url');
}

/** The URL of `application`'s console page on `serverUrl`, valid until `expiresMs`. */
export function presignedUrl(serverUrl: string, application: string, urlType: PresignedUrlType, expiresMs: number): string {
  const payload = Buffer.from(JSON.stringify({ a: application, u: urlType, e: expiresMs })).toString('base64url');
  const token = `${payload}.${sign(payload)}`;
  return `${serverUrl}/console/?authToken=${token}#/apps/${encodeURIComponent(application)}`;
}

export type PresignedCheck = { ok: true; application: string; urlType: PresignedUrlType; expiresMs: number } | { ok: false; reason: 'invalid' | 'expired' };

/** Whether `token` (a presigned URL's authToken) was made by this server and is still valid at `nowMs`. */
export function verifyPresignedToken(token: string, nowMs: number): PresignedCheck {
  const [payload, mac] = token.split('.');
  if (!payload || !mac) return { ok: false, reason: 'invalid' };
  const want = Buffer.from(sign(payload));
  const got = Buffer.from(mac);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'invalid' };
  let body: { a?: unknown; u?: unknown; e?: unknown };
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof body;
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (typeof body.a !== 'string' || typeof body.e !== 'number' || (body.u !== 'FLINK_DASHBOARD_URL' && body.u !== 'ZEPPELIN_UI_URL'))
    return { ok: false, reason: 'invalid' };
  if (nowMs >= body.e) return { ok: false, reason: 'expired' };
  return { ok: true, application: body.a, urlType: body.u, expiresMs: body.e };
}
