/**
 * Whole-step accelerators by backend: a backend may register one to run `trainStep` its own way
 * (the native backend runs the whole model in native code, see native/step/). Kept apart from the
 * accelerators themselves so that the browser-safe training step never imports a backend.
 */
import type { StepLosses, StepOptions, VariablePlan } from './train-step.js';

/** A step an accelerator has agreed to run. */
export interface AcceleratedStep {
  /** Runs the step with the variables and optimizers of `plan`. */
  run(plan: VariablePlan): StepLosses;
}

/** Runs training steps on one backend, for the steps it supports. */
export interface StepAccelerator {
  /** The backend it runs on (tf.getBackend()). */
  readonly backend: string;
  /** Whether `auto` steps should use it (an accelerator may be switched off, e.g. by the environment). */
  readonly enabledByDefault: () => boolean;
  /** The step, ready to run, or why this accelerator cannot run it. */
  prepare(opts: StepOptions): AcceleratedStep | { unsupported: string };
}

const accelerators = new Map<string, StepAccelerator>();

/** Registers `accelerator` for its backend (replacing an earlier one). */
export function registerStepAccelerator(accelerator: StepAccelerator): void {
  accelerators.set(accelerator.backend, accelerator);
}

/** The accelerator of `backend`, if one is registered. */
export function stepAccelerator(backend: string): StepAccelerator | undefined {
  return accelerators.get(backend);
}
