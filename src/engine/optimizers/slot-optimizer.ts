/**
 * The base of jointly's stateful optimizers: state slots keyed by variable name, never by the
 * position of a gradient in the list. tfjs's own Adam and momentum match state by position, so a
 * step that updates only some variables (a frozen part, a gradient combiner, a head whose task has
 * no labels in the batch) hands one variable's moments to another. Here a variable without a
 * gradient in a step keeps its state untouched, as in PyTorch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasFusedKernel } from './fused-kernels.js';
import { ownedValues, TYPED_ARRAY_BACKENDS } from '../variable-values.js';

/** A tensor with a name, as tfjs's optimizers take and give them (tfjs-core does not export the type). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** What applyGradients receives: gradients by variable name, or a list of named gradients. */
export type VariableGradients = tf.NamedTensorMap | NamedTensor[];

/** The gradients as (variable, gradient) pairs; variables without a gradient are left out. */
export function gradientEntries(grads: VariableGradients): { variable: tf.Variable; gradient: tf.Tensor }[] {
  const pairs = Array.isArray(grads) ? grads.map((g) => ({ name: g.name, gradient: g.tensor as tf.Tensor | undefined })) : Object.keys(grads).map((name) => ({ name, gradient: grads[name] as tf.Tensor | undefined }));
  const out: { variable: tf.Variable; gradient: tf.Tensor }[] = [];
  for (const { name, gradient } of pairs) {
    if (gradient === undefined || gradient === null) continue;
    const variable = tf.engine().registeredVariables[name];
    if (variable === undefined) throw new Error(`applyGradients: no variable named '${name}' is registered`);
    out.push({ variable, gradient });
  }
  return out;
}

/** A variable and its gradient as a typed array, for {@link SlotOptimizer.applyInPlace}. */
export interface InPlaceGradient {
  variable: tf.Variable;
  gradient: Float32Array;
}

/**
 * The native update kernels the in-place path calls (the addon's, see src/engine/native/addon.ts;
 * named here so the optimizers never import a backend). Inputs and outputs may be the same arrays.
 */
export interface InPlaceKernels {
  adam(
    w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, outW: Float32Array, outM: Float32Array, outV: Float32Array,
    lr: number, beta1: number, beta2: number, epsilon: number, oneMinusAccBeta1: number, oneMinusAccBeta2: number,
  ): void;
  momentum(w: Float32Array, acc: Float32Array, g: Float32Array, outW: Float32Array, outAcc: Float32Array, lr: number, momentum: number, nesterov: boolean): void;
}

/** A non-trainable zero variable shaped like `value` (a state slot). */
export function zeroSlot(value: tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.zerosLike(value).variable(false));
}

/**
 * An optimizer whose state is one record of tensors per variable, found by the variable's name,
 * plus the number of updates each variable has had. Subclasses say which slots they keep and how
 * to update one variable.
 */
export abstract class SlotOptimizer<Slots extends Record<string, tf.Variable>> extends tf.Optimizer {
  /** State per variable name. */
  protected readonly slots = new Map<string, Slots>();
  /** Updates applied to each variable so far (Adam's bias correction counts them per variable). */
  protected readonly steps = new Map<string, number>();

  /** Names of the slots kept per variable, in the order getWeights lists them (e.g. ['m', 'v']). */
  protected abstract readonly slotNames: readonly (keyof Slots & string)[];

  /** The fused update kernel a backend may register for this optimizer (see fused-kernels.ts), if any. */
  protected abstract readonly fusedKernel: string | undefined;

  /**
   * Updates one variable in place from its gradient and state; `step` is 1 on its first update,
   * `fused` whether the active backend has `fusedKernel`. Runs inside a tidy.
   */
  protected abstract update(variable: tf.Variable, gradient: tf.Tensor, slots: Slots, step: number, fused: boolean): void;

  /** Updates every variable that has a gradient; the others, and their state, stay as they are. */
  override applyGradients(variableGradients: VariableGradients): void {
    const entries = gradientEntries(variableGradients);
    const fused = this.fusedKernel !== undefined && hasFusedKernel(this.fusedKernel);
    tf.tidy(() => {
      for (const { variable, gradient } of entries) {
        const step = (this.steps.get(variable.name) ?? 0) + 1;
        this.update(variable, gradient, this.slotsOf(variable), step, fused);
        this.steps.set(variable.name, step);
      }
    });
    this.incrementIterations();
  }

  /**
   * Updates variables in place from gradients in typed arrays (the native training step): the
   * same arithmetic and state as {@link applyGradients}, on the buffers `values` gives for a
   * variable or slot (owned, writable). `kernels` are the native update kernels.
   */
  applyInPlace(entries: readonly InPlaceGradient[], values: (v: tf.Variable) => Float32Array, kernels: InPlaceKernels): void {
    for (const { variable, gradient } of entries) {
      const step = (this.steps.get(variable.name) ?? 0) + 1;
      const slots = this.slotsOf(variable);
      this.updateInPlace(values(variable), gradient, this.slotNames.map((name) => values(slots[name])), step, kernels);
      this.steps.set(variable.name, step);
    }
    this.incrementIterations();
  }

