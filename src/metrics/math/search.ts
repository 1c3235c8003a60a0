/**
 * CloudWatch search expressions (User Guide, "CloudWatch search expression syntax"):
 *
 *   SEARCH(' {Namespace, DimensionName, ...} SearchTerm ', 'Statistic', Period)
 *
 * The optional schema in braces selects the metrics of one namespace whose
 * dimension names are exactly the listed ones. The search term is a boolean
 * expression (AND — also implicit between terms —, OR, NOT, parentheses) of:
 * - partial matches `word`: the word's tokens match consecutive tokens of a
 *   metric name, namespace, dimension name or value — tokens standing alone
 *   between delimiters case insensitively ("network-errors"), tokens of one
 *   run that splits further ("CustomCount", "count1") case sensitively;
 * - exact matches `"Text"` (with `\"`, `\\`, `\(`, `\)` escaped);
 * - property matches `MetricName=…`, `Namespace=…`, `<DimensionName>=…`,
 *   partial or exact, on that property only.
 * Tokens: runs of letters and digits, split where a lower-case letter meets an
 * upper-case one, before the last capital of an acronym followed by lower case,
 * and where letters meet digits; every token lower-cased for single-token
 * matching, plus the whole alphanumeric run as one token ("CustomCount1" →
 * customcount1, custom, count, 1).
 */
import type { MetricRef } from '../metric-data.ts';

export type SearchNode =
  | { type: 'term'; text: string; exact: boolean; property?: string }
  | { type: 'and' | 'or'; args: SearchNode[] }
  | { type: 'not'; arg: SearchNode };

export interface SearchQuery {
  schema?: { namespace: string; dimensions: string[] };
  term?: SearchNode;
}

export class SearchSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchSyntaxError';
  }
}

/** The tokens of a string, original case, in order: runs split at camel case and letter/digit changes. */
export function tokensOf(s: string): string[] {
  const out: string[] = [];
  for (const run of s.split(/[^A-Za-z0-9]+/)) {
    if (!run) continue;
    const parts = run.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? [run];
    out.push(...parts);
  }
  return out;
}

/**
 * Whether a partial search term matches a field (a name or value). The term's
 * tokens must match consecutive tokens of the field; a token that is a whole
 * alphanumeric run of the term by itself ("network" in "network-errors")
 * matches case insensitively, tokens of a run that splits further
 * ("CustomCount", "count1") case sensitively. A one-token term also matches a
 * whole run of the field, lower-cased ("sdbfailure" ↔ "SDBFailure").
 */
export function partialMatch(term: string, field: string): boolean {
  const want: Array<{ token: string; anyCase: boolean }> = [];
  for (const run of term.split(/[^A-Za-z0-9]+/)) {
    if (!run) continue;
    const parts = tokensOf(run);
    for (const p of parts) want.push({ token: parts.length === 1 ? p.toLowerCase() : p, anyCase: parts.length === 1 });
  }
  if (want.length === 0) return false;
  const have = tokensOf(field);
  for (let i = 0; i + want.length <= have.length; i++) {
    let ok = true;
    for (let j = 0; j < want.length && ok; j++) {
      const w = want[j]!;
      const h = have[i + j]!;
      ok = w.anyCase ? h.toLowerCase() === w.token : h === w.token;
    }
    if (ok) return true;
  }
  if (want.length === 1 && want[0]!.anyCase) {
    return field
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .some((run) => run.toLowerCase() === want[0]!.token);
  }
  return false;
}

type Tok = { kind: 'word' | 'quoted' | 'op'; text: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s|,/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === '=') {
      out.push({ kind: 'op', text: c });
      i++;
      continue;
    }
    if (c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new SearchSyntaxError('Unterminated quoted search term');
        const ch = src[i]!;
        if (ch === '\\' && i + 1 < src.length) {
          text += src[i + 1];
          i += 2;
          continue;
        }
        if (ch === '"') {
          i++;
          break;
        }
        text += ch;
        i++;
      }
      out.push({ kind: 'quoted', text });
      continue;
    }
    const m = /^[^\s,(){}="]+/.exec(src.slice(i))!;
    out.push({ kind: 'word', text: m[0] });
    i += m[0].length;
  }
  return out;
}

