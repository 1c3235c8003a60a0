/**
 * User regular expressions (SIMILAR TO, REGEX_REPLACE, REGEX_LOG_PARSE, Flink's REGEXP functions) run inside the
 * server on V8's backtracking engine, where `(a|a)*b` against 40 `a`s takes 2^40 steps. V8 can switch a match to
 * its linear-time engine once it has backtracked too often; this turns that on for the whole process, before any
 * SQL regular expression is compiled. Measured on Node 20: that pattern answers in ~30 ms instead of never, and
 * `^.*a.*a.*a.*a.*a.*b$` on 2,000 characters in ~90 ms. Expressions that never backtrack much are unaffected.
 *
 * Patterns the linear engine cannot run (back-references such as `(a+)\1`, lookahead and lookbehind, and counted
 * repetitions above 16 such as `(a|a){0,40}`, which it would have to unroll) would keep backtracking without bound
 * (`^(a|a)*\1$` never answers), so `linearTimeProblem` refuses them: the compiler for a
 * literal pattern (a SqlError), the run time for a pattern that comes from data (the row's error). V8 itself
 * decides what the linear engine can run: a RegExp with its `l` flag (enabled below, unused otherwise) fails to
 * compile exactly for those patterns. docs/security.md, "Hostile SQL", lists this difference from KDA and Flink,
 * whose Java engine runs back-references.
 */
import { setFlagsFromString } from 'node:v8';

/** Backtracks a match may make before V8 re-runs it on the linear engine (V8's default when the fallback is on). */
const BACKTRACKS_BEFORE_FALLBACK = 50_000;

setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_FALLBACK}`);
// Only for `linearTimeProblem`'s probe: no SQL RegExp is compiled with the `l` flag.
setFlagsFromString('--enable-experimental-regexp-engine');

/**
 * Why `source` (a valid JS regular expression without flags) cannot be run in bounded time, or undefined when
 * V8's linear-time engine can run it. Call it once per compiled pattern (the callers cache their RegExps).
 */
export function linearTimeProblem(source: string, shown: string = source): string | undefined {
  try {
    new RegExp(source, 'l');
    return undefined;
  } catch (e) {
    if (!(e instanceof SyntaxError) || !e.message.includes('linear time')) return undefined;
    return `the regular expression '${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}' cannot be matched in linear time (it uses a back-reference, a lookaround or a repetition count above 16), so hostile input could make it take exponential time: rewrite it without \\1, \\k<name>, (?=, (?!, (?<=, (?<! and {n} over 16 (repeat the part or use + or *)`;
  }
}
