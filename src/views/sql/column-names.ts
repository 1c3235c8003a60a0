/**
 * Result column names as Postgres chooses them (FigureColname in PostgreSQL's parse_target.c): an item of
 * the outermost SELECT list without an alias is named after its column (`t.amount` → amount; SUPER
 * navigation `payload.TERMINAL_ID` → terminal_id), its function (`count(*)` → count), `case`, or the
 * type it is cast to (`1.5::decimal(18,2)` → numeric), else `?column?`. DuckDB would name them by their
 * expression text (`count_star()`), which drivers that read columns by name trip over.
 *
 * `withDefaultAliases` returns the tokens with ` AS "name"` added to each such item.
 */
import { identName, isTrivia } from './lexer.ts';
import type { Token } from './lexer.ts';

/** Postgres type names (pg_type.typname) for the type names a cast may spell. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  int: 'int4',
  integer: 'int4',
  int4: 'int4',
  bigint: 'int8',
  int8: 'int8',
  smallint: 'int2',
  int2: 'int2',
  decimal: 'numeric',
  numeric: 'numeric',
  real: 'float4',
  float4: 'float4',
  float: 'float8',
  float8: 'float8',
  double: 'float8',
  boolean: 'bool',
  bool: 'bool',
  varchar: 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  text: 'text',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  date: 'date',
  time: 'time',
  interval: 'interval',
  json: 'json',
  jsonb: 'jsonb',
  super: 'super',
  varbyte: 'varbyte',
  bytea: 'bytea',
  uuid: 'uuid',
};

/** Keywords that end an expression (so a preceding identifier is not an alias). */
const EXPRESSION_END_WORDS = new Set(['null', 'true', 'false', 'end', 'asc', 'desc', 'unknown', 'zone', 'first', 'last']);
/** Parameterless SQL functions named after themselves. */
const VALUE_FUNCTIONS = new Set([
  'current_date',
  'current_time',
  'current_timestamp',
  'localtime',
  'localtimestamp',
  'current_user',
  'session_user',
  'user',
  'current_role',
  'current_schema',
  'current_catalog',
  'sysdate',
]);

function isIdent(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'ident' || t.kind === 'qident');
}

function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p;
}

