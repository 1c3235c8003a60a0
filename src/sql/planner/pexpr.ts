/**
 * Facts about planned expressions (PExpr) that several planning steps need:
 * the row slots an expression reads, whether it only grows with ROWTIME (which
 * is what lets a GROUP BY or ORDER BY key close windows on a stream), a
 * canonical key to spot the same expression twice, and type assignability.
 */
import type { PExpr } from '../plan/plan.ts';
import type { SqlType } from '../plan/types.ts';
import { isDatetime, isIntegral, isNumeric, isString } from '../plan/types.ts';

export function canon(p: PExpr): string {
  return JSON.stringify(p);
}

/** STEP/FLOOR of ROWTIME: the value is the start of a fixed-size window. (CEIL gives the end, so it is windowed as a general monotonic key.) */
export function isRowtimeBased(p: PExpr): boolean {
  return p.k === 'call' && (p.fn === 'floorTo' || p.fn === 'step') && p.args[0]!.k === 'col' && p.args[0]!.i === 0;
}

export function isMonotonicTime(p: PExpr): boolean {
  return (p.k === 'col' && p.i === 0) || isRowtimeBased(p) || (p.k === 'call' && slotsOf(p).length > 0 && slotsOf(p).every((i) => i === 0) && monotonic(p));
}

/**
 * MONOTONIC(x) over columns other than ROWTIME: the user asserts x never changes direction (KDA's
 * Monotonic Function), so a group or an ORDER BY granule ends when x takes another value. Only
 * a new row can tell that; the clock cannot.
 */
export function isDeclaredMonotonic(p: PExpr): boolean {
  return p.k === 'call' && p.fn === 'monotonic' && slotsOf(p).some((i) => i !== 0);
}

export function lit(v: string | number | boolean | null, t: SqlType): PExpr {
  return { k: 'lit', v, t };
}

export function compatible(from: SqlType, to: SqlType): boolean {
  if (from.name === 'ROW' || to.name === 'ROW') return false;
  if (from.name === 'NULL' || from.name === 'ANY' || to.name === 'ANY') return true;
  if (isNumeric(to) && isNumeric(from)) return true;
  if (isString(to)) return true; // anything can be written as text
  if (isDatetime(to) && (isDatetime(from) || isString(from) || isIntegral(from))) return true;
  if (to.name === 'BOOLEAN' && from.name === 'BOOLEAN') return true;
  if (to.name === from.name) return true;
  return false;
}

/** Slots an expression reads. */
export function slotsOf(p: PExpr, out: number[] = []): number[] {
  if (p.k === 'col') out.push(p.i);
  else if (p.k === 'call') for (const a of p.args) slotsOf(a, out);
  else if (p.k === 'case') {
    for (const w of p.whens) {
      slotsOf(w.when, out);
      slotsOf(w.then, out);
    }
    if (p.else) slotsOf(p.else, out);
  }
  return out;
}

export function shiftSlots(p: PExpr, by: number): PExpr {
  if (p.k === 'col') return { ...p, i: p.i + by };
  if (p.k === 'call') return { ...p, args: p.args.map((a) => shiftSlots(a, by)) };
  if (p.k === 'case')
    return { ...p, whens: p.whens.map((w) => ({ when: shiftSlots(w.when, by), then: shiftSlots(w.then, by) })), else: p.else ? shiftSlots(p.else, by) : null };
  return p;
}

/** Output columns whose expression is exactly ROWTIME. */
export function rowtimeCols(exprs: PExpr[]): Set<number> {
  const out = new Set<number>();
  exprs.forEach((e, i) => {
    if (e.k === 'col' && e.i === 0) out.add(i);
  });
  return out;
}

/** Whether an expression never decreases when ROWTIME (slot 0) grows. */
export function monotonic(p: PExpr): boolean {
  if (p.k === 'lit') return true;
  if (p.k === 'col') return p.i === 0;
  if (p.k !== 'call') return false;
  const [a, b] = p.args as [PExpr, PExpr | undefined];
  const positiveConst = (x: PExpr | undefined): boolean => !!x && x.k === 'lit' && typeof x.v === 'number' && x.v > 0;
  switch (p.fn) {
    case 'monotonic':
      return true; // declared by the user (KDA's MONOTONIC function)
    case 'add':
      return monotonic(a) && monotonic(b!);
    case 'sub':
      return monotonic(a) && b!.k === 'lit';
    case 'mul':
    case 'div':
    case 'idiv':
      return monotonic(a) && positiveConst(b);
    case 'floorTo':
    case 'ceilTo':
    case 'step':
    case 'cast':
    case 'real':
    case 'checkBigint':
    case 'floor':
    case 'ceil':
      return monotonic(a);
    default:
      return false;
  }
}
