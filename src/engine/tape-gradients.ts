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
function reachableFrom(tape: readonly TapeNode[], xs: readonly tf.Tensor[]): { tensors: Set<number>; nodes: Set<number> } {
  const tensors = new Set(xs.map((x) => x.id));
  const nodes = new Set<number>();
  for (const node of tape) {
    if (node.kernelName === STOP_GRADIENT_NODE) continue;
    if (Object.values(node.inputs).some((t) => tensors.has(t.id))) {
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
function backward(path: readonly TapeNode[], y: tf.Tensor, xs: readonly tf.Tensor[], engine: EngineInternals): (tf.Tensor | undefined)[] {
  const grads = new Map<number, tf.Tensor>([[y.id, tf.onesLike(y)]]);
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