export function parseSearch(src: string): SearchQuery {
  const toks = tokenize(src);
  let i = 0;
  const q: SearchQuery = {};
  if (toks[0]?.kind === 'op' && toks[0].text === '{') {
    i = 1;
    const names: string[] = [];
    while (i < toks.length && !(toks[i]!.kind === 'op' && toks[i]!.text === '}')) {
      const t = toks[i++]!;
      if (t.kind === 'op') throw new SearchSyntaxError(`Unexpected '${t.text}' in the metric schema`);
      names.push(t.text);
    }
    if (i >= toks.length) throw new SearchSyntaxError('The metric schema has no closing }');
    i++;
    if (names.length === 0) throw new SearchSyntaxError('The metric schema must name a namespace');
    q.schema = { namespace: names[0]!, dimensions: names.slice(1) };
  }
  const peek = (): Tok | undefined => toks[i];
  const isWord = (w: string): boolean => peek()?.kind === 'word' && peek()!.text === w;
  const or = (): SearchNode => {
    const args = [and()];
    while (isWord('OR')) {
      i++;
      args.push(and());
    }
    return args.length === 1 ? args[0]! : { type: 'or', args };
  };
  const startsAtom = (): boolean => {
    const t = peek();
    if (!t) return false;
    if (t.kind === 'op') return t.text === '(';
    return t.kind === 'quoted' || (t.text !== 'OR' && t.text !== 'AND') || false;
  };
  const and = (): SearchNode => {
    const args = [not()];
    for (;;) {
      if (isWord('AND')) {
        i++;
        args.push(not());
      } else if (startsAtom()) args.push(not());
      else break;
    }
    return args.length === 1 ? args[0]! : { type: 'and', args };
  };
  const not = (): SearchNode => {
    if (isWord('NOT')) {
      i++;
      return { type: 'not', arg: not() };
    }
    return atom();
  };
  const atom = (): SearchNode => {
    const t = toks[i++];
    if (!t) throw new SearchSyntaxError('The search term ends too early');
    if (t.kind === 'op' && t.text === '(') {
      const inner = or();
      if (!(peek()?.kind === 'op' && peek()!.text === ')')) throw new SearchSyntaxError('A ( has no closing )');
      i++;
      return inner;
    }
    if (t.kind === 'op') throw new SearchSyntaxError(`Unexpected '${t.text}' in the search term`);
    if (t.kind === 'word' && peek()?.kind === 'op' && peek()!.text === '=') {
      i++;
      const v = toks[i++];
      if (!v || v.kind === 'op') throw new SearchSyntaxError(`${t.text}= needs a value`);
      return { type: 'term', text: v.text, exact: v.kind === 'quoted', property: t.text };
    }
    return { type: 'term', text: t.text, exact: t.kind === 'quoted' };
  };
  if (i < toks.length) {
    q.term = or();
    if (i < toks.length) throw new SearchSyntaxError(`Unexpected '${toks[i]!.text}' in the search term`);
  }
  if (!q.schema && !q.term) throw new SearchSyntaxError('A search needs a metric schema, a search term or both');
  return q;
}

function termMatches(t: Extract<SearchNode, { type: 'term' }>, m: MetricRef): boolean {
  const match = (field: string): boolean => (t.exact ? field === t.text : partialMatch(t.text, field));
  if (t.property === 'MetricName') return match(m.metricName);
  if (t.property === 'Namespace') return match(m.namespace);
  if (t.property !== undefined) return m.dimensions.some((d) => d.name === t.property && match(d.value));
  return match(m.metricName) || match(m.namespace) || m.dimensions.some((d) => match(d.name) || match(d.value));
}

function nodeMatches(n: SearchNode, m: MetricRef): boolean {
  switch (n.type) {
    case 'term':
      return termMatches(n, m);
    case 'and':
      return n.args.every((a) => nodeMatches(a, m));
    case 'or':
      return n.args.some((a) => nodeMatches(a, m));
    case 'not':
      return !nodeMatches(n.arg, m);
  }
}

export function searchMatches(q: SearchQuery, m: MetricRef): boolean {
  if (q.schema) {
    if (m.namespace !== q.schema.namespace) return false;
    if (m.dimensions.length !== q.schema.dimensions.length) return false;
    if (!q.schema.dimensions.every((d) => m.dimensions.some((x) => x.name === d))) return false;
  }
  return q.term ? nodeMatches(q.term, m) : true;
}
