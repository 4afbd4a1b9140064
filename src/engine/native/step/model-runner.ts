/**
 * Runs a {@link ModelPlan} forward and backward in native code: every activation, saved index and
 * gradient buffer is allocated once per batch size and reused every step, and each operation is
 * one or two addon calls. A value read by several operations (a trunk under several heads) sums
 * the gradients they send back; a backward pass starts from the gradients of any subset of the
 * outputs and runs only the operations those reach (a per-loss gradient of one head's loss skips
 * the other heads). The model's variables stay tfjs variables; their buffers are read (and the
 * moving statistics of batch normalization written) in place.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { UNARY, type NativeAddon } from '../addon.js';
import { ACTIVATION_CODES, type ModelPlan, type PlanNode } from './model-plan.js';
import { ownedValues } from '../../variable-values.js';

/** Unary kernel of each activation code applied outside a dense or convolution layer. */
const UNARY_OF: Readonly<Record<number, number>> = {
  [ACTIVATION_CODES.relu]: UNARY.relu,
  [ACTIVATION_CODES.relu6]: UNARY.relu6,
  [ACTIVATION_CODES.elu]: UNARY.elu,
  [ACTIVATION_CODES.sigmoid]: UNARY.sigmoid,
  [ACTIVATION_CODES.tanh]: UNARY.tanh,
};

/** Buffers an operation keeps between its forward and backward pass. */
interface Saved {
  argmax?: Int32Array;
  mask?: Float32Array;
  xhat?: Float32Array;
  mean?: Float32Array;
  variance?: Float32Array;
  invStd?: Float32Array;
}

/** Everything one batch size needs. */
interface Buffers {
  /** `acts[v]`: value v (the model's inputs are set to the batch each step). */
  acts: Float32Array[];
  /** `grads[v]`: the gradient with respect to value v (for a model input: scratch, only batch norm writes it). */
  grads: Float32Array[];
  /** `extra[v]`: where a second gradient for a value read twice is written before it is added in. */
  extra: (Float32Array | null)[];
  /** `saved[i]`: what node i keeps for its backward pass. */
  saved: Saved[];
  /** The geometry of each convolution and pooling node at this batch size (computed once). */
  geometry: (readonly number[] | undefined)[];
}

/** Most batch sizes whose buffers are kept (a run has its batch size and one last, smaller batch). */
const MAX_BATCH_SIZES = 3;

const EMPTY = new Float32Array(0);

/** One model's native forward and backward pass. */
export class ModelRunner {
  private readonly buffers = new Map<number, Buffers>();
  /** Whether value v's gradient has been written in the current backward pass. */
  private readonly ready: Uint8Array;
  /** Gradients a value receives: the operations reading it, plus one if it is a model output. */
  private readonly contributions: Int32Array;
  private readonly reached = new Set<tf.Variable>();
  private readonly downstream = new Map<number, ReadonlySet<number>>();
  private readonly upstream = new Map<number, ReadonlySet<number>>();
  /** Gradient of every trainable variable, filled by `backward` (for the variables it reached). */
  readonly gradients: ReadonlyMap<tf.Variable, Float32Array>;

  constructor(
    readonly plan: ModelPlan,
    private readonly addon: NativeAddon,
  ) {
    const grads = new Map<tf.Variable, Float32Array>();
    for (const v of plan.variables) grads.set(v, new Float32Array(v.size));
    this.gradients = grads;
    this.ready = new Uint8Array(plan.sizes.length);
    this.contributions = new Int32Array(plan.sizes.length);
    for (const node of plan.nodes) for (const v of node.inputs) this.contributions[v]++;
    for (const v of plan.outputs) this.contributions[v]++;
  }

  /** Values per sample of each output of the model. */
  get outputSizes(): number[] {
    return this.plan.outputs.map((v) => this.plan.sizes[v]);
  }

