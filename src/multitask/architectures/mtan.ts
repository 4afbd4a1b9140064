/**
 * Multi-Task Attention Network (Liu et al., CVPR 2019, section 3 and Figure 2; LibMTL's MTAN.py,
 * from the authors' lorenmt/mtan) on a cnn trunk: the shared trunk's conv blocks as in the spec
 * (part `trunk`, exactly hard sharing's trunk), and per task an attention module at every block j
 * (part `attention/<task>/<j>`):
 *
 *     mask_j = sigmoid(bn?(conv1x1(relu(bn?(conv1x1(concat[u_j, a'_{j-1}]))))))   (u_0 alone at j = 0)
 *     a_j    = mask_j ⊙ u_j
 *     a'_j   = act(bn?(conv(pool_j(a_j))))   with block j+1's filters, kernel, stride and padding
 *
 * where u_j is the shared block j's features after its activation, before its pool. Batch norm
 * (bn?) is used when the spec asks for it. Simplifications, since a spec's block is one conv
 * (the paper's and LibMTL's blocks have several layers, and the mask reads the block's first
 * layer while multiplying its last): u_j is both, and the task's "shared-feature" conv f_j that
 * brings a_j to the next block's resolution runs after block j's pool and with block j+1's conv
 * geometry (the paper: a 3×3 conv, then a pool), so a'_j has u_{j+1}'s shape for any kernel,
 * stride or padding. After the last block a_J goes through the block's pool and flatten, then
 * the spec's dense layers, which stay SHARED (one set of weights, part of the trunk, applied to
 * every task's attended features: as in the paper the attention modules and heads are the only
 * task-specific parts), then the task's head.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { lastWidth, type LayerContext, type ModelSpec } from '../../engine/model-spec.js';
import { SeededDropout } from '../../engine/layers/seeded-dropout.js';
import type { ArchitectureBuild, MultiTaskModel, RegisteredArchitecture } from '../architecture.js';
import { checkCnnInput, convBlockStage, convLayer, denseWidths, poolLayer, postLayers, type ConvBlock } from './body-layers.js';
import { checkBuild, modelInput, trunkSpec } from './build-checks.js';
import { partContext } from './experts.js';
import { buildHeads } from './heads.js';

type CnnSpec = Extract<ModelSpec, { type: 'cnn' }>;

/** MTAN has no options. */
export const MtanOptionsSchema = z.object({}).strict();
export type MtanOptions = z.infer<typeof MtanOptionsSchema>;

/** A 1×1 convolution of `filters` on `h`. */
function conv1x1(h: tfl.SymbolicTensor, filters: number, useBias: boolean, ctx: LayerContext): tfl.SymbolicTensor {
  return tfl.layers.conv2d({ filters, kernelSize: 1, padding: 'same', ...ctx.init(lastWidth(h)), useBias, name: ctx.name('att_conv') }).apply(h) as tfl.SymbolicTensor;
}

/** The attention mask of block `block`: two 1×1 convs, relu between, sigmoid after (Figure 2's g and h). */
function attentionMask(spec: CnnSpec, block: ConvBlock, from: tfl.SymbolicTensor, ctx: LayerContext): tfl.SymbolicTensor {
  const bn = (t: tfl.SymbolicTensor): tfl.SymbolicTensor => (spec.batchNorm ? (tfl.layers.batchNormalization({ name: ctx.name('att_bn') }).apply(t) as tfl.SymbolicTensor) : t);
  let h = bn(conv1x1(from, block.filters, !spec.batchNorm, ctx));
  h = tfl.layers.activation({ activation: 'relu', name: ctx.name('att_relu') }).apply(h) as tfl.SymbolicTensor;
  h = bn(conv1x1(h, block.filters, !spec.batchNorm, ctx));
  return tfl.layers.activation({ activation: 'sigmoid', name: ctx.name('att_sigmoid') }).apply(h) as tfl.SymbolicTensor;
}

/** Applies the spec's hidden dense layers, made once and reused for every task (shared weights). */
function sharedDense(spec: CnnSpec, ctx: LayerContext, inputWidth: number): (h: tfl.SymbolicTensor) => tfl.SymbolicTensor {
  // Made in buildBody's order (dense, bn, act, dropout per width) so the trunk equals hard sharing's.
  const layers: tfl.layers.Layer[] = [];
  let width = inputWidth;
  for (const units of denseWidths(spec)) {
    layers.push(tfl.layers.dense({ units, ...ctx.init(width), useBias: !spec.batchNorm, name: ctx.name('dense') }));
    if (spec.batchNorm) layers.push(tfl.layers.batchNormalization({ name: ctx.name('bn') }));
    layers.push(tfl.layers.activation({ activation: spec.activation, name: ctx.name('act') }));
    if (spec.dropout > 0) layers.push(new SeededDropout({ rate: spec.dropout, seed: ctx.nextSeed(), name: ctx.name('dropout') }));
    width = units;
  }
  return (h) => layers.reduce((t, layer) => layer.apply(t) as tfl.SymbolicTensor, h);
}

/** MTAN: a shared cnn with a task-specific attention module at every conv block. */
export const mtan: RegisteredArchitecture<MtanOptions> = {
  name: 'mtan',
  summary: 'shared cnn trunk with task-specific attention modules at every conv block',
  reference: 'Liu et al., CVPR 2019',
  representation: false,
  trunks: ['cnn'],
  options: MtanOptionsSchema,
  optionNames: Object.keys(MtanOptionsSchema.shape),
  build(_options: MtanOptions, build: ArchitectureBuild): MultiTaskModel {
    checkBuild(mtan, build);
    const spec = trunkSpec(build) as CnnSpec; // checkBuild admits only cnn trunks
    checkCnnInput(spec, build.inputShape);
    const input = modelInput(build);
    const trunk = partContext(build, 'trunk', spec.init);
    // The shared blocks, keeping each block's pre-pool features u_j.
    const features: tfl.SymbolicTensor[] = [];
    let h = input;
    for (const block of spec.conv) {
      const out = convBlockStage(spec, block, h, trunk);
      features.push(out.features);
      h = out.out;
    }
    const flatWidth = (h.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
    const dense = sharedDense(spec, trunk, flatWidth);
    const attended = build.heads.map((head) => {
      let prev: tfl.SymbolicTensor | undefined;
      let last: tfl.SymbolicTensor = input;
      spec.conv.forEach((block, j) => {
        const ctx = partContext(build, `attention/${head.task}/${j}`, spec.init);
        const u = features[j];
        const from = prev === undefined ? u : (tfl.layers.concatenate({ axis: -1, name: ctx.name('att_concat') }).apply([u, prev]) as tfl.SymbolicTensor);
        const a = tfl.layers.multiply({ name: ctx.name('att_apply') }).apply([attentionMask(spec, block, from, ctx), u]) as tfl.SymbolicTensor;
        const pool = poolLayer(block, ctx);
        const pooled = pool === undefined ? a : (pool.apply(a) as tfl.SymbolicTensor);
        const next = spec.conv[j + 1];
        if (next === undefined) last = pooled;
        else prev = postLayers(spec, convLayer(spec, next, pooled, ctx), ctx);
      });
      return dense(tfl.layers.flatten({ name: `${build.name}/attention/${head.task}/flatten` }).apply(last) as tfl.SymbolicTensor);
    });
    const outputs = buildHeads(attended, build.heads, build);
    return { model: tfl.model({ inputs: input, outputs, name: build.name }) };
  },
};
