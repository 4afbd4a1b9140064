/**
 * One optimization step over all members of a joint run. Everything runs inside tf.tidy: no
 * tensor survives the step except the models', objectives' and optimizers' own variables.
 *
 * Every trainable variable is updated exactly once per step, by one optimizer: a variable that
 * several members share (a trunk) by the first member that holds it, an objective's own
 * variables by the objective's optimizer (or the first member's).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle registers all of them.
import '@tensorflow/tfjs-layers';
import { NonFiniteLossError, ObjectiveError } from '../errors.js';
import type { Batch } from './batch.js';
import { forward, trainableVariables, type Member } from './member.js';
import type { Objective, StepContext } from './objective.js';
import { lossGradients, representationGradients, type RepresentationGradients } from './tape-gradients.js';
import { stepAccelerator } from './step-accelerator.js';

/** Which implementation runs a step (see `StepOptions.engine`). */
export type StepEngine = 'auto' | 'native' | 'tfjs';

/** Gradients of the trainable variables, by variable name. */
export type Gradients = Record<string, tf.Tensor>;

/**
 * Combines the gradients of each named loss into one update (gradient surgery, e.g. PCGrad).
 * Receives `perLoss[lossName][variableName]` for the shared variables only (those two or more
 * losses depend on), each loss with the shared variables it reaches; returns a gradient for every
 * shared variable it wants updated. A variable that one loss alone reaches (a head's own layers)
 * is updated with that loss's gradient without going through the combiner.
 */
export type GradientCombiner = (perLoss: Record<string, Gradients>) => Gradients;

/**
 * Options of {@link trainStep}: the members, the objective, the batch, where the step is in the
 * run, and optionally how the losses' gradients are combined on shared variables.
 */
export interface StepOptions {
  members: readonly Member[];
  objective: Objective;
  batch: Batch;
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  /**
   * When set, each loss gets its own gradient and this combines them on the shared variables;
   * else the sum of the losses is differentiated once. Either way the members run forward once.
   */
  combineGradients?: GradientCombiner;
  /**
   * Per-loss factors on the gradients of the variables that loss alone reaches (a task's head),
   * read after `combineGradients` or `representation.combine` ran (e.g. GradNorm's weights);
   * a loss without an entry keeps factor 1.
   */
  ownScales?: () => Readonly<Record<string, number>> | undefined;
  /**
   * Gradients through a shared representation instead of the shared variables: the member's
   * output `head` is the representation every loss reads; each loss is backpropagated to it
   * only, `combine` merges those gradients, and the result is backpropagated once through the
   * variables upstream of it. Variables downstream (heads) get their own loss's gradient.
   * Excludes `combineGradients`.
   */
  representation?: RepresentationOptions;
  /**
   * Which implementation runs the step: `auto` (default) runs the active backend's step
   * accelerator (see step-accelerator.ts; the native backend's runs the whole model in native
   * code, native/step/) when it can run this step, else tfjs; `native` does the same but throws,
   * saying why, when it cannot; `tfjs` always runs tfjs's autograd (the reference). On the native
   * backend, JOINTLY_STEP_ENGINE=tfjs makes `auto` mean `tfjs` for a whole process.
   */
  engine?: StepEngine;
}

/** See `StepOptions.representation`. */
export interface RepresentationOptions {
  /** Index of the member whose output is the representation. Default 0. */
  member?: number;
  /** Name of that member's output that is the representation. */
  head: string;
  /** Merges each loss's gradient with respect to the representation (same shape) into one. */
  combine: (perLoss: Record<string, tf.Tensor>) => tf.Tensor;
}

/** Loss values after a step, by name. */
export type StepLosses = Record<string, number>;

/** Which optimizer updates each variable, and the variables in a fixed order. */
export interface VariablePlan {
  /** Every trainable variable of the members and the objective, each once, in member order. */
  readonly variables: readonly tf.Variable[];
  /** Optimizer of each variable, by variable name. */
  readonly optimizerOf: ReadonlyMap<string, tf.Optimizer>;
}

/**
 * The variables a step trains and who updates them: members in order, each variable owned by the
 * first member whose model holds it (so a trunk shared by two members is stepped once), then the
 * objective's own variables.
 */
export function planVariables(members: readonly Member[], objective: Objective): VariablePlan {
  const variables: tf.Variable[] = [];
  const optimizerOf = new Map<string, tf.Optimizer>();
  const add = (v: tf.Variable, optimizer: tf.Optimizer): void => {
    if (optimizerOf.has(v.name)) return;
    optimizerOf.set(v.name, optimizer);
    variables.push(v);
  };
  for (const member of members) for (const v of trainableVariables(member)) add(v, member.optimizer);
  const own = objective.variables ?? [];
  if (own.length > 0) {
    const optimizer = objective.optimizer ?? members[0]?.optimizer;
    if (optimizer === undefined) throw new ObjectiveError(`objective ${objective.name} has variables but there is no member and no optimizer to update them`, 'give the objective an optimizer');
    for (const v of own) {
      if (!v.trainable) continue;
      add(v, optimizer);
    }
  }
  return { variables, optimizerOf };
}