  private buffersFor(n: number): Buffers {
    let b = this.buffers.get(n);
    if (b !== undefined) return b;
    if (this.buffers.size >= MAX_BATCH_SIZES) this.buffers.delete(this.buffers.keys().next().value as number);
    const { nodes, sizes, inputs } = this.plan;
    const written = new Set(nodes.map((node) => node.output));
    const acts = sizes.map((s, v) => (written.has(v) ? new Float32Array(n * s) : EMPTY));
    const isInput = (v: number): boolean => v < inputs.length;
    const grads = sizes.map((s, v) => (written.has(v) || (isInput(v) && nodes.some((node) => node.op.kind === 'batchNorm' && node.inputs[0] === v)) ? new Float32Array(n * s) : EMPTY));
    const extra = sizes.map((s, v) => (!isInput(v) && this.contributions[v] > 1 ? new Float32Array(n * s) : null));
    const saved = nodes.map(({ op, inputs: reads, output }): Saved => {
      if (op.kind === 'maxPool') return { argmax: new Int32Array(n * sizes[output]) };
      if (op.kind === 'dropout') return { mask: new Float32Array(n * sizes[reads[0]]) };
      if (op.kind === 'batchNorm') {
        const c = op.channels;
        return { xhat: new Float32Array(n * sizes[reads[0]]), mean: new Float32Array(c), variance: new Float32Array(c), invStd: new Float32Array(c) };
      }
      return {};
    });
    const geometry = nodes.map(({ op }) => (op.kind === 'conv' || op.kind === 'maxPool' || op.kind === 'avgPool' ? op.geometry(n) : undefined));
    b = { acts, grads, extra, saved, geometry };
    this.buffers.set(n, b);
    return b;
  }

  /**
   * The training-mode forward pass of `n` samples, `xs[k]` the model's input k ([n, ...shape]
   * flat); returns the output buffers ([n, outputSizes[k]], reused by the next call). Batch
   * normalization updates its moving statistics, as tfjs-layers does in training.
   */
  forward(xs: readonly Float32Array[], n: number): Float32Array[] {
    const { plan } = this;
    if (xs.length !== plan.inputs.length) throw new RangeError(`the native step got ${xs.length} inputs for a model of ${plan.inputs.length}`);
    xs.forEach((x, k) => {
      if (x.length !== n * plan.sizes[k]) throw new RangeError(`the native step got ${x.length} values of input ${k} for ${n} samples of ${plan.sizes[k]}`);
    });
    const b = this.buffersFor(n);
    xs.forEach((x, k) => (b.acts[k] = x));
    plan.nodes.forEach((node, i) => this.forwardNode(node, b, b.saved[i], b.geometry[i] as readonly number[], n));
    return plan.outputs.map((v) => b.acts[v]);
  }

  private forwardNode(node: PlanNode, b: Buffers, saved: Saved, geometry: readonly number[], n: number): void {
    const a = this.addon;
    const { op } = node;
    const x = b.acts[node.inputs[0]];
    const y = b.acts[node.output];
    switch (op.kind) {
      case 'dense':
        a.matMul(x, ownedValues(op.kernel), y, 1, n, op.units, op.inputs, false, false, 0, 0, op.bias === null ? null : ownedValues(op.bias), op.act, 0);
        return;
      case 'conv':
        a.conv2d(x, ownedValues(op.kernel), op.bias === null ? null : ownedValues(op.bias), y, geometry, op.act, 0);
        return;
      case 'maxPool':
        a.maxPoolArgmax(x, y, saved.argmax as Int32Array, geometry);
        return;
      case 'avgPool':
        a.avgPool(x, y, geometry);
        return;
      case 'activation':
        if (op.act === ACTIVATION_CODES.selu) a.selu(x, y);
        else a.unary(UNARY_OF[op.act], x, y, 0);
        return;
      case 'dropout':
        a.multiply(x, op.dropout.fillMask(saved.mask as Float32Array), y);
        return;
      case 'concat': {
        const width = op.widths.reduce((s, w) => s + w, 0);
        const rows = n * op.rows;
        let offset = 0;
        node.inputs.forEach((v, k) => {
          const w = op.widths[k];
          const src = b.acts[v];
          for (let r = 0; r < rows; r++) y.set(src.subarray(r * w, r * w + w), r * width + offset);
          offset += w;
        });
        return;
      }
      case 'batchNorm': {
        const { mean, variance } = saved as Required<Saved>;
        const rows = (n * this.plan.sizes[node.inputs[0]]) / op.channels;
        a.batchNormTrain(
          x, op.gamma === null ? null : ownedValues(op.gamma), op.beta === null ? null : ownedValues(op.beta), y,
          saved.xhat as Float32Array, mean, variance, saved.invStd as Float32Array, rows, op.channels, op.epsilon,
        );
        // tfjs-layers' moving average: m - (m - batch) * (1 - momentum), in float32.
        const decay = Math.fround(1 - op.momentum);
        const mm = ownedValues(op.movingMean);
        const mv = ownedValues(op.movingVariance);
        for (let j = 0; j < op.channels; j++) {
          mm[j] = Math.fround(mm[j] - Math.fround(Math.fround(mm[j] - mean[j]) * decay));
          mv[j] = Math.fround(mv[j] - Math.fround(Math.fround(mv[j] - variance[j]) * decay));
        }
        return;
      }
    }
  }

