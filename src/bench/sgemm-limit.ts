/**
 * The sgemm limit of a dense network's training step (pure): the matrix products one step of an
 * MLP is made of, their FLOPs, and the fastest step this machine's sgemm allows once each
 * product's time has been measured.
 *
 * A dense layer `y = x W` (x: batch × in, W: in × out) costs three products per step: the
 * forward `x W`, the weight gradient `xᵀ dy`, and the input gradient `dy Wᵀ`; each is
 * 2·m·n·k FLOPs. The first layer's input gradient is not needed (nothing upstream learns), so
 * the limit is given both ways: with every product (3 per layer, as issue 13 counts the step's
 * 180 MFLOP) and with only the products a step needs.
 */

/** Which of a dense layer's three products. */
export type ProductKind = 'forward' | 'weight gradient' | 'input gradient';

/** One sgemm `c[m, n] = op(a)[m, k] · op(b)[k, n]` of a training step, in the addon's matMul terms. */
export interface GemmProduct {
  /** E.g. "layer 1 forward". */
  label: string;
  /** 1-based dense layer. */
  layer: number;
  kind: ProductKind;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** False for the first layer's input gradient, which no step needs. */
  required: boolean;
}

/**
 * The products of one training step of a dense network with layer widths `units` (input first,
 * classes last) at batch size `batch`, in the order a step runs them: every forward product, then
 * from the last layer back, each layer's weight gradient and input gradient.
 */
export function denseStepProducts(units: readonly number[], batch: number): GemmProduct[] {
  if (units.length < 2) throw new RangeError(`a dense network needs at least 2 widths (input and output), got [${units.join(', ')}]`);
  for (const u of [...units, batch]) {
    if (!Number.isInteger(u) || u < 1) throw new RangeError(`widths and batch must be positive integers, got [${units.join(', ')}] and batch ${batch}`);
  }
  const layers = units.length - 1;
  const forward: GemmProduct[] = [];
  const backward: GemmProduct[] = [];
  for (let l = 0; l < layers; l++) {
    const inputs = units[l];
    const outputs = units[l + 1];
    forward.push({ label: `layer ${l + 1} forward`, layer: l + 1, kind: 'forward', m: batch, n: outputs, k: inputs, transposeA: false, transposeB: false, required: true });
  }
  for (let l = layers - 1; l >= 0; l--) {
    const inputs = units[l];
    const outputs = units[l + 1];
    backward.push({ label: `layer ${l + 1} weight gradient`, layer: l + 1, kind: 'weight gradient', m: inputs, n: outputs, k: batch, transposeA: true, transposeB: false, required: true });
    backward.push({ label: `layer ${l + 1} input gradient`, layer: l + 1, kind: 'input gradient', m: batch, n: inputs, k: outputs, transposeA: false, transposeB: true, required: l > 0 });
  }
  return [...forward, ...backward];
}

/** FLOPs of one product: 2·m·n·k (a multiply and an add per term). */
export function productFlops(p: Pick<GemmProduct, 'm' | 'n' | 'k'>): number {
  return 2 * p.m * p.n * p.k;
}

/** Which products a limit counts. */
export type ProductSet = 'all' | 'required';

/** The fastest step the measured sgemm allows. */
export interface StepLimit {
  products: ProductSet;
  /** FLOPs of the counted products. */
  flops: number;
  /** Sum of the counted products' measured times, ms: no step can be faster. */
  minMsPerStep: number;
  /** batch / minMsPerStep, samples/s. */
  maxSamplesPerSecond: number;
  /** flops / minMsPerStep: the sgemm rate at these shapes, GFLOP/s. */
  gflopsPerSecond: number;
}

/**
 * The limit from the measured time of each product (`msPerProduct[i]` for `products[i]`):
 * the step can go no faster than its products back to back.
 */
export function stepLimit(products: readonly GemmProduct[], msPerProduct: readonly number[], batch: number, set: ProductSet): StepLimit {
  if (msPerProduct.length !== products.length) throw new RangeError(`${msPerProduct.length} product times for ${products.length} products`);
  let flops = 0;
  let ms = 0;
  products.forEach((p, i) => {
    if (set === 'required' && !p.required) return;
    const t = msPerProduct[i];
    if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`${p.label}: time must be a positive number of ms, got ${t}`);
    flops += productFlops(p);
    ms += t;
  });
  return { products: set, flops, minMsPerStep: ms, maxSamplesPerSecond: (batch * 1000) / ms, gflopsPerSecond: flops / (ms * 1e6) };
}

/** A measured throughput as a fraction of the limit (1 = as fast as sgemm allows). */
export function fractionOfLimit(samplesPerSecond: number, limit: StepLimit): number {
  return samplesPerSecond / limit.maxSamplesPerSecond;
}

/** What `mlpUnits` reads of a workload (a structural subset of workloads.ts's ReferenceModel). */
export interface DenseWorkload {
  spec: { type: string; hidden?: readonly number[] };
  inputShape: readonly number[];
  numClasses: number;
}

/**
 * The layer widths of an `mlp` workload (input size, hidden widths, classes), or null for any
 * other model (convolutions are not a chain of sgemms at these shapes).
 */
export function mlpUnits(ref: DenseWorkload): number[] | null {
  if (ref.spec.type !== 'mlp') return null;
  const input = ref.inputShape.reduce((a, b) => a * b, 1);
  return [input, ...(ref.spec.hidden ?? [256, 128]), ref.numClasses];
}
