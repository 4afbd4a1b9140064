/**
 * `npm run bench:multitask`: the multi-task benchmark (not in CI; it trains for tens of minutes).
 *
 * 1. grid: weightings × hard sharing on MultiFashion with MultiLeNet (the reference protocol's
 *    model), plus MMoE and PLE with equal weights, over seeds, each against its trained
 *    single-task models (Δm); single-task baselines are trained once per seed and architecture.
 * 2. synthetic: the MMoE paper's synthetic tasks (Ma et al. 2018, §4) at three task correlations,
 *    hard sharing against MMoE: the paper's finding is that MMoE's advantage grows as the tasks'
 *    correlation falls.
 * 3. steps: the training-step time of every weighting relative to EW on MultiLeNet (batch 256),
 *    and of the representation-gradient variants (the fastest of epochs 2-4 of each).
 *
 * 4. reference (not in the default parts): the reference protocol of configs/reference-multifashion.json
 *    with EW, MGDA-UB on the representation and PCGrad, against the PyTorch figures.
 *
 * Writes bench-results/multitask-<parts>.{md,json}. Flags: --parts grid,synthetic,steps,reference --seeds 0,1,2
 * --epochs 10 --max-train N (all 60,000) --max-test N --weightings ew,uw,... --synthetic-epochs 30 --backend auto
 * --out bench-results
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../engine/backend.js';
import { loadConfigData } from '../multitask/experiment.js';
import { deltaMSummary } from '../multitask/delta-m.js';
import { multitaskComparison, multitaskVerdict } from '../multitask/multitask-report.js';
import type { MultitaskConfigInput } from '../multitask/config.js';
import { runMultitask, type SingleTaskCache } from '../multitask/run-multitask.js';
import type { MultitaskResult } from '../multitask/result.js';
import { findWeighting, WEIGHTING_NAMES } from '../multitask/weightings/registry.js';
import { summarize } from '../report/stats.js';
import { alignTable } from '../report/text-table.js';

/** MultiLeNet (Sener & Koltun 2018): the trunk and heads of the reference protocol. */
const MULTI_LENET: Pick<MultitaskConfigInput, 'trunk' | 'head'> = {
  trunk: {
    type: 'cnn',
    conv: [
      { filters: 10, kernelSize: 5, pool: 'max', poolSize: 2 },
      { filters: 20, kernelSize: 5, pool: 'max', poolSize: 2 },
    ],
    padding: 'valid',
    dense: [50],
    init: 'torch',
  },
  head: { hidden: [50] },
};

const DEFAULT_WEIGHTINGS = ['ew', 'uw', 'dwa', 'rlw', 'gls', 'famo', 'mgda', 'pcgrad', 'cagrad', 'nash-mtl', 'upgrad', 'imtl'];

interface Args {
  parts: string[];
  seeds: number[];
  epochs: number;
  maxTrain?: number;
  maxTest?: number;
  weightings: string[];
  backend: string;
  out: string;
  stepSamples: number;
  syntheticEpochs: number;
}

const USAGE =
  'usage: node dist/bench/multitask.js [--parts grid,synthetic,steps,reference] [--seeds 0,1,2] [--epochs 10] [--max-train N] [--max-test N] [--weightings ew,uw,...] [--synthetic-epochs 30] [--step-samples 5120] [--backend auto] [--out bench-results]';

/** The flags, or null for --help; a bad flag or value throws (exit status 2). */
function parse(): Args | null {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      parts: { type: 'string', default: 'grid,synthetic,steps' },
      seeds: { type: 'string', default: '0,1,2' },
      epochs: { type: 'string', default: '10' },
      'max-train': { type: 'string' },
      'max-test': { type: 'string' },
      weightings: { type: 'string', default: DEFAULT_WEIGHTINGS.join(',') },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'bench-results' },
      'step-samples': { type: 'string', default: '5120' },
      'synthetic-epochs': { type: 'string', default: '30' },
    },
  });
  if (values.help === true) return null;
  const weightings = values.weightings.split(',');
  for (const w of weightings) if (findWeighting(w.replace(/@rep$/, '')) === undefined) throw new Error(`--weightings: unknown '${w}'; use ${WEIGHTING_NAMES.join(', ')} (add @rep for the representation variant)`);
  return {
    parts: values.parts.split(','),
    seeds: values.seeds.split(',').map(Number),
    epochs: Number(values.epochs),
    ...(values['max-train'] === undefined ? {} : { maxTrain: Number(values['max-train']) }),
    ...(values['max-test'] === undefined ? {} : { maxTest: Number(values['max-test']) }),
    weightings,
    backend: values.backend,
    out: values.out,
    stepSamples: Number(values['step-samples']),
    syntheticEpochs: Number(values['synthetic-epochs']),
  };
}