  /** Updates one variable's values `w` and slot values (in `slotNames` order) in place; `step` as in `update`. */
  protected abstract updateInPlace(w: Float32Array, gradient: Float32Array, slots: Float32Array[], step: number, kernels: InPlaceKernels): void;

  /** The state of `variable`, created as zeros on its first update. */
  protected slotsOf(variable: tf.Variable): Slots {
    let state = this.slots.get(variable.name);
    if (state === undefined) {
      const made: Record<string, tf.Variable> = {};
      for (const name of this.slotNames) made[name] = zeroSlot(variable);
      state = made as Slots;
      this.slots.set(variable.name, state);
    }
    return state;
  }

  /** Number of variables with state. */
  get stateSize(): number {
    return this.slots.size;
  }

  /**
   * Back to the state of a new optimizer of the same settings: every slot zero, no update counted
   * (per variable or in `iterations`), keeping the slots' memory. For code that would otherwise
   * make and free an optimizer for each of many short runs, as a federated client does every
   * round: the updates that follow are those of a fresh optimizer, bit for bit. The slots of
   * variables that the next run does not update stay (zero) and are listed by getWeights.
   */
  reset(): void {
    const inPlace = TYPED_ARRAY_BACKENDS.has(tf.getBackend());
    for (const state of this.slots.values()) {
      for (const slot of Object.values(state)) {
        if (inPlace) ownedValues(slot).fill(0);
        else tf.tidy(() => slot.assign(tf.zerosLike(slot)));
      }
    }
    this.steps.clear();
    this.iterations_ = 0;
  }

  override dispose(): void {
    this.clearState();
    super.dispose();
  }

  private clearState(): void {
    for (const state of this.slots.values()) tf.dispose(Object.values(state));
    this.slots.clear();
    this.steps.clear();
  }

  /**
   * Iterations first, then for every variable with state `<variable>/step` (int32 scalar) and
   * `<variable>/<slot>`. The tensors are the optimizer's own (slots) or new (iterations, steps).
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, state] of this.slots) {
      out.push({ name: `${name}/step`, tensor: tf.scalar(this.steps.get(name) ?? 0, 'int32') });
      for (const slot of this.slotNames) out.push({ name: `${name}/${slot}`, tensor: state[slot] });
    }
    return out;
  }

  /**
   * Restores what getWeights returned. Slots are matched to variables by name, not position: the
   * names are this process's tfjs variable names, so state saved in another process (where tfjs
   * may have numbered the variables differently) is refused unless every name exists here with the
   * same shape. Everything is checked before any state is replaced.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (weightValues.length === 0 || weightValues[0].name !== 'iter') throw new Error("setWeights: the first weight must be the iteration count 'iter' (as getWeights returns it)");
    const byVariable = new Map<string, Record<string, tf.Tensor>>();
    for (const { name, tensor } of weightValues.slice(1)) {
      const cut = name.lastIndexOf('/');
      const slot = name.slice(cut + 1);
      if (cut < 0 || !(slot === 'step' || (this.slotNames as readonly string[]).includes(slot))) {
        throw new Error(`setWeights: '${name}' is not a slot of this optimizer (slots: step, ${this.slotNames.join(', ')})`);
      }
      const variable = name.slice(0, cut);
      const state = byVariable.get(variable) ?? {};
      state[slot] = tensor;
      byVariable.set(variable, state);
    }
    const registered = tf.engine().registeredVariables;
    for (const [variable, state] of byVariable) {
      const missing = ['step', ...this.slotNames].filter((s) => state[s] === undefined);
      if (missing.length > 0) throw new Error(`setWeights: variable '${variable}' lacks slot(s) ${missing.join(', ')}`);
      const target = registered[variable];
      if (target === undefined) throw new Error(`setWeights: no variable named '${variable}' exists in this process (optimizer state is keyed by tfjs variable names)`);
      for (const s of this.slotNames) {
        if (state[s].shape.join(',') !== target.shape.join(',')) {
          throw new Error(`setWeights: slot '${variable}/${s}' has shape [${state[s].shape.join(', ')}] but the variable has [${target.shape.join(', ')}]`);
        }
      }
    }
    const steps = new Map<string, number>();
    for (const [variable, state] of byVariable) steps.set(variable, (await state.step.data())[0]);
    const iterations = (await weightValues[0].tensor.data())[0];
    // Copy before freeing: the tensors given may be this optimizer's own slots (a round trip).
    const fresh = new Map<string, Slots>();
    for (const [variable, state] of byVariable) {
      const slots: Record<string, tf.Variable> = {};
      for (const s of this.slotNames) slots[s] = tf.tidy(() => tf.clone(state[s]).variable(false));
      fresh.set(variable, slots as Slots);
    }
    this.clearState();
    for (const [variable, slots] of fresh) this.slots.set(variable, slots);
    for (const [variable, step] of steps) this.steps.set(variable, step);
    this.iterations_ = iterations;
  }
}
