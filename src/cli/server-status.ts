/**
 * Reads a Freshet server's `GET /status` (src/server/status-routes.ts): what `freshet status` and
 * `freshet apps logs` show. AWS itself has no such route; the error says so.
 */
import type { ServerStatus } from '../server/index.ts';

export type { ServerStatus };

export async function fetchStatus(endpoint: string): Promise<ServerStatus> {
  let res: Response;
  try {
    res = await fetch(new URL('/status', endpoint));
  } catch {
    throw new Error(`cannot reach Freshet at ${endpoint} — start it with \`npx freshet server\` (or pass --endpoint / set FRESHET_ENDPOINT)`);
  }
  if (res.status !== 200) {
    await res.arrayBuffer();
    throw new Error(`${endpoint} has no /status (HTTP ${res.status}): it is not a Freshet server, or a Freshet server still starting`);
  }
  return (await res.json()) as ServerStatus;
}

/** "12 s ago", "3 min ago" for a past clock time, "-" for none. */
export function ago(ms: number | null | undefined, nowMs = Date.now()): string {
  if (ms === null || ms === undefined) return '-';
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** A lag in milliseconds as people read it: "0 ms", "850 ms", "12.3 s", "4 min"; "-" when not measured. */
export function lag(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
