/**
 * Redshift / Postgres SQL → DuckDB SQL, token by token (the lexer is lossless, so everything not rewritten
 * stays as written). What it rewrites:
 *
 * - SUPER navigation (Redshift "Querying semistructured data"): `payload.field`, `payload."Field"`,
 *   `t.payload.a.b`, `payload.items[0]`, where `payload` is a JSON (SUPER) column of a relation in the
 *   statement's FROM/JOIN clauses. Attribute lookup is exact first, then case-insensitive, as Redshift's
 *   default `enable_case_sensitive_super_attribute = false` navigates unquoted names. The result is a
 *   SUPER (JSON) value; where it is cast to a string type, compared with a string literal, or summed, its
 *   scalar text / number is used instead, as Redshift's dynamic typing does.
 * - Redshift functions with a variable argument list: `JSON_EXTRACT_PATH_TEXT(json, 'a', 'b' [, true])`.
 *   (JSON_PARSE, CAN_JSON_PARSE, FROM_VARBYTE, IS_UTF8, … are DuckDB macros, see functions.ts.)
 * - Redshift types and table attributes: `SUPER` → JSON, `VARBYTE(n)`/`VARBINARY` → BLOB, `VARCHAR(MAX)`,
 *   `DISTSTYLE`, `DISTKEY(…)`, `SORTKEY(…)`, `ENCODE …`, `BACKUP YES|NO` (accepted, meaningless here).
 * - What psql and drivers send: `pg_catalog.fn(…)` calls, `OPERATOR(pg_catalog.~)`,
 *   `COLLATE pg_catalog.default`, `'name'::regclass`, `::oid`.
 */
import { withDefaultAliases } from './column-names.ts';
import { PgError, SQLSTATE } from '../errors.ts';
import { identName, isTrivia, quoteLiteral, stringValue, textOf } from './lexer.ts';
import type { Token } from './lexer.ts';

export interface TranslateContext {
  /** Names (lower case) of the JSON/SUPER columns of a relation (`name` or `schema.name`, lower case). */
  jsonColumns(relation: string): ReadonlySet<string> | undefined;
  /** The database name the client connected to (`current_database()`, `pg_database`). */
  database?: string;
  /** The session's value of a run-time parameter (`current_setting('…')`, `SHOW`), or undefined. */
  setting?(name: string): string | undefined;
}

/** pg_catalog functions psql and drivers call that DuckDB lacks (or has with other arities): our shims. */
export const PG_FUNCTION_SHIMS: Readonly<Record<string, string>> = {
  pg_get_userbyid: '__pg_get_userbyid',
  pg_get_expr: '__pg_get_expr',
  pg_table_is_visible: '__pg_table_is_visible',
  pg_type_is_visible: '__pg_table_is_visible',
  pg_function_is_visible: '__pg_table_is_visible',
  pg_operator_is_visible: '__pg_table_is_visible',
  pg_encoding_to_char: '__pg_encoding_to_char',
  pg_get_indexdef: '__pg_get_indexdef',
  pg_get_constraintdef: '__pg_get_constraintdef',
  pg_get_viewdef: '__pg_get_viewdef',
  pg_get_statisticsobjdef_columns: '__pg_null1',
  pg_relation_is_publishable: '__pg_false1',
  pg_get_partkeydef: '__pg_null1',
  array_to_string: '__array_to_string',
  obj_description: '__obj_description',
  col_description: '__col_description',
  shobj_description: '__obj_description',
  format_type: '__format_type',
  has_table_privilege: '__has_privilege',
  has_schema_privilege: '__has_privilege',
  has_database_privilege: '__has_privilege',
  pg_backend_pid: '__pg_backend_pid',
  pg_postmaster_start_time: '__pg_postmaster_start_time',
  quote_ident: '__quote_ident',
  array_upper: '__array_upper',
  pg_get_function_result: '__pg_get_function_result',
  pg_get_function_arguments: '__pg_get_function_arguments',
  pg_get_function_sqlbody: '__pg_null1',
  pg_database_size: '__pg_database_size',
  pg_size_pretty: '__pg_size_pretty',
};

/** pg_catalog relations Freshet overlays with its own views (in its catalog schema), see functions.ts. */
export const PG_RELATION_OVERLAYS = new Set([
  'pg_class',
  'pg_attribute',
  'pg_policy',
  'pg_roles',
  'pg_user',
  'pg_statistic_ext',
  'pg_publication',
  'pg_publication_rel',
  'pg_publication_namespace',
  'pg_inherits',
  'pg_trigger',
  'pg_rewrite',
  'pg_matviews',
  'pg_foreign_table',
  'pg_partitioned_table',
  'pg_stat_activity',
  'pg_database',
  'pg_namespace',
  'pg_proc',
  'pg_language',
  'pg_auth_members',
  'pg_extension',
  'pg_operator',
]);