function meanStd(values: readonly number[], scale = 100, digits = 2): string {
  const s = summarize(values);
  return s.n > 1 ? `${(s.mean * scale).toFixed(digits)} ± ${(s.std * scale).toFixed(digits)}` : (s.mean * scale).toFixed(digits);
}

/** A weighting spec from a bench name: `mgda@rep` is MGDA-UB on the shared representation. */
function weightingOf(name: string): { name: string; representation: boolean } {
  return name.endsWith('@rep') ? { name: name.slice(0, -4), representation: true } : { name, representation: false };
}

interface GridRow {
  label: string;
  result: MultitaskResult;
}

function gridRow(row: GridRow): string[] {
  const r = row.result;
  const cells = [row.label];
  for (const task of r.tasks) {
    cells.push(meanStd(r.seeds.map((s) => s.single[task.name][task.metric])));
    cells.push(meanStd(r.seeds.map((s) => s.multi[task.name][task.metric])));
  }
  const dm = deltaMSummary(r);
  cells.push(`${dm.summary.mean >= 0 ? '+' : ''}${dm.summary.mean.toFixed(2)}${dm.summary.n > 1 ? ` ± ${dm.summary.std.toFixed(2)}` : ''}`);
  cells.push(Number.isFinite(dm.interval.low) ? `${dm.interval.low.toFixed(2)} to ${dm.interval.high.toFixed(2)}` : '—');
  cells.push((summarize(r.seeds.map((s) => s.seconds.multi)).mean).toFixed(0));
  return cells;
}

async function grid(args: Args, backend: string): Promise<{ rows: GridRow[]; text: string; markdown: string }> {
  const cache: SingleTaskCache = new Map();
  const base: MultitaskConfigInput = {
    mode: 'multitask' as const,
    seeds: args.seeds,
    backend: args.backend as MultitaskConfigInput['backend'],
    data: { dataset: 'multi-fashion', validationFraction: 0, ...(args.maxTrain === undefined ? {} : { maxTrainSamples: args.maxTrain }), ...(args.maxTest === undefined ? {} : { maxTestSamples: args.maxTest }) },
    ...MULTI_LENET,
    training: { epochs: args.epochs, batchSize: 256, optimizer: { name: 'adam', learningRate: 0.001 } },
    output: { saveModels: false },
  };
  const runs: { label: string; config: MultitaskConfigInput }[] = [
    ...args.weightings.map((w) => ({ label: `hard-sharing + ${w.replace('@rep', ' (representation)')}`, config: { ...base, name: `grid-${w.replace("@", "-")}`, architecture: { name: 'hard-sharing' }, weighting: weightingOf(w) } })),
    { label: 'mmoe + ew', config: { ...base, name: 'grid-mmoe', architecture: { name: 'mmoe' }, weighting: { name: 'ew' } } },
    { label: 'ple + ew', config: { ...base, name: 'grid-ple', architecture: { name: 'ple' }, weighting: { name: 'ew' } } },
  ];
  const rows: GridRow[] = [];
  for (const run of runs) {
    const started = performance.now();
    const result = await runMultitask(run.config, { loadData: loadConfigData, backend, singleTaskCache: cache });
    rows.push({ label: run.label, result });
    const dm = deltaMSummary(result);
    console.log(`${run.label}: Δm ${dm.summary.mean.toFixed(2)}% (${((performance.now() - started) / 1000).toFixed(0)} s) — ${multitaskVerdict(multitaskComparison(result))}`);
  }
  const tasks = rows[0].result.tasks;
  const header = ['method', ...tasks.flatMap((t) => [`${t.name} single %`, `${t.name} multi %`]), 'Δm %', '95% CI of Δm', 'multi s'];
  const body = rows.map(gridRow);
  const text = alignTable([header, ...body], { rightAlignFrom: 1, rule: true });
  const markdown = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...body.map((c) => `| ${c.join(' | ')} |`)].join('\n');
  return { rows, text, markdown };
}

