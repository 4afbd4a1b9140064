/**
 * Gradients of several losses from one forward pass. tfjs's `variableGrads` records a forward
 * pass on its tape and runs one backward pass from one scalar; getting the gradient of each of K
 * losses that way needs K forward passes (and K batch-norm statistics updates). Here the forward
 * pass is recorded once and the tape is walked backward once per loss, as PyTorch does with
 * `retain_graph`: a backward pass only visits the part of the graph its loss depends on, so a
 * head's parameters are visited by its own loss only, and a shared trunk by every loss.
 *
 * This uses tfjs-core's engine internals (its tape, `startTape`, `endTape`), which its public
 * API does not expose; jointly pins tfjs-core 4.22.0, and `checkEngine` fails loudly if they change.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ObjectiveError } from '../errors.js';
import { STOP_GRADIENT_NODE } from './losses.js';

/** A recorded kernel call, as tfjs-core 4.22 keeps it on its tape. */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The parts of tfjs-core 4.22's Engine this file uses. */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, fn: () => T): T;
}

function checkEngine(engine: unknown): EngineInternals {
  const e = engine as Partial<EngineInternals>;
  if (typeof e.startTape !== 'function' || typeof e.endTape !== 'function' || typeof e.state?.gradientDepth !== 'number') {
    throw new Error('per-loss gradients need the engine internals of @tensorflow/tfjs-core 4.22 (its tape); this tfjs version differs');
  }
  return e as EngineInternals;
}

/**
 * Ids of the tensors computed from `xs` on the tape, and the nodes that compute them. A
 * stopGradient node does not pass reachability on (its gradient is zero by definition).
 */
function reachableFrom(tape: readonly TapeNode[], xs: readonly tf.Tensor[], stopAt?: ReadonlySet<number>): { tensors: Set<number>; nodes: Set<number> } {
  const tensors = new Set(xs.map((x) => x.id));
  const nodes = new Set<number>();
  for (const node of tape) {
    if (node.kernelName === STOP_GRADIENT_NODE) continue;
    // A tensor in stopAt is reached but does not pass reachability on.
    if (Object.values(node.inputs).some((t) => tensors.has(t.id) && stopAt?.has(t.id) !== true)) {
      nodes.add(node.id);
      for (const out of node.outputs) tensors.add(out.id);
    }
  }
  return { tensors, nodes };
}

/**
 * The nodes on a path from `xs` to `y`, in tape order, with inputs not computed from `xs` pruned.
 * No path goes through a stopGradient node, in either direction.
 */
function pathNodes(tape: readonly TapeNode[], fromX: { tensors: Set<number>; nodes: Set<number> }, y: tf.Tensor): TapeNode[] {
  const leadsToY = new Set([y.id]);
  const toY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.kernelName === STOP_GRADIENT_NODE) continue;
    if (node.outputs.some((o) => leadsToY.has(o.id))) {
      toY.add(node.id);
      for (const t of Object.values(node.inputs)) leadsToY.add(t.id);
    }
  }
  const path: TapeNode[] = [];
  for (const node of tape) {
    if (!(fromX.nodes.has(node.id) && toY.has(node.id))) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.tensors.has(t.id)) inputs[name] = t;
    path.push({ ...node, inputs });
  }
  return path;
}

/** Backpropagates from `y` (gradient 1) along `path`; returns the gradient of each x reached. */
function backward(path: readonly TapeNode[], y: tf.Tensor, xs: readonly tf.Tensor[], engine: EngineInternals, dy?: tf.Tensor): (tf.Tensor | undefined)[] {
  const grads = new Map<number, tf.Tensor>([[y.id, dy ?? tf.onesLike(y)]]);
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i];
    if (node.gradient === undefined) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
    const inputGrads = node.gradient(dys);
    for (const [name, x] of Object.entries(node.inputs)) {
      const gradFn = inputGrads[name];
      if (gradFn === undefined) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
      const dx = engine.tidy(`grad ${node.kernelName}`, gradFn);
      if (dx.dtype !== 'float32') throw new Error(`Error in gradient for op ${node.kernelName}: the gradient of input '${name}' must be float32, but is ${dx.dtype}`);
      if (dx.shape.join(',') !== x.shape.join(',')) {
        throw new Error(`Error in gradient for op ${node.kernelName}: the gradient of input '${name}' has shape [${dx.shape.join(', ')}], the input [${x.shape.join(', ')}]`);
      }
      const previous = grads.get(x.id);
      grads.set(x.id, previous === undefined ? dx : tf.add(previous, dx));
      previous?.dispose();
    }
  }
  return xs.map((x) => grads.get(x.id));
}

