/**
 * One task head on a representation: a flatten when the representation is not flat, the hidden
 * dense layers of the `HeadSpec` (each with its activation and seeded dropout), then the output
 * dense layer of the task's units. No softmax: heads output logits or values. Layer names are
 * `${name}/head/${task}/...`; the weights draw from `deriveSeed(seed, 'head/' + task)` (the
 * seeding rule of architecture.ts), as engine/graph-spec.ts builds its heads.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { buildBody, lastWidth, LayerContext, type ModelSpec } from '../../engine/model-spec.js';
import { deriveSeed } from '../../engine/random.js';
import type { HeadPlan, HeadSpec } from '../architecture.js';

/** Where a head is built. */
export interface HeadBuild {
  /** Model name (prefix of the layer names). */
  readonly name: string;
  /** Build seed. */
  readonly seed: number;
  /** The heads' hidden layers. */
  readonly head: HeadSpec;
}

/** Builds `plan`'s head on `representation`; returns its output (logits or values). */
export function buildHead(representation: tfl.SymbolicTensor, plan: HeadPlan, where: HeadBuild): tfl.SymbolicTensor {
  const ctx = new LayerContext(deriveSeed(where.seed, `head/${plan.task}`), `${where.name}/head/${plan.task}`, where.head.init);
  let h = representation;
  if (h.shape.length > 2) h = tfl.layers.flatten({ name: ctx.name('flatten') }).apply(h) as tfl.SymbolicTensor;
  if (where.head.hidden.length > 0) {
    const spec: ModelSpec = { type: 'mlp', hidden: [...where.head.hidden], activation: where.head.activation, dropout: where.head.dropout, batchNorm: false, init: where.head.init };
    h = buildBody(spec, h, ctx);
  }
  return tfl.layers.dense({ units: plan.units, ...ctx.init(lastWidth(h)), name: ctx.name('out') }).apply(h) as tfl.SymbolicTensor;
}

/** Every head of `plans` on its own representation (`representations[i]` for `plans[i]`). */
export function buildHeads(representations: readonly tfl.SymbolicTensor[], plans: readonly HeadPlan[], where: HeadBuild): tfl.SymbolicTensor[] {
  return plans.map((plan, i) => buildHead(representations[i], plan, where));
}
