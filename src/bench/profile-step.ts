/**
 * Where the time of one training step goes, per tfjs kernel and per native addon call:
 *
 *   JOINTLY_THREADS=1 node dist/bench/profile-step.js [--model lenet|mlp|cnn] [--backend native] [--steps N] [--seconds N]
 *
 * First times `--seconds` of plain `trainStep`s (no instrumentation: the real samples/s, median
 * of the step times), then `--steps` instrumented steps in which every kernel of the backend and
 * every addon function is wrapped with a timer. Prints, per kernel: calls per step, ms per step
 * (inclusive of its addon call), and the share of the step; then the time inside addon calls
 * versus everything else (tfjs's op dispatch, tape, gradients, tidy, allocation, and JS kernels).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend.js';
import { createMember } from '../engine/member.js';
import { buildModel } from '../engine/model-spec.js';
import { loadNativeAddon, type NativeAddon } from '../engine/native/addon.js';
import { createOptimizer } from '../engine/optimizer.js';
import { deriveSeed } from '../engine/random.js';
import { trainStep } from '../engine/train-step.js';
import { independentObjective } from '../mutual/methods/independent.js';
import { ALL_WORKLOADS, disposeBatch, makeBatch, SEED } from './workloads.js';

const USAGE = `usage: JOINTLY_THREADS=1 node dist/bench/profile-step.js [--model ${ALL_WORKLOADS.map((w) => w.id).join('|')}] [--backend native] [--steps N] [--seconds N]
  Times --seconds (default 5) of plain training steps, then --steps (default 20) steps with every kernel and addon call timed.`;

interface Tally {
  calls: number;
  ms: number;
}

function tally(map: Map<string, Tally>, name: string, ms: number): void {
  const t = map.get(name) ?? { calls: 0, ms: 0 };
  t.calls += 1;
  t.ms += ms;
  map.set(name, t);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'lenet' },
      backend: { type: 'string', default: 'native' },
      steps: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '5' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const ref = ALL_WORKLOADS.find((w) => w.id === values.model);
  if (ref === undefined) throw new Error(`unknown model ${values.model}; one of ${ALL_WORKLOADS.map((w) => w.id).join(', ')}`);
  const choice = await selectBackend(values.backend ?? 'native');
  const steps = Number(values.steps);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer, got '${values.steps}'`);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);

  const model = buildModel(ref.spec, { inputShape: ref.inputShape, numClasses: ref.numClasses, seed: SEED, name: `profile-${ref.id}` });
  const optimizer = createOptimizer(ref.optimizer);
  const batch = makeBatch(ref, deriveSeed(SEED, `batch-${ref.id}`));
  const member = createMember({ name: ref.id, model, optimizer });
  const objective = independentObjective();
  let stepIndex = 0;
  const step = (): number => {
    const t0 = performance.now();
    const losses = trainStep({ members: [member], objective, batch, epoch: 0, step: stepIndex++, stepsPerEpoch: Number.MAX_SAFE_INTEGER });
    const ms = performance.now() - t0;
    if (!Number.isFinite(Object.values(losses)[0])) throw new Error('loss is not finite');
    return ms;
  };
  for (let i = 0; i < 5; i++) step();

  // Plain steps: the real speed.
  const plain: number[] = [];
  const start = performance.now();
  while (plain.length < 5 || performance.now() - start < seconds * 1000) plain.push(step());
  const plainMs = median(plain);

  // Instrumented steps.
  const kernels = new Map<string, Tally>();
  const addonCalls = new Map<string, Tally>();
  const loaded = choice.name === 'native' ? loadNativeAddon() : { reason: 'not native' };
  if ('addon' in loaded) {
    const addon = loaded.addon as unknown as Record<string, unknown>;
    for (const key of Object.keys(addon)) {
      const fn = addon[key];
      if (typeof fn !== 'function') continue;
      const original = fn as (...a: unknown[]) => unknown;
      addon[key] = (...a: unknown[]): unknown => {
        const t0 = performance.now();
        const r = original(...a);
        tally(addonCalls, key, performance.now() - t0);
        return r;
      };
    }
  }
  const depth = { n: 0 };
  for (const config of tf.getKernelsForBackend(choice.name)) {
    const original = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, choice.name);
    tf.registerKernel({
      ...config,
      kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
        depth.n++;
        const t0 = performance.now();
        try {
          return original(args);
        } finally {
          depth.n--;
          // Only outermost kernels: a kernel that calls another (cpu fallbacks) counts once.
          if (depth.n === 0) tally(kernels, config.kernelName, performance.now() - t0);
        }
      }) as tf.KernelFunc,
    });
  }
  const instrumented: number[] = [];
  for (let i = 0; i < steps; i++) instrumented.push(step());
  const totalMs = instrumented.reduce((a, b) => a + b, 0);
  const perStep = totalMs / steps;

  const rows = [...kernels.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((a, [, t]) => a + t.ms, 0) / steps;
  const addonMs = [...addonCalls.values()].reduce((a, t) => a + t.ms, 0) / steps;
  const threads = 'addon' in loaded ? (loaded.addon as NativeAddon).getThreads() : 1;
  console.log(`${ref.id} (${ref.architecture}) batch ${ref.batchSize} on ${choice.name}, ${threads} thread(s)`);
  console.log(`plain steps: ${plain.length}, median ${plainMs.toFixed(2)} ms/step = ${((ref.batchSize * 1000) / plainMs).toFixed(0)} samples/s`);
  console.log(`instrumented: ${perStep.toFixed(2)} ms/step; inside kernels ${kernelMs.toFixed(2)} ms (${((100 * kernelMs) / perStep).toFixed(0)}%), inside addon calls ${addonMs.toFixed(2)} ms (${((100 * addonMs) / perStep).toFixed(0)}%)`);
  console.log('');
  console.log('kernel                         calls/step   ms/step   share');
  for (const [name, t] of rows) {
    console.log(`${name.padEnd(30)} ${(t.calls / steps).toFixed(1).padStart(10)} ${(t.ms / steps).toFixed(3).padStart(9)} ${((100 * t.ms) / steps / perStep).toFixed(1).padStart(6)}%`);
  }
  if (addonCalls.size > 0) {
    console.log('');
    console.log('addon function                 calls/step   ms/step   share');
    for (const [name, t] of [...addonCalls.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(`${name.padEnd(30)} ${(t.calls / steps).toFixed(1).padStart(10)} ${(t.ms / steps).toFixed(3).padStart(9)} ${((100 * t.ms) / steps / perStep).toFixed(1).padStart(6)}%`);
    }
  }
  model.dispose();
  optimizer.dispose();
  disposeBatch(batch);
}

try {
  await main();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${message}\n${message.includes('usage:') ? '' : `${USAGE}\n`}`);
  process.exitCode = 2;
}