/** Index of the parenthesis matching the '(' at `open` (within `m`), or -1. */
function matching(m: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < m.length; i++) {
    const t = m[i]!;
    if (t.kind !== 'punct' && t.kind !== 'op') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** True when the item (meaningful tokens) already ends with an alias (`… AS x` or `… x`). */
function hasAlias(m: readonly Token[]): boolean {
  if (m.length < 2) return false;
  const last = m[m.length - 1]!;
  const before = m[m.length - 2]!;
  if (!isIdent(last)) return false;
  if (before.kind === 'ident' && before.text.toLowerCase() === 'as') return true;
  if (last.kind === 'ident' && EXPRESSION_END_WORDS.has(last.text.toLowerCase())) return false;
  if (before.kind === 'op' || before.kind === 'punct') return isPunct(before, ')') || isPunct(before, ']');
  // `x y`: an expression then an identifier; `a IS NULL`-like keyword pairs were excluded above.
  if (before.kind === 'ident' && /^(is|not|and|or|distinct|from|in|like|between|then|else|when|case|interval)$/i.test(before.text)) return false;
  return true;
}

/** Postgres's name for a select-list item (meaningful tokens), or undefined for `*`. */
export function figureColumnName(m: readonly Token[]): string | undefined {
  let items = [...m];
  let castType: string | undefined;
  // Trailing casts: expr::type[(n, m)] [::type…]
  for (;;) {
    let end = items.length;
    if (isPunct(items[end - 1], ')')) {
      // ::numeric(18,2): find its '('
      let depth = 0;
      let k = end - 1;
      for (; k >= 0; k--) {
        const t = items[k]!;
        if (isPunct(t, ')')) depth++;
        else if (isPunct(t, '(')) {
          depth--;
          if (depth === 0) break;
        }
      }
      if (k > 1 && isIdent(items[k - 1]) && isPunct(items[k - 2], '::')) end = k;
    }
    if (end >= 2 && isIdent(items[end - 1]) && isPunct(items[end - 2], '::')) {
      castType ??= TYPE_NAMES[identName(items[end - 1]!)] ?? identName(items[end - 1]!);
      items = items.slice(0, end - 2);
      continue;
    }
    // ::double precision, ::character varying
    if (end >= 3 && isIdent(items[end - 1]) && isIdent(items[end - 2]) && isPunct(items[end - 3], '::')) {
      const two = `${identName(items[end - 2]!)} ${identName(items[end - 1]!)}`;
      castType ??= two === 'double precision' ? 'float8' : two === 'character varying' ? 'varchar' : identName(items[end - 2]!);
      items = items.slice(0, end - 3);
      continue;
    }
    break;
  }
  const name = baseName(items);
  if (name === '*') return undefined;
  return name ?? castType ?? '?column?';
}

function baseName(m: readonly Token[]): string | undefined {
  if (m.length === 0) return undefined;
  const first = m[0]!;
  // (expr) → the inner expression's name; a scalar subquery has none.
  if (isPunct(first, '(') && matching(m, 0) === m.length - 1) {
    const inner = m.slice(1, -1);
    if (inner[0]?.kind === 'ident' && /^(select|with|values)$/i.test(inner[0].text)) return undefined;
    return baseName(inner);
  }
  // CAST(expr AS type)
  if (first.kind === 'ident' && first.text.toLowerCase() === 'cast' && isPunct(m[1], '(') && matching(m, 1) === m.length - 1) {
    const inner = m.slice(2, -1);
    let depth = 0;
    let asAt = -1;
    for (let i = 0; i < inner.length; i++) {
      const t = inner[i]!;
      if (isPunct(t, '(')) depth++;
      else if (isPunct(t, ')')) depth--;
      else if (depth === 0 && t.kind === 'ident' && t.text.toLowerCase() === 'as') asAt = i;
    }
    if (asAt > 0) {
      const ty = inner[asAt + 1];
      return baseName(inner.slice(0, asAt)) ?? (ty ? (TYPE_NAMES[identName(ty)] ?? identName(ty)) : undefined);
    }
  }
  if (first.kind === 'ident') {
    const w = first.text.toLowerCase();
    if (w === 'case') return 'case';
    if (w === 'exists') return 'exists';
    if (w === 'array' && (isPunct(m[1], '[') || isPunct(m[1], '('))) return 'array';
    if (m.length === 1 && VALUE_FUNCTIONS.has(w)) return w;
    if (m.length === 1 && (w === 'null' || w === 'true' || w === 'false')) return undefined;
  }
  // Column reference or SUPER navigation: a.b."C"[0] → the last name
  let i = 0;
  let last: string | undefined;
  if (isPunct(first, '*')) return m.length === 1 ? '*' : undefined;
  while (i < m.length) {
    const t = m[i]!;
    if (isIdent(t)) {
      last = identName(t);
      i++;
      if (i < m.length && isPunct(m[i], '.')) {
        if (isPunct(m[i + 1], '*')) return '*';
        i++;
        continue;
      }
      if (i < m.length && isPunct(m[i], '[')) {
        const close = matching(m, i);
        if (close < 0) return undefined;
        i = close + 1;
        if (i < m.length && isPunct(m[i], '.')) {
          i++;
          continue;
        }
      }
      break;
    }
    break;
  }
  if (last !== undefined && i === m.length) return last;
  // Function call: name(...) possibly qualified: schema.name(...)
  let f = 0;
  while (isIdent(m[f]) && isPunct(m[f + 1], '.')) f += 2;
  if (isIdent(m[f]) && isPunct(m[f + 1], '(')) {
    const close = matching(m, f + 1);
    // name(...) alone, or name(...) FILTER/OVER (...) / WITHIN GROUP (...)
    if (close === m.length - 1 || (close > 0 && m[close + 1]?.kind === 'ident' && /^(over|filter|within)$/i.test(m[close + 1]!.text))) {
      return identName(m[f]!);
    }
  }
  return undefined;
}

/** Where each top-level item of the outermost SELECT list starts and ends (indexes into `tokens`). */
function selectItems(tokens: readonly Token[]): Array<[number, number]> | undefined {
  let depth = 0;
  let start = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0 && t.kind === 'ident' && t.text.toLowerCase() === 'select') {
      start = i + 1;
      break;
    }
  }
  if (start < 0) return undefined;
  const items: Array<[number, number]> = [];
  depth = 0;
  let itemStart = start;
  // Skip DISTINCT [ON (…)] / ALL
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isTrivia(t)) continue;
    if (t.kind === 'ident' && /^(distinct|all)$/i.test(t.text)) {
      itemStart = i + 1;
      let j = i + 1;
      while (j < tokens.length && isTrivia(tokens[j]!)) j++;
      if (t.text.toLowerCase() === 'distinct' && tokens[j]?.kind === 'ident' && tokens[j]!.text.toLowerCase() === 'on') {
        let k = j + 1;
        while (k < tokens.length && isTrivia(tokens[k]!)) k++;
        let d = 0;
        for (; k < tokens.length; k++) {
          if (isPunct(tokens[k], '(')) d++;
          else if (isPunct(tokens[k], ')')) {
            d--;
            if (d === 0) break;
          }
        }
        itemStart = k + 1;
      }
    }
    break;
  }
  for (let i = itemStart; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) {
      depth--;
      if (depth < 0) {
        items.push([itemStart, i - 1]);
        return items;
      }
    } else if (depth === 0 && isPunct(t, ',')) {
      items.push([itemStart, i - 1]);
      itemStart = i + 1;
    } else if (
      depth === 0 &&
      t.kind === 'ident' &&
      /^(from|into|where|group|having|window|order|limit|offset|union|except|intersect|fetch|for|qualify)$/i.test(t.text)
    ) {
      items.push([itemStart, i - 1]);
      return items;
    }
  }
  items.push([itemStart, tokens.length - 1]);
  return items;
}

