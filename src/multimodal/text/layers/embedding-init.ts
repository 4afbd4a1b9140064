/**
 * How token and position embeddings start, by the model's `init`: `glorot` (the Keras default for
 * embeddings: uniform in ±0.05) or `torch` (PyTorch's nn.Embedding default: normal with mean 0 and
 * standard deviation 1). Seeded, so the same seed gives the same table.
 */
import * as tfl from '@tensorflow/tfjs-layers';

export type InitKind = 'glorot' | 'torch';

/** tfjs-layers exports its initializer factories but not their return type. */
export type Initializer = ReturnType<typeof tfl.initializers.glorotUniform>;

export function embeddingInitializer(init: InitKind, seed: number): Initializer {
  return init === 'torch' ? tfl.initializers.randomNormal({ mean: 0, stddev: 1, seed }) : tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed });
}