  /**
   * Backpropagates the gradients `dOuts[k]` of the loss with respect to the last `forward`'s
   * output k ([n, outputSizes[k]]; null for an output the loss does not read) to the trainable
   * variables: overwrites {@link gradients} of the variables it reaches and returns those.
   */
  backward(dOuts: readonly (Float32Array | null)[], n: number, only?: ReadonlySet<number>): ReadonlySet<tf.Variable> {
    return this.backwardFrom(
      this.plan.outputs.map((v, k) => [v, dOuts[k]] as const),
      n,
      only,
    );
  }

  /**
   * Backpropagates from gradients `seeds` of values ([value id, gradient or null]) through the
   * nodes `only` (node indices; default all) to the variables: overwrites {@link gradients} of
   * the variables it reaches and returns those. {@link valueGradient} then reads what reached a value.
   */
  backwardFrom(seeds: readonly (readonly [number, Float32Array | null])[], n: number, only?: ReadonlySet<number>): ReadonlySet<tf.Variable> {
    const b = this.buffersFor(n);
    const { plan } = this;
    this.ready.fill(0);
    this.reached.clear();
    for (const [v, d] of seeds) {
      if (d === null) continue;
      if (this.ready[v] === 1) this.addon.addInto(d, b.grads[v]);
      else b.grads[v].set(d);
      this.ready[v] = 1;
    }
    for (let i = plan.nodes.length - 1; i >= 0; i--) {
      const node = plan.nodes[i];
      if (this.ready[node.output] === 1 && (only === undefined || only.has(i))) this.backwardNode(node, i, b, n);
    }
    return this.reached;
  }

  /** The gradient the last backward pass sent to value `v` ([n, sizes[v]], reused), or null if none reached it. */
  valueGradient(v: number, n: number): Float32Array | null {
    return this.ready[v] === 1 ? this.buffersFor(n).grads[v] : null;
  }

  /** Whether the last backward pass sent a gradient to a value written by a node outside `nodes`, other than `except`. */
  reachedOutside(nodes: ReadonlySet<number>, except: number): boolean {
    return this.plan.nodes.some((node, i) => !nodes.has(i) && node.output !== except && this.ready[node.output] === 1);
  }

  /** Indices of the nodes that read value `v`, directly or through other nodes (computed once per value). */
  downstreamOf(v: number): ReadonlySet<number> {
    let known = this.downstream.get(v);
    if (known === undefined) this.downstream.set(v, (known = this.reading(v)));
    return known;
  }

  /** Indices of the nodes value `v` is computed by, directly or through other nodes (computed once per value). */
  upstreamOf(v: number): ReadonlySet<number> {
    let known = this.upstream.get(v);
    if (known === undefined) this.upstream.set(v, (known = this.computing(v)));
    return known;
  }

  private reading(v: number): Set<number> {
    const values = new Set([v]);
    const out = new Set<number>();
    this.plan.nodes.forEach((node, i) => {
      if (node.inputs.some((x) => values.has(x))) {
        out.add(i);
        values.add(node.output);
      }
    });
    return out;
  }

  private computing(v: number): Set<number> {
    const values = new Set([v]);
    const out = new Set<number>();
    for (let i = this.plan.nodes.length - 1; i >= 0; i--) {
      const node = this.plan.nodes[i];
      if (values.has(node.output)) {
        out.add(i);
        for (const x of node.inputs) values.add(x);
      }
    }
    return out;
  }

