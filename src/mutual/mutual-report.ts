/** Turns a mutual-learning result into the joint-versus-alone report (Markdown, JSON, plot). */
import { compareJointAlone, comparisonMarkdown, verdict, type Comparison, type SeedScores } from '../report/joint-vs-alone.js';
import { lineChartSvg, PALETTE, type Series } from '../report/line-chart-svg.js';
import type { MutualResult, Phase } from './run-mutual.js';

/** Validation accuracy per epoch, per phase and model, of the first seed. */
export type Curves = Record<Phase, Record<string, number[]>>;

export function seedScores(result: MutualResult): SeedScores[] {
  return result.seeds.map((s) => {
    const pick = (phase: 'alone' | 'joint'): Record<string, number> => {
      const out: Record<string, number> = {};
      s.models.forEach((name, i) => {
        out[name] = s[phase].members[i].accuracy;
      });
      if (s.models.length > 1) out.ensemble = s[phase].ensemble.accuracy;
      return out;
    };
    const fixed: Record<string, { role: string; accuracy: number }> = {};
    for (const f of s.fixed) fixed[f.name] = { role: f.role, accuracy: f.test.accuracy };
    return { seed: s.seed, alone: pick('alone'), joint: pick('joint'), fixed };
  });
}

/**
 * The joint-versus-alone comparison of a mutual-learning result: each scored model's (and, with
 * several, the ensemble's) test accuracy, paired by seed, as {@link compareJointAlone} computes it.
 */
export function mutualComparison(result: MutualResult): Comparison {
  return compareJointAlone(`${result.method} on ${result.data}`, seedScores(result));
}

function describeModel(m: MutualResult['config']['models'][number]): string {
  if (m.type === 'mlp') return `mlp ${m.hidden.join('-')}`;
  if (m.type === 'cnn') return `cnn ${m.conv.map((b) => b.filters).join('-')}`;
  if (m.type === 'graph') return `graph (${Object.keys(m.inputs).join(', ')} → ${Object.keys(m.heads).join(', ')})`;
  return `saved ${m.path}${m.trainable ? '' : ' (frozen)'}`;
}

/** Options of `mutualReportMarkdown`. */
export interface MutualReportOptions {
  /**
   * Class names in index order, as the run's saved models record them (the training data's
   * schema: text labels, or integer labels named by data.classes). Default: `data.classes` of the
   * config; with neither, the report says the classes are unnamed.
   */
  classNames?: readonly string[];
}

/** The run's class names: given, else the config's data.classes. */
export function mutualClassNames(result: MutualResult, opts: MutualReportOptions = {}): readonly string[] | undefined {
  return opts.classNames ?? result.config.data.classes;
}

/** Markdown report: setup, table, verdict, per-seed numbers. */
export function mutualReportMarkdown(result: MutualResult, comparison: Comparison, backend: string, opts: MutualReportOptions = {}): string {
  const c = result.config;
  const names = mutualClassNames(result, opts);
  const lines = [
    `# jointly: ${result.method}, joint vs alone`,
    '',
    `- data: ${result.data}`,
    `- classes: ${names === undefined ? 'unnamed (integer labels; name them with data.classes)' : names.join(', ')}`,
    `- models: ${c.models.map(describeModel).join(', ')}`,
    `- training: ${c.training.epochs} epochs, batch ${c.training.batchSize}, ${c.training.optimizer.name} lr ${c.training.optimizer.learningRate}`,
    `- method options: ${JSON.stringify(c.method.options)}`,
    `- seeds: ${c.seeds.join(', ')}; backend: ${backend}`,
    `- alone: the same models, initial weights, data, batch order and epochs, each trained on its own loss`,
    '',
    'Test accuracy (mean ± std over seeds; Δ paired by seed):',
    '',
    comparisonMarkdown(comparison),
    '',
    `**${verdict(comparison)}**`,
    '',
    '| seed | phase | ' + result.seeds[0].models.join(' | ') + ' | ensemble | train s |',
    '|---|---|' + result.seeds[0].models.map(() => '---:').join('|') + '|---:|---:|',
  ];
  for (const s of result.seeds) {
    for (const phase of ['alone', 'joint'] as const) {
      const accs = s[phase].members.map((m) => (m.accuracy * 100).toFixed(2));
      lines.push(`| ${s.seed} | ${phase} | ${accs.join(' | ')} | ${(s[phase].ensemble.accuracy * 100).toFixed(2)} | ${s.seconds[phase].toFixed(0)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** SVG of validation accuracy per epoch: joint solid, alone dashed. */
export function curvesSvg(curves: Curves, title: string): string {
  const series: Series[] = [];
  const names = Object.keys(curves.joint);
  names.forEach((name, i) => {
    const color = PALETTE[i % PALETTE.length];
    for (const phase of ['joint', 'alone'] as const) {
      const ys = curves[phase][name] ?? [];
      series.push({ label: `${name} ${phase}`, color, dashed: phase === 'alone', points: ys.map((y, e) => [e + 1, y * 100]) });
    }
  });
  return lineChartSvg(series, { title, xLabel: 'epoch', yLabel: 'validation accuracy (%)' });
}
