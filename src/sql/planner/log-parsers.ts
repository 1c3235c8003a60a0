/**
 * The log-parsing functions (REGEX_LOG_PARSE, FAST_REGEX_LOG_PARSER,
 * VARIABLE_COLUMN_LOG_PARSE, SYS_LOG_PARSE, W3C_LOG_PARSE,
 * FIXED_COLUMN_LOG_PARSE): each returns a ROW whose fields are typed at plan
 * time from its pattern, format or column description.
 */
import { SqlError } from '../errors.ts';
import type { Expr } from '../parser/ast.ts';
import { parseColumnList } from '../parser/index.ts';
import type { PExpr } from '../plan/plan.ts';
import type { ColumnDef, SqlType } from '../plan/types.ts';
import { T } from '../plan/types.ts';
import { lit } from './pexpr.ts';
import { linearTimeProblem } from '../runtime/regexp-fallback.ts';

export const LOG_PARSERS = new Set([
  'REGEX_LOG_PARSE',
  'FAST_REGEX_LOG_PARSER',
  'VARIABLE_COLUMN_LOG_PARSE',
  'SYS_LOG_PARSE',
  'W3C_LOG_PARSE',
  'FIXED_COLUMN_LOG_PARSE',
]);

const W3C_PREDEFINED: Record<string, string> = {
  COMMON: '%h %l %u %t "%r" %>s %b',
  'COMMON WITH VHOST': '%v %h %l %u %t "%r" %>s %b',
  'NCSA EXTENDED': '%h %l %u %t "%r" %>s %b "%[Referer]i" "%[User-agent]i"',
  REFERER: '%[Referer]i ---> %U',
  AGENT: '%[User-agent]i',
};

/**
 * 'IIS': Microsoft IIS's (non-W3C) log file format, one request per line, fields separated by
 * ", " with a trailing comma: client IP, user name, date, time, service and instance, server name,
 * server IP, time taken, client bytes sent, server bytes sent, service status, Windows status,
 * request type, target, parameters. KDA names the format without listing its columns; these follow
 * IIS's field order. '-' in a numeric field is NULL.
 */
const IIS_FORMAT: { regex: string; types: SqlType[] } = (() => {
  const text: SqlType = { name: 'VARCHAR', length: 4096 };
  const types: SqlType[] = [text, text, text, text, text, text, text, T.BIGINT, T.BIGINT, T.BIGINT, T.INTEGER, T.INTEGER, text, text, text];
  const groups = types.map((t) => (t === text ? '([^,]*)' : '(\\d+|-)'));
  return { regex: `^\\s*${groups.join(',\\s*')},?\\s*$`, types };
})();

/**
 * An Apache log format (or a W3C predefined name) → a regular expression with one group per
 * specifier and the column types (KDA: "one column for each specifier", typed by what it can hold).
 */
function w3cFormat(format: string): { regex: string; types: SqlType[] } {
  if (format.trim().toUpperCase() === 'IIS') return IIS_FORMAT;
  const f = W3C_PREDEFINED[format.trim().toUpperCase()] ?? format;
  const types: SqlType[] = [];
  let re = '';
  const text: SqlType = { name: 'VARCHAR', length: 4096 };
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c !== '%') {
      re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    i++;
    // Modifiers: status-code conditions, '<' / '>' (original / final request).
    while (i < f.length && /[<>!0-9,]/.test(f[i]!)) i++;
    let name = '';
    if (f[i] === '{' || f[i] === '[') {
      const close = f[i] === '{' ? '}' : ']';
      const j = f.indexOf(close, i);
      if (j < 0) throw new Error(`unclosed ${f[i]} in log format '${format}'`);
      name = f.slice(i + 1, j);
      i = j + 1;
    }
    const spec = f[i];
    if (spec === undefined) throw new Error(`log format '${format}' ends in the middle of a specifier`);
    void name;
    if (spec === '%') {
      re += '%';
      continue;
    }
    const quoted = re.endsWith('"');
    switch (spec) {
      case 's':
      case 'p':
      case 'P':
        re += '(\\d{3}|-)';
        types.push(T.INTEGER);
        break;
      case 'b':
      case 'D':
      case 'T':
      case 'I':
      case 'O':
        re += '(\\d+|-)';
        types.push(T.BIGINT);
        break;
      case 't':
        re += '(\\[[^\\]]*\\])';
        types.push(text);
        break;
      default:
        re += quoted ? '((?:[^"\\\\]|\\\\.)*)' : '(\\S*)';
        types.push(text);
        break;
    }
  }
  return { regex: `^${re}$`, types };
}

