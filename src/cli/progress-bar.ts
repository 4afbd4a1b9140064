/**
 * Progress bars on stderr: redrawn in place on a terminal, one line per finished bar elsewhere
 * (CI logs), with rate and ETA.
 */

export interface ProgressBarOptions {
  /** Where to draw. Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Width of the bar in characters. Default 24. */
  width?: number;
  /** Unit of the rate, e.g. `samples/s`. */
  unit?: string;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly width: number;
  private readonly unit: string;
  private readonly tty: boolean;
  private started = 0;
  private lastDraw = 0;
  private total = 1;
  private label = '';

  constructor(opts: ProgressBarOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.width = opts.width ?? 24;
    this.unit = opts.unit ?? 'it/s';
    this.tty = this.stream.isTTY === true;
  }

  /** Starts a new bar of `total` units. */
  start(label: string, total: number): void {
    this.label = label;
    this.total = Math.max(1, total);
    this.started = performance.now();
    this.lastDraw = 0;
  }

  /** Moves the bar to `done` units; `rateUnits` is what the rate counts since start (e.g. samples). */
  update(done: number, rateUnits: number, suffix = ''): void {
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    this.stream.write(`\r\x1b[K${this.line(done, elapsed > 0 ? rateUnits / elapsed : 0, suffix)}`);
  }

  /** Ends the bar with a final line showing `rate` (units per second, measured by the caller). */
  finish(rate: number, suffix = ''): void {
    const text = this.line(this.total, rate, suffix);
    this.stream.write(this.tty ? `\r\x1b[K${text}\n` : `${text}\n`);
  }

  private line(done: number, rate: number, suffix: string): string {
    const elapsed = (performance.now() - this.started) / 1000;
    const frac = Math.min(1, done / this.total);
    const filled = Math.round(frac * this.width);
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    const eta = frac > 0 ? (elapsed / frac) * (1 - frac) : Number.NaN;
    const timing = done >= this.total ? `${duration(elapsed)}` : `ETA ${duration(eta)}`;
    return `${this.label} ${bar} ${String(Math.round(frac * 100)).padStart(3)}% ${rate.toFixed(0)} ${this.unit} ${timing}${suffix ? `  ${suffix}` : ''}`;
  }
}