/**
 * True for a plain column reference (`col`, `t.col`, `s.t.col` with `t`/`s.t` a relation in scope): DuckDB
 * already names those after the column, and an alias would turn a misspelt column into a self-reference.
 */
function isPlainColumn(m: readonly Token[], scope: ReadonlySet<string>): boolean {
  const names: string[] = [];
  for (let i = 0; i < m.length; i++) {
    if (i % 2 === 0) {
      if (!isIdent(m[i])) return false;
      names.push(identName(m[i]!));
    } else if (!isPunct(m[i], '.')) return false;
  }
  if (m.length % 2 === 0) return false;
  if (names.length === 1) return true;
  return scope.has(names.slice(0, -1).join('.'));
}

/** The statement's tokens with `AS "name"` after each unaliased item of its outermost SELECT list. */
export function withDefaultAliases(tokens: readonly Token[], scope: ReadonlySet<string> = new Set()): Token[] {
  const items = selectItems(tokens);
  if (items === undefined) return [...tokens];
  const insertAfter = new Map<number, string>();
  for (const [a, b] of items) {
    const m: Token[] = [];
    let lastMeaningful = -1;
    for (let i = a; i <= b; i++) {
      if (isTrivia(tokens[i]!)) continue;
      m.push(tokens[i]!);
      lastMeaningful = i;
    }
    if (m.length === 0 || hasAlias(m) || isPlainColumn(m, scope)) continue;
    const name = figureColumnName(m);
    if (name === undefined) continue;
    insertAfter.set(lastMeaningful, name);
  }
  if (insertAfter.size === 0) return [...tokens];
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    out.push(tokens[i]!);
    const name = insertAfter.get(i);
    // A punctuation token, so no later rewrite takes it for an identifier.
    if (name !== undefined) out.push({ kind: 'punct', text: ` AS "${name.replace(/"/g, '""')}"`, start: tokens[i]!.start });
  }
  return out;
}
