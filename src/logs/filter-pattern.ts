/**
 * CloudWatch Logs filter patterns (FilterLogEvents' `filterPattern`), the subset Freshet matches:
 *
 * - terms: `ERROR timeout` (every term in the message), `"connection reset"` (a quoted phrase),
 *   `?ERROR ?WARN` (any of the `?` terms), `-DEBUG` (a term that must not appear). Case-sensitive, as AWS's.
 * - JSON: `{ $.level = "ERROR" }`, `{ $.latency > 100 && $.path = "/api*" }`, with `=`, `!=`, `<`, `<=`,
 *   `>`, `>=`, `&&`, `||`, parentheses, `$.a.b[0]` paths, `*` wildcards in strings, and `IS NULL`,
 *   `NOT EXISTS`. A message that is not a JSON object does not match.
 *
 * Not matched: space-delimited patterns (`[ip, user, …]`) and regular expressions (`%…%`); they are refused
 * with InvalidParameterException. Reference: "Filter pattern syntax for metric filters, subscription
 * filters, filter log events" in the CloudWatch Logs user guide.
 */

export type Matcher = (message: string) => boolean;

export class FilterPatternError extends Error {}

const ALL: Matcher = () => true;

/** Compiles a pattern once per request; the matcher is called per event. */
export function compileFilterPattern(pattern: string | undefined): Matcher {
  const p = (pattern ?? '').trim();
  if (p === '') return ALL;
  if (p.startsWith('{')) return compileJson(p);
  if (p.startsWith('[')) throw new FilterPatternError('space-delimited filter patterns ([…]) are not supported by Freshet');
  if (p.startsWith('%')) throw new FilterPatternError('regular-expression filter patterns (%…%) are not supported by Freshet');
  return compileTerms(p);
}

function compileTerms(p: string): Matcher {
  const required: string[] = [];
  const optional: string[] = [];
  const excluded: string[] = [];
  let i = 0;
  while (i < p.length) {
    while (p[i] === ' ' || p[i] === '\t') i++;
    if (i >= p.length) break;
    let kind: 'req' | 'opt' | 'exc' = 'req';
    if (p[i] === '?') {
      kind = 'opt';
      i++;
    } else if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ' ') {
      kind = 'exc';
      i++;
    }
    let term: string;
    if (p[i] === '"') {
      const end = p.indexOf('"', i + 1);
      if (end < 0) throw new FilterPatternError(p.slice(i));
      term = p.slice(i + 1, end);
      i = end + 1;
    } else {
      const start = i;
      while (i < p.length && p[i] !== ' ' && p[i] !== '\t') i++;
      term = p.slice(start, i);
      if (term.includes('"')) throw new FilterPatternError(term);
    }
    if (term === '') continue;
    (kind === 'req' ? required : kind === 'opt' ? optional : excluded).push(term);
  }
  return (m) => {
    for (const t of required) if (!m.includes(t)) return false;
    for (const t of excluded) if (m.includes(t)) return false;
    if (optional.length === 0) return true;
    for (const t of optional) if (m.includes(t)) return true;
    return false;
  };
}

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'cmp'; path: (string | number)[]; op: string; value: string | number | null; quoted: boolean }
  | { kind: 'exists'; path: (string | number)[]; negate: boolean };

const TOKEN = /\s*(\$(?:\.[A-Za-z0-9_\-@]+|\[\d+\])+|&&|\|\||!=|<=|>=|=|<|>|\(|\)|"(?:[^"\\]|\\.)*"|[^\s()&|=<>!"]+)/y;

