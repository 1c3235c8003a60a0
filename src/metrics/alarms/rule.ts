/**
 * Composite alarm rules (PutCompositeAlarm AlarmRule): boolean expressions
 * over other alarms' states.
 *
 *   rule    := or
 *   or      := and ("OR" and)*
 *   and     := not ("AND" not)*
 *   not     := "NOT" not | atom
 *   atom    := "(" or ")" | "TRUE" | "FALSE"
 *            | ("ALARM" | "OK" | "INSUFFICIENT_DATA") "(" alarm ")"
 *            | "AT_LEAST" "(" count "," state "," "(" alarm ("," alarm)* ")" ")"
 *   alarm   := "quoted name or ARN" | bare-name
 *   count   := integer | percent ("50%")
 *
 * Keywords are case-sensitive, as in CloudWatch. An alarm may be named or
 * given by ARN (`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`).
 */
export type AlarmRuleState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

export type RuleNode =
  | { type: 'const'; value: boolean }
  | { type: 'state'; state: AlarmRuleState; alarm: string }
  | { type: 'atLeast'; count: number; percent: boolean; state: AlarmRuleState; alarms: string[] }
  | { type: 'not'; arg: RuleNode }
  | { type: 'and' | 'or'; args: RuleNode[] };

export class AlarmRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlarmRuleError';
  }
}

type Tok = { kind: 'word' | 'str' | 'op'; text: string; pos: number } | { kind: 'end'; text: ''; pos: number };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: 'op', text: c, pos: i });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new AlarmRuleError(`Unterminated quoted alarm name at position ${i + 1}`);
      out.push({ kind: 'str', text: src.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    const m = /^[^\s(),"']+/.exec(src.slice(i))!;
    out.push({ kind: 'word', text: m[0], pos: i });
    i += m[0].length;
  }
  out.push({ kind: 'end', text: '', pos: src.length });
  return out;
}

const STATES = new Set(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

export function parseAlarmRule(src: string): RuleNode {
  const toks = tokenize(src);
  let i = 0;
  const peek = (): Tok => toks[i]!;
  const next = (): Tok => toks[i++]!;
  const fail = (t: Tok, wanted: string): never => {
    throw new AlarmRuleError(`Unexpected ${t.kind === 'end' ? 'end of rule' : `'${t.text}'`} at position ${t.pos + 1}, expected ${wanted}`);
  };
  const expect = (text: string): void => {
    const t = next();
    if (t.kind !== 'op' || t.text !== text) fail(t, `'${text}'`);
  };
  const alarmRef = (): string => {
    const t = next();
    if (t.kind === 'str' || (t.kind === 'word' && !STATES.has(t.text))) return t.text;
    return fail(t, 'an alarm name or ARN');
  };
  const or = (): RuleNode => {
    const args = [and()];
    while (peek().kind === 'word' && peek().text === 'OR') {
      next();
      args.push(and());
    }
    return args.length === 1 ? args[0]! : { type: 'or', args };
  };
  const and = (): RuleNode => {
    const args = [not()];
    while (peek().kind === 'word' && peek().text === 'AND') {
      next();
      args.push(not());
    }
    return args.length === 1 ? args[0]! : { type: 'and', args };
  };
  const not = (): RuleNode => {
    if (peek().kind === 'word' && peek().text === 'NOT') {
      next();
      return { type: 'not', arg: not() };
    }
    return atom();
  };
  const atom = (): RuleNode => {
    const t = next();
    if (t.kind === 'op' && t.text === '(') {
      const inner = or();
      expect(')');
      return inner;
    }
    if (t.kind === 'word') {
      if (t.text === 'TRUE') return { type: 'const', value: true };
      if (t.text === 'FALSE') return { type: 'const', value: false };
      if (STATES.has(t.text)) {
        expect('(');
        const alarm = alarmRef();
        expect(')');
        return { type: 'state', state: t.text as AlarmRuleState, alarm };
      }
      if (t.text === 'AT_LEAST') {
        expect('(');
        const c = next();
        const m = c.kind === 'word' ? /^(\d+)(%?)$/.exec(c.text) : null;
        if (!m) return fail(c, 'a count such as 2 or 50%');
        expect(',');
        const s = next();
        if (s.kind !== 'word' || !STATES.has(s.text)) return fail(s, 'ALARM, OK or INSUFFICIENT_DATA');
        expect(',');
        expect('(');
        const alarms = [alarmRef()];
        while (peek().kind === 'op' && peek().text === ',') {
          next();
          alarms.push(alarmRef());
        }
        expect(')');
        expect(')');
        const count = Number(m[1]);
        if (m[2] === '%' && count > 100) throw new AlarmRuleError(`AT_LEAST percentage ${count}% is over 100%`);
        return { type: 'atLeast', count, percent: m[2] === '%', state: s.text as AlarmRuleState, alarms };
      }
    }
    return fail(t, 'ALARM(…), OK(…), INSUFFICIENT_DATA(…), AT_LEAST(…), TRUE, FALSE, NOT or (');
  };
  const root = or();
  if (peek().kind !== 'end') fail(peek(), 'AND, OR or the end of the rule');
  return root;
}

/** The alarm names or ARNs a rule refers to, each once. */
export function ruleAlarms(node: RuleNode, out: string[] = []): string[] {
  switch (node.type) {
    case 'state':
      if (!out.includes(node.alarm)) out.push(node.alarm);
      break;
    case 'atLeast':
      for (const a of node.alarms) if (!out.includes(a)) out.push(a);
      break;
    case 'not':
      ruleAlarms(node.arg, out);
      break;
    case 'and':
    case 'or':
      for (const a of node.args) ruleAlarms(a, out);
      break;
  }
  return out;
}

export function evaluateRule(node: RuleNode, stateOf: (alarm: string) => AlarmRuleState | undefined): boolean {
  switch (node.type) {
    case 'const':
      return node.value;
    case 'state':
      return stateOf(node.alarm) === node.state;
    case 'atLeast': {
      const hits = node.alarms.filter((a) => stateOf(a) === node.state).length;
      const need = node.percent ? Math.ceil((node.count / 100) * node.alarms.length) : node.count;
      return hits >= need;
    }
    case 'not':
      return !evaluateRule(node.arg, stateOf);
    case 'and':
      return node.args.every((a) => evaluateRule(a, stateOf));
    case 'or':
      return node.args.some((a) => evaluateRule(a, stateOf));
  }
}
