// Types of test-groups.mjs (plain JavaScript: run-files.mjs runs before tsx is needed), for run-files.test.ts.
export interface Unit {
  files: string[];
  seconds: number;
}
export const ISOLATED: Map<string, string>;
export const SOLO_SHARE: number;
export const GROUP_SHARE: number;
export const MAX_FILES: number;
export function readWeights(path: string): Map<string, number>;
export function planGroups(files: string[], weights: Map<string, number>): Unit[];
export function writeGroupEntries(units: Array<{ files: string[] }>, root: string, dir: string, timeoutMs: number): string[];
