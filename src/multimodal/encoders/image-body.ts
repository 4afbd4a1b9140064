/** What the image encoders (`mlp`, `cnn`) share: the model-spec body on the modality's main field. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../errors.js';
import { buildBody, checkCnnFits, LayerContext, type ModelSpec } from '../../engine/model-spec.js';
import type { EncodedModality, EncoderContext } from '../encoder.js';

/** The main field's input, checked to be float features (not tokens). */
export function mainInput(ctx: EncoderContext, encoder: string): tfl.SymbolicTensor {
  const field = ctx.info.fields[0];
  const input = ctx.inputs[field];
  if (ctx.info.vocabSizes?.[field] !== undefined) {
    throw new ShapeMismatchError(`modality '${ctx.modality}' is text (token ids), which the '${encoder}' encoder cannot read`, 'use a text encoder (embedding-pool, text-conv or transformer)');
  }
  return input;
}

/** Builds the body of an `mlp` or `cnn` spec as the modality's encoder; its last hidden layer is the embedding. */
export function imageBody(spec: ModelSpec, ctx: EncoderContext): EncodedModality {
  const input = mainInput(ctx, spec.type);
  if (spec.type === 'cnn') {
    const shape = ctx.info.shapes[ctx.info.fields[0]];
    if (shape.length !== 3) {
      throw new ShapeMismatchError(`the cnn encoder of modality '${ctx.modality}' needs images of shape [height, width, channels], and its samples have shape [${shape.join(', ')}]`, 'give the modality a 3-d shape (e.g. [28, 28, 1]), or use the mlp encoder');
    }
    checkCnnFits(spec, shape);
  }
  const layers = new LayerContext(ctx.seed, ctx.prefix, spec.init);
  return { vector: buildBody(spec, input, layers) };
}
