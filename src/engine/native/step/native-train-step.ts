/**
 * The whole-model native training step: every member's forward and backward pass and the
 * optimizer updates run in native code on reused buffers (a few addon calls per layer), while the
 * joint objective runs in tfjs on the members' outputs, which are small. The gradient of the
 * losses with respect to each output is handed to the native backward pass; a loss that reaches
 * a variable by another way (an objective's own variables, a penalty on the weights, a model the
 * objective runs itself) gets that gradient from tfjs too, added in.
 *
 * With `combineGradients` (gradient surgery, loss weighting by gradients) the members still run
 * forward once, and each loss gets its own native backward pass from the saved activations; with
 * `representation` (one member), each loss's backward pass runs through the heads only and the
 * combined representation gradient once through the trunk.
 *
 * Chosen by `trainStep` on the native backend (through {@link nativeStepAccelerator}) for members
 * whose models {@link compileModelPlan} supports; everything else stays on tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../batch.js';
import { headLogits } from '../../head-output.js';
import type { Member } from '../../member.js';
import { loadNativeAddon, type NativeAddon } from '../addon.js';
import type { StepContext } from '../../objective.js';
import type { InPlaceGradient, SlotOptimizer } from '../../optimizers/slot-optimizer.js';
import type { AcceleratedStep, StepAccelerator } from '../../step-accelerator.js';
import { aroundRepresentationError, lossGradients } from '../../tape-gradients.js';
import { applyPerLoss, applyRepresentation, checkFinite, missingRepresentationError, recordLosses, unconnectedLossError, type GradientCombiner, type Gradients, type RepresentationOptions, type StepLosses, type StepOptions, type VariablePlan } from '../../train-step.js';
import { compileModelPlan, opVariables } from './model-plan.js';
import { ModelRunner } from './model-runner.js';
import { ownedValues, tensorValues } from '../../variable-values.js';

/** A model's compiled runner (or why it has none), with the trainable weights it was compiled for. */
interface Compiled {
  trainable: string;
  runner: ModelRunner | { unsupported: string };
}

const compiled = new WeakMap<object, Compiled>();

/**
 * The runner of a member's model, compiled once per model and again when its trainable weights
 * change (a layer frozen or unfrozen), or why the model cannot run natively.
 */
function runnerOf(member: Member, addon: NativeAddon): ModelRunner | { unsupported: string } {
  const trainable = member.model.weights.map((w) => (w.trainable ? '1' : '0')).join('');
  let c = compiled.get(member.model);
  if (c === undefined || c.trainable !== trainable) {
    const plan = compileModelPlan(member.model);
    c = { trainable, runner: 'unsupported' in plan ? plan : new ModelRunner(plan, addon) };
    compiled.set(member.model, c);
  }
  return c.runner;
}

/** The runners of every member, or the first reason one of them (or the step) cannot run natively. */
function nativeRunners(opts: StepOptions): { runners: ModelRunner[]; addon: NativeAddon } | { unsupported: string } {
  const loaded = loadNativeAddon();
  if (!('addon' in loaded)) return { unsupported: loaded.reason };
  if (opts.representation !== undefined && opts.members.length !== 1) return { unsupported: 'representation gradients of several members run on the tfjs path' };
  const out: ModelRunner[] = [];
  const seen = new Set<tf.Variable>();
  for (const member of opts.members) {
    const r = runnerOf(member, loaded.addon);
    if ('unsupported' in r) return r;
    for (const v of r.plan.variables) {
      if (seen.has(v)) return { unsupported: `variable ${v.name} is shared by two members` };
      seen.add(v);
    }
    for (const name of member.inputs) {
      const input = opts.batch.inputs[name];
      if (input === undefined || input.dtype !== 'float32') return { unsupported: `member ${member.name}'s input '${name}' is not a float32 batch field` };
    }
    out.push(r);
  }
  const rep = opts.representation;
  if (rep !== undefined) {
    const member = opts.members[rep.member ?? 0];
    const kind = member?.outputs[rep.head];
    if (kind !== undefined && kind !== 'value' && kind !== 'logits') return { unsupported: `the representation '${rep.head}' is a ${kind} output (representation gradients of a probability output run on the tfjs path)` };
    const index = member?.heads.indexOf(rep.head) ?? -1;
    if (index >= 0 && !splitsAtRepresentation(out[0], out[0].plan.outputs[index])) return { unsupported: `the model of member ${member.name} does not split into a trunk before the representation '${rep.head}' and heads after it (such graphs run on the tfjs path)` };
  }
  return { runners: out, addon: loaded.addon };
}

