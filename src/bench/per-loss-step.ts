/**
 * `npm run bench:per-loss`: the step time of the per-loss gradient path against the summed path,
 * on jointly and on PyTorch.
 *
 *   node dist/bench/per-loss-step.js [--backend name] [--heads 2,4] [--rounds N] [--steps N | --seconds N] [--no-pytorch] [--pytorch-allocator tuned|default] [--out file]
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
 * least 3, when it is given). PyTorch takes the same three steps on the same model, batch,
 * optimizer and loss (scripts/bench-pytorch-per-loss.py with Debian's /usr/bin/python3, which
 * checks first that its three steps give the same update): after each jointly round, one PyTorch
 * round in a fresh process (as the throughput part runs PyTorch), with as many threads as jointly
 * (JOINTLY_THREADS, else every core) pinned through OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and
 * torch.set_num_threads, and glibc's allocator tuned (pytorch.ts's allocatorEnv; --pytorch-allocator
 * default for a plain run). The table reports each mode's median over rounds of the mean ms/step
 * in a round and the ratio to summed, PyTorch's beside jointly's.
 *
 * Files: per-loss-options.ts (the command line), per-loss-report.ts (the PyTorch script's command
 * line and output, the medians and the table), pytorch.ts (PyTorch's environment); this file runs
 * the rounds.
 *
 * Exit status: 0 when jointly's rounds ran (PyTorch skipped with the reason printed when it
 * cannot run or its script fails), 1 when jointly's failed, 2 on bad usage.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fieldSource, type Batch } from '../engine/batch.js';
import { buildGraphModel } from '../engine/graph-spec.js';
import { crossEntropy } from '../engine/losses.js';
import { createMember, disposeMembers, forward, type Member } from '../engine/member.js';
import { configuredThreads } from '../engine/native/addon.js';
import type { Objective } from '../engine/objective.js';
import { createOptimizer } from '../engine/optimizer.js';
import { createRng } from '../engine/random.js';
import { planVariables, trainStep, type GradientCombiner, type Gradients } from '../engine/train-step.js';
import { makeFieldDataset, type Field } from '../data/fields.js';
import { messageOf } from '../errors.js';
import { loadBackend } from './backends.js';
import { formatDuration } from './interleave.js';
import { runJsonChild } from './json-child.js';
import { parsePerLossOptions, PER_LOSS_MIN_STEPS, PER_LOSS_USAGE, type PerLossOptions } from './per-loss-options.js';
import {
  formatPerLossTable,
  formatRoundMeans,
  PER_LOSS_MODES,
  perLossResults,
  readTorchRound,
  summarizePerLoss,
  torchRoundArgs,
  type PerLossMode,
  type TorchPerLossCheck,
  type TorchPerLossOutput,
} from './per-loss-report.js';
import { describeBlas, openblasCoreTypeEnv, PER_LOSS_SCRIPT, PYTHON, pythonMissing, torchEnv } from './pytorch.js';

const BATCH = 64;
const CLASSES = 10;
const SEED = 1234;

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
function stepOnce(mode: PerLossMode, s: { member: Member; batch: Batch; objective: Objective; losses: string[] }, step: number): number {
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

/** No round means yet, for every mode. */
function emptyMeans(): Record<PerLossMode, number[]> {
  return { summed: [], 'per-loss': [], 'K passes': [] };
}

/** One PyTorch round's outcome: its round means, or why PyTorch stops here. */
type TorchRound = { output: TorchPerLossOutput; roundMeans: Record<PerLossMode, number[]> } | { skipped: string };

