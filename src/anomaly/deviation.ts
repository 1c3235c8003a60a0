/**
 * Exponentially discounted mean and standard deviation, as the reference's
 * `Deviation` statistic (random-cut-forest-by-aws, parkservices): every update
 * multiplies the running sums by min(1 − discount, 1 − 1/(count + 2)) before
 * adding the value, so the first values are averaged plainly and later ones with
 * the fixed discount. Five numbers of state, serialised as an array.
 */
export class Deviation {
  discount: number;
  private weight = 0;
  private sum = 0;
  private sumSquared = 0;
  count = 0;

  constructor(discount: number) {
    if (!(discount >= 0 && discount < 1)) throw new RangeError(`discount must be in [0, 1), got ${discount}`);
    this.discount = discount;
  }

  update(x: number): void {
    const f = this.discount === 0 ? 1 : Math.min(1 - this.discount, 1 - 1 / (this.count + 2));
    this.sum = this.sum * f + x;
    this.sumSquared = this.sumSquared * f + x * x;
    this.weight = this.weight * f + 1;
    this.count++;
  }

  get mean(): number {
    return this.weight > 0 ? this.sum / this.weight : 0;
  }

  get deviation(): number {
    if (this.weight <= 0) return 0;
    const m = this.sum / this.weight;
    const v = this.sumSquared / this.weight - m * m;
    return v > 0 ? Math.sqrt(v) : 0;
  }

  get isEmpty(): boolean {
    return this.weight === 0;
  }

  copy(): Deviation {
    return Deviation.fromJSON(this.toJSON());
  }

  toJSON(): number[] {
    return [this.discount, this.weight, this.sum, this.sumSquared, this.count];
  }

  static fromJSON(s: readonly number[]): Deviation {
    if (!Array.isArray(s) || s.length !== 5) throw new RangeError('deviation state must be 5 numbers');
    const d = new Deviation(s[0]!);
    d.weight = s[1]!;
    d.sum = s[2]!;
    d.sumSquared = s[3]!;
    d.count = s[4]!;
    return d;
  }
}