/**
 * Whether every node of the runner's model is either upstream of value `rep` (the trunk) or
 * downstream of it (the heads), and the heads read nothing of the trunk but `rep` itself: the
 * graphs the native representation step runs (a branch beside the trunk, or a head reading an
 * inner trunk value, runs on the tfjs path, which treats them as the tape defines).
 */
function splitsAtRepresentation(runner: ModelRunner, rep: number): boolean {
  const up = runner.upstreamOf(rep);
  const down = runner.downstreamOf(rep);
  const { nodes, inputs } = runner.plan;
  const trunkValues = new Set([...up].map((i) => nodes[i].output));
  return nodes.every((node, i) => up.has(i) || (down.has(i) && node.inputs.every((v) => v === rep || v < inputs.length || !trunkValues.has(v))));
}

/** The member's batch input values, without a copy, in its model's input order. */
function inputValues(member: Member, batch: Batch): Float32Array[] {
  return member.inputs.map((name) => tensorValues(batch.inputs[name]));
}

/** Applies typed-array gradients with each variable's optimizer: in place where it knows how, else through tfjs. */
function update(plan: VariablePlan, grads: Map<tf.Variable, Float32Array>, addon: NativeAddon): void {
  const byOptimizer = new Map<tf.Optimizer, InPlaceGradient[]>();
  for (const v of plan.variables) {
    const g = grads.get(v);
    if (g === undefined) continue;
    const optimizer = plan.optimizerOf.get(v.name) as tf.Optimizer;
    let list = byOptimizer.get(optimizer);
    if (list === undefined) byOptimizer.set(optimizer, (list = []));
    list.push({ variable: v, gradient: g });
  }
  for (const [optimizer, list] of byOptimizer) {
    // tfjs's Optimizer overrides instanceof (any object with applyGradients passes): test the classes.
    const slotted = optimizer as Partial<Pick<SlotOptimizer<Record<string, tf.Variable>>, 'applyInPlace'>>;
    if (typeof slotted.applyInPlace === 'function') {
      slotted.applyInPlace.call(optimizer, list, ownedValues, addon);
    } else if (Object.getPrototypeOf(optimizer) === tf.SGDOptimizer.prototype) {
      // getConfig holds the learning rate tfjs's SGD steps with.
      const lr = Number((optimizer as tf.SGDOptimizer).getConfig().learningRate);
      for (const { variable, gradient } of list) addon.sgd(ownedValues(variable), gradient, lr);
      // incrementIterations is protected in tfjs's typings; the step is an update like applyGradients'.
      (optimizer as unknown as { incrementIterations(): void }).incrementIterations();
    } else {
      const map: tf.NamedTensorMap = {};
      for (const { variable, gradient } of list) map[variable.name] = tf.tensor(gradient, variable.shape, 'float32');
      optimizer.applyGradients(map);
    }
  }
}

/** Names of the variables that stand for the members' outputs on the per-loss path (unique per step). */
let outputVariables = 0;