  private grad(v: tf.Variable | null): Float32Array | null {
    if (v === null) return null;
    this.reached.add(v);
    return this.gradients.get(v) as Float32Array;
  }

  /** Where the gradient of value `v` goes: its buffer, or the extra one when a gradient is already there. */
  private target(b: Buffers, v: number): Float32Array {
    return this.ready[v] === 1 ? (b.extra[v] as Float32Array) : b.grads[v];
  }

  /** Marks value `v`'s gradient written, adding the extra buffer in when it went there. */
  private written(b: Buffers, v: number): void {
    if (this.ready[v] === 1) this.addon.addInto(b.extra[v] as Float32Array, b.grads[v]);
    else this.ready[v] = 1;
  }

  private backwardNode(node: PlanNode, i: number, b: Buffers, n: number): void {
    const a = this.addon;
    const { op } = node;
    const inV = node.inputs[0];
    const x = b.acts[inV];
    const y = b.acts[node.output];
    const dy = b.grads[node.output];
    const saved = b.saved[i];
    // No gradient flows into the model's inputs.
    const wantsDx = inV >= this.plan.inputs.length;
    switch (op.kind) {
      case 'dense': {
        if (op.act !== 0) a.activationGrad(op.act, dy, y, dy, 0);
        a.matMul(x, dy, this.grad(op.kernel) as Float32Array, 1, op.inputs, op.units, n, true, false, 0, 0, null, 0, 0);
        const gb = this.grad(op.bias);
        if (gb !== null) a.columnSums(dy, gb, n, op.units);
        if (wantsDx) {
          a.matMul(dy, ownedValues(op.kernel), this.target(b, inV), 1, n, op.inputs, op.units, false, true, 0, 0, null, 0, 0);
          this.written(b, inV);
        }
        return;
      }
      case 'conv': {
        if (op.act !== 0) a.activationGrad(op.act, dy, y, dy, 0);
        const g = b.geometry[i] as readonly number[];
        a.conv2dBackpropFilter(x, dy, this.grad(op.kernel) as Float32Array, g);
        const gb = this.grad(op.bias);
        if (gb !== null) a.columnSums(dy, gb, n * g[7] * g[8], g[4]);
        if (wantsDx) {
          a.conv2dBackpropInput(dy, ownedValues(op.kernel), this.target(b, inV), g);
          this.written(b, inV);
        }
        return;
      }
      case 'maxPool':
        if (wantsDx) {
          a.maxPoolArgmaxGrad(dy, saved.argmax as Int32Array, this.target(b, inV));
          this.written(b, inV);
        }
        return;
      case 'avgPool':
        if (wantsDx) {
          const dx = this.target(b, inV);
          dx.fill(0);
          a.avgPoolGrad(dy, dx, b.geometry[i] as readonly number[]);
          this.written(b, inV);
        }
        return;
      case 'activation':
        if (wantsDx) {
          a.activationGrad(op.act, dy, y, this.target(b, inV), 0);
          this.written(b, inV);
        }
        return;
      case 'dropout':
        if (wantsDx) {
          a.multiply(dy, saved.mask as Float32Array, this.target(b, inV));
          this.written(b, inV);
        }
        return;
      case 'concat': {
        const width = op.widths.reduce((s, w) => s + w, 0);
        const rows = n * op.rows;
        let offset = 0;
        node.inputs.forEach((v, k) => {
          const w = op.widths[k];
          if (v >= this.plan.inputs.length) {
            const dx = this.target(b, v);
            for (let r = 0; r < rows; r++) dx.set(dy.subarray(r * width + offset, r * width + offset + w), r * w);
            this.written(b, v);
          }
          offset += w;
        });
        return;
      }
      case 'batchNorm': {
        // The kernel writes the input's gradient too: into scratch when nobody wants it.
        const dx = wantsDx ? this.target(b, inV) : b.grads[inV];
        a.batchNormGrad(
          dy, saved.xhat as Float32Array, op.gamma === null ? null : ownedValues(op.gamma), saved.invStd as Float32Array, dx,
          this.grad(op.gamma), this.grad(op.beta), (n * this.plan.sizes[inV]) / op.channels, op.channels,
        );
        if (wantsDx) this.written(b, inV);
        return;
      }
    }
  }
}