/** Throws a NonFiniteLossError naming the first loss of a step that is NaN or infinite. */
export function checkFinite(losses: StepLosses, opts: StepOptions): void {
  for (const [name, value] of Object.entries(losses)) {
    if (!Number.isFinite(value)) {
      throw new NonFiniteLossError(
        `loss '${name}' became ${value} at epoch ${opts.epoch + 1}, step ${opts.step + 1} (${opts.objective.name})`,
        'lower the learning rate, check that input features are scaled (e.g. to [0, 1]) and contain no NaN, or use a smaller temperature',
      );
    }
  }
}

/** Applies each gradient with its variable's optimizer: one applyGradients call per optimizer. */
function apply(plan: VariablePlan, grads: Gradients): void {
  const byOptimizer = new Map<tf.Optimizer, tf.NamedTensorMap>();
  for (const v of plan.variables) {
    const g = grads[v.name];
    if (g === undefined) continue;
    const optimizer = plan.optimizerOf.get(v.name) as tf.Optimizer;
    let map = byOptimizer.get(optimizer);
    if (map === undefined) {
      map = {};
      byOptimizer.set(optimizer, map);
    }
    map[v.name] = g;
  }
  for (const [optimizer, map] of byOptimizer) optimizer.applyGradients(map);
}

/**
 * Splits per-loss gradients into the variables one loss alone reaches (with that gradient) and the
 * shared ones (reached by two or more losses), per loss.
 */
export function splitShared(perLoss: Record<string, Gradients>): { own: Gradients; shared: Record<string, Gradients> } {
  const reach = new Map<string, number>();
  for (const grads of Object.values(perLoss)) for (const name of Object.keys(grads)) reach.set(name, (reach.get(name) ?? 0) + 1);
  const own: Gradients = {};
  const shared: Record<string, Gradients> = {};
  for (const [loss, grads] of Object.entries(perLoss)) {
    for (const [name, g] of Object.entries(grads)) {
      if (reach.get(name) === 1) own[name] = g;
      else (shared[loss] ??= {})[name] = g;
    }
  }
  return { own, shared };
}

/** Checks a combiner's result before anything is updated: only shared variables, each with its own shape. */
function checkCombined(combined: Gradients, shared: Record<string, Gradients>, plan: VariablePlan, objective: string): void {
  const sharedNames = new Set(Object.values(shared).flatMap((g) => Object.keys(g)));
  for (const [name, g] of Object.entries(combined)) {
    if (!sharedNames.has(name)) {
      const known = plan.optimizerOf.has(name) ? 'a variable that one loss alone reaches (it is updated with that loss\'s gradient)' : 'not a trainable variable of this step';
      throw new ObjectiveError(`the gradient combiner of ${objective} returned a gradient for '${name}', which is ${known}`, 'return gradients for the variables the combiner was given only');
    }
    const v = plan.variables.find((x) => x.name === name) as tf.Variable;
    if (!(g instanceof tf.Tensor) || g.shape.join(',') !== v.shape.join(',')) {
      const got = g instanceof tf.Tensor ? `shape [${g.shape.join(', ')}]` : String(g);
      throw new ObjectiveError(`the gradient combiner of ${objective} returned ${got} for '${name}', whose shape is [${v.shape.join(', ')}]`, 'return one tensor of the variable\'s shape per variable');
    }
  }
}

/** Scales each loss's own gradients (variables it alone reaches) by its factor, in place of the map's entries. */
function scaleOwn(perLoss: Record<string, Gradients>, own: Gradients, scales: Readonly<Record<string, number>> | undefined): Gradients {
  if (scales === undefined) return own;
  const out: Gradients = { ...own };
  for (const [loss, grads] of Object.entries(perLoss)) {
    const f = scales[loss];
    if (f === undefined || f === 1) continue;
    for (const name of Object.keys(grads)) if (out[name] !== undefined && out[name] === grads[name]) out[name] = tf.mul(grads[name], f);
  }
  return out;
}