/** What `lossGradients` gives back. */
export interface LossGradients {
  /** Value of every loss. */
  values: Record<string, number>;
  /** `grads[loss][variableName]`: the gradient of that loss for every variable it depends on. */
  grads: Record<string, Record<string, tf.Tensor>>;
  /** Losses that depend on no variable of `vars` (they have no entry in `grads`). */
  unconnected: string[];
}

/**
 * Runs `f` once on the tape and returns each loss's gradient with respect to `vars`. `onValues`
 * sees the loss values before any backward pass (e.g. to stop at a NaN). The gradients belong to
 * the caller (dispose them, or call inside tf.tidy); the losses and everything the tape kept are freed.
 */
export function lossGradients(f: () => Record<string, tf.Scalar>, vars: readonly tf.Variable[], onValues?: (values: Record<string, number>) => void): LossGradients {
  const engine = checkEngine(tf.engine());
  if (engine.state.gradientDepth !== 0) throw new Error('per-loss gradients cannot be nested inside another gradient computation');
  let tape: TapeNode[] | null = null;
  try {
    engine.startTape();
    let losses: Record<string, tf.Scalar>;
    try {
      if (!Array.isArray(engine.state.activeTape)) throw new Error('per-loss gradients need the tape of @tensorflow/tfjs-core 4.22 (state.activeTape); this tfjs version differs');
      losses = engine.tidy('forward', f);
    } finally {
      engine.endTape();
      tape = engine.state.activeTape;
    }
    try {
      return walk(tape ?? [], losses, vars, engine, onValues);
    } finally {
      // The losses are the caller's only through their values: free them (a loss that is itself a variable is not ours).
      for (const loss of Object.values(losses)) if (!(loss instanceof tf.Variable)) loss.dispose();
    }
  } finally {
    // As tfjs does after a backward pass at depth 0: free what the tape saved for the gradients.
    for (const node of tape ?? []) for (const t of node.saved ?? []) t.dispose();
    engine.state.activeTape = null;
  }
}

/** The backward passes of `lossGradients`, one per loss, over the recorded tape; frees the gradients made so far if one fails. */
function walk(tape: readonly TapeNode[], losses: Record<string, tf.Scalar>, vars: readonly tf.Variable[], engine: EngineInternals, onValues?: (values: Record<string, number>) => void): LossGradients {
  const values: Record<string, number> = {};
  for (const [name, t] of Object.entries(losses)) values[name] = t.dataSync()[0];
  onValues?.(values);
  const fromX = reachableFrom(tape, vars);
  const grads: Record<string, Record<string, tf.Tensor>> = {};
  const unconnected: string[] = [];
  try {
    for (const [name, loss] of Object.entries(losses)) {
      const path = pathNodes(tape, fromX, loss);
      if (path.length === 0) {
        unconnected.push(name);
        continue;
      }
      grads[name] = engine.tidy('backward', () => {
        const perVar = backward(path, loss, vars, engine);
        const named: Record<string, tf.Tensor> = {};
        vars.forEach((v, k) => {
          const g = perVar[k];
          if (g !== undefined) named[v.name] = g;
        });
        return named;
      });
    }
  } catch (err) {
    for (const g of Object.values(grads)) tf.dispose(Object.values(g));
    throw err;
  }
  return { values, grads, unconnected };
}

/** Ids of the tensors `y` is computed from on the tape (y included), not through stopGradient nodes. */
function ancestors(tape: readonly TapeNode[], y: tf.Tensor): Set<number> {
  const leads = new Set([y.id]);
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.kernelName === STOP_GRADIENT_NODE) continue;
    if (node.outputs.some((o) => leads.has(o.id))) for (const t of Object.values(node.inputs)) leads.add(t.id);
  }
  return leads;
}

/** What `representationGradients` gives back. */
export interface RepresentationGradients {
  /** Value of every loss. */
  values: Record<string, number>;
  /**
   * `grads[loss][variableName]` for the variables downstream of the representation (the heads):
   * each loss's own gradient. The variables upstream of it (the trunk) are in `trunk`.
   */
  grads: Record<string, Record<string, tf.Tensor>>;
  /** Gradients of the trunk's variables: the combined representation gradient backpropagated once through the trunk. */
  trunk: Record<string, tf.Tensor>;
  /** Losses that depend on neither the representation nor a head variable. */
  unconnected: string[];
}

/** The error for a loss that reaches the trunk's parameters other than through the representation. */
export function aroundRepresentationError(loss: string): ObjectiveError {
  return new ObjectiveError(`loss '${loss}' depends on the trunk's parameters other than through the shared representation, so representation gradients do not apply`, 'use gradients of the shared parameters for this architecture');
}

