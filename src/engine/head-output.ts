/**
 * What a model's output on a head means, so that every loss can take it the same way: logits for
 * classification heads, a value for regression heads. A user's tfjs model may end in a softmax
 * or a sigmoid; its head is then turned into logits (log-probabilities, log-odds) in `forward`.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';

/**
 * - `logits`: unnormalized scores (softmax or sigmoid is applied by the loss); what jointly's own models output.
 * - `softmax`: probabilities over classes; forward returns their logarithm (logits up to a constant).
 * - `sigmoid`: independent probabilities per unit; forward returns their log-odds (the logits).
 * - `value`: a regression value, used as it is.
 */
export const HEAD_OUTPUTS = ['logits', 'softmax', 'sigmoid', 'value'] as const;
/**
 * How a head's output is read: one of {@link HEAD_OUTPUTS} (`logits`, `softmax`, `sigmoid` or
 * `value`).
 */
export type HeadOutput = (typeof HEAD_OUTPUTS)[number];

/** Smallest probability used when taking logarithms of a model's probabilities. */
const EPS = 1e-7;

/** The activation of a layer's output, if it is a softmax or a sigmoid. */
function activationOf(layer: tfl.layers.Layer): 'softmax' | 'sigmoid' | undefined {
  if (layer.getClassName() === 'Softmax') return 'softmax';
  const activation = layer.getConfig().activation;
  return activation === 'softmax' || activation === 'sigmoid' ? activation : undefined;
}

/**
 * The output kind of a model's output `index`, read off the layer that produces it (looking inside
 * a nested model): `softmax` or `sigmoid` when that layer ends in one, else `logits`. A regression
 * head cannot be told from logits this way: name it `value` explicitly.
 */
export function detectHeadOutput(model: tfl.LayersModel, index: number): HeadOutput {
  let tensor: tfl.SymbolicTensor = model.outputs[index];
  for (let depth = 0; depth < 32; depth++) {
    const layer = tensor.sourceLayer as tfl.layers.Layer & Partial<Pick<tfl.LayersModel, 'outputs'>>;
    const at = tensor.outputTensorIndex ?? 0;
    if (Array.isArray(layer.outputs) && layer.outputs.length > at) {
      // A nested model: follow its output into it.
      tensor = layer.outputs[at];
      continue;
    }
    return activationOf(layer) ?? 'logits';
  }
  return 'logits';
}

/** A head's raw output as losses take it: logits for classification kinds, the value for `value`. */
export function headLogits(out: tf.Tensor, kind: HeadOutput): tf.Tensor {
  switch (kind) {
    case 'logits':
    case 'value':
      return out;
    case 'softmax':
      return tf.log(tf.clipByValue(out, EPS, 1));
    case 'sigmoid': {
      const p = tf.clipByValue(out, EPS, 1 - EPS);
      return tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
    }
  }
}
