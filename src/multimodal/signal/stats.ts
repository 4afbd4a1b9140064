/**
 * Per-column mean and standard deviation, accumulated one value at a time (Welford's algorithm,
 * in float64), for the standardization the tabular, signal and log-mel preprocessors fit on the
 * training split. The standard deviation is the population one (divide by n, as scikit-learn's
 * StandardScaler). A column whose values are all equal (or that saw no value) gets std 1, so
 * that standardizing it gives zeros instead of a division by zero; a column that saw no value
 * gets mean 0. Pure functions, no tfjs.
 */

export interface Standardization {
  readonly mean: number[];
  readonly std: number[];
}

export class ColumnStats {
  private readonly count: Float64Array;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;

  constructor(readonly columns: number) {
    this.count = new Float64Array(columns);
    this.mean = new Float64Array(columns);
    this.m2 = new Float64Array(columns);
    this.min = new Float64Array(columns).fill(Infinity);
    this.max = new Float64Array(columns).fill(-Infinity);
  }

  /** Adds one value of column c. */
  add(c: number, x: number): void {
    const n = ++this.count[c];
    const d = x - this.mean[c];
    this.mean[c] += d / n;
    this.m2[c] += d * (x - this.mean[c]);
    if (x < this.min[c]) this.min[c] = x;
    if (x > this.max[c]) this.max[c] = x;
  }

  /** Values seen in column c. */
  seen(c: number): number {
    return this.count[c];
  }

  /** The fitted mean and std of every column (see the file comment for the edge cases). */
  result(): Standardization {
    const mean: number[] = [];
    const std: number[] = [];
    for (let c = 0; c < this.columns; c++) {
      const n = this.count[c];
      if (n === 0) {
        mean.push(0);
        std.push(1);
      } else if (this.min[c] === this.max[c]) {
        mean.push(this.min[c]);
        std.push(1);
      } else {
        mean.push(this.mean[c]);
        const s = Math.sqrt(this.m2[c] / n);
        std.push(s > 0 ? s : 1);
      }
    }
    return { mean, std };
  }
}
