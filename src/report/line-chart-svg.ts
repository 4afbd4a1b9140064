/** A small dependency-free SVG line chart, for learning curves in run folders (pure). */

export interface Series {
  label: string;
  /** [x, y] points, in x order. */
  points: [number, number][];
  /** Dashed line (e.g. for the alone runs). */
  dashed?: boolean;
  /** CSS color; assigned from a palette when absent. */
  color?: string;
}

/** Options of {@link lineChartSvg}: the title, the axis labels, the size in pixels (default 720 by 420) and the format of the y tick labels. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Format of y tick labels. Default: 3 significant digits. */
  formatY?: (y: number) => string;
}

/** Line colors, in the order series without their own color get them (shared by every chart). */
export const PALETTE: readonly string[] = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function ticks(min: number, max: number, count: number): number[] {
  if (max <= min) return [min];
  const raw = (max - min) / count;
  const step = Math.pow(10, Math.floor(Math.log10(raw)));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (max - min) / s <= count) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(min / nice) * nice; t <= max + 1e-12; t += nice) out.push(Number(t.toPrecision(12)));
  return out;
}

/** Renders the series as an SVG document. */
export function lineChartSvg(series: readonly Series[], opts: ChartOptions): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 420;
  const m = { top: 40, right: 200, bottom: 50, left: 60 };
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, 1);
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  if (!Number.isFinite(yMin)) [yMin, yMax] = [0, 1];
  const pad = (yMax - yMin) * 0.05 || 0.01;
  yMin -= pad;
  yMax += pad;
  const px = (x: number): number => m.left + ((x - xMin) / (xMax - xMin)) * (width - m.left - m.right);
  const py = (y: number): number => height - m.bottom - ((y - yMin) / (yMax - yMin)) * (height - m.top - m.bottom);
  const fy = opts.formatY ?? ((y: number) => Number(y.toPrecision(3)).toString());
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2 - m.right / 2}" y="22" text-anchor="middle" font-size="15">${escape(opts.title)}</text>`,
  ];
  for (const t of ticks(yMin, yMax, 6)) {
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${py(t)}" y2="${py(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${py(t) + 4}" text-anchor="end">${escape(fy(t))}</text>`);
  }
  for (const t of ticks(xMin, xMax, 10)) {
    parts.push(`<text x="${px(t)}" y="${height - m.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="#333"/>`);
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" stroke="#333"/>`);
  parts.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 12}" text-anchor="middle">${escape(opts.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(opts.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const d = s.points.filter((p) => Number.isFinite(p[1])).map((p, k) => `${k === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    const ly = m.top + 10 + i * 18;
    parts.push(`<line x1="${width - m.right + 12}" x2="${width - m.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${width - m.right + 46}" y="${ly + 4}">${escape(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