/** Redshift's date parts and their abbreviations (Dateparts for datetime functions) → the canonical part. */
const DATE_PART_NAMES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['millennium', ['millennium', 'millennia', 'mil', 'mils']],
  ['century', ['century', 'centuries', 'c', 'cent', 'cents']],
  ['decade', ['decade', 'decades', 'dec', 'decs']],
  ['year', ['year', 'years', 'y', 'yr', 'yrs']],
  ['quarter', ['quarter', 'quarters', 'qtr', 'qtrs']],
  ['month', ['month', 'months', 'mon', 'mons']],
  ['week', ['week', 'weeks', 'w']],
  ['day', ['day', 'days', 'd']],
  ['hour', ['hour', 'hours', 'h', 'hr', 'hrs']],
  ['minute', ['minute', 'minutes', 'm', 'min', 'mins']],
  ['second', ['second', 'seconds', 's', 'sec', 'secs']],
  ['millisecond', ['millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'msecond', 'mseconds', 'millisec', 'millisecs', 'millisecon']],
  ['microsecond', ['microsecond', 'microseconds', 'microsec', 'microsecs', 'usecond', 'useconds', 'us', 'usec', 'usecs']],
];
const DATE_PARTS = new Map<string, string>(DATE_PART_NAMES.flatMap(([part, names]) => names.map((n) => [n, part] as const)));

function datePart(name: string): string | undefined {
  return DATE_PARTS.get(name.toLowerCase());
}

/** DATEADD: the DuckDB interval constructor per part, and the multiple of its unit. */
const DATEADD_UNITS: Readonly<Record<string, readonly [string, number]>> = {
  millennium: ['to_years', 1000],
  century: ['to_years', 100],
  decade: ['to_years', 10],
  year: ['to_years', 1],
  quarter: ['to_months', 3],
  month: ['to_months', 1],
  week: ['to_days', 7],
  day: ['to_days', 1],
  hour: ['to_hours', 1],
  minute: ['to_minutes', 1],
  second: ['to_seconds', 1],
  millisecond: ['to_milliseconds', 1],
  microsecond: ['to_microseconds', 1],
};

const STRING_TYPES = new Set(['varchar', 'char', 'character', 'text', 'bpchar', 'nvarchar', 'nchar', 'string']);
const COMPARISON_OPS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);

interface Chain {
  /** Token indexes (into the full token list) of the chain's first and last token. */
  first: number;
  last: number;
  /** Segments: identifiers (name as resolved) or array subscripts. */
  segments: Array<{ kind: 'name'; name: string; quoted: boolean; text: string } | { kind: 'index'; value: number }>;
}

/** Meaningful-token navigation helpers over the full token list. */
function nextMeaningful(tokens: readonly Token[], i: number): number {
  let j = i + 1;
  while (j < tokens.length && isTrivia(tokens[j]!)) j++;
  return j;
}

function prevMeaningful(tokens: readonly Token[], i: number): number {
  let j = i - 1;
  while (j >= 0 && isTrivia(tokens[j]!)) j--;
  return j;
}

function isWord(t: Token | undefined, w: string): boolean {
  return t !== undefined && t.kind === 'ident' && t.text.toLowerCase() === w;
}

function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p;
}

const RESERVED_AFTER_RELATION = new Set([
  'where',
  'group',
  'order',
  'limit',
  'offset',
  'join',
  'inner',
  'left',
  'right',
  'full',
  'cross',
  'natural',
  'on',
  'using',
  'union',
  'except',
  'intersect',
  'having',
  'window',
  'qualify',
  'as',
  'lateral',
  'set',
  'returning',
  'values',
  'fetch',
  'for',
]);

