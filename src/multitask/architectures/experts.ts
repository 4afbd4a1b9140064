/**
 * The parts that MMoE, CGC and PLE share: an expert (a copy of the trunk spec's body with its own
 * weights), a softmax gate (one dense layer on its input, then softmax; Ma et al. 2018, eq. 6:
 * g^k(x) = softmax(W_gk x); LibMTL's `nn.Linear` + `nn.Softmax`), and the gated mixture
 * (GatedSum). Each part's weights draw from `deriveSeed(seed, label)` with the part's own label
 * and its layers are named `${name}/${label}/...` (the seeding rule of architecture.ts).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { buildBody, lastWidth, LayerContext, type ModelSpec } from '../../engine/model-spec.js';
import { deriveSeed } from '../../engine/random.js';
import { GatedSum } from './gated-sum.js';

/** Where the parts are built. */
export interface PartBuild {
  /** Model name (prefix of the layer names). */
  readonly name: string;
  /** Build seed. */
  readonly seed: number;
}

/** The LayerContext of the part labelled `label`: seed `deriveSeed(seed, label)`, names `${name}/${label}/...`. */
export function partContext(where: PartBuild, label: string, init: ModelSpec['init']): LayerContext {
  return new LayerContext(deriveSeed(where.seed, label), `${where.name}/${label}`, init);
}

/** An expert: the body of `spec` on `input`, its weights from the part `label` (e.g. `expert/0`). */
export function buildExpert(spec: ModelSpec, input: tfl.SymbolicTensor, where: PartBuild, label: string): tfl.SymbolicTensor {
  return buildBody(spec, input, partContext(where, label, spec.init));
}

/** `t` flattened to [batch, features] (a named flatten layer when it is not flat). */
export function flatten(t: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
  return t.shape.length > 2 ? (tfl.layers.flatten({ name }).apply(t) as tfl.SymbolicTensor) : t;
}

/** Gate logits: one dense layer of `units` on the flat `input`, its weights from the part `label`. */
export function gateLogits(input: tfl.SymbolicTensor, units: number, where: PartBuild, label: string, init: ModelSpec['init']): tfl.SymbolicTensor {
  const ctx = partContext(where, label, init);
  return tfl.layers.dense({ units, ...ctx.init(lastWidth(input)), name: ctx.name('gate') }).apply(input) as tfl.SymbolicTensor;
}

/**
 * A softmax gate over `groups` of experts, their sizes in mixture order. One group: one dense
 * layer (part label `label`). Several groups: each group's logits are their own dense layer
 * (part label `${label}/${group}`), concatenated before the softmax: the same function as one
 * dense layer with the groups' kernels side by side (a dense layer's output columns are independent), but a group's
 * weights do not depend on which other groups the gate has, so a single-task build gets the
 * same initial gate weights for the groups it has (the seeding rule). With `glorot` init each
 * group's kernel is scaled by its own fan-out rather than the whole gate's; `torch` init is
 * fan-in only and unchanged.
 */
export function softmaxGate(
  input: tfl.SymbolicTensor,
  groups: readonly { readonly key: string; readonly size: number }[],
  where: PartBuild,
  label: string,
  init: ModelSpec['init'],
): tfl.SymbolicTensor {
  const list = groups.length === 1
    ? [gateLogits(input, groups[0].size, where, label, init)]
    : groups.filter((g) => g.size > 0).map((g) => gateLogits(input, g.size, where, `${label}/${g.key}`, init));
  const logits = list.length === 1 ? list[0] : (tfl.layers.concatenate({ axis: -1, name: `${where.name}/${label}/logits` }).apply(list) as tfl.SymbolicTensor);
  return tfl.layers.softmax({ name: `${where.name}/${label}/softmax` }).apply(logits) as tfl.SymbolicTensor;
}

/** Σ_e gate_e · expert_e, named `${name}/${label}`. */
export function mixture(gate: tfl.SymbolicTensor, experts: readonly tfl.SymbolicTensor[], where: PartBuild, label: string): tfl.SymbolicTensor {
  return new GatedSum({ name: `${where.name}/${label}` }).apply([gate, ...experts]) as tfl.SymbolicTensor;
}
