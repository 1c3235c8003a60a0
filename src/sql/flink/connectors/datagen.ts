/**
 * The `datagen` connector for demos: rows of random or sequence values at
 * `rows-per-second` (Flink's default 10000), optionally bounded by
 * `number-of-rows`. Per field: `fields.<name>.kind` random (min/max for
 * numbers, length for text, max-past for timestamps, null-rate) or sequence
 * (start..end, inclusive; the source ends with its sequences). Generation is
 * driven by the caller's clock and seeded, so a run is reproducible.
 */
import type { ColumnSource } from '../../plan/flink.ts';
import type { ColumnDef, SqlType } from '../../plan/types.ts';

interface FieldGen {
  next(nowMs: number): unknown;
  /** A sequence that has run out ends the source. */
  done(): boolean;
}

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** [0, 1) */
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 0x100000000;
  }
}

const CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const INT_RANGES: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INTEGER: [-2147483648, 2147483647],
  BIGINT: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function field(name: string, t: SqlType, options: Record<string, string>, rng: Rng): FieldGen {
  const opt = (k: string): string | undefined => options[`fields.${name}.${k}`];
  const kind = opt('kind') ?? 'random';
  const nullRate = Number(opt('null-rate') ?? 0);
  if (kind === 'sequence') {
    const start = Number(opt('start') ?? 0);
    const end = Number(opt('end') ?? Number.MAX_SAFE_INTEGER);
    let n = start;
    return {
      next: () => {
        const v = n++;
        return t.name === 'VARCHAR' || t.name === 'CHAR' ? String(v) : v;
      },
      done: () => n > end,
    };
  }
  const nullable = (f: () => unknown): FieldGen => ({ next: () => (nullRate > 0 && rng.next() < nullRate ? null : f()), done: () => false });
  switch (t.name) {
    case 'VARCHAR':
    case 'CHAR': {
      const len = Number(opt('length') ?? (t.name === 'CHAR' ? (t.length ?? 1) : 100));
      return nullable(() => {
        let s = '';
        for (let i = 0; i < len; i++) s += CHARS[Math.floor(rng.next() * CHARS.length)];
        return s;
      });
    }
    case 'BOOLEAN':
      return nullable(() => rng.next() < 0.5);
    case 'DOUBLE':
    case 'REAL':
    case 'DECIMAL': {
      const min = Number(opt('min') ?? 0);
      const max = Number(opt('max') ?? 1_000_000);
      const scale = t.name === 'DECIMAL' ? (t.scale ?? 0) : -1;
      return nullable(() => {
        const v = min + rng.next() * (max - min);
        return scale >= 0 ? Math.round(v * 10 ** scale) / 10 ** scale : t.name === 'REAL' ? Math.fround(v) : v;
      });
    }
    case 'TIMESTAMP':
    case 'DATE': {
      const maxPast = Number(opt('max-past') ?? 0);
      return { next: (now) => (nullRate > 0 && rng.next() < nullRate ? null : now - Math.floor(rng.next() * maxPast)), done: () => false };
    }
    default: {
      const [lo, hi] = INT_RANGES[t.name] ?? [0, 1000];
      const min = Number(opt('min') ?? lo);
      const max = Number(opt('max') ?? hi);
      return nullable(() => min + Math.floor(rng.next() * (max - min + 1)));
    }
  }
}

/** Generates a datagen table's rows as time passes. */
export class DatagenSource {
  private readonly fields: (FieldGen | null)[];
  private readonly rowsPerSecond: number;
  private readonly limit: number;
  private produced = 0;
  private startMs: number | null = null;

  constructor(columns: readonly ColumnDef[], sources: readonly ColumnSource[], options: Record<string, string>, seed = 1) {
    const rng = new Rng(seed);
    this.fields = columns.map((c, i) => (sources[i]?.kind === 'physical' ? field(c.name, c.type, options, rng) : null));
    this.rowsPerSecond = Number(options['rows-per-second'] ?? 10000);
    this.limit = options['number-of-rows'] !== undefined ? Number(options['number-of-rows']) : Infinity;
  }

  /** True once a bound (number-of-rows, a sequence's end) is reached. */
  get finished(): boolean {
    return this.produced >= this.limit || this.fields.some((f) => f?.done());
  }

  /** The rows due by `nowMs` (internal row shape: [_, ...columns], computed columns left for the job). */
  poll(nowMs: number, max = 100_000): unknown[][] {
    this.startMs ??= nowMs;
    const due = Math.min(this.limit, Math.floor(((nowMs - this.startMs) * this.rowsPerSecond) / 1000) + 1);
    const rows: unknown[][] = [];
    while (this.produced < due && rows.length < max && !this.finished) {
      const r: unknown[] = new Array(this.fields.length + 1).fill(null);
      for (let i = 0; i < this.fields.length; i++) {
        const f = this.fields[i];
        if (f) r[i + 1] = f.next(nowMs);
      }
      rows.push(r);
      this.produced++;
    }
    return rows;
  }
}
