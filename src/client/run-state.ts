/**
 * A pipeline generator's run state as it is kept in a tag on its stream (see generators.ts): who runs it, when
 * it last said so, its seed and where its sequence continues. Apart from the generators so that readers of the
 * tags (`freshet status`) load neither the generators nor an AWS SDK client.
 */
export const HEARTBEAT_MS = 5_000;
export const STALE_MS = 15_000;

export interface GeneratorRunState {
  owner: string;
  /** When the owner last renewed it (ms); 0 after a clean stop. */
  beatMs: number;
  seed: number;
  /** Records of the sequence written (or reserved) so far: where a restart continues. */
  next: number;
}

export function generatorTagKey(pipeline: string, index: number): string {
  return `freshet:generator:${pipeline}:${index}`.slice(0, 128);
}

export function formatRunState(s: GeneratorRunState): string {
  return `owner=${s.owner} beat=${s.beatMs} seed=${s.seed} next=${s.next}`;
}

export function parseRunState(value: string | undefined): GeneratorRunState | undefined {
  if (value === undefined) return undefined;
  const m = /^owner=(\S+) beat=(\d+) seed=(\d+) next=(\d+)$/.exec(value);
  if (!m) return undefined;
  return { owner: m[1]!, beatMs: Number(m[2]), seed: Number(m[3]), next: Number(m[4]) };
}