/** Runs one step: forward every member once, compute the objective, backpropagate, update. */
export function trainStep(opts: StepOptions): StepLosses {
  const engine = opts.engine ?? 'auto';
  const accelerator = stepAccelerator(tf.getBackend());
  if (engine === 'native' || (engine === 'auto' && accelerator?.enabledByDefault() === true)) {
    const prepared = accelerator === undefined ? { unsupported: `the ${tf.getBackend()} backend has no native step (select the native backend)` } : accelerator.prepare(opts);
    if ('run' in prepared) return prepared.run(planVariables(opts.members, opts.objective));
    if (engine === 'native') throw new ObjectiveError(`the native training step cannot run this step: ${prepared.unsupported}`, 'use engine "auto" or "tfjs"');
  }
  return tf.tidy(() => {
    const plan = planVariables(opts.members, opts.objective);
    let outputs: Record<string, tf.Tensor>[] = [];
    const losses = (): Record<string, tf.Scalar> => {
      outputs = opts.members.map((m) => forward(m, opts.batch, true));
      const ctx: StepContext = {
        members: opts.members,
        outputs,
        batch: opts.batch,
        epoch: opts.epoch,
        step: opts.step,
        stepsPerEpoch: opts.stepsPerEpoch,
      };
      return opts.objective.losses(ctx);
    };
    const values: StepLosses = {};
    if (opts.representation !== undefined) return representationStep(opts, opts.representation, plan, losses, () => outputs, values);
    if (opts.combineGradients === undefined) {
      const { grads } = tf.variableGrads(() => {
        const named = losses();
        for (const [name, t] of Object.entries(named)) values[name] = t.dataSync()[0];
        return tf.addN(Object.values(named)) as tf.Scalar;
      }, [...plan.variables]);
      checkFinite(values, opts);
      apply(plan, grads);
      return values;
    }
    const result = lossGradients(losses, plan.variables, recordLosses(values, opts));
    if (result.unconnected.length > 0) throw unconnectedLossError(opts.objective.name, result.unconnected[0]);
    applyPerLoss(opts, opts.combineGradients, plan, result.grads);
    return values;
  });
}

/**
 * Updates the variables from per-loss gradients (`perLoss[loss][variable]`): `combine` merges the
 * shared variables' gradients, each loss's own variables take its gradient (scaled by
 * `opts.ownScales`). Shared by the tfjs and the native per-loss steps; runs inside their tidy.
 */
export function applyPerLoss(opts: StepOptions, combine: GradientCombiner, plan: VariablePlan, perLoss: Record<string, Gradients>): void {
  const { own, shared } = splitShared(perLoss);
  const combined = Object.keys(shared).length === 0 ? {} : combine(shared);
  checkCombined(combined, shared, plan, opts.objective.name);
  apply(plan, { ...scaleOwn(perLoss, own, opts.ownScales?.()), ...combined });
}

/** The error for a representation that is not an output of the member `rep` names. */
export function missingRepresentationError(opts: StepOptions, rep: RepresentationOptions): ObjectiveError {
  const member = rep.member ?? 0;
  return new ObjectiveError(`the representation '${rep.head}' is not an output of member ${member} (${opts.members[member]?.name ?? 'none'})`, 'build the model with its shared representation as an extra output');
}

/** The callback that records a step's loss values as the gradient paths compute them, and checks they are finite. */
export function recordLosses(values: StepLosses, opts: StepOptions): (v: Record<string, number>) => void {
  return (v) => {
    Object.assign(values, v);
    checkFinite(values, opts);
  };
}

/** The error for a loss with no gradient with respect to any variable, on the per-loss path. */
export function unconnectedLossError(objective: string, loss: string): ObjectiveError {
  return new ObjectiveError(
    `loss '${loss}' of ${objective} has no gradient with respect to any model variable (it is not computed from the members' outputs or the objective's variables)`,
    'return only losses computed from the members\' outputs, or leave combineGradients unset',
  );
}

/** The representation-gradient step (see `StepOptions.representation`). */
function representationStep(
  opts: StepOptions,
  rep: RepresentationOptions,
  plan: VariablePlan,
  losses: () => Record<string, tf.Scalar>,
  outputs: () => Record<string, tf.Tensor>[],
  values: StepLosses,
): StepLosses {
  const member = rep.member ?? 0;
  const representation = (): tf.Tensor => {
    const t = outputs()[member]?.[rep.head];
    if (t === undefined) throw missingRepresentationError(opts, rep);
    return t;
  };
  const result = representationGradients(losses, plan.variables, representation, rep.combine, recordLosses(values, opts));
  applyRepresentation(opts, rep, plan, result);
  return values;
}

/**
 * Updates the variables from representation gradients: each head variable with the gradient of
 * the one loss that reaches it (scaled by `opts.ownScales`), the trunk with the combined
 * representation gradient backpropagated. Shared by the tfjs and the native representation steps.
 */
export function applyRepresentation(opts: StepOptions, rep: RepresentationOptions, plan: VariablePlan, result: Pick<RepresentationGradients, 'grads' | 'trunk' | 'unconnected'>): void {
  if (result.unconnected.length > 0) {
    throw new ObjectiveError(`loss '${result.unconnected[0]}' of ${opts.objective.name} depends neither on the representation nor on a head`, 'return only losses computed from the members\' outputs');
  }
  const { own, shared } = splitShared(result.grads);
  const sharedHead = Object.values(shared).flatMap((g) => Object.keys(g))[0];
  if (sharedHead !== undefined) {
    throw new ObjectiveError(`variable '${sharedHead}' comes after the representation '${rep.head}' but two or more losses reach it`, 'make the representation the last part every loss shares, or use gradients of the shared parameters');
  }
  apply(plan, { ...scaleOwn(result.grads, own, opts.ownScales?.()), ...result.trunk });
}