/** Runs one step natively (see the file comment); `runners[i]` runs `opts.members[i]`. */
function nativeTrainStep(opts: StepOptions, plan: VariablePlan, runners: readonly ModelRunner[], addon: NativeAddon): StepLosses {
  return tf.tidy(() => {
    const n = opts.batch.size;
    // Every member's outputs, one tensor per head, copied out of the runners' reused buffers.
    const raw = opts.members.map((m, i) =>
      runners[i].forward(inputValues(m, opts.batch), n).map((y, k) => tf.tensor(y.slice(), [n, ...(m.model.outputs[k].shape.slice(1) as number[])], 'float32')),
    );
    const context = (outs: readonly (readonly tf.Tensor[])[]): StepContext => ({
      members: opts.members,
      outputs: opts.members.map((m, i) => Object.fromEntries(m.heads.map((head, k) => [head, headLogits(outs[i][k], m.outputs[head])]))),
      batch: opts.batch,
      epoch: opts.epoch,
      step: opts.step,
      stepsPerEpoch: opts.stepsPerEpoch,
    });
    const values: StepLosses = {};
    if (opts.combineGradients !== undefined || opts.representation !== undefined) {
      const stand = raw.map((outs) => outs.map((t) => tf.variable(t, true, `jointly-native-step-output-${outputVariables++}`)));
      try {
        if (opts.representation !== undefined) representationStep(opts, opts.representation, plan, runners[0], stand[0], context, values);
        else perLossStep(opts, opts.combineGradients as GradientCombiner, plan, runners, stand, context, values);
      } finally {
        for (const v of stand.flat()) v.dispose();
      }
      return values;
    }
    const loss = (): tf.Scalar => {
      const named = opts.objective.losses(context(raw));
      for (const [name, t] of Object.entries(named)) values[name] = t.dataSync()[0];
      return tf.addN(Object.values(named)) as tf.Scalar;
    };
    const flat = raw.flat();
    const { grads } = tf.engine().gradients(loss, [...flat, ...plan.variables], undefined, true);
    checkFinite(values, opts);
    const all = new Map<tf.Variable, Float32Array>();
    let offset = 0;
    runners.forEach((r, i) => {
      const dOuts = raw[i].map((_, k) => {
        const d = grads[offset + k];
        return d === null || d === undefined ? null : tensorValues(d);
      });
      offset += raw[i].length;
      if (dOuts.every((d) => d === null)) return;
      for (const v of r.backward(dOuts, n)) all.set(v, r.gradients.get(v) as Float32Array);
    });
    plan.variables.forEach((v, k) => {
      const direct = grads[flat.length + k];
      if (direct === null || direct === undefined) return;
      const own = all.get(v);
      if (own !== undefined) addon.addInto(tensorValues(direct), own);
      else all.set(v, Float32Array.from(tensorValues(direct)));
    });
    update(plan, all, addon);
    return values;
  });
}

/**
 * The per-loss step on the native path: the members ran forward once; each loss's gradient with
 * respect to the outputs (and to variables it reaches directly) comes from tfjs's tape, and one
 * native backward pass per loss, from the saved activations, takes it to the variables, running
 * only the operations that loss reaches. The combiner then merges the shared variables' gradients
 * as on the tfjs path.
 */
function perLossStep(
  opts: StepOptions,
  combine: GradientCombiner,
  plan: VariablePlan,
  runners: readonly ModelRunner[],
  stand: readonly (readonly tf.Variable[])[],
  context: (outs: readonly (readonly tf.Tensor[])[]) => StepContext,
  values: StepLosses,
): void {
  const n = opts.batch.size;
  const result = lossGradients(() => opts.objective.losses(context(stand)), [...stand.flat(), ...plan.variables], recordLosses(values, opts));
  if (result.unconnected.length > 0) throw unconnectedLossError(opts.objective.name, result.unconnected[0]);
  const perLoss: Record<string, Gradients> = {};
  for (const [name, g] of Object.entries(result.grads)) {
    const named: Gradients = {};
    runners.forEach((r, i) => {
      const dOuts = stand[i].map((s) => (g[s.name] === undefined ? null : tensorValues(g[s.name])));
      if (dOuts.every((d) => d === null)) return;
      for (const v of r.backward(dOuts, n)) named[v.name] = gradientTensor(r, v);
    });
    addDirect(named, g, plan);
    // A loss on an output no variable is upstream of reaches the output's stand-in only.
    if (Object.keys(named).length === 0) throw unconnectedLossError(opts.objective.name, name);
    perLoss[name] = named;
  }
  applyPerLoss(opts, combine, plan, perLoss);
}

/** A copy of the runner's gradient of `v` as a tensor (the runner's buffers are reused). */
function gradientTensor(r: ModelRunner, v: tf.Variable): tf.Tensor {
  return tf.tensor((r.gradients.get(v) as Float32Array).slice(), v.shape, 'float32');
}

/** Adds the gradients `g` of one loss that reach variables directly (not through the outputs) into `named`. */
function addDirect(named: Gradients, g: Readonly<Record<string, tf.Tensor>>, plan: VariablePlan): void {
  for (const v of plan.variables) {
    const direct = g[v.name];
    if (direct !== undefined) named[v.name] = named[v.name] === undefined ? direct : tf.add(named[v.name], direct);
  }
}