function compileJson(p: string): Matcher {
  if (!p.endsWith('}')) throw new FilterPatternError(p);
  const body = p.slice(1, -1);
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < body.length) {
    if (/^\s*$/.test(body.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(body);
    if (!m) throw new FilterPatternError(body.slice(TOKEN.lastIndex).trim());
    tokens.push(m[1]!);
  }
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => {
    const t = tokens[pos++];
    if (t === undefined) throw new FilterPatternError(p);
    return t;
  };
  const parseOr = (): Node => {
    let left = parseAnd();
    while (peek() === '||') {
      pos++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseAtom();
    while (peek() === '&&') {
      pos++;
      left = { kind: 'and', left, right: parseAtom() };
    }
    return left;
  };
  const parseAtom = (): Node => {
    const t = next();
    if (t === '(') {
      const n = parseOr();
      if (next() !== ')') throw new FilterPatternError(p);
      return n;
    }
    if (!t.startsWith('$')) throw new FilterPatternError(t);
    const path = parsePath(t);
    const op = next();
    if (op === 'IS') {
      if (next() !== 'NULL') throw new FilterPatternError(p);
      return { kind: 'cmp', path, op: '=', value: null, quoted: false };
    }
    if (op === 'NOT') {
      if (next() !== 'EXISTS') throw new FilterPatternError(p);
      return { kind: 'exists', path, negate: true };
    }
    if (!['=', '!=', '<', '<=', '>', '>='].includes(op)) throw new FilterPatternError(op);
    const raw = next();
    if (raw.startsWith('"')) return { kind: 'cmp', path, op, value: JSON.parse(raw) as string, quoted: true };
    const n = Number(raw);
    if (op !== '=' && op !== '!=' && !Number.isFinite(n)) throw new FilterPatternError(raw);
    return { kind: 'cmp', path, op, value: Number.isFinite(n) ? n : raw, quoted: false };
  };
  const root = parseOr();
  if (pos !== tokens.length) throw new FilterPatternError(tokens.slice(pos).join(' '));
  const literals = requiredLiterals(root);
  // hot path: called per event; a value the pattern requires verbatim is looked for before parsing the JSON.
  return (m) => {
    if (m.length === 0 || m[0] !== '{') return false;
    // Only without escapes: `\u0045RROR` or `\/` in the message spell a value differently.
    if (literals.length > 0 && !m.includes('\\')) for (let i = 0; i < literals.length; i++) if (!m.includes(literals[i]!)) return false;
    let doc: unknown;
    try {
      doc = JSON.parse(m);
    } catch {
      return false;
    }
    return evaluate(root, doc);
  };
}

/** Strings every matching message contains: `= "value"` conditions joined only by `&&`. */
function requiredLiterals(n: Node): string[] {
  if (n.kind === 'and') return [...requiredLiterals(n.left), ...requiredLiterals(n.right)];
  if (n.kind === 'cmp' && n.op === '=' && n.quoted && typeof n.value === 'string' && n.value !== '' && !n.value.includes('*')) {
    return [n.value];
  }
  return [];
}

function parsePath(t: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.([A-Za-z0-9_\-@]+)|\[(\d+)\]/g;
  for (let m = re.exec(t.slice(1)); m; m = re.exec(t.slice(1))) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}

function lookup(doc: unknown, path: readonly (string | number)[]): { found: boolean; value: unknown } {
  let cur: unknown = doc;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return { found: false, value: undefined };
    if (!Object.hasOwn(cur, k)) return { found: false, value: undefined };
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return { found: true, value: cur };
}

function wildcard(pattern: string, s: string): boolean {
  if (!pattern.includes('*')) return pattern === s;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return re.test(s);
}

function evaluate(n: Node, doc: unknown): boolean {
  switch (n.kind) {
    case 'and':
      return evaluate(n.left, doc) && evaluate(n.right, doc);
    case 'or':
      return evaluate(n.left, doc) || evaluate(n.right, doc);
    case 'exists':
      return lookup(doc, n.path).found !== n.negate;
    case 'cmp': {
      const { found, value } = lookup(doc, n.path);
      if (n.value === null) return found && value === null;
      if (!found) return false;
      if (typeof n.value === 'number') {
        if (typeof value !== 'number') return n.op === '!=';
        switch (n.op) {
          case '=':
            return value === n.value;
          case '!=':
            return value !== n.value;
          case '<':
            return value < n.value;
          case '<=':
            return value <= n.value;
          case '>':
            return value > n.value;
          default:
            return value >= n.value;
        }
      }
      const s = typeof value === 'string' ? value : typeof value === 'boolean' ? String(value) : undefined;
      const eq = s !== undefined && wildcard(n.value, s);
      return n.op === '=' ? eq : !eq;
    }
  }
}
