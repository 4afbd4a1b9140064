/**
 * `npm run bench:per-loss`: the step time of the per-loss gradient path against the summed path.
 *
 *   node dist/bench/per-loss-step.js [--backend name] [--heads 2,4] [--rounds N] [--steps N | --seconds N] [--out file]
 *
 * A CNN trunk (conv16-pool-conv32-pool, as the throughput bench's CNN) on 28x28x1 inputs with K
 * heads of 10 classes each, batch 64, Adam, one cross-entropy loss per head. Three ways to take a
 * step are timed on the same fixed batch:
 *   - summed: the losses are added and differentiated once (tfjs variableGrads);
 *   - per-loss: trainStep with a gradient combiner: one forward pass recorded on the tape and one
 *     backward pass per loss (tape-gradients.ts); the combiner (a plain sum here, so that only
 *     the cost of the gradient path is measured) gets the trunk's per-loss gradients;
 *   - K passes: what a per-loss path costs without the tape's reuse: K separate forward and
 *     backward passes (tfjs variableGrads per loss), the way jointly did it before.
 * The modes run interleaved, `--rounds` times `--steps` steps each (or steps for `--seconds`, at
 * least 3, when it is given), and the table reports each
 * mode's median over rounds of the mean ms/step in a round, and the ratio to summed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { fieldSource, type Batch } from '../engine/batch.js';
import { buildGraphModel } from '../engine/graph-spec.js';
import { crossEntropy } from '../engine/losses.js';
import { createMember, disposeMembers, forward, type Member } from '../engine/member.js';
import type { Objective } from '../engine/objective.js';
import { createOptimizer } from '../engine/optimizer.js';
import { createRng } from '../engine/random.js';
import { planVariables, trainStep, type GradientCombiner, type Gradients } from '../engine/train-step.js';
import { makeFieldDataset, type Field } from '../data/fields.js';
import { alignTable } from '../report/text-table.js';
import { loadBackend } from './backends.js';

const USAGE = `usage: node dist/bench/per-loss-step.js [--backend name] [--heads 2,4] [--rounds N] [--steps N | --seconds N] [--out file]

  --backend <name>   backend (default auto: the fastest that loads)
  --heads <list>     head counts to measure (default 2,4)
  --rounds <N>       interleaved rounds per head count (default 5)
  --steps <N>        timed steps per mode and round (default 20)
  --seconds <N>      instead of --steps: timed seconds per mode and round (at least 3 steps)
  --out <file>       JSON results (default bench-results/per-loss-step.json)`;

const MODES = ['summed', 'per-loss', 'K passes'] as const;
type Mode = (typeof MODES)[number];
const BATCH = 64;
const CLASSES = 10;
const SEED = 1234;

interface Options {
  backend: string;
  heads: number[];
  rounds: number;
  steps: number;
  /** When set, each mode and round runs for this many seconds (at least MIN_STEPS steps) instead of `steps` steps. */
  seconds: number | null;
  out: string;
}

/** Fewest timed steps of a mode in a round under --seconds. */
const MIN_STEPS = 3;

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({ args: argv, options: { backend: { type: 'string' }, heads: { type: 'string' }, rounds: { type: 'string' }, steps: { type: 'string' }, seconds: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help === true) return null;
  const int = (v: string | undefined, name: string, fallback: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${v}'`);
    return n;
  };
  const heads = (values.heads ?? '2,4').split(',').map((h) => int(h.trim(), 'heads', 0));
  if (values.seconds !== undefined && values.steps !== undefined) throw new Error('give --steps or --seconds, not both');
  const seconds = values.seconds === undefined ? null : Number(values.seconds);
  if (seconds !== null && (!Number.isFinite(seconds) || seconds <= 0)) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);
  return { backend: values.backend ?? 'auto', heads, rounds: int(values.rounds, 'rounds', 5), steps: int(values.steps, 'steps', 20), seconds, out: values.out ?? 'bench-results/per-loss-step.json' };
}

/** The K-head CNN and its fixed batch. */
function setup(k: number): { member: Member; batch: Batch; objective: Objective; losses: string[] } {
  const heads = Array.from({ length: k }, (_, i) => `task${i + 1}`);
  const rng = createRng(SEED);
  const fields: Record<string, Field> = { x: { kind: 'float', values: Float32Array.from({ length: BATCH * 784 }, () => rng.next()), shape: [28, 28, 1] } };
  for (const h of heads) fields[h] = { kind: 'classes', labels: Int32Array.from({ length: BATCH }, () => Math.floor(rng.next() * CLASSES)), numClasses: CLASSES };
  const data = makeFieldDataset(fields, 'per-loss bench');
  const named = buildGraphModel(
    { type: 'graph', inputs: { x: {} }, nodes: { trunk: { type: 'cnn', from: 'x' } }, heads: Object.fromEntries(heads.map((h) => [h, { from: 'trunk' }])) },
    { fields: fieldSource(data).fields, seed: SEED, name: `bench-${k}-heads` },
  );
  const member = createMember({ name: `cnn-${k}`, optimizer: createOptimizer({ name: 'adam', learningRate: 1e-3 }), ...named });
  const objective: Objective = {
    name: 'per-head cross-entropy',
    losses: (ctx) => Object.fromEntries(heads.map((h) => [h, crossEntropy(ctx.outputs[0][h], ctx.batch.targets[h])])),
  };
  return { member, batch: fieldSource(data).batch(Int32Array.from({ length: BATCH }, (_, i) => i)), objective, losses: heads };
}