/** Relations named in FROM / JOIN clauses: alias (lower case) → relation name, plus each relation by its own name. */
export function relationsInScope(tokens: readonly Token[]): Map<string, string> {
  const out = new Map<string, string>();
  const meaningful: number[] = [];
  for (let i = 0; i < tokens.length; i++) if (!isTrivia(tokens[i]!)) meaningful.push(i);
  for (let m = 0; m < meaningful.length; m++) {
    const t = tokens[meaningful[m]!]!;
    if (!(isWord(t, 'from') || isWord(t, 'join') || isWord(t, 'update') || isWord(t, 'into'))) continue;
    let k = m + 1;
    for (;;) {
      const first = tokens[meaningful[k]!];
      if (first === undefined || (first.kind !== 'ident' && first.kind !== 'qident')) break;
      if (first.kind === 'ident' && RESERVED_AFTER_RELATION.has(first.text.toLowerCase())) break;
      const parts = [identName(first)];
      k++;
      while (isPunct(tokens[meaningful[k]!], '.') && tokens[meaningful[k + 1]!] !== undefined) {
        const p = tokens[meaningful[k + 1]!]!;
        if (p.kind !== 'ident' && p.kind !== 'qident') break;
        parts.push(identName(p));
        k += 2;
      }
      // A function call in FROM (read_json(...)) is not a relation.
      if (isPunct(tokens[meaningful[k]!], '(')) break;
      const relation = parts.join('.');
      const bare = parts[parts.length - 1]!;
      out.set(bare, relation);
      out.set(relation, relation);
      let aliasTok = tokens[meaningful[k]!];
      if (isWord(aliasTok, 'as')) {
        k++;
        aliasTok = tokens[meaningful[k]!];
      }
      if (aliasTok !== undefined && (aliasTok.kind === 'qident' || (aliasTok.kind === 'ident' && !RESERVED_AFTER_RELATION.has(aliasTok.text.toLowerCase())))) {
        out.set(identName(aliasTok), relation);
        k++;
      }
      if (!isPunct(tokens[meaningful[k]!], ',')) break;
      k++;
    }
  }
  return out;
}