/** PyTorch's side of the benchmark: one script process per round, all with the same environment. */
class TorchSide {
  /** Why PyTorch is not (or no longer) measured; null while it is. */
  skipped: string | null;
  /** The first round's output (versions, BLAS, threads, allocator). */
  first: TorchPerLossOutput | null = null;
  readonly checks: TorchPerLossCheck[] = [];
  readonly roundMeans = new Map<number, Record<PerLossMode, number[]>>();
  readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly opts: PerLossOptions,
    readonly threads: number,
    parentEnv: NodeJS.ProcessEnv,
  ) {
    this.skipped = opts.pytorch ? pythonMissing() : 'not asked for (--no-pytorch)';
    this.env = torchEnv(threads, opts.pytorchAllocator, { ...parentEnv, ...openblasCoreTypeEnv(parentEnv) });
  }

  /** Runs one round of `k` heads (with the script's equivalence check on the first round of each k); returns its progress lines. */
  round(k: number): string {
    const first = !this.roundMeans.has(k);
    const r = this.run(k, first);
    if ('skipped' in r) {
      this.skipped = r.skipped;
      return `PyTorch skipped: ${r.skipped} (no further PyTorch rounds)`;
    }
    const lines: string[] = [];
    if (this.first === null) {
      this.first = r.output;
      lines.push(`${describeBlas(r.output)}; ${r.output.threads} thread(s); glibc allocator ${this.opts.pytorchAllocator}${Object.keys(r.output.mallocEnv).length === 0 ? '' : ` (${Object.entries(r.output.mallocEnv).map(([n, v]) => `${n}=${v}`).join(' ')})`}`);
    }
    for (const c of r.output.check) {
      this.checks.push(c);
      lines.push(`PyTorch check, ${c.heads} heads: per-loss and K passes give summed's gradients and update (max difference ${Math.max(c['per-loss'].maxGradDiff, c['per-loss'].maxParamDiff, c['K passes'].maxGradDiff, c['K passes'].maxParamDiff).toExponential(1)}, tolerance ${c.tolerance.toExponential(0)})`);
    }
    const means = this.roundMeans.get(k) ?? emptyMeans();
    for (const mode of PER_LOSS_MODES) means[mode].push(...r.roundMeans[mode]);
    this.roundMeans.set(k, means);
    const last = Object.fromEntries(PER_LOSS_MODES.map((m) => [m, r.roundMeans[m][r.roundMeans[m].length - 1]])) as Record<PerLossMode, number>;
    lines.push(`PyTorch ${formatRoundMeans(last)}`);
    return lines.join('\n');
  }

  private run(k: number, check: boolean): TorchRound {
    const args = torchRoundArgs({ heads: k, threads: this.threads, steps: this.opts.steps, seconds: this.opts.seconds, check });
    // Start-up, the check and the warm-up, then three modes of at most ~0.2 s a step (or --seconds each), with room for a busy machine.
    const timeout = 120 + 10 * PER_LOSS_MODES.length * (this.opts.seconds ?? this.opts.steps * 0.2);
    const r = runJsonChild<unknown>(PYTHON, [PER_LOSS_SCRIPT, ...args], this.env, timeout);
    if (r.kind === 'failed') return { skipped: `the PyTorch script failed: ${r.error}` };
    const read = readTorchRound(r.value, k);
    if ('error' in read) return { skipped: `the PyTorch script's output is not as expected: ${read.error}` };
    return read;
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed: PerLossOptions | null;
  try {
    parsed = parsePerLossOptions(argv);
  } catch (err) {
    const hint = err instanceof Error && 'hint' in err && typeof err.hint === 'string' ? ` (${err.hint})` : '';
    process.stderr.write(`${messageOf(err)}${hint}\n\n${PER_LOSS_USAGE}\n`);
    return 2;
  }
  if (parsed === null) {
    process.stdout.write(`${PER_LOSS_USAGE}\n`);
    return 0;
  }
  const opts = parsed;
  // PyTorch's environment is the one this process started with: loading the native addon sets
  // OMP_WAIT_POLICY (and OPENBLAS_CORETYPE) for itself, and the throughput part's PyTorch does not
  // get its OMP_WAIT_POLICY either. OPENBLAS_CORETYPE is added back by TorchSide.
  const torch = new TorchSide(opts, configuredThreads(), { ...process.env });
  const loaded = await loadBackend(opts.backend);
  if (!('name' in loaded)) {
    process.stderr.write(`backend ${opts.backend} does not load: ${loaded.reason}\n`);
    return 1;
  }
  const budget = opts.seconds === null ? `${opts.steps} steps` : `${opts.seconds} s (at least ${PER_LOSS_MIN_STEPS} steps)`;
  const torchPlan = torch.skipped === null ? `, each followed by a PyTorch round (${PYTHON} ${PER_LOSS_SCRIPT.split('/').slice(-2).join('/')}, ${torch.threads} thread(s), glibc allocator ${opts.pytorchAllocator})` : `; PyTorch ${torch.skipped}`;
  process.stderr.write(`backend ${loaded.name}${loaded.native === undefined ? '' : ` (${loaded.native.threads} threads)`}; batch ${BATCH}; ${opts.rounds} rounds of ${budget} per mode${torchPlan}\n`);
  const started = performance.now();
  const totalRounds = opts.heads.length * opts.rounds;
  let roundsDone = 0;
  const jointlyMeans = new Map<number, Record<PerLossMode, number[]>>();
  for (const k of opts.heads) {
    const s = setup(k);
    const perMode = emptyMeans();
    jointlyMeans.set(k, perMode);
    let step = 0;
    for (const mode of PER_LOSS_MODES) for (let i = 0; i < 3; i++) stepOnce(mode, s, step++); // warm-up (Adam's moments, kernel caches)
    const tensors = tf.memory().numTensors;
    for (let r = 0; r < opts.rounds; r++) {
      for (const mode of PER_LOSS_MODES) {
        let total = 0;
        let steps = 0;
        const t0 = performance.now();
        while (opts.seconds === null ? steps < opts.steps : steps < PER_LOSS_MIN_STEPS || performance.now() - t0 < opts.seconds * 1000) {
          total += stepOnce(mode, s, step++);
          steps++;
        }
        perMode[mode].push(total / steps);
        if (tf.memory().numTensors !== tensors) throw new Error(`${mode} leaks tensors: ${tensors} -> ${tf.memory().numTensors}`);
      }
      const label = `${k} heads, round ${r + 1}/${opts.rounds}`;
      const lines = [`jointly ${formatRoundMeans(Object.fromEntries(PER_LOSS_MODES.map((m) => [m, perMode[m][r]])) as Record<PerLossMode, number>)}`];
      if (torch.skipped === null) {
        process.stderr.write(`${label}: ${lines.pop() ?? ''}\n`);
        lines.push(...torch.round(k).split('\n'));
      }
      roundsDone++;
      const eta = (((performance.now() - started) / 1000) * (totalRounds - roundsDone)) / roundsDone;
      lines[lines.length - 1] += ` (ETA of the per-loss part ${formatDuration(eta)})`;
      process.stderr.write(`${lines.map((l) => `${label}: ${l}`).join('\n')}\n`);
    }
    disposeMembers([s.member]);
    tf.dispose(Object.values(s.batch.inputs));
    tf.dispose(Object.values(s.batch.targets));
  }
  const results = perLossResults(opts.heads, jointlyMeans);
  const torchResults = perLossResults(opts.heads, torch.roundMeans);
  const summary = summarizePerLoss(opts.heads, results, torchResults);
  const table = formatPerLossTable(summary, torchResults.length > 0);
  const out = resolve(opts.out);
  mkdirSync(dirname(out), { recursive: true });
  const pickEnv = (names: readonly string[]): Record<string, string> => Object.fromEntries(names.flatMap((n) => (torch.env[n] === undefined ? [] : [[n, torch.env[n] ?? '']])));
  const pytorch = {
    measured: torchResults.length > 0,
    skipped: torch.skipped,
    script: `${PYTHON} scripts/bench-pytorch-per-loss.py`,
    threads: torch.threads,
    allocator: opts.pytorchAllocator,
    environment: pickEnv(['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'OPENBLAS_CORETYPE', 'OMP_WAIT_POLICY']),
    torch: torch.first?.torch ?? null,
    mkldnn: torch.first?.mkldnn ?? null,
    blas: torch.first?.blas ?? null,
    blasNote: torch.first === null ? null : describeBlas(torch.first),
    check: torch.checks,
    results: torchResults,
  };
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, backend: loaded, threads: torch.threads, batch: BATCH, rounds: opts.rounds, steps: opts.seconds === null ? opts.steps : null, seconds: opts.seconds, results, pytorch, summary }, null, 2)}\n`,
  );
  const torchNote =
    torch.first === null
      ? `PyTorch ${opts.pytorch ? 'skipped: ' : ''}${torch.skipped ?? 'no round ran'}`
      : `${describeBlas(torch.first)}; ${torch.threads} thread(s); glibc allocator ${opts.pytorchAllocator}; one fresh process per round, after jointly's${torch.skipped === null ? '' : `; then skipped: ${torch.skipped}`}`;
  process.stdout.write(`${table}\n\n(${loaded.name}; median over ${opts.rounds} interleaved rounds of ${budget}; ${out})\n(${torchNote})\n`);
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
