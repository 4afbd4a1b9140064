/**
 * One benchmark measurement: builds a reference model on the active backend, runs untimed
 * warm-up steps then timed `trainStep` calls on its fixed batch, and reports time, throughput,
 * CPU share, memory and tfjs tensor counts; then disposes everything it built.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../engine/batch.js';
import { createMember, type Member } from '../engine/member.js';
import { buildModel, forwardMacs } from '../engine/model-spec.js';
import { createOptimizer, type OptimizerSpecInput } from '../engine/optimizer.js';
import { deriveSeed } from '../engine/random.js';
import { trainStep } from '../engine/train-step.js';
import { independentObjective } from '../mutual/methods/independent.js';
import { trackPeakMemory, type PeakMemorySummary, type PeakMemoryTracker } from './peak-memory.js';
import { disposeBatch, makeBatch, SEED, type ReferenceModel } from './workloads.js';

export const MIN_TIMED_STEPS = 3;
export const MAX_WARMUP_STEPS = 3;
/** Warm-up stops after this share of --seconds (but runs at least one step: Adam creates its moments then). */
export const WARMUP_SHARE = 0.25;
/** FLOPs per multiply-accumulate, and the cost of forward + backward relative to forward. */
export const FLOPS_PER_MAC = 2;
export const TRAIN_TO_FORWARD = 3;

/** Memory figures of one measurement: process RSS plus tfjs's own accounting. */
export interface MeasurementMemory extends PeakMemorySummary {
  /** tf.memory().numTensors before the model was built. */
  tfNumTensorsBefore: number;
  /** tf.memory() after the timed steps (weights, Adam moments, the batch); asserted constant over the timed steps. */
  tfNumTensors: number;
  tfNumBytes: number;
  /** tf.memory().numTensors after disposing the model, optimizer and batch; should equal tfNumTensorsBefore. */
  tfNumTensorsAfterDispose: number;
}

/** Result of one (backend, model) measurement. */
export interface Measurement {
  backend: string;
  model: string;
  architecture: string;
  batchSize: number;
  optimizer: OptimizerSpecInput;
  parameters: number;
  forwardMacsPerSample: number;
  warmupSteps: number;
  warmupSeconds: number;
  steps: number;
  seconds: number;
  msPerStep: number;
  msPerStepMedian: number;
  msPerStepMin: number;
  msPerStepMax: number;
  /** Process CPU time (user + system, all threads) per timed step. */
  cpuMsPerStep: number;
  /** CPU time / wall time over the timed steps: how much of a core the run got (can exceed 1 with GC threads). */
  cpuShare: number;
  samplesPerSecond: number;
  gflopsPerSecond: number;
  /** Loss of the first warm-up step and of the last timed step (it should fall: the batch is fixed). */
  loss: { first: number; last: number };
  memory: MeasurementMemory;
}

/** What `measure` knows before its model, optimizer and batch are disposed. */
type MeasurementBeforeDispose = Omit<Measurement, 'memory'> & { memory: Omit<MeasurementMemory, 'tfNumTensorsAfterDispose'> };

/** How long to keep stepping: until `seconds` have passed and at least `minSteps` ran, but never past `maxSteps`. */
interface StepBudget {
  seconds: number;
  minSteps: number;
  maxSteps: number;
}

/** Calls `step` (which returns its own duration in ms) as the budget allows; returns the durations. */
function runSteps(step: (index: number) => number, budget: StepBudget): number[] {
  const durations: number[] = [];
  const start = performance.now();
  while (
    durations.length < budget.maxSteps &&
    (durations.length < budget.minSteps || performance.now() - start < budget.seconds * 1000)
  ) {
    durations.push(step(durations.length));
  }
  return durations;
}

/** Median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Sum of a list. */
function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** What the warm-up and timed steps of one measurement produced. */
interface StepTimings {
  /** Durations of the warm-up steps, ms. */
  warmup: number[];
  /** Durations of the timed steps, ms. */
  timed: number[];
  /** Loss after every step (warm-up and timed). */
  losses: number[];
  /** Process CPU time and wall time over the timed steps, ms. */
  cpuMs: number;
  wallMs: number;
}

