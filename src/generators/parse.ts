/** The textual forms of rates and intervals used by the CLI and pipeline files. */

/** `20`, `20/s`, `1200/min`, `5/m`, `100/h` → records per second. */
export function parseRate(v: string | number): number {
  if (typeof v === 'number') {
    if (!(v > 0)) throw new Error(`rate must be positive, got ${v}`);
    return v;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|second|m|min|minute|h|hour))?\s*$/i.exec(v);
  if (!m) throw new Error(`rate must look like 20/s, 1200/min or 100/h, got '${v}'`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const perSecond = unit.startsWith('h') ? n / 3600 : unit.startsWith('m') ? n / 60 : n;
  if (!(perSecond > 0)) throw new Error(`rate must be positive, got '${v}'`);
  return perSecond;
}

/** `500ms`, `30s`, `5m`, `1h`, `1d` → milliseconds. */
export function parseDuration(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(v);
  if (!m) throw new Error(`interval must look like 500ms, 30s, 5m or 1h, got '${v}'`);
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const ms = n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000);
  if (!(ms >= 1)) throw new Error(`interval must be at least 1ms, got '${v}'`);
  return ms;
}
