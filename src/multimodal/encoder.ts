/**
 * An encoder turns one modality's fields into an embedding: a vector per sample, and, for
 * encoders that have one, a sequence of token (or position) vectors with its padding mask, which
 * sequence fusions (cross-attention) read. Encoders are tfjs layers graphs, found by name in a
 * registry (encoders/registry.ts) and configured by a JSON spec `{ "type": <name>, ...options }`.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { z } from 'zod';
import type { ModalityInfo } from './preprocessor.js';
import type { ModalityKind } from './modality.js';

/**
 * What an encoder's `build` gets besides its options: the modality's name, its fitted preprocessing
 * info, its input tensors, the weight seed, the layer-name prefix and the initial-weights kind.
 */
export interface EncoderContext {
  /** The modality's name. */
  readonly modality: string;
  /** The modality's fitted preprocessing: its field names, shapes and vocabularies. */
  readonly info: ModalityInfo;
  /** The model's input tensor of each of the modality's fields, by field name. */
  readonly inputs: Readonly<Record<string, tfl.SymbolicTensor>>;
  /** Seed of the encoder's weights: draw each layer's from it with a LayerContext (model-spec.ts). */
  readonly seed: number;
  /** Prefix of the encoder's layer names (unique in the model). */
  readonly prefix: string;
  /** Initial weights: `glorot`, or `torch` (PyTorch's defaults). */
  readonly init: 'glorot' | 'torch';
}

/** What an encoder's `build` returns: the per-sample vector and, for encoders that have one, the sequence of step vectors with its padding mask. */
export interface EncodedModality {
  /** Shape [batch, width]: the sample's embedding. */
  readonly vector: tfl.SymbolicTensor;
  /** Shape [batch, steps, width]: per-token or per-position embeddings, for sequence fusions. */
  readonly sequence?: tfl.SymbolicTensor;
  /** Shape [batch, steps]: 1 for a real step, 0 for padding, when `sequence` has padding. */
  readonly sequenceMask?: tfl.SymbolicTensor;
}

/** An encoder as registered by name (see {@link findEncoder}): its description, the modality kinds it reads, its options schema and its `build` function. */
export interface RegisteredEncoder<O = unknown> {
  /** The spec's `type`. */
  readonly name: string;
  /** One line, for `jointly info`. */
  readonly description: string;
  /** Modality kinds it reads. */
  readonly kinds: readonly ModalityKind[];
  /** Options (the spec without `type`), with their defaults. */
  readonly options: z.ZodType<O>;
  /** The option names, for error messages. */
  readonly optionNames: readonly string[];
  /** Builds the encoder on the modality's inputs. Throws a ConfigError or ShapeMismatchError with the fix when the fields do not suit it. */
  build(options: O, ctx: EncoderContext): EncodedModality;
}