/** FIXED_COLUMN_LOG_PARSE's description: `name TYPE type [NOT NULL] START n [FOR m]`, comma-separated. */
function fixedColumns(desc: string): { name: string; type: SqlType; start: number; length: number | null; format: string | null }[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (const ch of desc) {
    if (ch === "'" || ch === '"') quote = !quote;
    if (!quote && ch === '(') depth++;
    if (!quote && ch === ')') depth--;
    if (!quote && depth === 0 && ch === ',') {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  return parts.map((p) => {
    const m = /^\s*("[^"]+"|[A-Za-z_][A-Za-z0-9_]*)\s+TYPE\s+(.+?)(?:\s+'([^']*)')?(?:\s+NOT\s+NULL)?\s+START\s+(\d+)(?:\s+FOR\s+(\d+))?\s*$/i.exec(p);
    if (!m) throw new Error(`cannot read the column description '${p.trim()}' (expected: name TYPE type START n [FOR m])`);
    const name = m[1]!.startsWith('"') ? m[1]!.slice(1, -1) : m[1]!.toUpperCase();
    const cols = parseColumnList(`x ${m[2]}`);
    return { name, type: cols[0]!.type, start: Number(m[4]), length: m[5] === undefined ? null : Number(m[5]), format: m[3] ?? null };
  });
}
/** REGEX_LOG_PARSE / VARIABLE_COLUMN_LOG_PARSE: a ROW whose fields come from the pattern or the column spec. */
export function logParser(e: Extract<Expr, { kind: 'call' }>, sub: (x: Expr) => PExpr): PExpr {
  const args = e.args.map(sub);
  const specFields = (a: Expr | undefined, defaultCount: number): ColumnDef[] => {
    if (!a) return Array.from({ length: defaultCount }, (_x, i) => ({ name: `COLUMN${i + 1}`, type: { name: 'VARCHAR', length: 1024 } }));
    if (a.kind === 'literal' && typeof a.value === 'number' && Number.isInteger(a.value) && a.value > 0) return specFields(undefined, a.value);
    if (a.kind === 'literal' && typeof a.value === 'string') {
      try {
        return parseColumnList(a.value);
      } catch (err) {
        throw new SqlError(`cannot read the column list '${a.value}': ${err instanceof SqlError ? err.reason : String(err)}`, a.pos);
      }
    }
    throw new SqlError("columns must be a count or a quoted list such as 'NAME VARCHAR(16), AGE INTEGER'", a.pos);
  };
  if (e.name === 'REGEX_LOG_PARSE' || e.name === 'FAST_REGEX_LOG_PARSER') {
    if (e.args.length < 2 || e.args.length > 3) throw new SqlError(`${e.name} takes (text, regex[, columns])`, e.pos);
    const pat = e.args[1]!;
    if (pat.kind !== 'literal' || typeof pat.value !== 'string') throw new SqlError(`the ${e.name} pattern must be a quoted literal`, pat.pos);
    let re: RegExp;
    try {
      re = new RegExp(pat.value);
    } catch (err) {
      throw new SqlError(`invalid regular expression: ${(err as Error).message}`, pat.pos);
    }
    const problem = linearTimeProblem(pat.value);
    if (problem !== undefined) throw new SqlError(problem, pat.pos);
    const groups = new RegExp(`${re.source}|`).exec('')!.length - 1;
    const fields = specFields(e.args[2], Math.max(1, groups));
    return {
      k: 'call',
      fn: 'regexLogParse',
      args: [args[0]!, args[1]!, lit(JSON.stringify(fields.map((f) => f.type)), T.VARCHAR)],
      t: { name: 'ROW', fields },
    };
  }
  if (e.name === 'SYS_LOG_PARSE') {
    if (e.args.length !== 1) throw new SqlError('SYS_LOG_PARSE takes one argument: the log line', e.pos);
    const fields: ColumnDef[] = [
      { name: 'COLUMN1', type: T.TIMESTAMP },
      { name: 'COLUMN2', type: { name: 'VARCHAR', length: 4096 } },
    ];
    return { k: 'call', fn: 'sysLogParse', args: [args[0]!], t: { name: 'ROW', fields } };
  }
  if (e.name === 'W3C_LOG_PARSE') {
    const fmt = e.args[1];
    if (e.args.length !== 2 || !fmt || fmt.kind !== 'literal' || typeof fmt.value !== 'string')
      throw new SqlError(
        "W3C_LOG_PARSE takes (text, 'COMMON' | 'COMMON WITH VHOST' | 'NCSA EXTENDED' | 'REFERER' | 'AGENT' | 'IIS' | an Apache format)",
        e.pos,
      );
    let spec: { regex: string; types: SqlType[] };
    try {
      spec = w3cFormat(fmt.value);
    } catch (err) {
      throw new SqlError(String((err as Error).message), fmt.pos);
    }
    const fields: ColumnDef[] = spec.types.map((t, i) => ({ name: `COLUMN${i + 1}`, type: t }));
    return {
      k: 'call',
      fn: 'regexLogParse',
      args: [args[0]!, lit(spec.regex, T.VARCHAR), lit(JSON.stringify(spec.types), T.VARCHAR)],
      t: { name: 'ROW', fields },
    };
  }
  if (e.name === 'FIXED_COLUMN_LOG_PARSE') {
    const d = e.args[1];
    if (e.args.length !== 2 || !d || d.kind !== 'literal' || typeof d.value !== 'string')
      throw new SqlError("FIXED_COLUMN_LOG_PARSE takes (text, 'name TYPE type START n [FOR m], ...')", e.pos);
    let cols: { name: string; type: SqlType; start: number; length: number | null; format: string | null }[];
    try {
      cols = fixedColumns(d.value);
    } catch (err) {
      throw new SqlError(String((err as Error).message), d.pos);
    }
    return {
      k: 'call',
      fn: 'fixedColumnLogParse',
      args: [args[0]!, lit(JSON.stringify(cols.map((c) => ({ type: c.type, start: c.start, length: c.length, format: c.format }))), T.VARCHAR)],
      t: { name: 'ROW', fields: cols.map((c) => ({ name: c.name, type: c.type })) },
    };
  }
  if (e.args.length < 3 || e.args.length > 5) throw new SqlError('VARIABLE_COLUMN_LOG_PARSE takes (text, columns, delimiter[, escape[, quote]])', e.pos);
  const fields = specFields(e.args[1], 1);
  return {
    k: 'call',
    fn: 'variableColumnLogParse',
    args: [args[0]!, args[2]!, args[3] ?? lit(null, T.NULL), args[4] ?? lit(null, T.NULL), lit(JSON.stringify(fields.map((f) => f.type)), T.VARCHAR)],
    t: { name: 'ROW', fields },
  };
}