/** JSON path text for one attribute, e.g. $."TX_AMOUNT" (DuckDB JSONPath, quotes escaped). */
function attrPath(name: string): string {
  return `$."${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function navExpression(base: string, segments: Chain['segments'], from: number): string {
  let expr = base;
  for (let s = from; s < segments.length; s++) {
    const seg = segments[s]!;
    if (seg.kind === 'index') expr = `json_extract(${expr}, '$[${seg.value}]')`;
    // Unquoted attribute names fold to lower case as Redshift folds identifiers; lookup falls back to case-insensitive.
    else expr = `__super_attr(${expr}, ${quoteLiteral(attrPath(seg.name))}, ${quoteLiteral(seg.name)})`;
  }
  return expr;
}

/** Reads an identifier chain starting at token i: a.b."C"[0].d … */
function readChain(tokens: readonly Token[], i: number): Chain {
  const segments: Chain['segments'] = [];
  const t = tokens[i]!;
  segments.push({ kind: 'name', name: identName(t), quoted: t.kind === 'qident', text: t.text });
  let last = i;
  for (;;) {
    const j = nextMeaningful(tokens, last);
    const tj = tokens[j];
    if (isPunct(tj, '.')) {
      const k = nextMeaningful(tokens, j);
      const tk = tokens[k];
      if (tk === undefined || (tk.kind !== 'ident' && tk.kind !== 'qident')) break;
      segments.push({ kind: 'name', name: identName(tk), quoted: tk.kind === 'qident', text: tk.text });
      last = k;
      continue;
    }
    if (isPunct(tj, '[')) {
      const k = nextMeaningful(tokens, j);
      const close = nextMeaningful(tokens, k);
      if (tokens[k]?.kind === 'number' && isPunct(tokens[close], ']') && /^\d+$/.test(tokens[k]!.text)) {
        segments.push({ kind: 'index', value: Number(tokens[k]!.text) });
        last = close;
        continue;
      }
    }
    break;
  }
  return { first: i, last, segments };
}

/** Where a navigation result is used: as text, as a number, or as SUPER. */
function navUse(tokens: readonly Token[], chain: Chain): 'text' | 'number' | 'super' {
  const after = nextMeaningful(tokens, chain.last);
  const ta = tokens[after];
  // payload.x::varchar
  if (isPunct(ta, '::')) {
    const ty = tokens[nextMeaningful(tokens, after)];
    if (ty !== undefined && STRING_TYPES.has(ty.text.toLowerCase())) return 'text';
    return 'super';
  }
  // payload.x = 'literal', payload.x IN ('a', …), payload.x LIKE '…'
  if (ta !== undefined && COMPARISON_OPS.has(ta.text) && tokens[nextMeaningful(tokens, after)]?.kind === 'string') return 'text';
  if (isWord(ta, 'like') || isWord(ta, 'ilike') || isWord(ta, 'similar')) return 'text';
  if (isWord(ta, 'not') && (isWord(tokens[nextMeaningful(tokens, after)], 'like') || isWord(tokens[nextMeaningful(tokens, after)], 'in'))) {
    const k = nextMeaningful(tokens, nextMeaningful(tokens, after));
    if (isPunct(tokens[k], '(') && tokens[nextMeaningful(tokens, k)]?.kind === 'string') return 'text';
    if (isWord(tokens[nextMeaningful(tokens, after)], 'like')) return 'text';
  }
  if (isWord(ta, 'in')) {
    const k = nextMeaningful(tokens, after);
    if (isPunct(tokens[k], '(') && tokens[nextMeaningful(tokens, k)]?.kind === 'string') return 'text';
  }
  const before = prevMeaningful(tokens, chain.first);
  const tb = tokens[before];
  // 'literal' = payload.x
  if (tb !== undefined && COMPARISON_OPS.has(tb.text) && tokens[prevMeaningful(tokens, before)]?.kind === 'string') return 'text';
  // CAST(payload.x AS varchar)
  if (isWord(ta, 'as') && isPunct(tb, '(') && isWord(tokens[prevMeaningful(tokens, before)], 'cast')) {
    const ty = tokens[nextMeaningful(tokens, after)];
    if (ty !== undefined && STRING_TYPES.has(ty.text.toLowerCase())) return 'text';
  }
  // SUM(payload.x), AVG(payload.x)
  if (isPunct(tb, '(') && isPunct(ta, ')')) {
    const fn = tokens[prevMeaningful(tokens, before)];
    if (fn !== undefined && fn.kind === 'ident' && /^(sum|avg|stddev|stddev_samp|stddev_pop|variance|var_samp|var_pop|median)$/i.test(fn.text)) return 'number';
  }
  // Arithmetic: payload.x * 2
  if (ta !== undefined && ta.kind === 'op' && /^[+\-*/%]$/.test(ta.text)) return 'number';
  if (tb !== undefined && tb.kind === 'op' && /^[*/%]$/.test(tb.text)) return 'number';
  return 'super';
}

/** Splits the arguments of a call whose '(' is at token `open`: [first, last] token ranges, and the ')' index. */
function callArguments(tokens: readonly Token[], open: number): { args: Array<[number, number]>; close: number } | undefined {
  const args: Array<[number, number]> = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct' && t.kind !== 'op') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') {
      depth--;
      if (depth === 0) {
        args.push([start, i - 1]);
        return { args, close: i };
      }
    } else if (t.text === ',' && depth === 1) {
      args.push([start, i - 1]);
      start = i + 1;
    }
  }
  return undefined;
}

function joinTokens(tokens: readonly Token[], a: number, b: number): string {
  let s = '';
  for (let i = a; i <= b; i++) s += tokens[i]!.text;
  return s.trim();
}

/** A regular expression literal that matches where Postgres's `~` would, under DuckDB's whole-string `~`. */
function partialMatch(lit: Token): string {
  return quoteLiteral(`(?s).*(?:${stringValue(lit)}).*`);
}

/** The overlay standing for a pg_catalog relation (pg_database shows the database the client connected to). */
function overlay(name: string, ctx: TranslateContext): string {
  if (name === 'pg_database' && ctx.database !== undefined)
    return `(SELECT * REPLACE (${quoteLiteral(ctx.database)} AS datname) FROM freshet_views.pg_database)`;
  return `freshet_views.${name}`;
}

/** Translates one statement's tokens to DuckDB SQL text. */
export function translateTokens(input: readonly Token[], ctx: TranslateContext, nested = false): string {
  const folded = nested ? input : lowerUnquoted(input);
  const tokens = nested ? input : withDefaultAliases(folded, new Set(relationsInScope(folded).keys()));
  const scope = relationsInScope(tokens);
  // JSON columns reachable without a qualifier: union over the relations in scope.
  const bareJson = new Map<string, string>();
  const relations = new Set(scope.values());
  for (const r of relations) {
    const cols = ctx.jsonColumns(r);
    if (cols) for (const c of cols) bareJson.set(c, r);
  }
  const isCreateTable = tokens.some((t) => isWord(t, 'table')) && isWord(tokens[nextMeaningful(tokens, -1)], 'create');
  let out = '';
  let i = 0;
  const n = tokens.length;
  while (i < n) {
    const t = tokens[i]!;
    const prev = tokens[prevMeaningful(tokens, i)];
    const nextIdx = nextMeaningful(tokens, i);
    const next = tokens[nextIdx];

    if (t.kind === 'ident') {
      const lower = t.text.toLowerCase();
      // pg_catalog.fn( … ) → fn or its shim
      if ((lower === 'pg_catalog' || lower === 'information_schema') && isPunct(next, '.')) {
        const fnIdx = nextMeaningful(tokens, nextIdx);
        const fn = tokens[fnIdx];
        if (
          fn !== undefined &&
          (fn.kind === 'ident' || fn.kind === 'qident') &&
          isPunct(tokens[nextMeaningful(tokens, fnIdx)], '(') &&
          lower === 'pg_catalog'
        ) {
          const name = identName(fn);
          if (name === 'current_setting') {
            i = fnIdx;
            continue;
          }
          if (PG_FUNCTION_SHIMS[name] === undefined) {
            i = fnIdx;
            continue;
          }
          out += PG_FUNCTION_SHIMS[name];
          i = fnIdx + 1;
          continue;
        }
      }
      // pg_catalog.pg_class → the overlay (materialized views as relkind 'm', Freshet's catalog hidden)
      if (lower === 'pg_catalog' && isPunct(next, '.')) {
        const relIdx = nextMeaningful(tokens, nextIdx);
        const rel = tokens[relIdx];
        if (rel !== undefined && rel.kind === 'ident' && PG_RELATION_OVERLAYS.has(rel.text.toLowerCase())) {
          out += overlay(rel.text.toLowerCase(), ctx);
          i = relIdx + 1;
          continue;
        }
        // ::pg_catalog.text → ::text
        if (isPunct(prev, '::')) {
          i = relIdx;
          continue;
        }
      }
      if (PG_RELATION_OVERLAYS.has(lower) && !isPunct(prev, '.') && !isPunct(next, '(') && !isPunct(next, '.')) {
        out += overlay(lower, ctx);
        i++;
        continue;
      }
      // OPERATOR(pg_catalog.~) → ~
      if (lower === 'operator' && isPunct(next, '(')) {
        const close = callArguments(tokens, nextIdx);
        if (close) {
          const inner = joinTokens(tokens, nextIdx + 1, close.close - 1).replace(/^pg_catalog\s*\.\s*/i, '');
          out += ` ${inner} `;
          i = close.close + 1;
          const lit = tokens[nextMeaningful(tokens, close.close)];
          if ((inner === '~' || inner === '!~') && lit?.kind === 'string') {
            out += partialMatch(lit);
            i = nextMeaningful(tokens, close.close) + 1;
          }
          continue;
        }
      }
      // COLLATE pg_catalog.default / COLLATE "default" / COLLATE "C" → dropped
      if (lower === 'collate') {
        let j = nextIdx;
        if (isWord(tokens[j], 'pg_catalog') && isPunct(tokens[nextMeaningful(tokens, j)], '.')) j = nextMeaningful(tokens, nextMeaningful(tokens, j));
        const name = tokens[j];
        if (name !== undefined && (name.kind === 'ident' || name.kind === 'qident') && /^(default|c|posix|ucs_basic)$/i.test(identName(name))) {
          i = j + 1;
          continue;
        }
      }
      // Unqualified calls of shimmed catalog functions.
      if (isPunct(next, '(') && !isPunct(prev, '.') && Object.hasOwn(PG_FUNCTION_SHIMS, lower) && lower !== 'array_to_string' && lower !== 'format_type') {
        out += PG_FUNCTION_SHIMS[lower];
        i++;
        continue;
      }
      // current_database() → the name the client connected with
      if (
        lower === 'current_database' &&
        isPunct(next, '(') &&
        ctx.database !== undefined &&
        (!isPunct(prev, '.') || isWord(tokens[prevMeaningful(tokens, prevMeaningful(tokens, i))], 'pg_catalog'))
      ) {
        const call = callArguments(tokens, nextIdx);
        if (call && call.args.length === 1 && call.args[0]![0] > call.args[0]![1]) {
          out += quoteLiteral(ctx.database);
          i = call.close + 1;
          continue;
        }
      }
      // current_setting('name'[, missing_ok]) → the session's value as a literal
      const pgCatalogQualified = isPunct(prev, '.') && isWord(tokens[prevMeaningful(tokens, prevMeaningful(tokens, i))], 'pg_catalog');
      if (lower === 'current_setting' && isPunct(next, '(') && (!isPunct(prev, '.') || pgCatalogQualified)) {
        const call = callArguments(tokens, nextIdx);
        const arg = call?.args[0];
        const lit = arg ? tokens.slice(arg[0], arg[1] + 1).filter((x) => !isTrivia(x)) : [];
        if (call && lit.length === 1 && lit[0]!.kind === 'string') {
          const value = ctx.setting?.(stringValue(lit[0]!).toLowerCase());
          out += value === undefined ? 'CAST(NULL AS VARCHAR)' : quoteLiteral(value);
          i = call.close + 1;
          continue;
        }
      }
      // FROM generate_series(…) s: Postgres names the column after the alias too (s, not generate_series).
      const afterFrom = isWord(prev, 'from') || (isPunct(prev, '.') && isWord(tokens[prevMeaningful(tokens, prevMeaningful(tokens, i))], 'pg_catalog'));
      if ((lower === 'generate_series' || lower === 'unnest') && isPunct(next, '(') && afterFrom) {
        const call = callArguments(tokens, nextIdx);
        const aliasIdx = call ? nextMeaningful(tokens, call.close) : -1;
        const alias = tokens[aliasIdx];
        if (
          call &&
          alias !== undefined &&
          alias.kind === 'ident' &&
          !RESERVED_AFTER_RELATION.has(alias.text.toLowerCase()) &&
          !isPunct(tokens[nextMeaningful(tokens, aliasIdx)], '(')
        ) {
          out += `${translateTokens(tokens.slice(i, call.close + 1), ctx, true)} ${alias.text}(${alias.text})`;
          i = aliasIdx + 1;
          continue;
        }
      }
      // JSON_EXTRACT_PATH_TEXT(json, 'a', 'b' [, null_if_invalid])
      if (lower === 'json_extract_path_text' && isPunct(next, '(')) {
        const call = callArguments(tokens, nextIdx);
        if (call && call.args.length >= 2) {
          const args = call.args.map(([a, b]) => translateTokens(tokens.slice(a, b + 1), ctx, true).trim());
          let nullIfInvalid = 'false';
          const lastArg = args[args.length - 1]!.toLowerCase();
          if (args.length >= 3 && (lastArg === 'true' || lastArg === 'false' || lastArg === "'t'" || lastArg === "'f'")) {
            nullIfInvalid = lastArg === 'true' || lastArg === "'t'" ? 'true' : 'false';
            args.pop();
          }
          const keys = call.args.slice(1, args.length).map(([a, b]) => tokens.slice(a, b + 1).filter((x) => !isTrivia(x)));
          if (keys.every((k) => k.length === 1 && k[0]!.kind === 'string')) {
            // Constant keys: one constant JSONPath, which DuckDB compiles once.
            const path = `$${keys.map((k) => `."${stringValue(k[0]!).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join('')}`;
            out += `${nullIfInvalid === 'true' ? '__jept_nii' : '__jept'}(${args[0]}, ${quoteLiteral(path)})`;
          } else out += `__json_extract_path_text(${args[0]}, [${args.slice(1).join(', ')}], ${nullIfInvalid})`;
          i = call.close + 1;
          continue;
        }
      }
      // LISTAGG([DISTINCT] expr [, delimiter]) [WITHIN GROUP (ORDER BY …)] → string_agg(…, delimiter ORDER BY …)
      if (lower === 'listagg' && isPunct(next, '(') && !isPunct(prev, '.')) {
        const call = callArguments(tokens, nextIdx);
        if (call && call.args.length >= 1 && call.args.length <= 2) {
          const [valueArg, delimArg] = call.args;
          const value = translateTokens(tokens.slice(valueArg![0], valueArg![1] + 1), ctx, true).trim();
          const delimiter = delimArg ? translateTokens(tokens.slice(delimArg[0], delimArg[1] + 1), ctx, true).trim() : "''";
          let end = call.close;
          let orderBy = '';
          const w = nextMeaningful(tokens, call.close);
          const g = nextMeaningful(tokens, w);
          const open = nextMeaningful(tokens, g);
          if (isWord(tokens[w], 'within') && isWord(tokens[g], 'group') && isPunct(tokens[open], '(')) {
            const within = callArguments(tokens, open);
            if (within) {
              orderBy = ` ${translateTokens(tokens.slice(open + 1, within.close), ctx, true).trim()}`;
              end = within.close;
            }
          }
          out += `string_agg(${value}, ${delimiter}${orderBy})`;
          i = end + 1;
          continue;
        }
      }
      // DATEADD(datepart, n, t) → t + n units; DATEDIFF(datepart, a, b) → date_diff('part', a, b) (boundaries crossed)
      if ((lower === 'dateadd' || lower === 'datediff' || lower === 'date_diff') && isPunct(next, '(') && !isPunct(prev, '.')) {
        const call = callArguments(tokens, nextIdx);
        const partTokens = call?.args[0] ? tokens.slice(call.args[0][0], call.args[0][1] + 1).filter((x) => !isTrivia(x)) : [];
        const part =
          partTokens.length === 1 && (partTokens[0]!.kind === 'ident' || partTokens[0]!.kind === 'qident' || partTokens[0]!.kind === 'string')
            ? datePart(partTokens[0]!.kind === 'string' ? stringValue(partTokens[0]!) : identName(partTokens[0]!))
            : undefined;
        if (call && call.args.length === 3 && part !== undefined) {
          const a = translateTokens(tokens.slice(call.args[1]![0], call.args[1]![1] + 1), ctx, true).trim();
          const b = translateTokens(tokens.slice(call.args[2]![0], call.args[2]![1] + 1), ctx, true).trim();
          if (lower === 'dateadd') {
            const [fn, times] = DATEADD_UNITS[part]!;
            out += `(CAST(${b} AS TIMESTAMP) + ${fn}(CAST(${a} AS BIGINT)${times === 1 ? '' : ` * ${times}`}))`;
          } else out += `date_diff(${quoteLiteral(part)}, CAST(${a} AS TIMESTAMP), CAST(${b} AS TIMESTAMP))`;
          i = call.close + 1;
          continue;
        }
        if (call && call.args.length === 3 && partTokens.length === 1) {
          throw new PgError(SQLSTATE.invalid_parameter_value, `${lower}(): "${textOf(partTokens)}" is not a valid datepart`);
        }
      }
      // DECODE(expr, search, result [, search, result]… [, default]) → CASE (a NULL search matches a NULL expr)
      if (lower === 'decode' && isPunct(next, '(') && !isPunct(prev, '.')) {
        const call = callArguments(tokens, nextIdx);
        if (call && call.args.length >= 3) {
          const args = call.args.map(([a, b]) => translateTokens(tokens.slice(a, b + 1), ctx, true).trim());
          const subject = args[0]!;
          let expr = 'CASE';
          let k = 1;
          for (; k + 1 < args.length; k += 2) expr += ` WHEN (${subject}) IS NOT DISTINCT FROM (${args[k]}) THEN ${args[k + 1]}`;
          if (k < args.length) expr += ` ELSE ${args[k]}`;
          out += `${expr} END`;
          i = call.close + 1;
          continue;
        }
      }
      // SYSDATE (no parentheses) → the statement's start time
      if (lower === 'sysdate' && !isPunct(next, '(') && !isPunct(prev, '.') && !bareJson.has('sysdate')) {
        out += 'CAST(current_timestamp AS TIMESTAMP)';
        i++;
        continue;
      }
      // Redshift table attributes: DISTSTYLE x, DISTKEY(c), [COMPOUND|INTERLEAVED] SORTKEY(c, …), BACKUP YES|NO, ENCODE x
      if (lower === 'diststyle' || (lower === 'backup' && isCreateTable) || (lower === 'encode' && next !== undefined && next.kind === 'ident')) {
        i = nextIdx + 1;
        continue;
      }
      if ((lower === 'distkey' || lower === 'sortkey') && isPunct(next, '(')) {
        const call = callArguments(tokens, nextIdx);
        if (call) {
          i = call.close + 1;
          continue;
        }
      }
      if ((lower === 'compound' || lower === 'interleaved') && isWord(next, 'sortkey')) {
        i = nextIdx;
        continue;
      }
      // Types: SUPER → JSON, VARBYTE[(n)] / VARBINARY[(n)] → BLOB, VARCHAR(MAX) → VARCHAR
      if (
        (lower === 'super' || lower === 'varbyte' || lower === 'varbinary') &&
        (isPunct(prev, '::') || isWord(prev, 'as') || (isCreateTable && (prev?.kind === 'ident' || prev?.kind === 'qident')))
      ) {
        out += lower === 'super' ? 'JSON' : 'BLOB';
        if (lower !== 'super' && isPunct(next, '(')) {
          const call = callArguments(tokens, nextIdx);
          if (call) {
            i = call.close + 1;
            continue;
          }
        }
        i++;
        continue;
      }
      if ((lower === 'varchar' || lower === 'char' || lower === 'nvarchar' || lower === 'character') && isPunct(next, '(')) {
        const arg = tokens[nextMeaningful(tokens, nextIdx)];
        const close = tokens[nextMeaningful(tokens, nextMeaningful(tokens, nextIdx))];
        if (isWord(arg, 'max') && isPunct(close, ')')) {
          out += 'VARCHAR';
          i = nextMeaningful(tokens, nextMeaningful(tokens, nextIdx)) + 1;
          continue;
        }
      }
    }

    // 'name'::regclass → __regclass('name'); ::oid → ::BIGINT; ::regtype / ::regproc → text; ::pg_catalog.x → ::x
    if (isPunct(t, '::') && next !== undefined && next.kind === 'ident') {
      let tyIdx = nextIdx;
      if (next.text.toLowerCase() === 'pg_catalog' && isPunct(tokens[nextMeaningful(tokens, nextIdx)], '.')) {
        tyIdx = nextMeaningful(tokens, nextMeaningful(tokens, nextIdx));
      }
      const tyTok = tokens[tyIdx];
      const ty = tyTok?.text.toLowerCase() ?? '';
      if (ty === 'regclass' && prev?.kind === 'string') {
        // Replace the literal already written: it is the last thing in `out`.
        const lit = prev.text;
        out = `${out.slice(0, out.lastIndexOf(lit))}__regclass(${quoteLiteral(stringValue(prev))})`;
        i = tyIdx + 1;
        continue;
      }
      if (ty === 'regclass' || ty === 'regtype' || ty === 'regproc' || ty === 'regnamespace' || ty === 'regprocedure' || ty === 'regrole') {
        out += '::VARCHAR';
        i = tyIdx + 1;
        continue;
      }
      if (ty === 'oid') {
        out += '::BIGINT';
        i = tyIdx + 1;
        continue;
      }
      if (tyIdx !== nextIdx) {
        out += '::';
        i = tyIdx;
        continue;
      }
    }

    // Postgres's ~ and !~ find the pattern anywhere; DuckDB's match the whole string: wrap a literal pattern.
    if (t.kind === 'string' && (isPunct(prev, '~') || isPunct(prev, '!~'))) {
      out += partialMatch(t);
      i++;
      continue;
    }
    // SUPER navigation
    if ((t.kind === 'ident' || t.kind === 'qident') && !isPunct(prev, '.') && !isPunct(prev, '::') && (bareJson.size > 0 || scope.size > 0)) {
      const chain = readChain(tokens, i);
      const callAfter = isPunct(tokens[nextMeaningful(tokens, chain.last)], '(');
      if (chain.segments.length >= 2 && !callAfter) {
        const rewritten = resolveNavigation(chain, scope, bareJson, ctx);
        if (rewritten !== undefined) {
          const use = navUse(tokens, chain);
          if (use === 'text') out += `__super_text(${rewritten})`;
          else if (use === 'number') out += `__super_number(${rewritten})`;
          else out += rewritten;
          i = chain.last + 1;
          continue;
        }
      }
    }
    out += t.text;
    i++;
  }
  return out;
}