/**
 * The representation-gradient step on the native path (one member): each loss's gradient with
 * respect to the outputs comes from tfjs's tape; a native backward pass through the nodes after
 * the representation (the heads) gives the loss's head gradients and its gradient with respect to
 * the representation; `rep.combine` merges those, and one native backward pass through the nodes
 * before it (the trunk) gives the trunk's gradients. Refuses, as the tfjs path does, a loss that
 * reaches the trunk other than through the representation.
 */
function representationStep(
  opts: StepOptions,
  rep: RepresentationOptions,
  plan: VariablePlan,
  runner: ModelRunner,
  stand: readonly tf.Variable[],
  context: (outs: readonly (readonly tf.Tensor[])[]) => StepContext,
  values: StepLosses,
): void {
  const n = opts.batch.size;
  const member = opts.members[0];
  const index = member.heads.indexOf(rep.head);
  if ((rep.member ?? 0) !== 0 || index < 0) throw missingRepresentationError(opts, rep);
  const repValue = runner.plan.outputs[index];
  const heads = runner.downstreamOf(repValue);
  const trunk = runner.upstreamOf(repValue);
  const trunkVars = new Set([...trunk].flatMap((i) => opVariables(runner.plan.nodes[i].op)));
  const result = lossGradients(() => opts.objective.losses(context([stand])), [...stand, ...plan.variables], recordLosses(values, opts));
  const grads: Record<string, Gradients> = {};
  const repGrads: Record<string, tf.Tensor> = {};
  const unconnected = [...result.unconnected];
  for (const [name, g] of Object.entries(result.grads)) {
    if (plan.variables.some((v) => trunkVars.has(v) && g[v.name] !== undefined)) throw aroundRepresentationError(name);
    const named: Gradients = {};
    const dOuts = stand.map((s) => (g[s.name] === undefined ? null : tensorValues(g[s.name])));
    if (dOuts.some((d) => d !== null)) {
      for (const v of runner.backward(dOuts, n, heads)) named[v.name] = gradientTensor(runner, v);
      if (runner.reachedOutside(heads, repValue)) throw aroundRepresentationError(name);
      const dRep = runner.valueGradient(repValue, n);
      if (dRep !== null) repGrads[name] = tf.tensor(dRep.slice(), stand[index].shape, 'float32');
    }
    addDirect(named, g, plan);
    if (Object.keys(named).length === 0 && repGrads[name] === undefined) unconnected.push(name);
    else grads[name] = named;
  }
  const trunkGrads: Gradients = {};
  if (trunkVars.size > 0 && Object.keys(repGrads).length > 0) {
    const dRep = rep.combine(repGrads);
    if (!(dRep instanceof tf.Tensor) || dRep.shape.join(',') !== stand[index].shape.join(',')) {
      throw new Error(`the combined representation gradient must have the representation's shape [${stand[index].shape.join(', ')}]`);
    }
    for (const v of runner.backwardFrom([[repValue, tensorValues(dRep)]], n, trunk)) trunkGrads[v.name] = gradientTensor(runner, v);
  }
  applyRepresentation(opts, rep, plan, { grads, trunk: trunkGrads, unconnected });
}

/**
 * The native backend's step accelerator (registered with the backend): runs `trainStep` natively
 * where {@link compileModelPlan} supports every member's model. JOINTLY_STEP_ENGINE=tfjs keeps
 * `auto` steps on tfjs for the whole process (e.g. to compare with the reference).
 */
/** JOINTLY_STEP_ENGINE, read once (process.env lookups cost microseconds per step). */
let stepEngineEnv: string | undefined | null = null;

export const nativeStepAccelerator: StepAccelerator = {
  backend: 'native',
  enabledByDefault: () => (stepEngineEnv === null ? (stepEngineEnv = process.env.JOINTLY_STEP_ENGINE) : stepEngineEnv) !== 'tfjs',
  prepare(opts: StepOptions): AcceleratedStep | { unsupported: string } {
    const native = nativeRunners(opts);
    if ('unsupported' in native) return native;
    return { run: (plan) => nativeTrainStep(opts, plan, native.runners, native.addon) };
  },
};
