/** Event-time renderings the scenarios' payloads use, always in UTC. */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function parts(ms: number) {
  const d = new Date(ms);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    millis: d.getUTCMilliseconds(),
  };
}

/** `2021-01-31T14:05:47.190000` — Python's datetime.isoformat() with microseconds, no zone (S1, sensors). */
export function isoMicros(ms: number): string {
  const p = parts(ms);
  return `${p.date}T${p.time}.${pad(p.millis, 3)}000`;
}

/** `2020-08-01T12:00:00.000Z` (S4.2, crypto). */
export function isoMillisZ(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2021-06-02 22:35:10.5` — the S3 detector's `yyyy-MM-dd HH:mm:ss.s`. */
export function sqlTenths(ms: number): string {
  const p = parts(ms);
  return `${p.date} ${p.time}.${Math.floor(p.millis / 100)}`;
}