function resolveNavigation(chain: Chain, scope: Map<string, string>, bareJson: Map<string, string>, ctx: TranslateContext): string | undefined {
  const segs = chain.segments;
  const s0 = segs[0]!;
  if (s0.kind !== 'name') return undefined;
  // alias.column.attr…
  const rel = scope.get(s0.name);
  if (rel !== undefined) {
    const s1 = segs[1];
    if (segs.length >= 3 && s1?.kind === 'name' && ctx.jsonColumns(rel)?.has(s1.name)) {
      return navExpression(`${s0.text}.${s1.text}`, segs, 2);
    }
    // schema.table.column.attr…
    const s2 = segs[2];
    if (segs.length >= 4 && s1?.kind === 'name' && s2?.kind === 'name') {
      const qualified = `${s0.name}.${s1.name}`;
      if (ctx.jsonColumns(qualified)?.has(s2.name)) return navExpression(`${s0.text}.${s1.text}.${s2.text}`, segs, 3);
    }
    return undefined;
  }
  // column.attr…
  if (bareJson.has(s0.name)) return navExpression(s0.text, segs, 1);
  // schema.table.column.attr… where the relation is in scope by its qualified name
  const s1 = segs[1];
  const s2 = segs[2];
  if (segs.length >= 4 && s1?.kind === 'name' && s2?.kind === 'name') {
    const qualified = `${s0.name}.${s1.name}`;
    if (scope.has(qualified) && ctx.jsonColumns(qualified)?.has(s2.name)) return navExpression(`${s0.text}.${s1.text}.${s2.text}`, segs, 3);
  }
  return undefined;
}

/**
 * Unquoted identifiers folded to lower case, as Postgres and Redshift fold them: result columns named by an
 * unquoted alias (`AS TRANSACTION_ID`) come back as `transaction_id`. DuckDB resolves names without regard
 * to case, so nothing else changes.
 */
export function lowerUnquoted(tokens: readonly Token[]): Token[] {
  const out: Token[] = new Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    out[i] = t.kind === 'ident' && /[A-Z]/.test(t.text) ? { kind: 'ident', text: t.text.toLowerCase(), start: t.start } : t;
  }
  return out;
}