/** The committed reference protocol (configs/reference-multifashion.json): its weighting is replaced by each of these. */
const REFERENCE_CONFIG = fileURLToPath(new URL('../../configs/reference-multifashion.json', import.meta.url));
const REFERENCE_WEIGHTINGS = ['ew', 'mgda@rep', 'pcgrad'];

/** The PyTorch figures the issue quotes for the reference protocol (test accuracy, mean over 3 seeds). */
const PYTORCH_REFERENCE: Record<string, { topLeft: number; bottomRight: number; deltaM: number }> = {
  single: { topLeft: 0.8342, bottomRight: 0.8238, deltaM: 0 },
  ew: { topLeft: 0.8153, bottomRight: 0.8018, deltaM: -2.46 },
  'mgda@rep': { topLeft: 0.8127, bottomRight: 0.8022, deltaM: -2.6 },
  pcgrad: { topLeft: 0.8163, bottomRight: 0.8015, deltaM: -2.42 },
};

async function reference(args: Args, backend: string): Promise<{ rows: GridRow[]; text: string; markdown: string }> {
  const committed = JSON.parse(readFileSync(REFERENCE_CONFIG, 'utf8')) as MultitaskConfigInput;
  const cache: SingleTaskCache = new Map();
  const rows: GridRow[] = [];
  for (const w of REFERENCE_WEIGHTINGS) {
    const started = performance.now();
    const result = await runMultitask({ ...committed, seeds: args.seeds, backend: args.backend as MultitaskConfigInput['backend'], weighting: weightingOf(w) }, { loadData: loadConfigData, backend, singleTaskCache: cache });
    rows.push({ label: w.replace('@rep', ' (representation)'), result });
    console.log(`reference ${w}: Δm ${deltaMSummary(result).summary.mean.toFixed(2)}% (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  const header = ['method', 'topLeft single %', 'topLeft multi %', 'bottomRight single %', 'bottomRight multi %', 'Δm %', '95% CI of Δm', 'multi s', 'PyTorch multi % (single)', 'PyTorch Δm %'];
  const body = rows.map((row, i) => {
    const ref = PYTORCH_REFERENCE[REFERENCE_WEIGHTINGS[i]];
    const single = PYTORCH_REFERENCE.single;
    return [...gridRow(row), `${(ref.topLeft * 100).toFixed(2)} / ${(ref.bottomRight * 100).toFixed(2)} (${(single.topLeft * 100).toFixed(2)} / ${(single.bottomRight * 100).toFixed(2)})`, ref.deltaM.toFixed(2)];
  });
  const text = alignTable([header, ...body], { rightAlignFrom: 1, rule: true });
  const markdown = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...body.map((c) => `| ${c.join(' | ')} |`)].join('\n');
  return { rows, text, markdown };
}

async function synthetic(args: Args, backend: string): Promise<{ rows: { correlation: number; hard: MultitaskResult; mmoe: MultitaskResult }[]; text: string; markdown: string }> {
  const rows: { correlation: number; hard: MultitaskResult; mmoe: MultitaskResult }[] = [];
  for (const correlation of [0.5, 0.9, 1]) {
    const base: MultitaskConfigInput = {
      mode: 'multitask' as const,
      seeds: args.seeds,
      backend: args.backend as MultitaskConfigInput['backend'],
      data: { dataset: 'mmoe-synthetic', synthetic: { correlation }, validationFraction: 0 },
      head: { hidden: [8] },
      training: { epochs: args.syntheticEpochs, batchSize: 128, optimizer: { name: 'adam', learningRate: 0.001 } },
      output: { saveModels: false },
      weighting: { name: 'ew' },
    };
    // About the same number of parameters, as the paper compares them: a shared bottom of 113 units against 8 experts of 16 units (one dense layer each), towers of 8 units.
    const hard = await runMultitask({ ...base, name: `mmoe-synth-hard-${correlation}`, trunk: { type: 'mlp', hidden: [113] }, architecture: { name: 'hard-sharing' } }, { loadData: loadConfigData, backend });
    const mmoe = await runMultitask({ ...base, name: `mmoe-synth-mmoe-${correlation}`, trunk: { type: 'mlp', hidden: [16] }, architecture: { name: 'mmoe', experts: 8 } }, { loadData: loadConfigData, backend });
    rows.push({ correlation, hard, mmoe });
    for (const [label, r] of [['hard sharing', hard], ['MMoE', mmoe]] as const) console.log(`correlation ${correlation}, ${label}: ${multitaskVerdict(multitaskComparison(r))}`);
    console.log(`correlation ${correlation}: hard ${JSON.stringify(hard.seeds.map((s) => s.multi))} mmoe ${JSON.stringify(mmoe.seeds.map((s) => s.multi))}`);
  }
  const header = ['correlation', 'hard sharing test MSE (y1, y2)', 'MMoE test MSE (y1, y2)', 'MMoE − hard', 'hard params', 'MMoE params'];
  const mse = (r: MultitaskResult, task: string): number[] => r.seeds.map((s) => s.multi[task].rmse ** 2);
  const body = rows.map((row) => {
    const h = [...mse(row.hard, 'y1'), ...mse(row.hard, 'y2')];
    const m = [...mse(row.mmoe, 'y1'), ...mse(row.mmoe, 'y2')];
    const diff = m.map((v, i) => v - h[i]);
    return [
      String(row.correlation),
      `${meanStd(mse(row.hard, 'y1'), 1, 3)}, ${meanStd(mse(row.hard, 'y2'), 1, 3)}`,
      `${meanStd(mse(row.mmoe, 'y1'), 1, 3)}, ${meanStd(mse(row.mmoe, 'y2'), 1, 3)}`,
      meanStd(diff, 1, 3),
      String(row.hard.seeds[0].params.multi),
      String(row.mmoe.seeds[0].params.multi),
    ];
  });
  const text = alignTable([header, ...body], { rightAlignFrom: 1, rule: true });
  const markdown = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...body.map((c) => `| ${c.join(' | ')} |`)].join('\n');
  return { rows, text, markdown };
}

async function steps(args: Args, backend: string): Promise<{ rows: { method: string; secondsPerStep: number; relative: number }[]; text: string; markdown: string }> {
  const methods = [...WEIGHTING_NAMES.flatMap((w) => {
    const entry = findWeighting(w);
    return entry?.kind === 'gradient' && entry.representation ? [w, `${w}@rep`] : [w];
  })];
  const perStep: Record<string, number> = {};
  const cache: SingleTaskCache = new Map();
  // EW runs first as a warm-up of the process (its first model is slower) and again in its place; each method keeps its fastest.
  for (const method of ['ew', ...methods]) {
    const config = {
      mode: 'multitask' as const,
      name: `steps-${method.replace('@', '-')}`,
      seeds: [0],
      backend: args.backend as MultitaskConfigInput['backend'],
      data: { dataset: 'multi-fashion', validationFraction: 0, maxTrainSamples: args.stepSamples, maxTestSamples: 256 },
      ...MULTI_LENET,
      architecture: { name: 'hard-sharing' },
      weighting: weightingOf(method),
      training: { epochs: 4, batchSize: 256 },
      output: { saveModels: false },
    } satisfies MultitaskConfigInput;
    // The fastest of epochs 2-4 (the first warms up the kernels): robust to a busy moment of a shared machine.
    let seconds = Number.POSITIVE_INFINITY;
    let stepsDone = 1;
    await runMultitask(config, {
      loadData: loadConfigData,
      backend,
      singleTaskCache: cache,
      onEvent: (e) => {
        if (e.type === 'epoch' && e.phase.kind === 'multi' && e.record.epoch >= 2 && e.record.seconds < seconds) {
          seconds = e.record.seconds;
          stepsDone = e.stepsPerEpoch;
        }
      },
    });
    perStep[method] = Math.min(perStep[method] ?? Number.POSITIVE_INFINITY, seconds / stepsDone);
    console.log(`${method}: ${(perStep[method] * 1000).toFixed(1)} ms/step`);
  }
  const rows = methods.map((m) => ({ method: m.replace('@rep', ' (representation)'), secondsPerStep: perStep[m], relative: perStep[m] / perStep.ew }));
  const header = ['method', 'ms per step', '× EW'];
  const body = rows.map((r) => [r.method, (r.secondsPerStep * 1000).toFixed(1), r.relative.toFixed(2)]);
  const text = alignTable([header, ...body], { rightAlignFrom: 1, rule: true });
  const markdown = [`| ${header.join(' | ')} |`, '|---|---:|---:|', ...body.map((c) => `| ${c.join(' | ')} |`)].join('\n');
  return { rows, text, markdown };
}

async function main(): Promise<void> {
  let parsed: Args | null;
  try {
    parsed = parse();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed === null) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parsed;
  const backend = await selectBackend(args.backend);
  console.log(`backend: ${backend.name} (${backend.reason})`);
  mkdirSync(args.out, { recursive: true });
  const sections: string[] = [`# Multi-task benchmark\n\nbackend ${backend.name}; seeds ${args.seeds.join(', ')}; \`node dist/bench/multitask.js ${process.argv.slice(2).join(' ')}\`\n`];
  const json: Record<string, unknown> = { backend: backend.name, args };
  // One file per set of parts, so that parts run separately do not overwrite each other.
  const base = `multitask-${args.parts.join('-')}`;
  const write = (): void => {
    writeFileSync(join(args.out, `${base}.md`), `${sections.join('\n')}\n`);
    writeFileSync(join(args.out, `${base}.json`), `${JSON.stringify(json, null, 2)}\n`);
  };
  if (args.parts.includes('reference')) {
    const r = await reference(args, backend.name);
    console.log(`\n${r.text}\n`);
    sections.push(`## Reference protocol (configs/reference-multifashion.json: MultiLeNet, Adam 1e-3, batch 256, 10 epochs, 3 seeds) against PyTorch\n\n${r.markdown}\n\n${r.rows.map((row) => `- ${row.label}: ${multitaskVerdict(multitaskComparison(row.result))}`).join('\n')}\n`);
    json.reference = r.rows.map((row) => ({ label: row.label, result: row.result }));
    write();
  }
  if (args.parts.includes('steps')) {
    const s = await steps(args, backend.name);
    console.log(`\n${s.text}\n`);
    sections.push(`## Step time relative to EW (MultiLeNet, batch 256, ${args.stepSamples} samples, fastest of epochs 2-4)\n\n${s.markdown}\n`);
    json.steps = s.rows;
    write();
  }
  if (args.parts.includes('grid')) {
    const g = await grid(args, backend.name);
    console.log(`\n${g.text}\n`);
    sections.push(`## MultiFashion: multi-task vs single-task (${args.epochs} epochs, ${args.maxTrain ?? 'all'} training samples)\n\n${g.markdown}\n\n${g.rows.map((r) => `- ${r.label}: ${multitaskVerdict(multitaskComparison(r.result))}`).join('\n')}\n`);
    json.grid = g.rows.map((r) => ({ label: r.label, result: r.result }));
    write();
  }
  if (args.parts.includes('synthetic')) {
    const s = await synthetic(args, backend.name);
    console.log(`\n${s.text}\n`);
    const verdicts = s.rows.flatMap((row) => [`- correlation ${row.correlation}, hard sharing: ${multitaskVerdict(multitaskComparison(row.hard))}`, `- correlation ${row.correlation}, MMoE: ${multitaskVerdict(multitaskComparison(row.mmoe))}`]);
    sections.push(`## MMoE synthetic tasks (Ma et al. 2018, §4): hard sharing vs MMoE, ${args.syntheticEpochs} epochs\n\n${s.markdown}\n\nEach against its own single-task models:\n\n${verdicts.join('\n')}\n`);
    json.synthetic = s.rows;
    write();
  }
  console.log(`wrote ${join(args.out, `${base}.md`)} and ${base}.json`);
}

await main();
