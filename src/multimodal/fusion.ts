/**
 * A fusion combines the modalities' embeddings into the model's prediction: it gets every
 * encoder's output (and each sample's presence of each modality) and returns the logits. Late
 * fusions make a prediction per modality and combine those; early and intermediate fusions
 * combine embeddings, then predict. One file per fusion in fusions/, found by name in
 * fusions/registry.ts.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { z } from 'zod';
import type { EncodedModality } from './encoder.js';

/** One modality as a fusion sees it: the encoder's output, plus the modality's name and each sample's presence. */
export interface FusionInput extends EncodedModality {
  /** The modality's name. */
  readonly name: string;
  /**
   * Shape [batch, 1]: 1 where the sample has the modality, 0 where it is missing. When the model has
   * missing-modality handling, `vector` is already the learned "missing" embedding where this is 0;
   * fusions that average or attend over modalities should also leave absent ones out with it.
   */
  readonly presence: tfl.SymbolicTensor;
}

/**
 * What a fusion's `build` gets besides its options: the modalities, the number of classes, the
 * weight seed, the layer-name prefix and the initial-weights kind.
 */
export interface FusionContext {
  /** The modalities, in config order (two or more). */
  readonly modalities: readonly FusionInput[];
  /** Number of classes: the width of the logits. */
  readonly units: number;
  /** Seed of the fusion's weights (draw each layer's from it with a LayerContext). */
  readonly seed: number;
  /** Prefix of the fusion's layer names. */
  readonly prefix: string;
  readonly init: 'glorot' | 'torch';
}

/**
 * A fusion as registered by name (see {@link findFusion}): its description, its options schema,
 * what it requires (sequences, equal widths, how many modalities) and `build`, which returns the
 * logits.
 */
export interface RegisteredFusion<O = unknown> {
  readonly name: string;
  /** One line with the method's source, for `jointly info` and reports. */
  readonly description: string;
  readonly options: z.ZodType<O>;
  /** The option names, for error messages. */
  readonly optionNames: readonly string[];
  /** Whether it reads the encoders' sequences (cross-attention) rather than their vectors only. */
  readonly needsSequences: boolean;
  /** Whether every modality's vector must have the same width (e.g. attention over modality embeddings without projection). Checked before building, with a clear error. */
  readonly equalWidths: boolean;
  /** Fewest and most modalities it takes (cross-attention: exactly 2). */
  readonly minModalities: number;
  readonly maxModalities?: number;
  /** The logits [batch, units]. */
  build(options: O, ctx: FusionContext): tfl.SymbolicTensor;
}
