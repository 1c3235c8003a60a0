/**
 * HOTSPOTS(CURSOR(...), windowSize, scanRadius, minimumNumberOfPointsInAHotspot):
 * for each row, the dense regions among the last windowSize rows' numeric
 * columns, found DBSCAN-style (KDA likens scanRadius to DBSCAN's ε): points
 * with at least minimumNumberOfPointsInAHotspot points (themselves included)
 * within scanRadius are core points; connected core points and their
 * neighbours form a hotspot. Output: the cursor's columns, then
 * HOTSPOTS_RESULT, a JSON text
 *   {"hotspots":[{"density": n, "minValues": [...], "maxValues": [...]}]}
 * with, per hotspot, its number of points divided by the window's (Freshet's
 * definition of density) and its bounding box, densest first.
 * Neighbours are found through a grid of scanRadius-sized cells.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { isNumeric } from '../../plan/types.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

export class HotspotsOperator implements Operator {
  private window: number[][] = [];
  private readonly numeric: number[];
  private readonly size: number;
  private readonly radius: number;
  private readonly minPoints: number;

  constructor(
    plan: Extract<OpPlan, { op: 'tableFn' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    this.numeric = plan.cursorColumns.map((c, i) => (isNumeric(c.type) && c.type.name !== 'NULL' ? i : -1)).filter((i) => i >= 0);
    [this.size, this.radius, this.minPoints] = plan.params as [number, number, number];
  }

  private hotspots(): string {
    const pts = this.window;
    const r2 = this.radius * this.radius;
    const cell = (p: number[]): string => p.map((v) => Math.floor(v / this.radius)).join(',');
    const grid = new Map<string, number[]>();
    pts.forEach((p, i) => {
      const k = cell(p);
      const list = grid.get(k);
      if (list) list.push(i);
      else grid.set(k, [i]);
    });
    const d = this.numeric.length;
    const offsets: number[][] = [[]];
    for (let k = 0; k < d; k++) {
      const next: number[][] = [];
      for (const o of offsets) for (const delta of [-1, 0, 1]) next.push([...o, delta]);
      offsets.splice(0, offsets.length, ...next);
    }
    const neighbours = (i: number): number[] => {
      const p = pts[i]!;
      const base = p.map((v) => Math.floor(v / this.radius));
      const out: number[] = [];
      for (const o of offsets) {
        const list = grid.get(base.map((b, k) => b + o[k]!).join(','));
        if (!list) continue;
        for (const j of list) {
          let s = 0;
          for (let k = 0; k < d; k++) {
            const x = p[k]! - pts[j]![k]!;
            s += x * x;
          }
          if (s <= r2) out.push(j);
        }
      }
      return out;
    };
    const label = new Int32Array(pts.length).fill(-1);
    const result: { density: number; minValues: number[]; maxValues: number[] }[] = [];
    let cluster = 0;
    for (let i = 0; i < pts.length; i++) {
      if (label[i] !== -1) continue;
      const n0 = neighbours(i);
      if (n0.length < this.minPoints) continue;
      const members: number[] = [];
      const queue = [i];
      label[i] = cluster;
      while (queue.length > 0) {
        const q = queue.pop()!;
        members.push(q);
        const nq = q === i ? n0 : neighbours(q);
        if (nq.length < this.minPoints) continue; // border point: in the hotspot, does not extend it
        for (const j of nq) {
          if (label[j] === -1) {
            label[j] = cluster;
            queue.push(j);
          }
        }
      }
      const minValues = pts[members[0]!]!.slice();
      const maxValues = pts[members[0]!]!.slice();
      for (const m of members) {
        for (let k = 0; k < d; k++) {
          if (pts[m]![k]! < minValues[k]!) minValues[k] = pts[m]![k]!;
          if (pts[m]![k]! > maxValues[k]!) maxValues[k] = pts[m]![k]!;
        }
      }
      result.push({ density: round(members.length / pts.length), minValues: minValues.map(round), maxValues: maxValues.map(round) });
      cluster++;
    }
    result.sort((a, b) => b.density - a.density);
    return JSON.stringify({ hotspots: result });
  }

  process(batch: Row[]): void {
    const out: Row[] = [];
    for (const r of batch) {
      try {
        const point = this.numeric.map((i) => {
          const v = r[i + 1];
          return typeof v === 'number' ? v : 0;
        });
        this.window.push(point);
        if (this.window.length > this.size) this.window.shift();
        const row = r.slice();
        row.push(this.hotspots());
        out.push(row);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  advance(): void {}

  checkpoint(): unknown {
    return this.window;
  }

  restore(state: unknown): void {
    this.window = (state as number[][]) ?? [];
  }

  close(): void {
    this.window = [];
  }
}