/**
 * Runs warm-up steps, then timed steps for about `seconds`, of `member` on `batch`, sampling RSS
 * after every step. Throws if tf.memory().numTensors changes during the timed steps.
 */
function timeTrainSteps(member: Member, batch: Batch, opts: { seconds: number; minSteps: number; memory: PeakMemoryTracker }): StepTimings {
  const objective = independentObjective();
  const losses: number[] = [];
  /** One trainStep; returns its duration in ms (the loss and RSS are recorded outside the timing). */
  const step = (): number => {
    const t0 = performance.now();
    const values = trainStep({ members: [member], objective, batch, epoch: 0, step: losses.length, stepsPerEpoch: Number.MAX_SAFE_INTEGER });
    const ms = performance.now() - t0;
    losses.push(Object.values(values)[0]);
    opts.memory.sample();
    return ms;
  };
  const warmup = runSteps(step, { seconds: opts.seconds * WARMUP_SHARE, minSteps: 1, maxSteps: MAX_WARMUP_STEPS });
  const steadyTensors = tf.memory().numTensors;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const timed = runSteps(
    (i) => {
      const ms = step();
      const now = tf.memory().numTensors;
      if (now !== steadyTensors) {
        throw new Error(`tf.memory().numTensors went from ${steadyTensors} to ${now} at timed step ${i + 1}: the training step leaks tensors`);
      }
      return ms;
    },
    { seconds: opts.seconds, minSteps: opts.minSteps, maxSteps: Number.POSITIVE_INFINITY },
  );
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { warmup, timed, losses, cpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}

/** Measures `ref` on the active backend `backend` for about `seconds`; disposes what it built. Throws if tensors leak per step. */
function measure(backend: string, ref: ReferenceModel, seconds: number, minSteps: number): MeasurementBeforeDispose {
  const tfNumTensorsBefore = tf.memory().numTensors;
  const memory = trackPeakMemory();
  const model = buildModel(ref.spec, { inputShape: ref.inputShape, numClasses: ref.numClasses, seed: SEED, name: `bench-${backend}-${ref.id}` });
  const optimizer = createOptimizer(ref.optimizer);
  const batch = makeBatch(ref, deriveSeed(SEED, `batch-${ref.id}`));
  try {
    const member = createMember({ name: ref.id, model, optimizer });
    const { warmup, timed, losses, cpuMs, wallMs } = timeTrainSteps(member, batch, { seconds, minSteps, memory });
    const after = tf.memory();
    const totalMs = sum(timed);
    const samplesPerSecond = (ref.batchSize * timed.length) / (totalMs / 1000);
    const macs = forwardMacs(model);
    return {
      backend,
      model: ref.id,
      architecture: ref.architecture,
      batchSize: ref.batchSize,
      optimizer: ref.optimizer,
      parameters: model.countParams(),
      forwardMacsPerSample: macs,
      warmupSteps: warmup.length,
      warmupSeconds: sum(warmup) / 1000,
      steps: timed.length,
      seconds: totalMs / 1000,
      msPerStep: totalMs / timed.length,
      msPerStepMedian: median(timed),
      msPerStepMin: Math.min(...timed),
      msPerStepMax: Math.max(...timed),
      cpuMsPerStep: cpuMs / timed.length,
      cpuShare: cpuMs / wallMs,
      samplesPerSecond,
      gflopsPerSecond: (TRAIN_TO_FORWARD * FLOPS_PER_MAC * macs * samplesPerSecond) / 1e9,
      loss: { first: losses[0], last: losses[losses.length - 1] },
      memory: {
        ...memory.summary(),
        tfNumTensorsBefore,
        tfNumTensors: after.numTensors,
        tfNumBytes: after.numBytes,
      },
    };
  } finally {
    model.dispose();
    optimizer.dispose();
    disposeBatch(batch);
  }
}

/** Runs `measure` and records how many tensors remain once everything it made is disposed. */
export function measureAndDispose(backend: string, ref: ReferenceModel, seconds: number, minSteps: number = MIN_TIMED_STEPS): Measurement {
  const result = measure(backend, ref, seconds, minSteps);
  return { ...result, memory: { ...result.memory, tfNumTensorsAfterDispose: tf.memory().numTensors } };
}