/**
 * Gradients through a shared representation, as the representation-gradient variants of
 * multi-task gradient methods need (MGDA-UB's "MGDA-UB" proper, Sener & Koltun 2018, §3.3): one
 * forward pass; per loss, a backward pass down to the representation only (through its head);
 * `combine` turns the per-loss representation gradients into one; that one is backpropagated
 * once through the trunk. The variables upstream of the representation (`representation()`,
 * a tensor computed inside `f`) are the trunk; the others are heads and get each loss's own
 * gradient. Throws when a loss depends on a trunk variable other than through the
 * representation (the method would then be wrong: use gradients of the shared parameters).
 */
export function representationGradients(
  f: () => Record<string, tf.Scalar>,
  vars: readonly tf.Variable[],
  representation: () => tf.Tensor,
  combine: (perLoss: Record<string, tf.Tensor>) => tf.Tensor,
  onValues?: (values: Record<string, number>) => void,
): RepresentationGradients {
  const engine = checkEngine(tf.engine());
  if (engine.state.gradientDepth !== 0) throw new Error('representation gradients cannot be nested inside another gradient computation');
  let tape: TapeNode[] | null = null;
  try {
    engine.startTape();
    let losses: Record<string, tf.Scalar>;
    try {
      if (!Array.isArray(engine.state.activeTape)) throw new Error('representation gradients need the tape of @tensorflow/tfjs-core 4.22 (state.activeTape); this tfjs version differs');
      losses = engine.tidy('forward', f);
    } finally {
      engine.endTape();
      tape = engine.state.activeTape;
    }
    try {
      return walkRepresentation(tape ?? [], losses, vars, representation(), combine, engine, onValues);
    } finally {
      for (const loss of Object.values(losses)) if (!(loss instanceof tf.Variable)) loss.dispose();
    }
  } finally {
    for (const node of tape ?? []) for (const t of node.saved ?? []) t.dispose();
    engine.state.activeTape = null;
  }
}

function walkRepresentation(
  tape: readonly TapeNode[],
  losses: Record<string, tf.Scalar>,
  vars: readonly tf.Variable[],
  rep: tf.Tensor,
  combine: (perLoss: Record<string, tf.Tensor>) => tf.Tensor,
  engine: EngineInternals,
  onValues?: (values: Record<string, number>) => void,
): RepresentationGradients {
  const values: Record<string, number> = {};
  for (const [name, t] of Object.entries(losses)) values[name] = t.dataSync()[0];
  onValues?.(values);
  const upstream = ancestors(tape, rep);
  const trunkVars = vars.filter((v) => upstream.has(v.id));
  const headVars = vars.filter((v) => !upstream.has(v.id));
  // The trunk must reach the losses only through the representation: stopped there, it reaches none.
  const around = reachableFrom(tape, trunkVars, new Set([rep.id]));
  for (const [name, loss] of Object.entries(losses)) {
    if (around.tensors.has(loss.id)) {
      throw aroundRepresentationError(name);
    }
  }
  const fromHead = reachableFrom(tape, [rep, ...headVars]);
  const xs = [rep, ...headVars];
  const grads: Record<string, Record<string, tf.Tensor>> = {};
  const repGrads: Record<string, tf.Tensor> = {};
  const trunk: Record<string, tf.Tensor> = {};
  const unconnected: string[] = [];
  try {
    for (const [name, loss] of Object.entries(losses)) {
      const path = pathNodes(tape, fromHead, loss);
      if (path.length === 0) {
        unconnected.push(name);
        continue;
      }
      const got = engine.tidy('backward', () => {
        const [dRep, ...dHeads] = backward(path, loss, xs, engine);
        const heads: Record<string, tf.Tensor> = {};
        headVars.forEach((v, k) => {
          const g = dHeads[k];
          if (g !== undefined) heads[v.name] = g;
        });
        return { heads, ...(dRep === undefined ? {} : { rep: dRep }) };
      });
      grads[name] = got.heads;
      if (got.rep !== undefined) repGrads[name] = got.rep;
    }
    if (trunkVars.length > 0 && Object.keys(repGrads).length > 0) {
      const path = pathNodes(tape, reachableFrom(tape, trunkVars), rep);
      const perVar = engine.tidy('backward', () => {
        const dRep = combine(repGrads);
        if (!(dRep instanceof tf.Tensor) || dRep.shape.join(',') !== rep.shape.join(',')) {
          throw new Error(`the combined representation gradient must have the representation's shape [${rep.shape.join(', ')}]`);
        }
        const named: Record<string, tf.Tensor> = {};
        backward(path, rep, trunkVars, engine, dRep).forEach((g, k) => {
          if (g !== undefined) named[trunkVars[k].name] = g;
        });
        return named;
      });
      Object.assign(trunk, perVar);
    }
    return { values, grads, trunk, unconnected };
  } catch (err) {
    for (const g of Object.values(grads)) tf.dispose(Object.values(g));
    tf.dispose(Object.values(trunk));
    throw err;
  } finally {
    // The per-loss representation gradients are the combiner's input only.
    tf.dispose(Object.values(repGrads));
  }
}
