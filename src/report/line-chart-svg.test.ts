import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineChartSvg, type Series } from './line-chart-svg.js';

/**
 * Checks that `svg` is well-formed XML of the shape this module writes: balanced tags, quoted
 * attributes, no bare `<` or `&` in text. Returns the element names in document order.
 */
function checkWellFormed(svg: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const text = svg.slice(at, m.index);
    assert.ok(!/[<>]/.test(text), `stray markup before offset ${m.index}: ${JSON.stringify(text.slice(0, 60))}`);
    assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(text), `unescaped & in ${JSON.stringify(text)}`);
    at = m.index + m[0].length;
    const [, close, name, , self] = m;
    if (close) {
      assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    } else {
      if (names.length === 0) assert.equal(name, 'svg', 'the root element is svg');
      else assert.ok(stack.length > 0, `<${name}> outside the root element`);
      names.push(name);
      if (!self) stack.push(name);
    }
  }
  assert.equal(svg.slice(at).trim(), '', 'text after the root element');
  assert.deepEqual(stack, [], 'unclosed elements');
  return names;
}

/** Unescapes the text of every <text> element. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

const SERIES: Series[] = [
  { label: 'mlp-1 joint', points: [[1, 80], [2, 85], [3, 87.5]] },
  { label: 'mlp-1 alone', dashed: true, points: [[1, 78], [2, 82], [3, 83]] },
  { label: 'A & <B>', color: '#123456', points: [[1, 70], [2, Number.NaN], [3, 75]] },
];

test('lineChartSvg writes a well-formed SVG with one path and one legend entry per series', () => {
  const svg = lineChartSvg(SERIES, { title: 'accuracy <val> & more', xLabel: 'epoch', yLabel: 'acc (%)' });

  const names = checkWellFormed(svg);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="720" height="420"/);
  assert.equal(names.filter((n) => n === 'path').length, 3);
  const labels = texts(svg);
  for (const s of SERIES) assert.ok(labels.includes(s.label), `legend has ${s.label}`);
  assert.ok(labels.includes('accuracy <val> & more'));
  assert.ok(labels.includes('epoch') && labels.includes('acc (%)'));
});

test('lineChartSvg dashes dashed series, uses given colors, and skips non-finite points', () => {
  const svg = lineChartSvg(SERIES, { title: 't', xLabel: 'x', yLabel: 'y' });

  const paths = [...svg.matchAll(/<path d="([^"]*)"[^>]*>/g)];
  assert.equal(paths.length, 3);
  assert.ok(!paths[0][0].includes('stroke-dasharray') && paths[1][0].includes('stroke-dasharray'));
  assert.ok(paths[2][0].includes('stroke="#123456"'));
  assert.equal(paths[0][1].split(/[ML]/).filter(Boolean).length, 3);
  assert.equal(paths[2][1].split(/[ML]/).filter(Boolean).length, 2, 'the NaN point is skipped');
  for (const [, d] of paths) assert.ok(!/NaN|Infinity/.test(d), d);
});

test('lineChartSvg maps higher values higher up and keeps every point inside the plot', () => {
  const svg = lineChartSvg([SERIES[0]], { title: 't', xLabel: 'x', yLabel: 'y', width: 400, height: 300 });

  const d = /<path d="([^"]*)"/.exec(svg)?.[1] ?? '';
  const pts = d.split(/[ML]/).filter(Boolean).map((p) => p.split(',').map(Number));
  assert.equal(pts.length, 3);
  for (const [x, y] of pts) assert.ok(x >= 60 && x <= 200 && y >= 40 && y <= 250, `${x},${y} outside the plot`);
  assert.ok(pts[0][0] < pts[1][0] && pts[1][0] < pts[2][0], 'x increases to the right');
  assert.ok(pts[0][1] > pts[1][1] && pts[1][1] > pts[2][1], 'larger y is drawn higher');
});

test('lineChartSvg still draws a valid chart for no series, one point, or flat lines', () => {
  for (const series of [[], [{ label: 'one', points: [[1, 50]] }], [{ label: 'flat', points: [[1, 5], [2, 5]] }]] as Series[][]) {
    const svg = lineChartSvg(series, { title: 'edge', xLabel: 'x', yLabel: 'y' });

    checkWellFormed(svg);
    assert.ok(!/NaN|Infinity/.test(svg), `${JSON.stringify(series)}: ${svg.match(/.*(NaN|Infinity).*/)?.[0]}`);
  }
});
