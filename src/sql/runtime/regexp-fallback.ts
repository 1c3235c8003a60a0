/**
 * User regular expressions (SIMILAR TO, REGEX_REPLACE, REGEX_LOG_PARSE, Flink's REGEXP functions) run inside the
 * server on V8's backtracking engine, where `(a|a)*b` against 40 `a`s takes 2^40 steps. V8 can switch a match to
 * its linear-time engine once it has backtracked too often; this turns that on for the whole process, before any
 * SQL regular expression is compiled. Measured on Node 20: that pattern answers in ~30 ms instead of never, and
 * `^.*a.*a.*a.*a.*a.*b$` on 2,000 characters in ~90 ms. Patterns the linear engine cannot run (back-references,
 * lookaround) keep backtracking: docs/security.md says so. Expressions that never backtrack much are unaffected.
 */
import { setFlagsFromString } from 'node:v8';

/** Backtracks a match may make before V8 re-runs it on the linear engine (V8's default when the fallback is on). */
const BACKTRACKS_BEFORE_FALLBACK = 50_000;

setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_FALLBACK}`);