const sumCombiner: GradientCombiner = (perLoss) => {
  const out: Gradients = {};
  for (const grads of Object.values(perLoss)) for (const [name, g] of Object.entries(grads)) out[name] = out[name] === undefined ? g : tf.add(out[name], g);
  return out;
};

/** One step of `mode`; returns its duration in ms. */
function stepOnce(mode: Mode, s: { member: Member; batch: Batch; objective: Objective; losses: string[] }, step: number): number {
  const t0 = performance.now();
  if (mode === 'K passes') {
    tf.tidy(() => {
      const plan = planVariables([s.member], s.objective);
      const total: Gradients = {};
      for (const name of s.losses) {
        const { grads } = tf.variableGrads(() => s.objective.losses({ members: [s.member], outputs: [forward(s.member, s.batch, true)], batch: s.batch, epoch: 0, step, stepsPerEpoch: 1 })[name], [...plan.variables]);
        for (const [v, g] of Object.entries(grads)) total[v] = total[v] === undefined ? g : tf.add(total[v], g);
      }
      s.member.optimizer.applyGradients(total);
    });
  } else {
    trainStep({ members: [s.member], objective: s.objective, batch: s.batch, epoch: 0, step, stepsPerEpoch: 1, ...(mode === 'per-loss' ? { combineGradients: sumCombiner } : {}) });
  }
  return performance.now() - t0;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(argv: string[]): Promise<number> {
  let opts: Options | null;
  try {
    opts = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  if (opts === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const loaded = await loadBackend(opts.backend);
  if (!('name' in loaded)) {
    process.stderr.write(`backend ${opts.backend} does not load: ${loaded.reason}\n`);
    return 1;
  }
  const budget = opts.seconds === null ? `${opts.steps} steps` : `${opts.seconds} s (at least ${MIN_STEPS} steps)`;
  process.stderr.write(`backend ${loaded.name}${loaded.native === undefined ? '' : ` (${loaded.native.threads} threads)`}; batch ${BATCH}; ${opts.rounds} rounds of ${budget} per mode\n`);
  const started = performance.now();
  const totalRounds = opts.heads.length * opts.rounds;
  let roundsDone = 0;
  const results: { heads: number; mode: Mode; msPerStep: number; roundMeans: number[] }[] = [];
  for (const k of opts.heads) {
    const s = setup(k);
    const perMode: Record<Mode, number[]> = { summed: [], 'per-loss': [], 'K passes': [] };
    let step = 0;
    for (const mode of MODES) for (let i = 0; i < 3; i++) stepOnce(mode, s, step++); // warm-up (Adam's moments, kernel caches)
    const tensors = tf.memory().numTensors;
    for (let r = 0; r < opts.rounds; r++) {
      for (const mode of MODES) {
        let total = 0;
        let steps = 0;
        const t0 = performance.now();
        while (opts.seconds === null ? steps < opts.steps : steps < MIN_STEPS || performance.now() - t0 < opts.seconds * 1000) {
          total += stepOnce(mode, s, step++);
          steps++;
        }
        perMode[mode].push(total / steps);
        if (tf.memory().numTensors !== tensors) throw new Error(`${mode} leaks tensors: ${tensors} -> ${tf.memory().numTensors}`);
      }
      roundsDone++;
      const eta = (((performance.now() - started) / 1000) * (totalRounds - roundsDone)) / roundsDone;
      process.stderr.write(`${k} heads, round ${r + 1}/${opts.rounds}: ${MODES.map((m) => `${m} ${perMode[m][r].toFixed(1)} ms`).join(', ')} (ETA of the per-loss part ${Math.round(eta)} s)\n`);
    }
    for (const mode of MODES) results.push({ heads: k, mode, msPerStep: median(perMode[mode]), roundMeans: perMode[mode] });
    disposeMembers([s.member]);
    tf.dispose(Object.values(s.batch.inputs));
    tf.dispose(Object.values(s.batch.targets));
  }
  const rows = opts.heads.map((k) => {
    const of = (m: Mode): number => results.find((r) => r.heads === k && r.mode === m)?.msPerStep ?? Number.NaN;
    return [String(k), of('summed').toFixed(1), of('per-loss').toFixed(1), `${(of('per-loss') / of('summed')).toFixed(2)}×`, of('K passes').toFixed(1), `${(of('K passes') / of('summed')).toFixed(2)}×`];
  });
  const table = alignTable([['heads', 'summed ms', 'per-loss ms', 'per-loss/summed', 'K passes ms', 'K passes/summed'], ...rows], { rightAlignFrom: 1, rule: true });
  const out = resolve(opts.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, backend: loaded, batch: BATCH, rounds: opts.rounds, steps: opts.seconds === null ? opts.steps : null, seconds: opts.seconds, results }, null, 2)}\n`);
  process.stdout.write(`${table}\n\n(${loaded.name}; median over ${opts.rounds} interleaved rounds of ${budget}; ${out})\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
